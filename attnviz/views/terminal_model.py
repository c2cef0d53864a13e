"""Terminal views of a real encoder's attention: an overview of all heads, and head rankings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.summaries import heads_ranking, special_names, strongest_links
from ..i18n import N_, _, ngettext
from .cells import pad
from .style import cell_style, fmt, printable, seq_rgb, shown_tokens

GIVEN = {"scores": N_("α given (raw scores)   α′_i· = softmax(α_i·)"),  # view(): what was given
         "weights": N_("α′ given (weights)   α = ln α′: the scores up to a constant per row"),
         "saved": N_("α and α′ as a saved run (show --json) holds them")}
PATTERNS = (("special", "["), ("self", "="), ("prev", "<"), ("next", ">"), ("other", "*"))
# a decoder's: no later token to look at; its first token is the attention sink (Xiao et al. 2023)
CAUSAL_PATTERNS = (("sink", "^"), ("self", "="), ("prev", "<"), ("other", "*"))


def special_columns(names: tuple[str | None, str | None]) -> list[str]:
    """Column titles for the cls and sep shares: CLS, SEP for BERT's [CLS], [SEP]; <s>, </s> for RoBERTa's."""
    return [default if name is None else name[1:-1] if name.startswith("[") and name.endswith("]") else name
            for name, default in zip(names, ("CLS", "SEP"))]


def short_name(config: dict) -> str:
    """What a user types: the short name of a packaged model (minilm, smollm2), else the name or path given."""
    from ..models.files import ALIASES

    short = {full: alias for alias, full in reversed(list(ALIASES.items())) if "/" not in alias and "-" not in alias}
    return short.get(config["model"], config["model"])


def model_header(analysis) -> Text:
    c, s = analysis.config, analysis.source
    t = Text()
    t.append("attnviz ", style="bold")
    n = len(analysis.tokens)
    count = (ngettext("{n} word", "{n} words", n) if c["words"] else ngettext("{n} token", "{n} tokens", n)).format(n=n)
    if analysis.keys is not None:
        count = _("cross-attention: {q} queries × {k} keys").format(q=n, k=len(analysis.keys))
    causal = c.get("causal", False)
    t.append(f"· {s['name'].split('/')[-1]} · {layers_heads(c['layers'], c['heads'])} · {count}"
             + (" · " + _("causal") if causal else "") + "\n")
    if causal and c.get("kv_heads", c["heads"]) != c["heads"]:
        t.append(_("{q} query heads, {kv} key/value heads (grouped-query: {g} query heads share each k, v)").format(
            q=c["heads"], kv=c["kv_heads"], g=c["heads"] // c["kv_heads"]) + "\n", style="dim")
    if s["kind"] == "attention":  # view(): attention computed elsewhere
        t.append(_(GIVEN[c.get("given")]) + "\n")
    else:
        rotary = "; " + _("RoPE") if c.get("positions") == "rotary" else ""  # q, k rotated by their positions
        t.append(f"α_ij = q^i·k^j/√d_k (d_k = {c['d_k']}; " + _("learned W^q, W^k") + rotary + ")   α′_i· = softmax(α_i·)\n")
    if causal:
        t.append(_("causal: query i sees only keys j ≤ i (· = masked)") + "\n", style="yellow")
    if analysis.generated and any(analysis.generated):
        t.append(_("+ written by the model (greedy, {n} tokens): their rows are the ones it used to write the next token").format(
            n=sum(analysis.generated)) + "\n", style="cyan")
    if c["words"]:
        t.append(_("word level: α′ summed over a word's key pieces, averaged over its query pieces (rows sum to 1)") + "\n",
                 style="dim")
    t.append(_("tokens, layers and heads are numbered from 1"), style="dim")
    return t


def layers_heads(layers: int, heads: int) -> str:
    """'6 layers × 12 heads' in the language in use."""
    return (ngettext("{n} layer", "{n} layers", layers).format(n=layers) + " × "
            + ngettext("{n} head", "{n} heads", heads).format(n=heads))


def dominant(summary: dict) -> tuple[str, float]:
    """The pattern that takes the largest share of a head's attention, and that share."""
    if "sink" in summary:  # a decoder's head
        shares = {"sink": summary["sink"], "self": summary["self"], "prev": summary["prev"]}
        patterns = CAUSAL_PATTERNS
    else:
        shares = {"special": summary["cls"] + summary["sep"], "self": summary["self"], "prev": summary["prev"],
                  "next": summary["next"]}
        patterns = PATTERNS
    shares["other"] = max(0.0, 1.0 - sum(shares.values()))
    key, mark = max(patterns, key=lambda p: shares[p[0]])
    return mark, shares[key]


def render_overview(analysis, console: Console, top: int = 10) -> None:
    """All heads at a glance (what each mostly attends to), then the strongest word-to-word links."""
    console.print(model_header(analysis))
    color = console.color_system is not None
    console.print(Text("\n" + _("where each head mostly looks, and its mean share of α′:"), style="bold"))
    causal = analysis.config.get("causal", False)
    if causal:
        console.print(Text(_("^ first token (sink)   = self   < previous   * other words"), style="dim"))
    elif analysis.keys is not None:
        special = "/".join(name for name in key_special_names(analysis) if name) or _("special keys")
        console.print(Text(_("[ {special}   * other keys").format(special=special), style="dim"))
    else:
        special = "/".join(name for name in key_special_names(analysis) if name) or _("special tokens")
        console.print(Text(_("[ {special}   = self   < previous   > next   * other words").format(special=special), style="dim"))
    out = Text(no_wrap=True)
    out.append(pad(_("layer"), 5, ">") + "  " + " ".join(pad(_("h{h}").format(h=h), 4) for h in analysis.head_numbers) + "\n",
               style="dim")
    for ln in analysis.layer_numbers:
        out.append(f"{ln:>5}  ")
        for hn in analysis.head_numbers:
            mark, share = dominant(analysis.summaries[(ln, hn)])
            cell = f"{mark}{fmt(share, 3):>3}"
            out.append(cell, style=cell_style(seq_rgb(share)) if color else None)
            out.append(" ")
        out.append("\n")
    console.print(out, end="")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", pad_edge=False)
    for name, just in ((_("layer"), "right"), (_("head"), "right"), (_("query"), "left"), ("", "left"), (_("key"), "left"),
                       ("α′", "right")):
        table.add_column(name, justify=just, no_wrap=True)
    t = [printable(x) for x in shown_tokens(analysis)]
    keys = [printable(x) for x in analysis.key_labels]
    for w, ln, hn, i, j in strongest_links(analysis, top):
        table.add_row(str(ln), str(hn), f"{i + 1} {t[i]}", "→", f"{j + 1} {keys[j]}", fmt(w, 4))
    cross = analysis.keys is not None
    console.print(Text("\n" + (_("strongest links, query → key:") if cross else _("strongest links between words two or more apart:")),
                       style="bold"))
    console.print(table)
    if causal:
        console.print(Text("\n" + sink_line(analysis), style="cyan"))
    console.print(Text("\n" + _("zoom in: --layer L --head H · which heads link A and B? attnviz heads"), style="dim"))


def key_special_names(analysis) -> tuple[str | None, str | None]:
    """special_names() of the keys: the tokens', or cross-attention's keys'."""
    if analysis.keys is not None:
        return special_names(analysis.keys, analysis.key_specials)
    return special_names(analysis.tokens, analysis.specials)


def sink_line(analysis) -> str:
    """A decoder's attention sink, in one line: the mean share of every head's attention on the first token."""
    sinks = [s["sink"] for s in analysis.summaries.values()]
    mean = sum(sinks) / len(sinks)
    many = sum(x > 0.5 for x in sinks)
    first = printable(analysis.tokens[0])
    return _("attention sink: on average {w} of each query's α′ goes to the first token “{t}” ({k} of {n} heads give it "
             "over half); a place to put attention when nothing else is wanted (Xiao et al. 2023)").format(
                 w=fmt(mean, 3), t=first, k=many, n=len(sinks))


def render_heads(analysis, console: Console, i: int | None, j: int | None, top: int) -> None:
    """All heads ranked by α′[from → to] (or listed in order), with their summaries."""
    console.print(model_header(analysis))
    t = [printable(x) for x in shown_tokens(analysis)]
    rows = [(r.get("alpha_prime"), r.get("rank"), r["layer"], r["head"], r["summary"]) for r in heads_ranking(analysis, i, j)]
    if i is not None:
        title = _("heads ranked by α′({query} → {key})").format(query=f"{i + 1} {t[i]}", key=f"{j + 1} {t[j]}")
    else:
        title = _("every head: entropy and where its attention goes (mean share of α′)")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", pad_edge=False)
    causal = analysis.config.get("causal", False)
    keys = ("sink", "self", "prev") if causal else ("cls", "sep", "self", "prev", "next")
    specials = special_columns(key_special_names(analysis))
    names = {"sink": _("first"), "cls": specials[0], "sep": specials[1], "self": _("self"), "prev": _("prev"), "next": _("next")}
    columns = ["#", _("L"), _("H")] + (["α′", _("rank")] if i is not None else []) + [_("bits")] + [names[k] for k in keys]
    for name in columns:
        table.add_column(name, justify="right", no_wrap=True)
    for k, (link, rank, ln, hn, s) in enumerate(rows[:top] if i is not None else rows, start=1):
        cells = [str(k), str(ln), str(hn)]
        if i is not None:
            cells += [fmt(link, 4), f"{rank}/{i + 1 if causal else len(t)}"]  # a decoder's query i sees i keys
        cells += [f"{s['entropy']:.2f}"] + [fmt(s[key], 3) for key in keys]
        table.add_row(*cells)
    console.print(Text("\n" + title, style="bold"))
    console.print(table)
    if i is not None and rows:
        link, rank, ln, hn, _summary = rows[0]
        best = _("best: layer {l} head {h} — “{query}” gives {w} of its attention to “{key}” (its #{rank} key). See it: "
                 "attnviz show --model {model} --layer {l} --head {h} …")
        console.print(Text("\n" + best.format(l=ln, h=hn, query=t[i], w=fmt(link, 4), key=t[j], rank=rank,
                                               model=short_name(analysis.config)), style="cyan"))
    console.print(Text(_("bits: mean row entropy of α′ (0 = one key; log2(n) = uniform)"), style="dim"))
