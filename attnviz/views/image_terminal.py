"""A picture and one query's α′ in the terminal (#14): rich Text, data in, renderable out.

With colour (a truecolor terminal) each character shows two pixels: '▀' with the upper pixel as
its foreground and the lower one as its background, so a 32 × 32 picture takes 32 columns and
16 lines.  Without colour each pixel is two shade characters wide and one line high (a square),
shaded by the rank of its brightness among the picture's distinct brightnesses over the 5 shades
" ░▒▓█" (see `shades`), so flat areas of different colours stay apart; no escape codes (hue is
lost: a red and a blue of equal brightness look alike).  The α′ grid is drawn the same way and the same size, so
it lines up with the picture: brighter = more weight, blank = exactly 0 (a masked key), red (or
"[]" without colour) = the query.  Wider pictures are averaged down to fit `max_width` columns.
"""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text

from ..i18n import _, ngettext, spoken

from .style import SHADES, seq_rgb

QUERY_RGB = (230, 20, 20)  # the query cell: red, a colour the viridis heat scale never takes


def factor(width: int, color: bool, max_width: int = 80) -> int:
    """Pixels averaged into one drawn pixel so `width` pixels fit max_width columns
    (a pixel is 1 column with colour, 2 without)."""
    return max(1, math.ceil(width * (1 if color else 2) / max_width))


def shrink(a: np.ndarray, f: int) -> np.ndarray:
    """[H, W, ...] -> [⌈H/f⌉, ⌈W/f⌉, ...] means over f × f blocks (partial blocks at the edges)."""
    if f == 1:
        return a
    H, W = a.shape[:2]
    rows, cols = np.arange(0, H, f), np.arange(0, W, f)
    sums = np.add.reduceat(np.add.reduceat(a.astype(np.float64), rows, axis=0), cols, axis=1)
    counts = np.outer(np.minimum(rows + f, H) - rows, np.minimum(cols + f, W) - cols)
    return sums / counts.reshape(counts.shape + (1,) * (a.ndim - 2))


def _rgb(pixel) -> tuple[int, int, int]:
    return tuple(int(round(min(max(float(v), 0.0), 1.0) * 255)) for v in pixel[:3])


def _css(rgb) -> str:
    return f"rgb({rgb[0]},{rgb[1]},{rgb[2]})"


def _halves(colours: list[list[tuple | None]]) -> Text:
    """[rows][cols] of RGB or None (blank) -> half-block lines: two rows per line."""
    out = Text(no_wrap=True, overflow="crop")
    for r in range(0, len(colours), 2):
        upper, lower = colours[r], colours[r + 1] if r + 1 < len(colours) else [None] * len(colours[r])
        for top, bottom in zip(upper, lower):
            if top is None and bottom is None:
                out.append(" ")
            elif top is None:
                out.append("▄", style=Style(color=_css(bottom)))
            else:
                out.append("▀", style=Style(color=_css(top), bgcolor=_css(bottom) if bottom is not None else None))
        out.append("\n")
    return out


def picture_text(picture: np.ndarray, color: bool, max_width: int = 80) -> Text:
    """[H, W, 3] in [0, 1] -> the picture as rich Text: truecolor half-blocks when color, else
    brightness shades two characters wide.  max_width (default 80): columns it may take."""
    small = shrink(picture, factor(picture.shape[1], color, max_width))  # [h, w, 3]
    if color:
        return _halves([[_rgb(p) for p in row] for row in small])
    shade = shades(small[:, :, :3] @ np.array([0.299, 0.587, 0.114]))  # [h, w] indices into SHADES
    out = Text(no_wrap=True, overflow="crop")
    for row in shade:
        out.append("".join(SHADES[k] * 2 for k in row) + "\n")
    return out


def shades(luminance: np.ndarray) -> np.ndarray:
    """[h, w] brightness in [0, 1] -> [h, w] indices into SHADES by rank among the picture's distinct
    brightnesses (in 1/255 steps), not by value: a few flat colours (the notes' red square, sky and
    grass) each keep a shade of their own, the brightest █ and the next ones ▓ ▒ ░, none blank; with
    more than len(SHADES) of them the ranks spread evenly over all shades, darkest blank."""
    levels, rank = np.unique(np.round(luminance * 255), return_inverse=True)
    rank = rank.reshape(luminance.shape)
    top = len(SHADES) - 1
    if len(levels) <= top:
        return rank + (top + 1 - len(levels))
    return np.round(rank * top / (len(levels) - 1)).astype(int)


def _query_cells(focus: int, rows: int, cols: int, cell: int, f: int) -> np.ndarray:
    """[h, w] True on the drawn pixels that are mostly the query's cell (at least one)."""
    r, c = divmod(focus, cols)
    where = np.zeros((rows * cell, cols * cell, 1))
    where[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell] = 1.0
    cover = shrink(where, f)[:, :, 0]  # [h, w] the share of each drawn pixel the query covers
    return cover >= 0.5 if (cover >= 0.5).any() else cover == cover.max()


def alpha_grid_text(alpha_prime_map: np.ndarray, focus: int, color: bool, cell: int = 1, max_width: int = 80,
                    scale: float | None = None) -> Text:
    """[rows, cols] one query's α′ over the items -> rich Text the same shape as picture_text of
    the picture (cell: pixels per item side, P for patches; default 1).  Brightness: α′ over the
    largest α′ on another item (the query's own weight often dwarfs the rest); blank: α′ = 0; the query (focus, a 0-based item index) red, or "[]" without colour.  A last
    line says what the largest weight is.  max_width (default 80): columns it may take."""
    rows, cols = alpha_prime_map.shape
    r, c = divmod(focus, cols)
    rest = np.delete(alpha_prime_map.reshape(-1), focus)
    strongest = float(rest.max()) if rest.size else 0.0
    drawn = alpha_prime_map.astype(np.float64)  # the query is drawn red: its own α′_ii, often far larger than
    drawn[r, c] = strongest  # the rest, must not set the scale nor brighten the pixels it shares when averaged
    f = factor(cols * cell, color, max_width)
    small = shrink(np.kron(drawn, np.ones((cell, cell)))[:, :, None], f)[:, :, 0]  # [h, w]
    query = _query_cells(focus, rows, cols, cell, f)
    top = scale if scale else strongest  # scale: one brightness for several grids (a comparison)
    t = np.minimum(small / top, 1.0) if top > 0 else small
    if color:
        grid = [[QUERY_RGB if q else (seq_rgb(v) if w > 0 else None) for v, w, q in zip(tr, wr, qr)]
                for tr, wr, qr in zip(t, small, query)]
        out = _halves(grid)
    else:
        out = Text(no_wrap=True, overflow="crop")
        for tr, wr, qr in zip(t, small, query):
            out.append("".join("[]" if q else ("  " if w <= 0 else SHADES[1 + min(int(v * 4), 3)] * 2)
                               for v, w, q in zip(tr, wr, qr)) + "\n")
    own = float(alpha_prime_map[r, c])
    mark = _("red") if color else "[]"
    out.append(_("{mark}: query ({row},{col}), α′ on itself {own} · brightest: α′ = {top} · blank: 0").format(
        mark=mark, row=r + 1, col=c + 1, own=f"{own:.3g}", top=f"{strongest:.3g}"), style="dim")  # this grid's own
    if scale:  # a comparison: its full shade is the largest α′ of every grid, which this one may not reach
        out.append("\n" + _("full shade: α′ = {top}, one scale for every setting").format(top=f"{top:.3g}"), style="dim")
    return out


def header(analysis) -> Text:
    """The picture, its items and the formulas in effect (two or three lines)."""
    from .header import describe, heads_count

    s, c = analysis.sequence.source, analysis.config
    words = describe(c, grid=True)
    n = s.rows * s.cols
    size = dict(rows=s.rows, cols=s.cols, n=f"{n:,}", patch=s.patch)
    items = (ngettext("{rows} × {cols} = {n} patch of {patch} × {patch} px",
                      "{rows} × {cols} = {n} patches of {patch} × {patch} px", n).format(**size)
             if s.patch else ngettext("{rows} × {cols} = {n} pixel", "{rows} × {cols} = {n} pixels", n).format(**size))
    t = Text()
    t.append("attnviz ", style="bold")
    t.append(f"· {s.name} · {items} ({s.dim}-d) · {heads_count(c.heads)}\n")
    t.append(f"{words['score']}    {words['norm']}\n")
    if words["masks"]:
        field = " " + _("(a {k} × {k} receptive field)").format(k=2 * c.window + 1) if c.window is not None else ""
        t.append(_("masks: {masks}").format(masks=words["masks"]) + field + "\n", style="yellow")
    return t


def render_image(analysis, console, focus: list[int] | None = None) -> None:
    """The picture, then each focus item's α′ as a grid of the picture's shape, per head.
    Without focus: the centre item, said so."""
    from ..analysis.rows import focus_rows
    from .header import fit_header

    s = analysis.sequence.source
    rows, cols, cell = s.rows, s.cols, s.patch or 1
    color = console.color_system is not None
    width = min(console.width, 100)
    console.print(fit_header(header(analysis), console), end="")
    console.print(picture_text(analysis.sequence.media, color, width), end="")
    chosen = list(focus) if focus else [(rows // 2) * cols + cols // 2]
    maps = focus_rows(analysis, chosen)  # [H, m, n]
    for k, index in enumerate(chosen):
        r, c = divmod(index, cols)
        for h in range(maps.shape[0]):
            head = " · " + _("head {h}").format(h=h + 1) if maps.shape[0] > 1 else ""
            how = "" if focus else " " + spoken(_("(the centre; `focus` ROW,COL picks another)"))
            console.print(Text("\n" + _("α′ of the query ({row},{col})").format(row=r + 1, col=c + 1) + f"{head}{how}:", style="bold"))
            console.print(alpha_grid_text(maps[h, k].reshape(rows, cols), index, color, cell, width))
    console.print(Text(_("next: ") + spoken("`focus` ROW,COL · `window` 1 ") + _("(a {k} × {k} receptive field)").format(k=3)
                       + spoken(" · `save` x.html"), style="dim"))  # .png too; one name keeps the line within 80 columns
