"""The positional-encoding table (what `attnviz pe` prints and saves):

    t = attnviz.positional_encoding(8, 4)
    t.pe                         # [8, 4] PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(…)
    t.table(); t.to_json(); t.save("pe.png")
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np

from ..errors import AttnvizError, UsageError

__all__ = ["PETable", "positional_encoding"]

MAX_LENGTH, MAX_DIM = 100_000, 4096  # as `pe --length`, `--dim` take them
SHOWN = 200  # positions the terminal table prints (views.terminal.render_pe)


def positional_encoding(length: int = 32, dim: int = 64, *, save: list[str] | tuple = (), dpi: int = 150,
                        accept_cost: bool = False, saved: Callable[[str], None] | None = None) -> "PETable":
    """The sinusoidal encoding of `length` positions × `dim` dimensions, as a PETable.  Its cost is
    checked first (refused over 5 minutes unless accept_cost); with `save` (figure paths: .png, .svg,
    .pdf) that check counts the figures, which are drawn before this returns (saved(path) after each)."""
    table = PETable(length, dim)
    if save:
        table.save(*save, dpi=dpi, accept_cost=accept_cost, saved=saved)
    else:
        from ..cost import accepting, check_pe

        with accepting(accept_cost):
            check_pe(length, dim, None)  # the terminal's first SHOWN rows
    return table


class PETable:
    """The n × d sinusoidal positional encoding and its views.  Rows are computed when read: .pe is
    the whole matrix ([length, dim] float64: 3.3 GB at 100 000 × 4 096), .rows the first SHOWN."""

    def __init__(self, length: int, dim: int):
        for name, value, low, high in (("length", length, 1, MAX_LENGTH), ("dim", dim, 2, MAX_DIM)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                raise UsageError(f"`{name}` {value!r}: give a whole number from {low} to {high:,}", name)
        self.length, self.dim = int(length), int(dim)

    def __repr__(self) -> str:
        return f"<attnviz positional encoding: {self.length} positions × {self.dim} dimensions>"

    @property
    def shape(self) -> tuple[int, int]:
        """(length, dim): the whole matrix's, though only the rows read are computed."""
        return self.length, self.dim

    @property
    def pe(self) -> np.ndarray:
        """[length, dim] PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d))."""
        from ..core.positions import sinusoidal

        return sinusoidal(self.length, self.dim)

    @cached_property
    def rows(self) -> np.ndarray:
        """[min(length, SHOWN), dim] the first rows: what table() prints."""
        from ..core.positions import sinusoidal

        return sinusoidal(min(self.length, SHOWN), self.dim)

    def __getitem__(self, index):
        """Rows of the first SHOWN (what views.terminal.render_pe reads, with .shape the whole size)."""
        return self.rows[index]

    def to_dict(self) -> dict:
        """The table as a JSON document (schema attnviz-pe/1): length, dim and every row of pe."""
        return {"schema": "attnviz-pe/1", "length": self.length, "dim": self.dim,
                "formula": "PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d))",
                "pe": self.pe.tolist()}

    def to_json(self) -> str:
        from ..views.jsondoc import dumps

        return dumps(self.to_dict()) + "\n"

    def table(self, width: int = 80, color: bool = False, lang: str | None = None) -> str:
        """What `attnviz pe` prints in a terminal this wide (at most SHOWN positions)."""
        import io

        from ..i18n import using
        from ..views.screen import Screen
        from ..views.terminal import render_pe

        buffer = io.StringIO()
        with using(lang):
            render_pe(self, Screen(buffer, width, "truecolor" if color else None))
        return buffer.getvalue()

    def figure(self, dpi: int = 150, lang: str | None = None):
        """The matplotlib figure `pe --save` draws: at most one row and column a pixel at dpi."""
        from ..i18n import _, using
        from ..views import figures

        with using(lang):
            sample = figures.pe_sample(self.length, self.dim, dpi)  # never the whole n × d
            fig, _warning = figures.pe_figure(sample, _("sinusoidal positional encoding, {n} positions × {d} dimensions").format(
                n=self.length, d=self.dim), self.shape)
        return fig

    def save(self, *paths: str, dpi: int = 150, accept_cost: bool = False, lang: str | None = None,
             saved: Callable[[str], None] | None = None) -> None:
        """Save the figure as .png, .svg or .pdf (what `pe --save` writes).  The paths and the cost (the
        terminal's rows and the figures at dpi) are checked before any is drawn; saved(path) after each."""
        from ..cost import accepting, check_pe
        from ..views import figures

        checked = figures.check_paths([str(p) for p in paths])
        with accepting(accept_cost):
            check_pe(self.length, self.dim, dpi)
        try:
            for path in checked:
                figures.save(self.figure(dpi, lang), path, dpi)
                if saved:
                    saved(path)
        except MemoryError:
            raise AttnvizError(f"out of memory drawing the {self.length:,} × {self.dim:,} positional encoding at {dpi} dpi; "
                               "use a smaller `dpi`, `length` or `dim`") from None
