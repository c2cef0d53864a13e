"""The lines view as a figure (bertviz's head view, for papers): queries in a left column, keys in a
right one, a line from query i to key j with opacity α′_ij, one colour per head, each head in its
own lane of the row — what the page's lines view draws (html_assets/attnviz.js), as data in, figure out."""

from __future__ import annotations

import numpy as np

from ..i18n import _

HEAD_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
               "#17becf", "#393b79", "#ad494a")  # the page's HEAD_COLORS
LINE_MIN = 0.01  # lines with α′ below this are not drawn (the page's LINE_MIN)
MAX_ITEMS = 200  # rows a column can label legibly


def head_color(h: int) -> str:
    """Head h's colour (0-based), as the page's headColor()."""
    if h < len(HEAD_COLORS):
        return HEAD_COLORS[h]
    import colorsys

    r, g, b = colorsys.hls_to_rgb((h * 137.5) % 360 / 360, 0.45, 0.65)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def lines_figure(tokens: list[str], panels: list[tuple[str, list[tuple[int, np.ndarray]]]], title: str,
                 focus: int | None = None, specials: list[bool] | None = None, keys: list[str] | None = None,
                 key_specials: list[bool] | None = None):
    """panels: (name, [(head number from 1, α′ [n_q, n_k])]) — one two-column picture each, side by side.
    focus: only query focus's lines (0-based).  keys: the right column's labels (cross-attention;
    default tokens).  Returns (figure, warning or None)."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgb

    from .fonts import _pyplot, font_for

    plt = _pyplot()
    keys, key_specials = (tokens, specials) if keys is None else (keys, key_specials)
    families, warning = font_for(tokens + keys + [title])
    n = max(len(tokens), len(keys))
    row = 0.22  # inches per token
    width, height = 3.6 * len(panels), max(2.0, n * row + 1.0) + (0.5 if title else 0)
    with plt.rc_context({"font.family": families}):
        fig, axes = plt.subplots(1, len(panels), figsize=(width, height), squeeze=False, constrained_layout=True)
        for ax, (name, heads) in zip(axes[0], panels):
            _panel(ax, (tokens, keys), heads, name, focus, (specials or [False] * len(tokens), key_specials or [False] * len(keys)),
                   LineCollection, to_rgb)
        if title:
            fig.suptitle(title, fontsize=9)
        numbers = sorted({h for _name, heads in panels for h, _a in heads})
        if len(numbers) > 1:
            handles = [plt.Line2D([], [], color=head_color(h - 1), lw=2) for h in numbers]
            fig.legend(handles, [_("head {h}").format(h=h) for h in numbers], loc="outside lower center",
                       ncol=min(len(numbers), 6), fontsize=7, frameon=False)
    return fig, warning


def _panel(ax, sides, heads, name, focus, specials, LineCollection, to_rgb) -> None:
    n = max(len(s) for s in sides)
    x1, x2 = 0.0, 1.0
    span = 0.7 if len(heads) > 1 else 0.0  # each head its own lane across the row: colours never blend
    step = span / max(len(heads), 1)
    for k, (h, a) in enumerate(heads):
        lane = (k + 0.5) * step - span / 2
        i, j = np.nonzero(a >= LINE_MIN)
        if focus is not None:
            keep = i == focus
            i, j = i[keep], j[keep]
        segments = [((x1, q + lane), (x2, key + lane)) for q, key in zip(i, j)]
        rgb = to_rgb(head_color(h - 1))
        colors = [(*rgb, float(min(a[q, key], 1.0))) for q, key in zip(i, j)]
        ax.add_collection(LineCollection(segments, colors=colors, linewidths=1.6 if len(heads) > 1 else 2.0))
    for side, x, ha, labels, flags in (("q", x1, "right", sides[0], specials[0]), ("k", x2, "left", sides[1], specials[1])):
        for t, (label, special) in enumerate(zip(labels, flags)):
            on = side == "q" and focus == t
            ax.text(x - 0.03 if side == "q" else x + 0.03, t, label, ha=ha, va="center", fontsize=8,
                    color="#888888" if special else "#000000", fontweight="bold" if on else "normal")
    ax.text(x1 - 0.03, -1.1, _("query i"), ha="right", va="center", fontsize=7, color="#666666")
    ax.text(x2 + 0.03, -1.1, _("key j"), ha="left", va="center", fontsize=7, color="#666666")
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(n - 0.5, -1.6)
    ax.set_title(name, fontsize=8)
    ax.axis("off")
