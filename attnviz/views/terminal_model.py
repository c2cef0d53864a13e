"""Terminal views of a real encoder's attention: an overview of all heads, and head rankings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.summaries import heads_ranking, strongest_links
from .style import cell_style, fmt, printable, seq_rgb

PATTERNS = (("special", "[", "[CLS]/[SEP]"), ("self", "=", "self"), ("prev", "<", "previous word"),
            ("next", ">", "next word"), ("other", "*", "other words"))


def short_name(config: dict) -> str:
    """What a user types: minilm for the packaged MiniLM, else the name or path given."""
    from ..inputs.model import MINILM

    return "minilm" if config["model"] == MINILM else config["model"]


def model_header(analysis) -> Text:
    c, s = analysis.config, analysis.source
    t = Text()
    t.append("attnviz ", style="bold")
    unit = "words" if c["words"] else "tokens"
    t.append(f"· {s['name'].split('/')[-1]} · {c['layers']} layers × {c['heads']} heads · {len(analysis.tokens)} {unit}\n")
    t.append(f"α_ij = q^i·k^j/√d_k (d_k = {c['d_k']}; learned W^q, W^k)   α′_i· = softmax(α_i·)\n")
    if c["words"]:
        t.append("word level: α′ summed over a word's key pieces, averaged over its query pieces (rows sum to 1)\n", style="dim")
    t.append("tokens, layers and heads are numbered from 1", style="dim")
    return t


def dominant(summary: dict) -> tuple[str, float]:
    """The pattern that takes the largest share of a head's attention, and that share."""
    shares = {"special": summary["cls"] + summary["sep"], "self": summary["self"], "prev": summary["prev"],
              "next": summary["next"]}
    shares["other"] = max(0.0, 1.0 - sum(shares.values()))
    key, mark, _ = max(PATTERNS, key=lambda p: shares[p[0]])
    return mark, shares[key]


def render_overview(analysis, console: Console, top: int = 10) -> None:
    """All heads at a glance (what each mostly attends to), then the strongest word-to-word links."""
    console.print(model_header(analysis))
    color = console.color_system is not None
    console.print(Text("\nwhere each head mostly looks, and its mean share of α′:", style="bold"))
    console.print(Text("[ [CLS]/[SEP]   = self   < previous   > next   * other words", style="dim"))
    out = Text(no_wrap=True)
    out.append("layer  " + " ".join(f"h{h:<3}"[:4] for h in analysis.head_numbers) + "\n", style="dim")
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
    for name, just in (("layer", "right"), ("head", "right"), ("query", "left"), ("", "left"), ("key", "left"), ("α′", "right")):
        table.add_column(name, justify=just, no_wrap=True)
    t = [printable(x) for x in analysis.tokens]
    for w, ln, hn, i, j in strongest_links(analysis, top):
        table.add_row(str(ln), str(hn), f"{i + 1} {t[i]}", "→", f"{j + 1} {t[j]}", fmt(w, 4))
    console.print(Text("\nstrongest links between words two or more apart:", style="bold"))
    console.print(table)
    console.print(Text("\nzoom in: --layer L --head H · which heads link A and B? attnviz heads", style="dim"))


def render_heads(analysis, console: Console, i: int | None, j: int | None, top: int) -> None:
    """All heads ranked by α′[from → to] (or listed in order), with their summaries."""
    console.print(model_header(analysis))
    t = [printable(x) for x in analysis.tokens]
    rows = [(r.get("alpha_prime"), r.get("rank"), r["layer"], r["head"], r["summary"]) for r in heads_ranking(analysis, i, j)]
    if i is not None:
        title = f"heads ranked by α′({i + 1} {t[i]} → {j + 1} {t[j]})"
    else:
        title = "every head: entropy and where its attention goes (mean share of α′)"
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", pad_edge=False)
    columns = (["#", "L", "H"] + (["α′", "rank"] if i is not None else []) + ["bits", "CLS", "SEP", "self", "prev", "next"])
    for name in columns:
        table.add_column(name, justify="right", no_wrap=True)
    for k, (link, rank, ln, hn, s) in enumerate(rows[:top] if i is not None else rows, start=1):
        cells = [str(k), str(ln), str(hn)]
        if i is not None:
            cells += [fmt(link, 4), f"{rank}/{len(t)}"]
        cells += [f"{s['entropy']:.2f}"] + [fmt(s[key], 3) for key in ("cls", "sep", "self", "prev", "next")]
        table.add_row(*cells)
    console.print(Text("\n" + title, style="bold"))
    console.print(table)
    if i is not None and rows:
        link, rank, ln, hn, _ = rows[0]
        console.print(Text(f"\nbest: layer {ln} head {hn} — “{t[i]}” gives {fmt(link, 4)} of its attention to “{t[j]}” "
                           f"(its #{rank} key). See it: attnviz show --model {short_name(analysis.config)} --layer {ln} --head {hn} …", style="cyan"))
    console.print(Text("bits: mean row entropy of α′ (0 = one key; log2(n) = uniform)", style="dim"))
