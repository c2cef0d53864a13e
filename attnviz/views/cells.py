"""Terminal text measured in cells, not characters.

A terminal gives East Asian wide characters (餐, テ, 한, fullwidth ｃ) two cells and combining
marks none, so len() misplaces every column after a Chinese word.  These helpers measure with
rich's cell_len (what rich itself lays out with), cut and pad to a number of cells.
"""

from __future__ import annotations

from rich.cells import cell_len

LABEL_CELLS = 10  # widest token shown whole in a row label (cells: 10 Latin letters, 5 Chinese characters)


def width(text: str) -> int:
    """Cells text takes in a terminal (a wide character 2, a combining mark 0)."""
    return cell_len(text)


def fit(text: str, cells: int, ellipsis: str = "…") -> str:
    """text cut to at most `cells` cells, ending in `ellipsis` when cut (never a half character).

    text      as shown (control characters already made printable)
    cells     the room, ≥ 0
    ellipsis  default "…" (1 cell), appended when something was cut
    """
    if cell_len(text) <= cells:
        return text
    room = cells - cell_len(ellipsis)
    if room < 0:
        return ""
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out) + ellipsis


def pad(text: str, cells: int, align: str = "<") -> str:
    """text fit() into `cells` cells and padded with spaces to exactly that many.

    align  default "<" (left); ">" right
    """
    text = fit(text, cells)
    fill = " " * (cells - cell_len(text))
    return text + fill if align == "<" else fill + text


def label(i: int, token: str, oov: bool, idx_width: int, max_cells: int = LABEL_CELLS) -> str:
    """A row label "i token" (+ "*" when the token had no vector), the token cut to max_cells cells.

    i          the token's index, right-aligned in idx_width characters
    token      as shown (terminal.printable applied)
    oov        True marks it with *
    max_cells  default LABEL_CELLS (10)
    """
    return f"{i:>{idx_width}} {fit(token, max_cells)}{'*' if oov else ''}"
