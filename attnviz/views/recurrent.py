"""`attnviz explain --recurrent --causal --score linear --normalize sum`: linear attention walked as an RNN.

Data in (an analysis whose head h is causal linear attention), text out: the states S_j, z_j token by
token up to the query, b^i from the last state, and its difference from the parallel form's b^i.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from rich.console import Console
from rich.text import Text

from ..core.linear import recurrent
from ..errors import UsageError
from ..i18n import _, spoken
from .explain import step, table
from .style import printable
from .header import fit_header, header
from .terminal import vector_preview

ROWS_ALL = 24  # up to this many steps the walk lists them all; beyond, the first and last ROWS_END
ROWS_END = 8


def check_recurrent(config) -> None:
    """The recurrent form is causal linear attention and nothing else: refuse any other setting.
    config: an analysis's config or Options (fields); a plain dict of them still reads (the CLI's check)."""
    if isinstance(config, dict):
        config = SimpleNamespace(**config)
    if not config.causal:
        raise UsageError("`recurrent` walks causal attention (token i sees j ≤ i, as an RNN reads): add `causal`", "causal")
    if config.score != "linear" or config.normalize != "sum":
        raise UsageError(f"`recurrent` is linear attention's recurrent form: use `score` linear and `normalize` sum "
                         f"(got {config.score} and {config.normalize})", "score")
    extra = [name for name in ("window", "edges", "graph") if getattr(config, name) is not None] + (["no_self"] if config.no_self else [])
    if extra:
        raise UsageError(f"`recurrent` keeps every earlier token in its state; drop `{extra[0]}`", extra[0])


def render_recurrent(analysis, console: Console, i: int, h: int, dims: int = 4) -> None:
    """Query i, head h (0-based): the recurrence S_j, z_j for j = 1 … i+1, then b^i and the difference."""
    check_recurrent(analysis.config)
    hd = analysis.layers[0].heads[h]
    tokens = [printable(t) for t in analysis.tokens]
    n, m = len(tokens), i + 1
    r = recurrent(hd.q, hd.k, hd.v)
    console.print(fit_header(header(analysis), console))
    console.print(Text("\n" + spoken(_("explain `recurrent`: linear attention as an RNN, query {n} “{token}”, head {h} of {heads}")).format(
        n=m, token=tokens[i], h=h + 1, heads=len(analysis.layers[0].heads)), style="bold"))
    step(console, 1, _("feature map"), "φ(x) = elu(x) + 1 > 0,   α_ij = φ(q^i)·φ(k^j),   α′_ij = α_ij / Σ_{j′≤i} α_ij′")
    step(console, 2, _("state, token by token"), "S_j = S_{j−1} + φ(k^j) v^jᵀ,   z_j = z_{j−1} + φ(k^j),   S_0 = 0, z_0 = 0")
    d_k, d_v = hd.q.shape[1], hd.v.shape[1]
    console.print(Text("   " + _("the state is S [{d_k} × {d_v}] and z [{d_k}], whatever the length").format(d_k=d_k, d_v=d_v), style="dim"))
    first = _("(first {n})").format(n=dims)
    t = table("j", "token", "‖S_j‖", f"φ(k^j) {first}", f"z_j {first}")
    shown = list(range(m)) if m <= ROWS_ALL else list(range(ROWS_END)) + [None] + list(range(m - ROWS_END, m))
    for j in shown:
        if j is None:
            t.add_row("⋮", "", "", "", "")
            continue
        t.add_row(str(j + 1), tokens[j], f"{r.s_norm[j]:.4g}", vector_preview(r.fk[j], dims), vector_preview(r.z[j], dims))
    console.print(t)
    step(console, 3, _("output from the state"), f"b^{m} = φ(q^{m})ᵀ S_{m} / φ(q^{m})ᵀ z_{m}")
    console.print(f"   φ(q^{m}) = {vector_preview(r.fq[i], dims)}   φ(q^{m})ᵀz_{m} = {float(r.fq[i] @ r.z[i]):.6g}")
    console.print(Text(f"   b^{m} = {vector_preview(r.b[i], dims)}", style="bold"))
    parallel_step(console, r.b, hd.b, i)
    console.print(Text("\n" + _("{n} sequential steps, each reading one token into a fixed-size state (an RNN); the parallel form "
                                "computes every b^i at once from the n × n matrix α′ (causal mask). Same numbers.").format(n=n), style="dim"))


def parallel_step(console: Console, b_rec: np.ndarray, b_par: np.ndarray, i: int) -> None:
    """The recurrent b against the parallel form's b (Σ_j α′_ij v^j with the causal mask)."""
    m = i + 1
    step(console, 4, _("the parallel form"), f"b^{m} = Σ_{{j≤{m}}} α′_{m},j v^j")
    console.print(f"   b^{m} = {vector_preview(b_par[i], 4)}")
    here = float(np.abs(b_rec[i] - b_par[i]).max())
    every = float(np.abs(b_rec - b_par).max())
    console.print(Text("   " + _("recurrent − parallel: max |Δb^{m}| = {here}; over all {n} queries max |Δb| = {every}").format(
        m=m, here=f"{here:.3g}", n=len(b_par), every=f"{every:.3g}"), style="bold green" if every < 1e-6 else "bold red"))
