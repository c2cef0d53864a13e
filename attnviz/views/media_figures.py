"""Which figure a sound or a picture gets (audio_figure, image_figure draw them).

Several heads are drawn as their mean α′ (each row still sums to 1), and the title says so;
`head` picks one.  Long inputs draw block means and recompute the focus rows (analysis.rows).
"""

from __future__ import annotations

import numpy as np

from ..analysis.results import LongAnalysis
from ..analysis.rows import focus_rows
from ..i18n import _, spoken
from .titles import media_title


def _title(analysis, heads: int, header) -> str:
    """media_title under the kind's terminal header (header: audio_terminal's or image_terminal's)."""
    lines = media_title(analysis, header).splitlines()
    if heads > 1:
        lines[0] += " · " + spoken(_("α′ averaged over the {n} heads (`head` N for one)")).format(n=heads)
    return "\n".join(lines[:2])


def _mean_alpha_prime(analysis) -> np.ndarray:
    """[n, n] the dense analysis's α′, averaged over its heads (masked cells 0)."""
    return np.mean([np.nan_to_num(hd.alpha_prime) for hd in analysis.layers[0].heads], axis=0)


def _heads(analysis) -> int:
    return len(analysis.heads) if isinstance(analysis, LongAnalysis) else len(analysis.layers[0].heads)


def audio(analysis, focus: int | None):
    """α′ over time × time under the spectrogram (block means for a long clip); focus: a frame."""
    from .audio_figure import audio_figure
    from .audio_terminal import header

    s = analysis.sequence.source
    times = np.arange(len(analysis.tokens)) * s.hop_s
    heads = _heads(analysis)
    if isinstance(analysis, LongAnalysis):
        matrix = np.mean([hd.summary for hd in analysis.heads], axis=0)  # [m, m]
        mask = None
    else:
        matrix = _mean_alpha_prime(analysis)
        mask = analysis.layers[0].mask
    row = None if focus is None else focus_rows(analysis, [focus])[:, 0].mean(axis=0)  # [n]
    return audio_figure(times, analysis.sequence.media, matrix, mask, _title(analysis, heads, header), focus, s.hop_s, row)


def image(analysis, focus: list[int] | None):
    """The picture with each focus item's α′ over it; without focus, nine spread queries and the
    whole α′ matrix (a long picture: the nine queries only)."""
    from .image_figure import focus_figure_image, overview_figure_image, spread_cells
    from .image_terminal import header

    s = analysis.sequence.source
    rows, cols, patch = s.rows, s.cols, s.patch
    picture = analysis.sequence.media
    heading = _title(analysis, _heads(analysis), header)
    if not focus and not isinstance(analysis, LongAnalysis):
        return overview_figure_image(picture, _mean_alpha_prime(analysis), rows, cols, heading, patch)
    cells = list(focus) if focus else spread_cells(rows, cols)
    maps = focus_rows(analysis, cells).mean(axis=0)  # [m, n]
    return focus_figure_image(picture, cells, [m.reshape(rows, cols) for m in maps], heading, patch)


def styled_audio(analysis, focus, style=None):
    """(figure, warning or None) for a sound; style: figures.Style (cmap, vmax, title) restyles
    the α′ colours and the title."""
    from .audio_figure import ALPHA_CMAP

    fig, warning = audio(analysis, focus)
    return restyle(fig, ALPHA_CMAP, style), warning


def styled_image(analysis, focus, style=None):
    """(figure, warning or None) for a picture; style as styled_audio's."""
    from .image_figure import HEAT

    fig, warning = image(analysis, focus)
    return restyle(fig, HEAT, style), warning


def restyle(fig, heat: str, style):
    """The α′ images (those drawn with the colormap `heat`, not the spectrogram or the picture)
    get style.cmap and style.vmax; the title becomes style.title ("" removes it)."""
    import matplotlib

    if style is None:
        return fig
    for ax in fig.axes:
        for im in ax.get_images():
            if im.get_cmap().name.removesuffix("_r") != heat:
                continue
            if style.cmap:
                im.set_cmap(matplotlib.colormaps[style.cmap].with_extremes(bad=(0, 0, 0, 0)))
            if style.vmax:
                im.norm.vmax = style.vmax
            if im.colorbar is not None:
                im.colorbar.update_normal(im)
    if style.title is not None and fig._suptitle is not None:
        fig._suptitle.set_text(style.title)
    return fig
