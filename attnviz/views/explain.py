"""`attnviz explain`: the notes' walk-through of b^i for one query token and one head."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..core.scores import score
from ..i18n import N_, _, spoken
from .formulas import norm_matrix, norm_step, score_matrix, score_step, uses_temperature
from .style import fmt, printable
from .header import fit_header, header
from .terminal import norm, vector_preview


def step(console: Console, number: int, title: str, formula: str) -> None:
    console.print(Text.assemble(("\n" + f"{number}. {title}", "bold"), ("   " + formula, "cyan")))


NUMERIC = ("j", "‖S_j‖", "q·k", "α", "α/T", "exp(α/T − max)", "(α − max)/T", "exp", "α′", "max(α,0)")  # right-aligned columns


def table(*columns: str) -> Table:
    """A borderless table; the NUMERIC columns right-aligned, "token" translated."""
    t = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim", pad_edge=False)
    for c in columns:
        t.add_column(_("token") if c == "token" else c, no_wrap=True, justify="right" if c in NUMERIC else "left")
    return t


KEYS_ALL = 40  # up to this many keys every step lists them all; beyond, the KEYS_SHOWN strongest
KEYS_SHOWN = 20


@dataclass
class Walk:
    """What every step reads: the query i, the head h (0-based) and its numbers; keys: the key
    indices the tables list (all, or the KEYS_SHOWN with the largest α′, in order)."""

    analysis: object
    i: int
    h: int
    dims: int
    all_keys: bool = False

    def __post_init__(self):
        self.n = self.i + 1  # the query's number in human views (the notes' a¹ … aⁿ)
        self.c = self.analysis.config
        self.tokens = [printable(t) for t in self.analysis.tokens]
        self.layer = self.analysis.layers[0]
        self.hd = self.layer.heads[self.h]
        self.masked = ~np.isfinite(self.hd.alpha[self.i])
        n = len(self.tokens)
        row = self.hd.alpha_prime[self.i]
        strongest = np.argsort(-row, kind="stable")[:KEYS_SHOWN]
        self.keys = list(range(n)) if self.all_keys or n <= KEYS_ALL else sorted(int(j) for j in strongest)

    def rest(self, console: Console) -> None:
        """Under a table that lists only some keys: how many are left out, their share of α′, the way to all."""
        left = len(self.tokens) - len(self.keys)
        if left:
            share = 1.0 - float(self.hd.alpha_prime[self.i, self.keys].sum())
            console.print(Text("   " + spoken(_("… {k} more keys (α′ {share} in all); listed: the {shown} largest α′ · `all_keys`")).format(
                k=f"{left:,}", shown=len(self.keys), share=f"{max(share, 0.0):.3g}"), style="dim"))


def render_explain(analysis, console: Console, i: int, h: int, dims: int = 4, all_keys: bool = False) -> None:
    """The notes' walk-through of b^i for query i and head h (0-based), one function per step.
    all_keys: list every key in steps 3–6 (default: all up to KEYS_ALL, else the KEYS_SHOWN strongest)."""
    w = Walk(analysis, i, h, dims, all_keys)
    console.print(fit_header(header(analysis), console))
    console.print(Text("\n" + _("explain: query {n} “{token}”, head {h} of {heads} (tokens numbered from 1)").format(
        n=w.n, token=w.tokens[i], h=h + 1, heads=len(w.layer.heads)), style="bold"))
    for show in (input_step, query_step, keys_step, scores_step, weights_step, output_step, heads_step):
        show(console, w)


def input_step(console: Console, w: Walk) -> None:
    i, c, a = w.i, w.c, w.analysis.x
    pos = f" + {c.pos_scale:g}·e^{w.n} " + _("(sinusoidal)") if c.pos == "sinusoidal" else ""
    step(console, 1, _("input"), f"a^{w.n} = {c.input_norm}(x^{w.n}){pos}   [{a.shape[1]}]")
    console.print(f"   a^{w.n} = {vector_preview(a[i], w.dims)}   ‖a^{w.n}‖ = {norm(a[i]):.4g}")


def query_step(console: Console, w: Walk) -> None:
    i, h, c, hd = w.i, w.h, w.c, w.hd
    n_head, d_k, d = len(w.layer.heads), hd.q.shape[1], w.analysis.x.shape[1]
    proj = {"identity": _("identity: head {h} takes dimensions {lo}…{hi} of a").format(h=h + 1, lo=h * d_k + 1, hi=(h + 1) * d_k),
            "random": _("random W^q [{d} × {heads}·{d_k}], seed {seed}").format(d=d, heads=n_head, d_k=d_k, seed=c.seed),
            "weights": _("W^q from {file}").format(file=c.weights)}[c.projection]
    step(console, 2, _("query"), f"q^{w.n} = a^{w.n}·W^q   [d_k = {d_k}]")
    console.print(Text(f"   {proj}", style="dim"))
    console.print(f"   q^{w.n} = {vector_preview(hd.q[i], w.dims)}   ‖q^{w.n}‖ = {norm(hd.q[i]):.4g}")


def keys_step(console: Console, w: Walk) -> None:
    step(console, 3, _("keys and values"), "k^j = a^j·W^k,  v^j = a^j·W^v   " + _("for every token j"))
    first = _("(first {n})").format(n=w.dims)
    t = table("j", "token", f"k^j {first}", f"v^j {first}")
    for j in w.keys:
        t.add_row(str(j + 1), w.tokens[j], vector_preview(w.hd.k[j], w.dims), vector_preview(w.hd.v[j], w.dims))
    console.print(t)
    w.rest(console)


def scores_step(console: Console, w: Walk) -> None:
    i, c, hd = w.i, w.c, w.hd
    step(console, 4, _("scores"), score_step(c, w.n, hd.q.shape[1]))
    dot = score(c.score).uses_dot  # q·k means something for this score (not for additive or a score of your own)
    t = table("j", "token", *(["q·k"] if dot else []), "α")
    for j in w.keys:
        qk = [f"{float(hd.q[i] @ hd.k[j]) + 0.0:.4g}"] if dot else []  # + 0.0: -0.0 is written 0
        t.add_row(str(j + 1), w.tokens[j], *qk, _("masked") if w.masked[j] else f"{hd.alpha[i, j] + 0.0:.4g}")
    console.print(t)
    w.rest(console)
    if w.masked.any():
        keys = runs(np.flatnonzero(w.masked))
        console.print(Text("   " + _("masked keys ({keys}) are left out of the next step").format(keys=keys), style="dim"))


def runs(indices: np.ndarray, most: int = 6) -> str:
    """Sorted 0-based indices as numbers from 1 in runs ("1–66, 98–613"); past `most` runs, "…" and the count."""
    cuts = np.flatnonzero(np.diff(indices) > 1) + 1
    parts = [f"{r[0] + 1}" if len(r) == 1 else f"{r[0] + 1}–{r[-1] + 1}" for r in np.split(indices, cuts)]
    if len(parts) > most:
        return ", ".join(parts[:most]) + f", … ({len(indices):,} " + _("in all") + ")"
    return ", ".join(parts)


def weights_step(console: Console, w: Walk) -> None:
    i, hd, T = w.i, w.hd, w.c.temperature
    if not uses_temperature(w.c):  # softmax(α/T) gets its own table of exponents below
        step(console, 5, _("weights"), norm_step(w.c, w.n))
        t = table("j", "token", "α′")
        for j in w.keys:
            t.add_row(str(j + 1), w.tokens[j], f"{hd.alpha_prime[i, j]:.4f}")
        console.print(t)
        return w.rest(console)
    z = stable_exponents(hd.alpha[i, ~w.masked], T)
    e = np.exp(z)
    step(console, 5, _("weights"), norm_step(w.c, w.n))
    console.print(Text("   " + _("(as exp((α − max α)/T): every exponent ≤ 0, same α′, no overflow at any T)"), style="dim"))
    t = table("j", "token", "(α − max)/T", "exp", "α′")
    at = np.cumsum(~w.masked) - 1  # [n] key j's place among the unmasked keys (z, e)
    for j in w.keys:
        if w.masked[j]:
            t.add_row(str(j + 1), w.tokens[j], "", "", "0")
            continue
        zj, ej = z[at[j]], e[at[j]]
        t.add_row(str(j + 1), w.tokens[j], "−∞" if zj == -np.inf else f"{zj:.4g}", f"{ej:.4g}", f"{hd.alpha_prime[i, j]:.4f}")
    console.print(t)
    w.rest(console)
    console.print(f"   Σ exp = {e.sum():.4g};   Σ_j α′_{w.n},j = {hd.alpha_prime[i].sum():.6f}")


def stable_exponents(alpha_row: np.ndarray, temperature: float) -> np.ndarray:
    """[n_k] unmasked scores -> (α − max α)/T, each ≤ 0; −inf where the gap overflows (exp gives 0),
    never NaN: α/T alone overflows to inf at a tiny T, and inf − inf is NaN."""
    gap = alpha_row - alpha_row.max()
    with np.errstate(over="ignore"):
        return gap / temperature


def output_step(console: Console, w: Walk) -> None:
    i, hd = w.i, w.hd
    step(console, 6, _("output"), f"b^{w.n} = Σ_j α′_{w.n},j v^j")
    t = table("j", "token", "α′", "α′·v^j " + _("(first {n})").format(n=w.dims))
    for j in w.keys:
        if hd.alpha_prime[i, j] != 0:
            t.add_row(str(j + 1), w.tokens[j], fmt(float(hd.alpha_prime[i, j]), 4), vector_preview(hd.alpha_prime[i, j] * hd.v[j], w.dims))
    console.print(t)
    w.rest(console)
    console.print(Text(f"   b^{w.n} = {vector_preview(hd.b[i], w.dims)}   ‖b^{w.n}‖ = {norm(hd.b[i]):.4g}", style="bold"))


def heads_step(console: Console, w: Walk) -> None:
    i, layer, n_head = w.i, w.layer, len(w.layer.heads)
    if n_head == 1 and not w.c.has_wo:
        return
    wo = "W^o" if w.c.has_wo else "W^o = I " + _("(none given)")
    out = _("output")
    step(console, 7, _("heads"), f"{out}^{w.n} = concat(b^{w.n}_1 … b^{w.n}_{n_head}) · {wo}")
    concat = np.concatenate([x.b[i] for x in layer.heads])
    console.print(f"   concat = {vector_preview(concat, w.dims)}   [{n_head}·{w.hd.b.shape[1]} = {concat.size}]")
    console.print(f"   {out}^{w.n} = {vector_preview(layer.output[i], w.dims)}   [{layer.output.shape[1]}]")


# --- `explain --matrices`: the notes' vectorised form --------------------------------------------

MAX_ROWS = 10  # a matrix with more rows shows its first MAX_ROWS − 2 and its last, with ⋮ between
COLUMN_NAME = 7  # cells a token column widens to for its name (longer names are cut with …)


def number(x: float) -> str:
    """One entry as explain prints it: 4 significant digits; · for a masked score (NaN)."""
    return "·" if not np.isfinite(x) else f"{x:.4g}"


def shown_indices(size: int, room: int) -> list[int | None]:
    """Which of `size` rows/columns fit `room` slots: all, or the first room − 2, None (… / ⋮), the last."""
    if size <= room:
        return list(range(size))
    return list(range(max(room - 2, 1))) + [None, size - 1]


def matrix_text(m: np.ndarray, width: int, tokens_on: str | None, tokens: list[str] | None = None) -> Text:
    """m [r, c] as aligned numbers, elided with ⋮ and … to fit MAX_ROWS rows and `width` columns.
    tokens_on: "rows", "columns", "queries-keys" or "keys-queries" say which axes are tokens (numbered
    from 1, the notes' a¹ … aⁿ); None: both axes are dimensions.  tokens: their labels, written after
    a token row's number and under a token column's number (cut to the cell with …)."""
    from .cells import LABEL_CELLS, fit, pad, width as cells

    r, c = m.shape
    names = [printable(t) for t in tokens] if tokens is not None else None
    token_rows, token_cols = names is not None and tokens_on not in ("columns", None), names is not None and tokens_on not in ("rows", None)
    rows = shown_indices(r, MAX_ROWS)
    row_name = (lambda i: fit(names[i], LABEL_CELLS)) if token_rows else (lambda i: "")  # noqa: E731
    name_w = max((cells(row_name(i)) for i in rows if i is not None), default=0)
    lab_w = len(str(r)) + 1 + (name_w + 1 if name_w else 0)
    cell_w = max([len(number(float(m[i, j]))) for i in rows if i is not None for j in range(min(c, 12))] + [len(str(c)), 1])
    if token_cols:  # room for short names (a1, cat), at most COLUMN_NAME cells
        cell_w = max(cell_w, min(max(cells(t) for t in names[:c]), COLUMN_NAME))
    room = max(3, (width - lab_w - 2) // (cell_w + 1))
    cols = shown_indices(c, room)
    head = " " * lab_w + " ".join(f"{'…' if j is None else j + 1:>{cell_w}}" for j in cols)
    out = Text(head + "\n", style="dim", no_wrap=True, overflow="crop")
    if token_cols:
        out.append(" " * lab_w + " ".join(pad("" if j is None else names[j], cell_w, ">") for j in cols) + "\n", style="dim")
    for i in rows:
        if i is None:
            out.append(pad(f"{'⋮':>{len(str(r))}}", lab_w) + " ".join(f"{'⋮' if j is not None else '':>{cell_w}}" for j in cols) + "\n", style="dim")
            continue
        out.append(pad(f"{i + 1:>{len(str(r))}}" + (f" {row_name(i)}" if name_w else ""), lab_w - 1) + " ", style="dim")
        out.append(" ".join(f"{'…' if j is None else number(float(m[i, j])):>{cell_w}}" for j in cols) + "\n")
    note = {"rows": N_("(rows: tokens, numbered from 1)"), "columns": N_("(columns: tokens, numbered from 1)"),
            "queries-keys": N_("(rows: queries i, columns: keys j, numbered from 1)"),
            "keys-queries": N_("(rows: keys j, columns: queries i, numbered from 1)")}.get(tokens_on or "", "")
    if note:
        out.append(f"{' ' * lab_w}{_(note)}\n", style="dim")
    return out


def matrix_steps(analysis, h: int, columns: bool) -> list[tuple[str, str, np.ndarray, str | None]]:
    """(name, formula, matrix, which axis holds tokens) for I, W^q, W^k, W^v, Q, K, V, A, A′, O of head h
    (0-based), in the row convention (tokens as rows: Q = I·W^q, A = QKᵀ, O = A′V) or the notes' column
    convention (tokens as columns: Q = W^q I, A = KᵀQ, O = VA′)."""
    layer, proj = analysis.layers[0], analysis.projections
    hd = layer.heads[h]
    d_k, d_v = hd.q.shape[1], hd.v.shape[1]
    w = {name: getattr(proj, name)[:, h * size:(h + 1) * size] for name, size in (("wq", d_k), ("wk", d_k), ("wv", d_v))}
    norm, a_formula = norm_matrix(analysis.config), score_matrix(analysis.config, columns)
    if not columns:
        return [("I", _("[a¹ … aⁿ] as rows"), analysis.x, "rows"), ("W^q", "", w["wq"], None), ("W^k", "", w["wk"], None),
                ("W^v", "", w["wv"], None), ("Q", "I·W^q", hd.q, "rows"), ("K", "I·W^k", hd.k, "rows"),
                ("V", "I·W^v", hd.v, "rows"), ("A", a_formula, hd.alpha, "both"),
                ("A′", _("{norm} per row").format(norm=norm), hd.alpha_prime, "both"), ("O", "A′·V  " + _("(row i = b^i)"), hd.b, "rows")]
    return [("I", _("[a¹ … aⁿ] as columns"), analysis.x.T, "columns"), ("W^q", "", w["wq"].T, None),
            ("W^k", "", w["wk"].T, None), ("W^v", "", w["wv"].T, None), ("Q", "W^q·I", hd.q.T, "columns"),
            ("K", "W^k·I", hd.k.T, "columns"), ("V", "W^v·I", hd.v.T, "columns"), ("A", a_formula, hd.alpha.T, "both"),
            ("A′", _("{norm} per column").format(norm=norm), hd.alpha_prime.T, "both"), ("O", "V·A′  " + _("(column i = b^i)"), hd.b.T, "columns")]


def render_matrices(analysis, console: Console, h: int = 0, columns: bool = False) -> None:
    """The notes' matrix form of one head (0-based h): every matrix with its shape, elided with ⋮ and …
    when large; the same numbers as `show --json --include-vectors` (q, k, v, alpha, alpha_prime, b)."""
    console.print(fit_header(header(analysis), console))
    n_head = len(analysis.layers[0].heads)
    convention = _("the notes' columns: A = KᵀQ, O = VA′") if columns else _("tokens as rows: A = QKᵀ, O = A′V")
    console.print(Text("\n" + spoken("explain `matrices` · ") + _("head {h} of {n}").format(h=h + 1, n=n_head) + f" · {convention}", style="bold"))
    console.print(Text(_("column i of A′ holds query i's weights (sums to 1)") if columns else
                       spoken(_("row i of A′ holds query i's weights (sums to 1) · `columns`: the notes' form")), style="dim"))
    identity = analysis.config.projection == "identity"
    for name, formula, m, tokens_on in matrix_steps(analysis, h, columns):
        shape = f"[{m.shape[0]} × {m.shape[1]}]"
        if identity and name.startswith("W"):
            d, d_h = analysis.x.shape[1], m.shape[0 if columns else 1]
            span = dict(lo=h * d_h + 1, hi=(h + 1) * d_h, d=d)
            part = f"I_{d}" if d_h == d else (_("rows {lo}…{hi} of I_{d}").format(**span) if columns
                                              else _("columns {lo}…{hi} of I_{d}").format(**span))
            console.print(Text.assemble(("\n" + name, "bold"), f" = {part} " + _("(identity projection)") + "   ", (shape, "cyan")))
            continue
        what = formula or {"random": _("random"), "weights": _("read from the weights file")}.get(analysis.config.projection, analysis.config.projection)
        console.print(Text.assemble(("\n" + name, "bold"), f" = {what}   ", (shape, "cyan")))
        axis = ("keys-queries" if columns else "queries-keys") if tokens_on == "both" else tokens_on
        console.print(matrix_text(m, console.width, axis, analysis.tokens), end="")
    layer = analysis.layers[0]
    if n_head > 1 or analysis.config.has_wo:
        wo = "W^o" if analysis.config.has_wo else "I"
        shape = layer.output.shape if not columns else layer.output.shape[::-1]
        form = f"concat(O_1 … O_{n_head})·{wo}" if not columns else f"{wo}ᵀ·stack(O_1 … O_{n_head})"
        console.print(Text.assemble(("\n" + _("output"), "bold"), f" = {form}   ", (f"[{shape[0]} × {shape[1]}]", "cyan")))
        console.print(matrix_text(layer.output if not columns else layer.output.T, console.width,
                                  "rows" if not columns else "columns", analysis.tokens), end="")
