"""Heatmap figures (PNG, SVG, PDF): data in, figure out.  matplotlib (Agg) comes from views/fonts.py.

Every function takes arrays and labels and does no attention math.  Masked cells (NaN in α,
or given as a mask) are drawn hatched on gray, never as a 0-colored cell.  Saving (paths checked
first, an atomic write) is views/saving.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cost import pe_inches  # the figure's size; in cost, which estimates a canvas before it is drawn
from ..errors import AttnvizError, UsageError  # noqa: F401  (AttnvizError: tests catch figures.save's errors by it)
from ..i18n import N_, _
from .fonts import _pyplot, font_for  # noqa: F401  (_pyplot: tests close figures through figures._pyplot)
from .saving import MAX_INCHES, check_paths, save  # noqa: F401  (their home before saving.py: present, api, cli, tests)


@dataclass
class Panel:
    """One heatmap: a matrix with its kind ('alpha' diverging around 0, 'alpha-prime' 0 … 1)."""

    matrix: np.ndarray  # [n_q, n_k]; NaN = masked
    kind: str
    title: str
    mask: np.ndarray | None = None  # [n_q, n_k] True where allowed (α′ is 0 where masked, so it needs this)


@dataclass(frozen=True)
class Style:
    """How a figure looks (`show --cmap/--vmax/--title/--no-title`).

    cmap   the colormap of α′ (default viridis); α keeps a diverging map centred at 0
    vmax   the top of α′'s colour scale (default: the largest weight shown, so no panel comes out dark)
    title  None: the default title; "": no title; else this text
    view   None: heatmaps; "lines": the two-column lines view (views/lines_figure.py)
    """

    cmap: str | None = None
    vmax: float | None = None
    title: str | None = None
    view: str | None = None

    def heading(self, default: str) -> str:
        return default if self.title is None else self.title


def check_style(style: Style) -> Style:
    """Refuse an unknown colormap or a vmax that is not a positive number, before any work."""
    if style.vmax is not None and not (np.isfinite(style.vmax) and style.vmax > 0):
        raise UsageError(f"`vmax` must be a positive number (got {style.vmax})", "vmax")
    if style.cmap is not None:
        import matplotlib

        if style.cmap not in matplotlib.colormaps:
            near = [c for c in sorted(matplotlib.colormaps) if c.lower().startswith(style.cmap[:3].lower()) and not c.endswith("_r")]
            raise UsageError(f"`cmap` {style.cmap!r} is not a matplotlib colormap (try "
                             f"{', '.join(near[:6] or ['viridis', 'magma', 'Blues', 'Greys'])})", "cmap")
    return style


def tex_safe(text: str) -> str:
    """User text (a file name, a token) in a figure label: a $ would start mathtext."""
    return text.replace("$", r"\$")


LABEL_ALL = 120  # tokens: up to this many every row and column is labelled; beyond, ~20 numbered ticks
MATRIX_INCHES = 8.0  # beyond LABEL_ALL tokens a matrix panel is at most this wide


def _layout(n: int) -> tuple[float, float]:
    """Inches per cell and label font size for n tokens: big for short sentences, small for long;
    past LABEL_ALL tokens the panel stays MATRIX_INCHES wide (a cell is then a pixel or less)."""
    cell = float(np.clip(7.0 / max(n, 1), 0.2, 0.5))
    if n > LABEL_ALL:
        cell = min(cell, MATRIX_INCHES / n)
    return cell, float(np.clip(cell * 34, 6.5, 11))


def _ticks(axis, count: int, labels: list[str], fontsize: float, rotation: int = 0) -> None:
    """Every label up to LABEL_ALL items, else about 20 ticks numbered from 1 (a label per pixel
    row would be unreadable)."""
    if count <= LABEL_ALL:
        axis.set_ticks(range(count))
        axis.set_ticklabels(labels, rotation=rotation, fontsize=fontsize)
        return
    step = int(np.ceil(count / 20))
    where = list(range(0, count, step))
    axis.set_ticks(where)
    axis.set_ticklabels([str(k + 1) for k in where], rotation=rotation, fontsize=fontsize)


def _draw(ax, panel: Panel, tokens_q, tokens_k, vmin, vmax, cmap, fontsize, values: bool, show_q=True, show_k=True):
    import matplotlib.colors as mcolors

    m = np.asarray(panel.matrix, dtype=float)
    masked = ~np.isfinite(m)
    if panel.mask is not None:
        masked |= ~panel.mask
    data = np.ma.masked_array(np.nan_to_num(m), mask=masked)
    cm = cmap.with_extremes(bad=(0, 0, 0, 0))  # transparent: the hatched gray background shows through
    if masked.any():  # hatching is slow to draw: only where something is masked
        ax.set_facecolor("#d9d9d9")
        ax.patch.set_hatch("////")
        ax.patch.set_edgecolor("#a6a6a6")
    norm = mcolors.TwoSlopeNorm(0.0, vmin, vmax) if panel.kind == "alpha" and vmin < 0 < vmax else mcolors.Normalize(vmin, vmax)
    n_q, n_k = m.shape
    image = ax.imshow(data, cmap=cm, norm=norm, aspect="equal",
                      interpolation="nearest" if max(n_q, n_k) <= 400 else "antialiased")  # more cells than pixels: averaged
    ax.set_xticks([])  # tick objects are costly: none where no label is shown
    ax.set_yticks([])
    if show_k:
        _ticks(ax.xaxis, n_k, tokens_k, fontsize, rotation=90)
    if show_q:
        _ticks(ax.yaxis, n_q, tokens_q, fontsize)
    ax.xaxis.tick_top()
    ax.tick_params(length=0, pad=2)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(panel.title, fontsize=fontsize + 1.5, pad=6)
    if values:
        for i in range(n_q):
            for j in range(n_k):
                if masked[i, j]:
                    continue
                rgba = cm(norm(m[i, j]))
                light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.55
                text = f"{m[i, j]:.2f}".replace("0.", ".", 1) if abs(m[i, j]) < 1 else f"{m[i, j]:.1f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=fontsize * 0.72, color="black" if light else "white")
    return image


LABELS = {"alpha": N_(r"$\alpha_{i,j}$ (score)"), "alpha-prime": N_(r"$\alpha'_{i,j}$ (weight)")}


def label_of(kind: str) -> str:
    """The colorbar / row label of a kind ("alpha", "alpha-prime") in the language in use."""
    return _(LABELS[kind])


def _cmap(kind: str, name: str | None = None):
    """α: diverging RdBu_r (centred at 0); α′: `name` (default viridis)."""
    import matplotlib

    return matplotlib.colormaps["RdBu_r" if kind == "alpha" else (name or "viridis")]


def _range(panels: list[Panel], vmax: float | None = None) -> tuple[float, float]:
    """α: symmetric ±max|α|.  α′: 0 … vmax, default the largest weight shown (1 when there is none)."""
    kind = panels[0].kind
    finite = np.concatenate([p.matrix[np.isfinite(p.matrix)] for p in panels])
    if kind == "alpha":
        top = float(np.abs(finite).max()) if finite.size else 1.0
        return -(top or 1.0), top or 1.0
    if vmax is not None:
        return 0.0, float(vmax)
    top = float(finite.max()) if finite.size else 1.0
    return 0.0, top if top > 0 else 1.0



def pair_figure(tokens: list[str], alpha: np.ndarray, alpha_prime: np.ndarray, title: str,
                mask: np.ndarray | None = None, style: Style = Style(), keys: list[str] | None = None):
    """α (diverging, centred at 0) and α′ (0 … its largest weight, or style.vmax) side by side, each
    with its colorbar.  title: "" for none; keys: the columns' labels (cross-attention; default tokens).
    Returns (figure, warning or None)."""
    plt = _pyplot()
    keys = tokens if keys is None else keys
    families, warning = font_for(tokens + keys + [title])
    n = max(len(tokens), len(keys))
    cell, fontsize = _layout(n)
    side = max(n * cell, 2.5)
    with plt.rc_context({"font.family": families}):
        fig, axes = plt.subplots(1, 2, figsize=(2 * side + 3.2, side + (1.8 if title else 1.2)), constrained_layout=True)
        values = n <= 16
        panels = (Panel(alpha, "alpha", label_of("alpha"), mask),
                  Panel(alpha_prime, "alpha-prime", _(r"$\alpha'_{i,j}$ (weight; rows sum to 1)"), mask))
        for ax, panel in zip(axes, panels):
            vmin, vmax = _range([panel], style.vmax)
            image = _draw(ax, panel, tokens, keys, vmin, vmax, _cmap(panel.kind, style.cmap), fontsize, values)
            fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
        for ax in axes:
            ax.set_ylabel(_("query $i$"), fontsize=fontsize)
            ax.set_xlabel(_("key $j$"), fontsize=fontsize)
            ax.xaxis.set_label_position("top")
        if title:
            fig.suptitle(title, fontsize=max(9.0, fontsize + 1))
    return fig, warning


ROW_MOST = 8  # panels: a longer row of heads wraps into rows of at most this many


def wrap(panels: list, most: int = ROW_MOST) -> list[list]:
    """panels in rows of at most `most`, the rows as even as can be (60 -> 7 × 8 + 4, 12 -> 2 × 6);
    up to `most` panels stay one row."""
    n_rows = -(-len(panels) // most)
    n_cols = max(-(-len(panels) // max(n_rows, 1)), 1)  # no panels: no rows
    return [panels[k:k + n_cols] for k in range(0, len(panels), n_cols)]


def grid_figure(tokens: list[str], rows: list[list[Panel]], row_labels: list[str], title: str, style: Style = Style(),
                keys: list[str] | None = None, key_name: str = ""):
    """A grid of heatmaps (rows × columns: e.g. layers × heads, or one row of settings) laid out
    by hand: panels close together, token labels on the left column and top row only, and one
    colorbar per kind attached to the right of the rows it colours (shared scale).  title: "" for none;
    keys: the columns' labels (cross-attention; default tokens); row_labels: left of each row (its
    layer, or "query i"); key_name: above the top row's key labels ("key j"), "" for none."""
    plt = _pyplot()
    keys = tokens if keys is None else keys
    families, warning = font_for(tokens + keys + [title] + row_labels)
    n_cols, n = max(len(r) for r in rows), max(len(tokens), len(keys))
    cell, fontsize = _layout(n)
    side = min(float(np.clip(n * cell * 0.6, 1.2, 4.5)), max(1.2, 28.0 / n_cols))  # a 12-head row ≈ 30 inches
    labels = n <= 60
    kinds = list(dict.fromkeys(p.kind for r in rows for p in r))
    ranges = {k: _range([p for r in rows for p in r if p.kind == k], style.vmax) for k in kinds}
    small = max(3.5, min(fontsize * min(1.0, side / (n * 0.14)), 0.75 * side * 72 / n))  # ≤ a cell's height
    name_fs, row_fs = max(fontsize, 5 + n_cols * 0.4), max(fontsize, 6 + n_cols * 0.5)
    title_fs = max(9.0, fontsize + 1, 7 + n_cols * 0.8)
    box = _grid_box(tokens + keys if labels else [], small, name_fs, row_fs, title_fs, title, side, len(rows), n_cols,
                    any(row_labels), bool(key_name))
    with plt.rc_context({"font.family": families}):
        fig = plt.figure(figsize=(box.width, box.height))
        images, spans = {}, {}
        for r, row in enumerate(rows):
            for c, p in enumerate(row):
                ax = fig.add_axes(box.panel(r, c))
                vmin, vmax = ranges[p.kind]
                images[p.kind] = _draw(ax, p, tokens, keys, vmin, vmax, _cmap(p.kind, style.cmap), small, values=False,
                                       show_q=labels and c == 0, show_k=labels and r == 0)
                ax.set_title("")
                ax.set_xlabel(p.title, fontsize=name_fs, labelpad=3)  # below: key labels are on top
                if key_name and r == 0:  # above the key labels, as pair_figure's "key j"
                    ax.annotate(key_name, (0.5, 1), xycoords="axes fraction", xytext=(0, box.labels * 72 + 3),
                                textcoords="offset points", ha="center", va="bottom", fontsize=row_fs)
                spans.setdefault(p.kind, []).append(r)
            if row_labels[r]:
                fig.axes[-len(row)].set_ylabel(row_labels[r], fontsize=row_fs)
        for kind, image in images.items():
            bar = fig.colorbar(image, cax=fig.add_axes(box.colorbar(min(spans[kind]), max(spans[kind]))))
            bar.set_label(label_of(kind), fontsize=row_fs)
            bar.ax.tick_params(labelsize=max(fontsize - 1, 6 + n_cols * 0.5))
        if title:
            fig.suptitle(title, fontsize=title_fs, y=1 - 0.12 / box.height, va="top")
    return fig, warning


@dataclass
class _GridBox:
    """Inches of a hand-laid grid: margins, panel side and gaps; positions as figure fractions."""

    left: float
    top: float
    side: float
    wgap: float
    hgap: float
    n_rows: int
    n_cols: int
    bar: float = 0.16  # colorbar width
    bar_gap: float = 0.12
    right: float = 0.9  # colorbar ticks and label
    bottom: float = 0.1
    labels: float = 0.0  # the key labels' height above the top row

    @property
    def width(self) -> float:
        return self.left + self.n_cols * self.side + (self.n_cols - 1) * self.wgap + self.bar_gap + self.bar + self.right

    @property
    def height(self) -> float:
        return self.top + self.n_rows * self.side + self.n_rows * self.hgap + self.bottom

    def panel(self, r: int, c: int) -> list[float]:
        x = self.left + c * (self.side + self.wgap)
        y = self.height - self.top - r * (self.side + self.hgap) - self.side
        return [x / self.width, y / self.height, self.side / self.width, self.side / self.height]

    def colorbar(self, r0: int, r1: int) -> list[float]:
        """Beside rows r0 … r1 (0-based), exactly as tall as their panels."""
        x = self.left + self.n_cols * self.side + (self.n_cols - 1) * self.wgap + self.bar_gap
        top = self.height - self.top - r0 * (self.side + self.hgap)
        bottom = self.height - self.top - r1 * (self.side + self.hgap) - self.side
        return [x / self.width, bottom / self.height, self.bar / self.width, (top - bottom) / self.height]


def _grid_box(tokens: list[str], small: float, name_fs: float, row_fs: float, title_fs: float, title: str,
              side: float, n_rows: int, n_cols: int, row_labels: bool, key_name: bool = False) -> _GridBox:
    """Margins from what is drawn there: token labels (≈ 0.6 em a character), row labels, the name
    of the keys above their labels, the title."""
    from .cells import width  # a wide character (餐) is two cells: ≈ 1.2 em, not 0.6

    label_in = (max(width(t) for t in tokens) * small * 0.6 / 72 + 0.06) if tokens else 0.0
    title_in = (title.count("\n") + 1) * title_fs * 1.45 / 72 + 0.2 if title else 0.1
    left = label_in + (row_fs * 1.5 / 72 + 0.05 if row_labels else 0.0) + 0.05
    key_in = row_fs * 1.5 / 72 + 0.04 if key_name else 0.0
    return _GridBox(left=left, top=title_in + key_in + label_in + 0.05, side=side, wgap=0.06 * side,
                    hgap=name_fs * 1.7 / 72 + 0.08, n_rows=n_rows, n_cols=n_cols, labels=label_in)


def focus_figure(tokens: list[str], i: int, rows: list[tuple[str, np.ndarray, np.ndarray]], title: str):
    """One query's α′ row as horizontal bars, strongest on top, α written beside each bar;
    one chart per (label, α′ row, α row) in rows (e.g. per head).  Tokens are numbered from 1."""
    plt = _pyplot()
    families, warning = font_for(tokens + [title])
    n = len(tokens)
    with plt.rc_context({"font.family": families}):
        fig, axes = plt.subplots(len(rows), 1, figsize=(7.5, len(rows) * max(2.0, 0.28 * n + 1.0) + (0.6 if title else 0.2)),
                                 squeeze=False, constrained_layout=True)
        for ax, (label, alpha_prime_row, alpha_row) in zip(axes[:, 0], rows):
            order = list(np.argsort(-alpha_prime_row, kind="stable"))
            ys = np.arange(n)
            values = np.array([alpha_prime_row[j] for j in order])
            ax.barh(ys, values, color=["#c0392b" if j == i else "#2c7fb8" for j in order], height=0.7)
            ax.set_yticks(ys)
            ax.set_yticklabels([f"{tokens[j]} ({j + 1})" for j in order], fontsize=9)
            ax.invert_yaxis()
            top = float(values.max()) or 1.0
            for y, j in zip(ys, order):
                masked = not np.isfinite(alpha_row[j])
                text = _("masked") if masked else f"{alpha_prime_row[j]:.3f}   ($\\alpha$ = {alpha_row[j]:.3g})"
                ax.text(alpha_prime_row[j] + top * 0.01, y, text, va="center", fontsize=8, color="#555555")
            ax.set_xlim(0, top * 1.45)
            ax.set_xlabel(f"$\\alpha'_{{{i + 1},j}}$: " + _("the weights of query “{token}” ({n}) on each key $j$").format(
                token=tex_safe(tokens[i]), n=i + 1), fontsize=9)
            ax.set_title(label, fontsize=10, loc="left")
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        if title:
            fig.suptitle(title, fontsize=10)
    return fig, warning


def pe_figure(pe: np.ndarray, title: str, shape: tuple[int, int] | None = None):
    """The positional-encoding matrix: positions down, dimensions across, −1 … 1 diverging.
    pe [rows, cols]: the whole matrix, or (shape = (n, d), the true size) evenly spaced rows and
    columns of it (pe_sample), drawn over the axes of the n × d matrix."""
    plt = _pyplot()
    n, d = shape or pe.shape
    width, height = pe_inches(n, d)
    families, warning = font_for([title])
    with plt.rc_context({"font.family": families}):
        fig, ax = plt.subplots(figsize=(width + 1.5, height + 1), constrained_layout=True)
        image = ax.imshow(pe, cmap=_cmap("alpha"), vmin=-1, vmax=1, interpolation="nearest", aspect="auto",
                          extent=(-0.5, d - 0.5, n - 0.5, -0.5))
        ax.set_xlabel(_("dimension $k$ (even $k = 2i$: sin, odd $k = 2i + 1$: cos)"))
        ax.set_ylabel(_("position $p$"))
        ax.set_title(title + "\n" + r"$PE_{p,2i} = \sin(p / 10000^{2i/d})$,   $PE_{p,2i+1} = \cos(p / 10000^{2i/d})$", fontsize=10)
        fig.colorbar(image, ax=ax, shrink=0.8).set_label("$PE_{p,k}$")
    return fig, warning


def pe_sample(n: int, d: int, dpi: int) -> np.ndarray:
    """The n × d sinusoidal encoding at most one row and one column per pixel of pe_figure at dpi
    (evenly spaced, first and last kept): what a nearest-neighbour drawing shows of the whole
    matrix, without the whole matrix (100 000 × 4 096 is 3.3 GB).  -> [rows, cols] float64."""
    width, height = pe_inches(n, d)
    rows, cols = _spaced(n, int(height * dpi)), _spaced(d, int(width * dpi))
    angle = rows[:, None] / np.power(10000.0, (cols - cols % 2)[None, :] / d)  # k = 2i or 2i + 1: 10000^(2i/d)
    return np.where(cols % 2 == 0, np.sin(angle), np.cos(angle))


def _spaced(n: int, m: int) -> np.ndarray:
    """0 … n−1, or m evenly spaced of them when n > m."""
    return np.arange(n) if n <= m else np.unique(np.linspace(0, n - 1, max(m, 2)).round().astype(np.int64))
