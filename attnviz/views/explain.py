"""`attnviz explain`: the notes' walk-through of b^i for one query token and one head."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .style import fmt, printable
from .terminal import header, norm, vector_preview


def step(console: Console, number: int, title: str, formula: str) -> None:
    console.print(Text.assemble(("\n" + f"{number}. {title}", "bold"), ("   " + formula, "cyan")))


def table(*columns: str) -> Table:
    t = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim", pad_edge=False)
    for c in columns:
        t.add_column(c, no_wrap=True, justify="right" if c in ("j", "q·k", "α", "α/T", "exp(α/T − max)", "α′", "max(α,0)") else "left")
    return t


def render_explain(analysis, console: Console, i: int, h: int, dims: int = 4) -> None:
    c = analysis.config
    tokens, layer = [printable(t) for t in analysis.tokens], analysis.layers[0]
    hd = layer.heads[h]
    n_head, d_k = len(layer.heads), hd.q.shape[1]
    a = analysis.x
    console.print(header(analysis))
    console.print(Text(f"\nexplain: query {i} “{tokens[i]}”, head {h + 1} of {n_head}", style="bold"))

    pos = f" + {c['pos_scale']:g}·e^{i} (sinusoidal)" if c["pos"] == "sinusoidal" else ""
    step(console, 1, "input", f"a^{i} = {c['input_norm']}(x^{i}){pos}   [{a.shape[1]}]")
    console.print(f"   a^{i} = {vector_preview(a[i], dims)}   ‖a^{i}‖ = {norm(a[i]):.4g}")

    proj = {"identity": f"identity: head {h + 1} takes dimensions {h * d_k}…{(h + 1) * d_k - 1} of a",
            "random": f"random W^q [{a.shape[1]} × {n_head}·{d_k}], seed {c['seed']}", "weights": f"W^q from {c['weights']}"}[c["projection"]]
    step(console, 2, "query", f"q^{i} = a^{i}·W^q   [d_k = {d_k}]")
    console.print(Text(f"   {proj}", style="dim"))
    console.print(f"   q^{i} = {vector_preview(hd.q[i], dims)}   ‖q^{i}‖ = {norm(hd.q[i]):.4g}")

    step(console, 3, "keys and values", "k^j = a^j·W^k,  v^j = a^j·W^v   for every token j")
    t = table("j", "token", f"k^j (first {dims})", f"v^j (first {dims})")
    for j, tok in enumerate(tokens):
        t.add_row(str(j), tok, vector_preview(hd.k[j], dims), vector_preview(hd.v[j], dims))
    console.print(t)

    score = c["score"]
    formula = {
        "scaled-dot": f"α_{i},j = q^{i}·k^j / √d_k = q·k / {np.sqrt(d_k):.4g}",
        "dot": f"α_{i},j = q^{i}·k^j",
        "cosine": f"α_{i},j = q^{i}·k^j / (‖q^{i}‖ ‖k^j‖)",
        "additive": f"α_{i},j = wᵀ tanh(W1ᵀq^{i} + W2ᵀk^j)   (d_a = {c.get('d_a')})",
    }[score]
    step(console, 4, "scores", formula)
    masked = ~np.isfinite(hd.alpha[i])
    t = table("j", "token", "q·k", "α")
    for j, tok in enumerate(tokens):
        qk = float(hd.q[i] @ hd.k[j])
        t.add_row(str(j), tok, f"{qk:.4g}" if score != "additive" else "", "masked" if masked[j] else f"{hd.alpha[i, j]:.4g}")
    console.print(t)
    if masked.any():
        console.print(Text(f"   masked keys ({', '.join(str(j) for j in np.flatnonzero(masked))}) are left out of the next step", style="dim"))

    normalization, T = c["normalize"], c["temperature"]
    allowed = ~masked
    if normalization == "softmax":
        z = hd.alpha[i, allowed] / T
        e = np.exp(z - z.max())
        step(console, 5, "weights", f"α′_{i},j = exp(α_{i},j/T) / Σ_j' exp(α_{i},j'/T),  T = {T:.4g}")
        console.print(Text("   (every α/T is shifted by the row's max before exp: same α′, no overflow)", style="dim"))
        t = table("j", "token", "α/T", "exp(α/T − max)", "α′")
        it = iter(zip(z, e))
        for j, tok in enumerate(tokens):
            if masked[j]:
                t.add_row(str(j), tok, "", "", "0")
                continue
            zj, ej = next(it)
            t.add_row(str(j), tok, f"{zj:.4g}", f"{ej:.4g}", f"{hd.alpha_prime[i, j]:.4f}")
        console.print(t)
        console.print(f"   Σ exp = {e.sum():.4g};   Σ_j α′_{i},j = {hd.alpha_prime[i].sum():.6f}")
    else:
        title = f"α′_{i},j = max(α_{i},j, 0) / Σ_j' max(α_{i},j', 0)" if normalization == "relu" else f"α′_{i},j = α_{i},j (no normalization)"
        step(console, 5, "weights", title)
        t = table("j", "token", "α′")
        for j, tok in enumerate(tokens):
            t.add_row(str(j), tok, f"{hd.alpha_prime[i, j]:.4f}")
        console.print(t)

    step(console, 6, "output", f"b^{i} = Σ_j α′_{i},j v^j")
    t = table("j", "token", "α′", f"α′·v^j (first {dims})")
    for j, tok in enumerate(tokens):
        if hd.alpha_prime[i, j] != 0:
            t.add_row(str(j), tok, fmt(float(hd.alpha_prime[i, j]), 4), vector_preview(hd.alpha_prime[i, j] * hd.v[j], dims))
    console.print(t)
    console.print(Text(f"   b^{i} = {vector_preview(hd.b[i], dims)}   ‖b^{i}‖ = {norm(hd.b[i]):.4g}", style="bold"))

    if n_head > 1 or c["has_wo"]:
        wo = "W^o" if c["has_wo"] else "W^o = I (none given)"
        step(console, 7, "heads", f"output^{i} = concat(b^{i}_1 … b^{i}_{n_head}) · {wo}")
        concat = np.concatenate([x.b[i] for x in layer.heads])
        console.print(f"   concat = {vector_preview(concat, dims)}   [{n_head}·{hd.b.shape[1]} = {concat.size}]")
        console.print(f"   output^{i} = {vector_preview(layer.output[i], dims)}   [{layer.output.shape[1]}]")
