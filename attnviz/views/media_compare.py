"""`--compare` on a sound or a picture: the same query under each setting.

A picture: the query's α′ as a grid per setting in the terminal (and one line per setting with
what changed), and compare_figure_image (one shared colour scale) for --save.  A sound: per
setting the focus frame's α′ curve over time, or without a focus the α′ between stretches of time.
Each kind's parts are named by the views table (views/registry.py, COMPARE); nothing here asks
which kind an input is.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from ..i18n import _


def middle(comparison) -> int:
    """A sound's query when no `focus` names one: the middle frame."""
    return len(comparison.tokens) // 2


def centre(comparison) -> int:
    """A picture's query when no `focus` names one: the centre item."""
    s = comparison.sequence.source
    return (s.rows // 2) * s.cols + s.cols // 2


def _focus(focus, default: int) -> int:
    """The query: the first `focus`, else the kind's default (middle, centre)."""
    if focus:
        return focus[0] if isinstance(focus, list) else focus
    return default


def render_media_compare(comparison, console, focus, panels, default) -> None:
    """Terminal: the input's header, the query's α′ under each setting, what changed.  The views
    table (views/registry.py) gives the kind's own parts: panels(comparison, console, query) draws
    the settings (picture_panels, sound_panels); default(comparison) is the query without `focus`."""
    from .compare import compare_header, setting_line
    from .header import fit_header
    from .style import repeated

    console.print(fit_header(compare_header(comparison), console))
    panels(comparison, console, _focus(focus, default(comparison)))
    console.print(Text("\n" + _("what changed · bits: row entropy · self: mean α′_ii"), style="bold"))
    twice = repeated(comparison.tokens)
    width = max(len(setting.label) for setting in comparison.settings)
    for setting in comparison.settings:
        console.print(Text(f"{setting.label:<{width}}  {setting_line(setting, comparison.tokens, twice)}"), no_wrap=True,
                      overflow="ellipsis")


def picture_panels(comparison, console, i: int) -> None:
    """The picture, then query i's α′ as a grid per setting, on one brightness scale."""
    from .image_terminal import alpha_grid_text, picture_text

    s = comparison.sequence.source
    width = min(console.width, 100)
    color = console.color_system is not None
    console.print(picture_text(comparison.sequence.media, color, width), end="")
    others = [np.delete(setting.alpha_prime[i], i) for setting in comparison.settings]
    top = max((float(o.max()) for o in others if o.size), default=0.0) or None  # one brightness scale for every grid
    for setting in comparison.settings:
        row = setting.alpha_prime[i].reshape(s.rows, s.cols)
        console.print(Text("\n" + _("{setting}: α′ of the query {item}").format(setting=setting.label, item=comparison.tokens[i]),
                           style="bold"))
        console.print(alpha_grid_text(row, i, color, s.patch or 1, width, scale=top))


def sound_panels(comparison, console, i: int) -> None:
    """Frame i's α′ curve over key time, one line per setting, over a time ruler."""
    from .audio_terminal import curve, time_ruler

    hop = comparison.sequence.source.hop_s
    t1 = len(comparison.tokens) * hop
    width = max(20, min(console.width - 9, 100))
    lab_w = max(len(s.label) for s in comparison.settings)
    console.print(Text("\n" + _("α′ of the frame at {t} over key time, per setting").format(t=comparison.tokens[i]), style="bold"))
    for setting in comparison.settings:
        console.print(Text.assemble((f"{setting.label:<{lab_w}} ", "dim"), (curve(setting.alpha_prime[i], width), "cyan")),
                      no_wrap=True, overflow="crop")
    console.print(Text(" " * (lab_w + 1) + time_ruler(0.0, t1, width), style="dim"), no_wrap=True, overflow="crop")


def picture_compare_figure(comparison, focus, style=None):
    """The query (`focus`, else the centre) under each setting on one colour scale
    (image_figure.compare_figure_image).  Returns (figure, warning)."""
    from .compare import compare_title
    from .image_figure import HEAT, compare_figure_image
    from .media_figures import restyle

    s = comparison.sequence.source
    i = _focus(focus, centre(comparison))
    settings = [(setting.label, setting.alpha_prime[i].reshape(s.rows, s.cols)) for setting in comparison.settings]
    fig, warning = compare_figure_image(comparison.sequence.media, i, settings, compare_title(comparison), s.patch)
    return restyle(fig, HEAT, style), warning


def audio_compare_figure(comparison, style=None):
    """One α′ panel per setting (compare.compare_figure) on the scale of the audio figure: square
    root, 0 … the 99.5th percentile of the weights (a frame's few neighbours would else leave every
    other cell black); style.vmax overrides the top."""
    import matplotlib.colors as mcolors
    import numpy as np

    from .compare import compare_figure

    fig, warning = compare_figure(comparison, style)
    values = np.concatenate([s.alpha_prime[np.isfinite(s.alpha_prime) & (s.alpha_prime > 0)] for s in comparison.settings])
    top = (style.vmax if style is not None and style.vmax else float(np.quantile(values, 0.995)) if values.size else 1.0)
    for ax in fig.axes:
        for im in ax.get_images():
            if im.get_cmap().name.startswith(("RdBu", "coolwarm", "bwr")):
                continue  # an α panel keeps its diverging scale
            im.set_norm(mcolors.PowerNorm(0.5, vmin=0.0, vmax=top))
            if im.colorbar is not None:
                im.colorbar.update_normal(im)
                im.colorbar.set_label(_("α′ (weight; √ colour scale)"))
    return fig, warning
