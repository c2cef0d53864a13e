"""`attnviz explain`: the notes' walk-through of b^i for one query token and one head."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class Walk:
    """What every step reads: the query i, the head h (0-based) and its numbers."""

    analysis: object
    i: int
    h: int
    dims: int

    def __post_init__(self):
        self.c = self.analysis.config
        self.tokens = [printable(t) for t in self.analysis.tokens]
        self.layer = self.analysis.layers[0]
        self.hd = self.layer.heads[self.h]
        self.masked = ~np.isfinite(self.hd.alpha[self.i])


def render_explain(analysis, console: Console, i: int, h: int, dims: int = 4) -> None:
    """The notes' walk-through of b^i for query i and head h (0-based), one function per step."""
    w = Walk(analysis, i, h, dims)
    console.print(header(analysis))
    console.print(Text(f"\nexplain: query {i} “{w.tokens[i]}”, head {h + 1} of {len(w.layer.heads)}", style="bold"))
    for show in (input_step, query_step, keys_step, scores_step, weights_step, output_step, heads_step):
        show(console, w)


def input_step(console: Console, w: Walk) -> None:
    i, c, a = w.i, w.c, w.analysis.x
    pos = f" + {c['pos_scale']:g}·e^{i} (sinusoidal)" if c["pos"] == "sinusoidal" else ""
    step(console, 1, "input", f"a^{i} = {c['input_norm']}(x^{i}){pos}   [{a.shape[1]}]")
    console.print(f"   a^{i} = {vector_preview(a[i], w.dims)}   ‖a^{i}‖ = {norm(a[i]):.4g}")


def query_step(console: Console, w: Walk) -> None:
    i, h, c, hd = w.i, w.h, w.c, w.hd
    n_head, d_k, d = len(w.layer.heads), hd.q.shape[1], w.analysis.x.shape[1]
    proj = {"identity": f"identity: head {h + 1} takes dimensions {h * d_k}…{(h + 1) * d_k - 1} of a",
            "random": f"random W^q [{d} × {n_head}·{d_k}], seed {c['seed']}", "weights": f"W^q from {c['weights']}"}[c["projection"]]
    step(console, 2, "query", f"q^{i} = a^{i}·W^q   [d_k = {d_k}]")
    console.print(Text(f"   {proj}", style="dim"))
    console.print(f"   q^{i} = {vector_preview(hd.q[i], w.dims)}   ‖q^{i}‖ = {norm(hd.q[i]):.4g}")


def keys_step(console: Console, w: Walk) -> None:
    step(console, 3, "keys and values", "k^j = a^j·W^k,  v^j = a^j·W^v   for every token j")
    t = table("j", "token", f"k^j (first {w.dims})", f"v^j (first {w.dims})")
    for j, tok in enumerate(w.tokens):
        t.add_row(str(j), tok, vector_preview(w.hd.k[j], w.dims), vector_preview(w.hd.v[j], w.dims))
    console.print(t)


def scores_step(console: Console, w: Walk) -> None:
    i, c, hd, score = w.i, w.c, w.hd, w.c["score"]
    formula = {
        "scaled-dot": f"α_{i},j = q^{i}·k^j / √d_k = q·k / {np.sqrt(hd.q.shape[1]):.4g}",
        "dot": f"α_{i},j = q^{i}·k^j",
        "cosine": f"α_{i},j = q^{i}·k^j / (‖q^{i}‖ ‖k^j‖)",
        "additive": f"α_{i},j = wᵀ tanh(W1ᵀq^{i} + W2ᵀk^j)   (d_a = {c.get('d_a')})",
    }[score]
    step(console, 4, "scores", formula)
    t = table("j", "token", "q·k", "α")
    for j, tok in enumerate(w.tokens):
        qk = float(hd.q[i] @ hd.k[j])
        t.add_row(str(j), tok, f"{qk:.4g}" if score != "additive" else "", "masked" if w.masked[j] else f"{hd.alpha[i, j]:.4g}")
    console.print(t)
    if w.masked.any():
        console.print(Text(f"   masked keys ({', '.join(str(j) for j in np.flatnonzero(w.masked))}) are left out of the next step", style="dim"))


def weights_step(console: Console, w: Walk) -> None:
    i, hd, T = w.i, w.hd, w.c["temperature"]
    if w.c["normalize"] != "softmax":
        relu = w.c["normalize"] == "relu"
        step(console, 5, "weights", f"α′_{i},j = max(α_{i},j, 0) / Σ_j' max(α_{i},j', 0)" if relu else f"α′_{i},j = α_{i},j (no normalization)")
        t = table("j", "token", "α′")
        for j, tok in enumerate(w.tokens):
            t.add_row(str(j), tok, f"{hd.alpha_prime[i, j]:.4f}")
        return console.print(t)
    z = stable_exponents(hd.alpha[i, ~w.masked], T)
    e = np.exp(z)
    step(console, 5, "weights", f"α′_{i},j = exp(α_{i},j/T) / Σ_j' exp(α_{i},j'/T),  T = {T:.4g}")
    console.print(Text("   (as exp((α − max α)/T): every exponent ≤ 0, same α′, no overflow at any T)", style="dim"))
    t = table("j", "token", "(α − max)/T", "exp", "α′")
    it = iter(zip(z, e))
    for j, tok in enumerate(w.tokens):
        if w.masked[j]:
            t.add_row(str(j), tok, "", "", "0")
            continue
        zj, ej = next(it)
        t.add_row(str(j), tok, "−∞" if zj == -np.inf else f"{zj:.4g}", f"{ej:.4g}", f"{hd.alpha_prime[i, j]:.4f}")
    console.print(t)
    console.print(f"   Σ exp = {e.sum():.4g};   Σ_j α′_{i},j = {hd.alpha_prime[i].sum():.6f}")


def stable_exponents(alpha_row: np.ndarray, temperature: float) -> np.ndarray:
    """[n_k] unmasked scores -> (α − max α)/T, each ≤ 0; −inf where the gap overflows (exp gives 0),
    never NaN: α/T alone overflows to inf at a tiny T, and inf − inf is NaN."""
    gap = alpha_row - alpha_row.max()
    with np.errstate(over="ignore"):
        return gap / temperature


def output_step(console: Console, w: Walk) -> None:
    i, hd = w.i, w.hd
    step(console, 6, "output", f"b^{i} = Σ_j α′_{i},j v^j")
    t = table("j", "token", "α′", f"α′·v^j (first {w.dims})")
    for j, tok in enumerate(w.tokens):
        if hd.alpha_prime[i, j] != 0:
            t.add_row(str(j), tok, fmt(float(hd.alpha_prime[i, j]), 4), vector_preview(hd.alpha_prime[i, j] * hd.v[j], w.dims))
    console.print(t)
    console.print(Text(f"   b^{i} = {vector_preview(hd.b[i], w.dims)}   ‖b^{i}‖ = {norm(hd.b[i]):.4g}", style="bold"))


def heads_step(console: Console, w: Walk) -> None:
    i, layer, n_head = w.i, w.layer, len(w.layer.heads)
    if n_head == 1 and not w.c["has_wo"]:
        return
    wo = "W^o" if w.c["has_wo"] else "W^o = I (none given)"
    step(console, 7, "heads", f"output^{i} = concat(b^{i}_1 … b^{i}_{n_head}) · {wo}")
    concat = np.concatenate([x.b[i] for x in layer.heads])
    console.print(f"   concat = {vector_preview(concat, w.dims)}   [{n_head}·{w.hd.b.shape[1]} = {concat.size}]")
    console.print(f"   output^{i} = {vector_preview(layer.output[i], w.dims)}   [{layer.output.shape[1]}]")
