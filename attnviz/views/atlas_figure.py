"""The atlas as a figure: one layers × heads heatmap per score, every panel the same size and layout.
Data in, figure out (saved by figures.save)."""

from __future__ import annotations

import numpy as np

from ..analysis.atlas import ROLES, SCORES
from ..i18n import N_, _
from .fonts import _pyplot, font_for

SHARES = {"sink", "special", "self", "previous", "next", "breadth", "induction", "duplicate"}  # 0 … 1 on one scale
TITLES = {"sink": N_("sink"), "special": N_("special tokens"), "self": N_("self"), "previous": N_("previous token"),
          "next": N_("next token"), "distance": N_("mean distance (tokens)"), "entropy": N_("entropy (bits)"),
          "breadth": N_("breadth (entropy / log2 keys)"), "induction": N_("induction (probe)"),
          "duplicate": N_("duplicate token (probe)")}


def atlas_figure(atlas, title: str | None = None):
    """A 2 × 5 grid of heatmaps (rows: layers from 1 at the top; columns: heads from 1), shares on
    0 … 1, distance and entropy on their own range; the cells of heads passing a role's threshold are
    outlined in that score's panel.  Returns (figure, warning or None)."""
    plt = _pyplot()
    title = _("attention heads of {model}: scores per layer and head").format(model=atlas.model.split("/")[-1]) \
        if title is None else title
    families, warning = font_for([title] + [_(t) for t in TITLES.values()])
    layers, heads = atlas.layers, atlas.heads
    cell = min(0.28, 6.0 / max(layers, 1), 3.2 / max(heads, 1))
    w, h = max(heads * cell, 1.6) + 0.9, max(layers * cell, 1.6) + 0.7
    thresholds = {r.score: r.threshold for r in ROLES}
    with plt.rc_context({"font.family": families}):
        fig, axes = plt.subplots(2, 5, figsize=(5 * w, 2 * h + (0.5 if title else 0)), constrained_layout=True)
        for ax, name in zip(axes.ravel(), SCORES):
            panel(ax, atlas.scores[name], name, thresholds.get(name))
        if title:
            fig.suptitle(title, fontsize=11)
    return fig, warning


def panel(ax, values: np.ndarray, name: str, threshold: float | None) -> None:
    """One score's heatmap [layers, heads] with its colorbar; heads at or over threshold outlined."""
    layers, heads = values.shape
    share = name in SHARES
    image = ax.imshow(values, cmap="viridis", vmin=0.0, vmax=1.0 if share else max(float(values.max()), 1e-9),
                      aspect="auto", interpolation="nearest")
    ax.set_title(_(TITLES[name]), fontsize=9)
    ax.set_xticks(ticks(heads))
    ax.set_xticklabels([str(t + 1) for t in ticks(heads)], fontsize=6)
    ax.set_yticks(ticks(layers))
    ax.set_yticklabels([str(t + 1) for t in ticks(layers)], fontsize=6)
    ax.set_xlabel(_("head"), fontsize=7)
    ax.set_ylabel(_("layer"), fontsize=7)
    if threshold is not None:
        for ln, hn in zip(*np.nonzero(values >= threshold)):
            ax.add_patch(_rect(hn, ln))
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    bar.ax.tick_params(labelsize=6)


def ticks(n: int) -> list[int]:
    """Tick positions (0-based) for n rows or columns: every one up to 12, else about 8."""
    step = 1 if n <= 12 else int(np.ceil(n / 8))
    return list(range(0, n, step))


def _rect(x: int, y: int):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=1.0)
