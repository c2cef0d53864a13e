"""Figures for a picture (#14): a query pixel or patch outlined in red, its α′ laid over the picture.

Data in, figure out (save with views.figures.save): nothing here computes attention.  Maps are
α′ rows reshaped to the item grid [rows, cols]; the picture [H, W, 3] is what the items cover,
so a cell is H / rows pixels (1 for pixels, P for patches).  α′ is drawn on a shared logarithmic
colour scale over a dimmed grey copy of the picture: over n pixels a weight is about 1/n, a
window's weights about 1/9, and only a log scale shows both.  Cells with α′ = 0 (masked) or NaN
get no colour: the grey picture shows through.
"""

from __future__ import annotations

import functools

import numpy as np

from ..i18n import _
from .fonts import _pyplot, font_for

DECADES = 3.0  # the colour scale spans max α′ / 10³ … max α′; weaker weights are drawn as the weakest
HEAT = "inferno"


def _grid_shape(picture: np.ndarray, amap: np.ndarray) -> int:
    """Pixels per cell side: H / rows (checks that the map fits the picture)."""
    H, W = picture.shape[:2]
    rows, cols = amap.shape
    if H % rows or W % cols or H // rows != W // cols:
        raise ValueError(f"an α′ map of {rows} × {cols} cells does not tile a {H} × {W} picture")
    return H // rows


def _norm(maps: list[np.ndarray]):
    """One LogNorm for every map: max α′ over all of them down DECADES decades."""
    import matplotlib.colors as mcolors

    top = max((float(np.nanmax(m)) for m in maps if np.isfinite(m).any()), default=1.0)
    top = top if top > 0 else 1.0
    return mcolors.LogNorm(top / 10**DECADES, top, clip=True)


def _grey(picture: np.ndarray) -> np.ndarray:
    """[H, W, 3] -> [H, W, 3] a mid, low-contrast grey copy the heat colours stand out on."""
    luminance = picture @ np.array([0.299, 0.587, 0.114], dtype=picture.dtype)  # [H, W]
    return np.repeat((0.35 + 0.3 * luminance)[:, :, None], 3, axis=2)


def _box(ax, index: int, cols: int, cell: int, number: int | None = None) -> None:
    """The query's cell outlined in red (over a thin white line, visible on any colour)."""
    from matplotlib.patches import Rectangle

    r, c = divmod(index, cols)
    for colour, width in (("white", 4.0), ("red", 2.0)):
        ax.add_patch(Rectangle((c * cell - 0.5, r * cell - 0.5), cell, cell, fill=False, edgecolor=colour, linewidth=width))
    if number is not None:
        ax.text(c * cell + cell / 2 - 0.5, r * cell - 0.9, str(number), color="red", fontsize=9, fontweight="bold",
                ha="center", va="bottom")


def _bare(ax, title: str, fontsize: float = 9.0) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=fontsize)


def _overlay(ax, picture: np.ndarray, amap: np.ndarray, index: int, norm, title: str, fontsize: float = 9.0):
    """The grey picture, α′ as heat cells on top (0 and NaN transparent), the query boxed in red."""
    import matplotlib

    cell = _grid_shape(picture, amap)
    H, W = picture.shape[:2]
    ax.imshow(_grey(picture), interpolation="nearest", extent=(-0.5, W - 0.5, H - 0.5, -0.5))
    shown = np.where(amap > 0, amap, np.nan)  # α′ = 0: a masked key, nothing to colour
    cmap = matplotlib.colormaps[HEAT].with_extremes(bad=(0, 0, 0, 0))
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, norm=norm, alpha=0.85, interpolation="nearest",
                      extent=(-0.5, W - 0.5, H - 0.5, -0.5))
    _box(ax, index, amap.shape[1], cell)
    _bare(ax, title, fontsize)
    return image


def _item_name(index: int, cols: int, patch: int | None) -> str:
    r, c = divmod(index, cols)
    return (_("patch ({row},{col})") if patch else _("pixel ({row},{col})")).format(row=r + 1, col=c + 1)


def _fonts(draw):
    """Run a figure function (…, title, …) with fonts that draw its title and labels (CJK included);
    a missing glyph in the title is its warning."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        title = kwargs.get("title", next((a for a in args if isinstance(a, str)), ""))
        families, warning = font_for([title])
        with _pyplot().rc_context({"font.family": families}):
            fig, _none = draw(*args, **kwargs)
        return fig, warning
    return wrapper


@_fonts
def focus_figure_image(picture: np.ndarray, focus_cells: list[int], alpha_prime_maps: list[np.ndarray], title: str,
                       patch: int | None = None):
    """The picture with each query outlined in red, then each query's α′ over the picture.

    picture [H, W, 3] in [0, 1]; focus_cells: 0-based item indices (row-major, as parse_cell gives);
    alpha_prime_maps: one [rows, cols] α′ map per focus cell (the query's α′ row reshaped);
    patch (default None): P when the items are P × P patches (only named in titles).
    Several focus cells make a grid, at most 4 panels a row, on one shared colour scale.
    Returns (figure, warning or None) like views.figures."""
    plt = _pyplot()
    cols = alpha_prime_maps[0].shape[1]
    panels = 1 + len(focus_cells)
    per_row = min(panels, 4)
    n_rows = -(-panels // per_row)
    aspect = picture.shape[0] / picture.shape[1]
    side = 3.4
    fig, axes = plt.subplots(n_rows, per_row, figsize=(per_row * side + 1.0, n_rows * side * aspect + 1.1),
                             squeeze=False, constrained_layout=True)
    flat = list(axes.flat)
    flat[0].imshow(picture, interpolation="nearest", extent=(-0.5, picture.shape[1] - 0.5, picture.shape[0] - 0.5, -0.5))
    cell = _grid_shape(picture, alpha_prime_maps[0])
    for number, index in enumerate(focus_cells, 1):
        _box(flat[0], index, cols, cell, number if len(focus_cells) > 1 else None)
    _bare(flat[0], _("the picture: {h} × {w} pixels").format(w=picture.shape[1], h=picture.shape[0])
          + (", " + _("{p} × {p} patches").format(p=patch) if patch else ""))
    norm = _norm(alpha_prime_maps)
    image = None
    for k, (index, amap) in enumerate(zip(focus_cells, alpha_prime_maps)):
        prefix = f"{k + 1}: " if len(focus_cells) > 1 else ""
        image = _overlay(flat[k + 1], picture, amap, index, norm,
                         prefix + _("α′ of the query {item}").format(item=_item_name(index, cols, patch)))
    for ax in flat[panels:]:
        ax.axis("off")
    _colorbar(fig, image, flat[:panels])
    fig.suptitle(title, fontsize=10)
    return fig, None


def _colorbar(fig, image, axes) -> None:
    bar = fig.colorbar(image, ax=axes, shrink=0.8, pad=0.02)
    bar.set_label(_("α′ (weight; log scale)"), fontsize=9)


@_fonts
def compare_figure_image(picture: np.ndarray, focus: int, settings: list[tuple[str, np.ndarray]], title: str,
                         patch: int | None = None):
    """One query under several settings (e.g. self-attention vs --window 1: a CNN's 3 × 3 receptive
    field), side by side on one shared colour scale, after the picture with the query outlined.

    picture [H, W, 3]; focus: the 0-based item index; settings: (label, α′ map [rows, cols]) pairs;
    patch (default None): P for patches (only named in titles).  Returns (figure, None)."""
    plt = _pyplot()
    cols = settings[0][1].shape[1]
    panels = 1 + len(settings)
    aspect = picture.shape[0] / picture.shape[1]
    side = 3.4
    fig, axes = plt.subplots(1, panels, figsize=(panels * side + 1.0, side * aspect + 1.2), squeeze=False,
                             constrained_layout=True)
    axes = list(axes[0])
    axes[0].imshow(picture, interpolation="nearest", extent=(-0.5, picture.shape[1] - 0.5, picture.shape[0] - 0.5, -0.5))
    _box(axes[0], focus, cols, _grid_shape(picture, settings[0][1]))
    _bare(axes[0], _("query: {item}").format(item=_item_name(focus, cols, patch)))
    norm = _norm([m for _label, m in settings])
    image = None
    for ax, (label, amap) in zip(axes[1:], settings):
        keys = int((amap > 0).sum())
        image = _overlay(ax, picture, amap, focus, norm,
                         label + "\n" + _("(α′ > 0 on {k} of {n} keys)").format(k=f"{keys:,}", n=f"{amap.size:,}"))
    _colorbar(fig, image, axes)
    fig.suptitle(title, fontsize=10)
    return fig, None


def spread_cells(rows: int, cols: int, per_side: int = 3) -> list[int]:
    """per_side × per_side evenly spread item indices (fewer on a small grid), row-major."""
    rs = sorted(set(np.linspace(0, rows - 1, min(per_side, rows) + 2)[1:-1].round().astype(int).tolist()))
    cs = sorted(set(np.linspace(0, cols - 1, min(per_side, cols) + 2)[1:-1].round().astype(int).tolist()))
    return [r * cols + c for r in rs for c in cs]


@_fonts
def overview_figure_image(picture: np.ndarray, alpha_prime: np.ndarray, rows: int, cols: int, title: str,
                          patch: int | None = None):
    """Without --focus: a few evenly spread queries' α′ over the picture, and the whole α′ matrix.

    picture [H, W, 3]; alpha_prime [n, n] (n = rows·cols, row-major items); patch (default None):
    P for patches (only named in titles).  Returns (figure, None)."""
    plt = _pyplot()
    queries = spread_cells(rows, cols)
    k = int(round(len(queries) ** 0.5)) if len(queries) in (1, 4, 9) else len(queries)
    grid_rows, grid_cols = -(-len(queries) // k), k
    aspect = picture.shape[0] / picture.shape[1]
    small = 1.9
    fig = plt.figure(figsize=(grid_cols * small + 6.2, max(grid_rows * small * aspect, 5.0) + 1.0), constrained_layout=True)
    outer = fig.add_gridspec(1, 2, width_ratios=[grid_cols * small, 5.2])
    left = outer[0].subgridspec(grid_rows, grid_cols)
    maps = [alpha_prime[i].reshape(rows, cols) for i in queries]
    norm = _norm([alpha_prime])
    for q, (index, amap) in enumerate(zip(queries, maps)):
        ax = fig.add_subplot(left[q // grid_cols, q % grid_cols])
        image = _overlay(ax, picture, amap, index, norm, _item_name(index, cols, patch), fontsize=8)
    ax = fig.add_subplot(outer[1])
    _matrix(ax, alpha_prime, rows, cols, norm)
    _colorbar(fig, image, [ax])  # one scale for the queries and the matrix: the bar beside the matrix
    fig.suptitle(title, fontsize=10)
    return fig, None


def _matrix(ax, alpha_prime: np.ndarray, rows: int, cols: int, norm) -> None:
    """The n × n α′ matrix (rows: queries, columns: keys, both row-major), ticks at picture rows."""
    import matplotlib

    n = rows * cols
    cmap = matplotlib.colormaps[HEAT].with_extremes(bad="#d9d9d9")
    ax.imshow(np.ma.masked_less_equal(alpha_prime, 0), cmap=cmap, norm=norm, aspect="equal",
              interpolation="nearest" if n <= 400 else "antialiased")  # more cells than pixels: averaged, no moiré
    step = max(1, int(np.ceil(rows / 8)))
    ticks = [r * cols - 0.5 for r in range(0, rows, step)]
    names = [_("row {r}").format(r=r + 1) for r in range(0, rows, step)]
    ax.set_xticks(ticks, names, rotation=90, fontsize=7)
    ax.set_yticks(ticks, names, fontsize=7)
    ax.tick_params(length=3)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel(_("key j ({n} items, row by row)").format(n=f"{n:,}"), fontsize=8)
    ax.set_ylabel(_("query i"), fontsize=8)
    ax.set_title(_("the whole α′ matrix") + (" " + _("(grey: 0, masked)") if (alpha_prime <= 0).any() else ""), fontsize=9)
