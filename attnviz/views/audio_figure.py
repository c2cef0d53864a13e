"""The audio figure: α′ over time × time, the spectrogram along the top and the left.

Data in, figure out (save it with figures.save).  Like a speech paper's attention plot: key time
runs left to right, query time top to bottom, both in seconds; the log-mel spectrogram is drawn
above the matrix (time → right, low bands at the bottom) and, mirrored through the diagonal, to its
left (time ↓, low bands on the right), so a row of the matrix lines up with the sound of its query frame and a column
with the sound of its key frame.  Masked cells (outside --window) are hatched gray.  --focus adds
the focus query's α′ over key time as a curve under the top spectrogram, and marks its row.
"""

from __future__ import annotations

import numpy as np

from ..i18n import _
from .fonts import _pyplot, font_for

SPEC_CMAP = "magma"
ALPHA_CMAP = "viridis"
FOCUS_COLOR = "#e6550d"


def _extent(times: np.ndarray, hop_s: float | None) -> tuple[float, float, float]:
    """[n] frame start times -> (first start, end of the last hop, hop)."""
    hop = hop_s if hop_s is not None else (float(times[1] - times[0]) if len(times) > 1 else 0.01)
    return float(times[0]), float(times[-1]) + hop, hop


def _alpha_norm(alpha_prime: np.ndarray, allowed: np.ndarray | None):
    """α′ colour scale: 0 … the 99.5th percentile of the allowed cells, square-root scaled (most
    cells are ≪ the diagonal's; a linear scale would show only the diagonal).  Returns the norm and
    whether some cells exceed the top (the colour bar then gets an arrow)."""
    import matplotlib.colors as mcolors

    values = alpha_prime[allowed] if allowed is not None else alpha_prime.ravel()
    values = values[np.isfinite(values)]
    top = float(np.quantile(values, 0.995)) if values.size else 1.0
    top = top if top > 0 else (float(values.max()) if values.size and values.max() > 0 else 1.0)
    return mcolors.PowerNorm(0.5, vmin=0.0, vmax=top), bool(values.size and values.max() > top)


def _heatmap(ax, alpha_prime, mask, t0, t1, norm):
    import matplotlib

    masked = ~np.isfinite(alpha_prime)
    if mask is not None:
        masked = masked | ~mask
    data = np.ma.masked_array(np.nan_to_num(alpha_prime), mask=masked)
    cmap = matplotlib.colormaps[ALPHA_CMAP].with_extremes(bad=(0, 0, 0, 0))
    if masked.any():  # the hatched gray background shows through the transparent masked cells
        ax.set_facecolor("#d9d9d9")
        ax.patch.set_hatch("////")
        ax.patch.set_edgecolor("#a6a6a6")
    image = ax.imshow(data, cmap=cmap, norm=norm, interpolation="nearest", aspect="auto",
                      extent=(t0, t1, t1, t0))
    ax.set_xlim(t0, t1)
    ax.set_ylim(t1, t0)
    return image


def _spectrograms(ax_top, ax_left, spectrogram, t0, t1):
    """[n, bands] dB: above the matrix (time →, bands ↑) and to its left (time ↓, bands ←): the
    low bands touch the matrix on both sides, as a reflection through its diagonal."""
    bands = spectrogram.shape[1]
    lo, hi = np.percentile(spectrogram, [2, 99.8]) if spectrogram.size else (0.0, 1.0)
    kw = dict(cmap=SPEC_CMAP, vmin=lo, vmax=hi, interpolation="nearest", aspect="auto")
    ax_top.imshow(spectrogram.T, origin="lower", extent=(t0, t1, 0, bands), **kw)
    ax_left.imshow(spectrogram, extent=(bands, 0, t1, t0), **kw)
    ax_left.set_xlim(bands, 0)
    ax_top.set_ylabel(_("mel band"), fontsize=8)
    ax_left.set_xlabel(_("mel band"), fontsize=8)
    ax_top.set_yticks([0, bands])
    ax_left.set_xticks([bands, 0])
    for label, ha in zip(ax_left.get_xticklabels(), ("left", "right")):  # clear of the matrix's "0"
        label.set_horizontalalignment(ha)
    ax_top.tick_params(labelbottom=False, labelsize=7)
    ax_left.tick_params(labelsize=7)
    ax_left.set_ylabel(_("query time i (s)"), fontsize=9)


def _focus_curve(ax, times, row, hop, t0, t1, i, label):
    """α′ of the focus query over key time, as a step curve with its query time marked."""
    ax.fill_between(np.append(times, times[-1] + hop), np.append(row, row[-1]), step="post",
                    color=FOCUS_COLOR, alpha=0.35, linewidth=0)
    ax.step(np.append(times, times[-1] + hop), np.append(row, row[-1]), where="post", color=FOCUS_COLOR, linewidth=0.9)
    ax.axvline(times[i] + hop / 2, color="#333333", linewidth=0.8, linestyle=":")
    ax.set_xlim(t0, t1)
    ax.set_ylim(0, max(float(np.nanmax(row)) * 1.1, 1e-9))
    ax.set_ylabel("α′", fontsize=9)
    ax.tick_params(labelbottom=False, labelsize=7)
    ax.set_title(_("α′ of the query at {t} over key time").format(t=label), fontsize=8, loc="right", pad=2, color=FOCUS_COLOR)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def audio_figure(times: np.ndarray, spectrogram: np.ndarray, alpha_prime: np.ndarray, mask: np.ndarray | None,
                 title: str, focus: int | None = None, hop_s: float | None = None,
                 focus_row: np.ndarray | None = None):
    """α′ over time × time with the spectrogram along the top and left axes.

    times        [n] frame start times in seconds (times[i] labels frame i)
    spectrogram  [n, bands] log-mel in dB (Sequence.media)
    alpha_prime  [n, n] α′ per frame, or [m, m] block means over m equal runs of frames (long
                 inputs: BlockMeans) drawn over the same time span
    mask         [n, n] True where allowed, or None; masked cells are hatched (only with [n, n])
    focus        a frame index: its α′ over key time as a curve under the top spectrogram, its row
                 marked; focus_row [n] overrides that curve (e.g. rebuilt from top-k keys)
    hop_s        seconds between frame starts (default times[1] − times[0])
    Returns (figure, warning or None)."""
    plt = _pyplot()
    families, warning = font_for([title])
    t0, t1, hop = _extent(np.asarray(times, dtype=float), hop_s)
    m = alpha_prime.shape[0]
    allowed = mask if mask is not None and mask.shape == alpha_prime.shape else None
    norm, clipped = _alpha_norm(alpha_prime, allowed)
    has_focus = focus is not None
    heights = [1.0] + ([0.8] if has_focus else []) + [5.6]
    with plt.rc_context({"font.family": families, "hatch.linewidth": 0.6}):
        fig = plt.figure(figsize=(7.6, 1.2 + sum(heights)))
        gs = fig.add_gridspec(len(heights), 3, height_ratios=heights, width_ratios=[1.0, 5.6, 0.16],
                              hspace=0.06, wspace=0.09, left=0.11, right=0.9, top=0.905, bottom=0.08)
        ax = fig.add_subplot(gs[-1, 1])
        ax_top = fig.add_subplot(gs[0, 1], sharex=ax)
        ax_left = fig.add_subplot(gs[-1, 0], sharey=ax)
        image = _heatmap(ax, alpha_prime, allowed, t0, t1, norm)
        _spectrograms(ax_top, ax_left, spectrogram, t0, t1)
        ax.tick_params(labelleft=False, labelsize=8)
        ax.set_xlabel(_("key time j (s)"), fontsize=9)
        if has_focus:
            row = focus_row if focus_row is not None else alpha_prime[focus * m // len(times)]
            row_times = np.asarray(times, dtype=float) if len(row) == len(times) else t0 + np.arange(m) * (t1 - t0) / m
            row_hop = hop if len(row) == len(times) else (t1 - t0) / m
            _focus_curve(fig.add_subplot(gs[1, 1], sharex=ax), row_times, row, row_hop, t0, t1,
                         int(np.searchsorted(row_times, times[focus], side="right") - 1), f"{times[focus]:.2f}s")
            for a in (ax, ax_left):
                a.axhline(times[focus] + hop / 2, color=FOCUS_COLOR, linewidth=1.3, linestyle=(0, (4, 2)))
            ax_top.axvline(times[focus] + hop / 2, color="white", linewidth=0.8, linestyle=":")
        bar = fig.colorbar(image, cax=fig.add_subplot(gs[-1, 2]), extend="max" if clipped else "neither")
        bar.set_label(_("α′ (weight; √ colour scale)"), fontsize=9)
        bar.ax.tick_params(labelsize=7)
        fig.suptitle(title, fontsize=10, x=0.5)
    return fig, warning
