"""Figure titles: two lines, the source and sizes, then the formulas (and masks) in effect.

One function per kind of analysis (the views table, views/registry.py, says which one each gets);
its own module so that the table and media_figures both import it without importing each other.
"""

from __future__ import annotations

from ..i18n import _, ngettext
from ..inputs.sources import AttentionSource
from .style import saved_run


def media_title(analysis, header) -> str:
    """A sound's or a picture's (dense or long): the first line of its kind's terminal header
    (header(analysis) -> rich Text; the views table names it per kind), then the formulas."""
    from .figures import tex_safe
    from .terminal import figure_title

    first = header(analysis).plain.replace("attnviz · ", "", 1).splitlines()[0]
    return tex_safe(first) + "\n" + figure_title(analysis).split("\n", 1)[1]  # the formulas (and masks) in mathtext


def long_title(analysis) -> str:
    """A long text's (top-k per query): the source, tokens, heads and k, then the formulas in words."""
    from .terminal import describe, source_name

    c, s = analysis.config, analysis.source
    words = describe(c)
    return (f"{source_name(s, c)} · " + ngettext("{n} token", "{n} tokens", len(analysis.tokens)).format(n=f"{len(analysis.tokens):,}")
            + " · " + ngettext("{n} head", "{n} heads", c.heads).format(n=c.heads) + " · "
            + _("top {k} keys").format(k=c.top_k) + f"\n{words['score']}    {words['norm']}")


def dense_title(analysis) -> str:
    """A set of vectors' (text, a matrix): views.terminal.figure_title."""
    from .terminal import figure_title

    return figure_title(analysis)


def model_title(analysis) -> str:
    """A model's: the model, layers × heads, tokens (or queries × keys), then its formulas."""
    c = analysis.config
    which = ((_("layer {l}").format(l=c.layer) if c.layer else ngettext("{n} layer", "{n} layers", c.layers).format(n=c.layers))
             + " × " + (_("head {h}").format(h=c.head) if c.head else ngettext("{n} head", "{n} heads", c.heads).format(n=c.heads)))
    n = len(analysis.tokens)
    count = (ngettext("{n} word", "{n} words", n) if c.words else ngettext("{n} token", "{n} tokens", n)).format(n=n)
    if analysis.keys is not None:
        count = _("{q} queries × {k} keys").format(q=n, k=len(analysis.keys))
    if isinstance(analysis.source, AttentionSource):  # view(): attention computed elsewhere
        return (f"{c.model} · {which} · {count}\n" + (_("α and α′ as a saved run ({saved}) holds them").format(saved=saved_run())
                if c.given == "saved" else _("α given (raw scores)") + r"    $\alpha'_{i,j} = \mathrm{softmax}_j(\alpha_{i,j})$"
                if c.given == "scores" else _("α′ given (weights)") + r"    $\alpha_{i,j} = \ln \alpha'_{i,j} + c_i$"))
    return (f"{c.model} · {which} · {count}\n"
            rf"$\alpha_{{i,j}} = q^i \cdot k^j / \sqrt{{d_k}}$ ($d_k$ = {c.d_k}, " + _("learned $W^q, W^k$")
            + (", " + _("RoPE") if c.positions == "rotary" else "") + ")    "
            + (r"$\alpha'_{i,j} = \mathrm{softmax}_{j \leq i}(\alpha_{i,j})$ (" + _("causal") + ")" if c.causal
               else r"$\alpha'_{i,j} = \mathrm{softmax}_j(\alpha_{i,j})$"))
