"""The figure of tokens (text, a matrix's items, a model's tokens): one query's bars, α and α′ side
by side, a grid of heads (or the model's layers × heads with rollout), or the lines view.

The views table (views/registry.py) picks dense_figure or model_figure; a sound or a picture has its
own (media_figures).  Each returns (matplotlib figure, warning or None).
"""

from __future__ import annotations

from ..i18n import _


def _common(analysis, focus, style, heading: str, layer_label):
    """(figure, warning) for what every token figure draws alike (lines view, focus, one head), or
    None with the tokens and keys for the caller's grid.  layer_label(l): a lines panel's name."""
    from . import figures
    from .style import printable, shown_tokens

    tokens = [printable(t) for t in shown_tokens(analysis)]
    heads, mask = analysis.layers[0].heads, analysis.layers[0].mask
    keys = [printable(t) for t in analysis.keys] if getattr(analysis, "keys", None) is not None else None
    if style.view == "lines":
        from .lines_figure import lines_figure

        panels = [(layer_label(ln), [(hn, hd.alpha_prime) for hn, hd in zip(analysis.head_numbers, layer.heads)])
                  for ln, layer in zip(analysis.layer_numbers, analysis.layers)]
        return lines_figure(tokens, panels, heading, focus, getattr(analysis, "specials", None), keys,
                            getattr(analysis, "key_specials", None)), tokens, keys
    if focus is not None:
        rows = [(_("head {h}").format(h=analysis.head_numbers[h]), hd.alpha_prime[focus], hd.alpha[focus]) for h, hd in enumerate(heads)]
        return figures.focus_figure(tokens, focus, rows, heading), tokens, keys
    if len(heads) == 1 and len(analysis.layers) == 1:
        return figures.pair_figure(tokens, heads[0].alpha, heads[0].alpha_prime, heading, mask, style, keys), tokens, keys
    return None, tokens, keys


def dense_figure(analysis, focus, matrix, style, title: str):
    """A set of vectors' figure; several heads: a grid of α′ (matrix both | alpha: also or only α), more
    than figures.ROW_MOST heads wrapped into several rows."""
    from . import figures

    heading = style.heading(title)
    done, tokens, _keys = _common(analysis, focus, style, heading, lambda ln: "")
    if done is not None:
        return done
    heads, mask = analysis.layers[0].heads, analysis.layers[0].mask
    kinds = {"both": ["alpha", "alpha-prime"], "alpha": ["alpha"]}.get(matrix, ["alpha-prime"])
    grid = []
    for kind in kinds:  # many heads wrap: rows of at most figures.ROW_MOST
        grid += figures.wrap([figures.Panel(getattr(hd, kind.replace("-", "_")), kind,
                                            _("head {h}").format(h=analysis.head_numbers[h]), mask) for h, hd in enumerate(heads)])
    labels = [_("query $i$")] * len(grid)  # rows are queries, as in pair_figure; the colorbars name α and α′
    return figures.grid_figure(tokens, grid, labels, heading, style, key_name=_("key $j$"))


def model_figure(analysis, focus, matrix, style, title: str):
    """A model's figure; several heads or layers: the layers × heads grid of α′, with the rollout
    when there are several layers (not for cross-attention)."""
    from . import figures

    heading = style.heading(title)
    done, tokens, keys = _common(analysis, focus, style, heading, lambda ln: _("layer {l}").format(l=ln))
    if done is not None:
        return done
    grid = [[figures.Panel(hd.alpha_prime, "alpha-prime", f"L{ln} H{hn}", layer.mask) for hn, hd in zip(analysis.head_numbers, layer.heads)]
            for ln, layer in zip(analysis.layer_numbers, analysis.layers)]
    labels = [_("layer {l}").format(l=ln) for ln in analysis.layer_numbers]
    if len(analysis.layers) > 1 and keys is None:  # cross-attention has no rollout
        grid.append([figures.Panel(analysis.rollout, "alpha-prime", _("rollout (all layers)"), analysis.layers[0].mask)])
        labels.append(_("rollout"))
    return figures.grid_figure(tokens, grid, labels, heading, style, keys)
