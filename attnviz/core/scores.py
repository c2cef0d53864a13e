"""Scores α = score(q, k) and normalizations α′ = normalize(α): one entry each.  Pure numpy.

An entry holds the function, its formula as text and as TeX, its `explain` line, its matrix form,
its cost and what the fast paths may assume.  The math (attention.scores, attention.normalize, the
blockwise paths) and every view read SCORES and NORMALIZATIONS; nothing else knows a score by name.

Texts are templates that the views fill (str.format): {d_a} the additive score's hidden size,
{n} the query's number, {sqrt_d_k} √d_k, {T} the temperature, {auto} " (auto)", {row_sum} and
{no_norm} translated words.  Those marked N_() are catalog messages that views translate with _().
register_score adds a score from Python (attnviz.register_score) and score_names learns its name.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import score_names
from ..errors import AttnvizError, UsageError


def N_(message: str) -> str:
    """Marks a catalog message (scripts/build_catalogs.py reads the name); the views translate it.
    Defined here, not imported from i18n: core imports nothing above errors."""
    return message


TANH_SECONDS = 1.5e-8  # per element of the additive score's tanh(W1ᵀq + W2ᵀk) [cells × d_a] (bench/long_bench.py)


@dataclass(frozen=True)
class Cost:
    """What a cell (query × key × head) of a score costs beyond scaled-dot's: the estimates
    (analysis.estimate) read it and hand attnviz.cost the numbers.  The default: a dot product's."""

    factor: float = 1.0  # × a scaled-dot cell (register_score's `cost`)
    rate: float = 0.0  # + seconds per cell and per number of `over`
    over: str = "d_k"  # what that extra term runs over: "d_a" (the additive's hidden size; d_k when unset) or "d_k"
    banded: bool = False  # a window computes it on the band of 2W+1 keys only (fn's band argument), not a block's keys
    cheaper: bool = False  # the estimate suggests `score` scaled-dot (and a smaller `d_a` when over is d_a)


@dataclass(frozen=True)
class Score:
    """fn(q [n_q, d_k], k [n_k, d_k]) -> α [n_q, n_k]; with needs="additive", fn(q, k, additive, band)."""

    name: str
    fn: Callable[..., np.ndarray]
    text: str  # the header's formula: α_ij = …
    tex: str | None  # the figure's formula (mathtext); None: the text
    explain: str  # explain's step 4 for query {n}
    rows: str  # explain --matrices: A with tokens as rows …
    columns: str  # … and as columns (the notes' form)
    cost: Cost = Cost()  # what a cell costs beyond scaled-dot's (the estimates)
    scale: Callable[[int], float] | None = None  # fast: α = q·kᵀ · scale(d_k) (None: × 1, nothing multiplied)
    fast: bool = False  # α is a plain product q·kᵀ (times scale): batched heads and softmax_top apply
    needs: str | None = None  # "additive": the parameters W1, W2, w (and a window's band)
    names_d_k: bool = False  # the formula has d_k in it: headers add its value
    uses_dot: bool = True  # explain's q·k column means something for this score
    positive: bool = False  # every α > 0: normalize sum applies
    builtin: bool = True


@dataclass(frozen=True)
class Normalization:
    """fn(α [n_q, n_k], mask [n_q, n_k] bool or None, T) -> α′ [n_q, n_k], 0 where masked; α finite."""

    name: str
    fn: Callable[[np.ndarray, np.ndarray | None, float], np.ndarray]
    text: str  # the header's formula: α′_i· = …
    tex: str
    explain: str  # explain's step 5 for query {n} (softmax: the exp table follows)
    matrix: str  # explain --matrices: A′ = … per row
    temperature: bool = False  # T applies (softmax(α/T)); the views show T
    positive: bool = False  # needs every α > 0 (normalize sum: a row sum near 0 explodes)
    sums_to_one: bool = True  # rows of α′ sum to 1


# ------------------------------------------------------------------- the scores' math

def row_norms(x: np.ndarray) -> np.ndarray:
    """[n, d] -> [n] Euclidean norms (np.linalg would cost 10 ms of import on every start)."""
    return np.sqrt(np.einsum("ij,ij->i", x, x))


def scaled_dot(q: np.ndarray, k: np.ndarray) -> np.ndarray:
    return q @ k.T * (1.0 / math.sqrt(q.shape[-1]))  # a Python float keeps float32 float32


def dot(q: np.ndarray, k: np.ndarray) -> np.ndarray:
    return q @ k.T


def cosine(q: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Cosine with a zero vector (an unknown word) is 0."""
    denom = np.outer(row_norms(q), row_norms(k))  # [n_q, n_k]
    return np.divide(q @ k.T, denom, out=np.zeros(denom.shape, dtype=np.result_type(q, k)), where=denom > 0)


def phi(x: np.ndarray) -> np.ndarray:
    """The feature map of linear attention (Katharopoulos et al. 2020): elu(x) + 1, always > 0.
    [n, d] -> [n, d]."""
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def linear(q: np.ndarray, k: np.ndarray) -> np.ndarray:
    return phi(q) @ phi(k).T


def additive(q: np.ndarray, k: np.ndarray, params, band: tuple[int, int] | None = None) -> np.ndarray:
    """params: attention.Additive (W1, W2 [d_k, d_a], w [d_a]); band: (offset, reach) when only
    keys j with |offset + i − j| ≤ reach matter (a window): computed there only, 0 elsewhere."""
    if params is None:
        raise UsageError("the additive score needs its parameters W1, W2, w")
    hq, hk = q @ params.w1, k @ params.w2  # [n_q, d_a], [n_k, d_a]
    return additive_scores(hq, hk, params.w) if band is None else additive_band(hq, hk, params.w, *band)


ADDITIVE_CELLS = 1 << 21  # elements of the [rows, keys, d_a] temporary per step (16 MB in float64)


def additive_scores(hq: np.ndarray, hk: np.ndarray, w: np.ndarray) -> np.ndarray:
    """wᵀtanh(hq_i + hk_j) for every pair, a few query rows at a time: the [n_q, n_k, d_a] array
    never exists.  hq [n_q, d_a], hk [n_k, d_a], w [d_a] -> [n_q, n_k]."""
    out = np.empty((len(hq), len(hk)), dtype=np.result_type(hq, hk, w))
    step = max(1, ADDITIVE_CELLS // max(1, hk.size))
    for s in range(0, len(hq), step):
        out[s:s + step] = np.tanh(hq[s:s + step, None, :] + hk[None, :, :]) @ w  # [rows, n_k, d_a] -> [rows, n_k]
    return out


def additive_band(hq: np.ndarray, hk: np.ndarray, w: np.ndarray, offset: int, reach: int) -> np.ndarray:
    """The additive score on a window's band: query i against keys offset + i − reach … offset + i + reach
    (those inside 0 … n_k − 1); 0 elsewhere.  [n_q, d_a], [n_k, d_a] -> [n_q, n_k]."""
    n_q, n_k = len(hq), len(hk)
    out = np.zeros((n_q, n_k), dtype=np.result_type(hq, hk, w))
    width = 2 * reach + 1
    step = max(1, ADDITIVE_CELLS // (width * hk.shape[1] or 1))
    for s in range(0, n_q, step):
        rows = np.arange(s, min(n_q, s + step))
        cols = rows[:, None] + (offset - reach) + np.arange(width)[None, :]  # [rows, width]
        valid = (cols >= 0) & (cols < n_k)
        cols = np.clip(cols, 0, n_k - 1)
        band = np.tanh(hq[rows][:, None, :] + hk[cols]) @ w  # [rows, width, d_a] -> [rows, width]
        r, c = np.nonzero(valid)
        out[rows[r], cols[r, c]] = band[r, c]
    return out


# ------------------------------------------------------------- the normalizations' math

def softmax(alpha: np.ndarray, mask: np.ndarray | None, temperature: float) -> np.ndarray:
    """exp(α/T) over the allowed keys, the row max subtracted first: it never overflows."""
    # subtract the row max before dividing by T: every exponent is ≤ 0 whatever T is (1e-300 or 1e300)
    z = alpha - (alpha.max(axis=1, keepdims=True) if mask is None else np.where(mask, alpha, -np.inf).max(axis=1, keepdims=True))
    with np.errstate(over="ignore"):  # a huge gap / tiny T overflows to -inf: exp gives 0, as it should
        z /= temperature
    if mask is not None:
        z[~mask] = -np.inf
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def relu(alpha: np.ndarray, mask: np.ndarray | None, temperature: float) -> np.ndarray:
    """max(α, 0), renormalized to sum 1; a row with no positive score stays all 0."""
    return row_share(np.where(True if mask is None else mask, np.maximum(alpha, 0.0), 0.0))


def identity(alpha: np.ndarray, mask: np.ndarray | None, temperature: float) -> np.ndarray:
    """α itself (masked cells 0), for looking at raw mixing."""
    return np.where(True if mask is None else mask, alpha, 0.0)  # a scalar True: no n × n array of True


def row_sum(alpha: np.ndarray, mask: np.ndarray | None, temperature: float) -> np.ndarray:
    """α / Σ_j α over the allowed keys (linear attention: its scores are all > 0)."""
    return row_share(np.where(True if mask is None else mask, alpha, 0.0))


def row_share(r: np.ndarray) -> np.ndarray:
    """[n_q, n_k] -> each row over its sum; a row summing to 0 stays 0."""
    total = r.sum(axis=1, keepdims=True)
    return np.divide(r, total, out=np.zeros_like(r), where=total > 0)


# ------------------------------------------------------------------------- the tables

SCORES: dict[str, Score] = {s.name: s for s in (
    Score("scaled-dot", scaled_dot, "α_ij = q^i·k^j/√d_k", r"$\alpha_{i,j} = q^i \cdot k^j / \sqrt{d_k}$",
          "α_{n},j = q^{n}·k^j / √d_k = q·k / {sqrt_d_k}", "QKᵀ/√d_k", "KᵀQ/√d_k",
          scale=lambda d_k: 1.0 / math.sqrt(d_k), fast=True, names_d_k=True),
    Score("dot", dot, "α_ij = q^i·k^j", r"$\alpha_{i,j} = q^i \cdot k^j$", "α_{n},j = q^{n}·k^j", "QKᵀ", "KᵀQ", fast=True),
    Score("additive", additive, "α_ij = wᵀtanh(W1ᵀq^i + W2ᵀk^j), d_a = {d_a}",
          r"$\alpha_{i,j} = w^\top \tanh(W_1^\top q^i + W_2^\top k^j)$",
          "α_{n},j = wᵀ tanh(W1ᵀq^{n} + W2ᵀk^j)   (d_a = {d_a})", "wᵀtanh(QW1 ⊕ KW2ᵀ)", "wᵀtanh(W2ᵀK ⊕ W1ᵀQ)",
          cost=Cost(rate=TANH_SECONDS, over="d_a", banded=True, cheaper=True), needs="additive", uses_dot=False),
    Score("cosine", cosine, "α_ij = cos(q^i, k^j)", r"$\alpha_{i,j} = \cos(q^i, k^j)$",
          "α_{n},j = q^{n}·k^j / (‖q^{n}‖ ‖k^j‖)", "QKᵀ ⊘ (‖q‖‖k‖)", "KᵀQ ⊘ (‖q‖‖k‖)"),
    Score("linear", linear, "α_ij = φ(q^i)·φ(k^j), φ = elu + 1", r"$\alpha_{i,j} = \phi(q^i) \cdot \phi(k^j),\ \phi = \mathrm{elu} + 1$",
          "α_{n},j = φ(q^{n})·φ(k^j),  φ(x) = elu(x) + 1", "φ(Q)φ(K)ᵀ", "φ(K)ᵀφ(Q)", positive=True),
)}

NORMALIZATIONS: dict[str, Normalization] = {m.name: m for m in (
    Normalization("softmax", softmax, "α′_i· = softmax(α_i·/T), T = {T}{auto}", r"$\alpha'_{i,j} = \mathrm{softmax}_j(\alpha_{i,j} / T)$",
                  "α′_{n},j = exp(α_{n},j/T) / Σ_j' exp(α_{n},j'/T),  T = {T}", "softmax(A/T)", temperature=True),
    Normalization("relu", relu, "α′_i· = relu(α_i·) / {row_sum}",
                  r"$\alpha'_{i,j} = \mathrm{relu}(\alpha_{i,j}) / \sum_{j'} \mathrm{relu}(\alpha_{i,j'})$",
                  "α′_{n},j = max(α_{n},j, 0) / Σ_j' max(α_{n},j', 0)", N_("relu(A), normalized")),
    Normalization("none", identity, N_("α′ = α (no normalization)"), r"$\alpha' = \alpha$",
                  "α′_{n},j = α_{n},j {no_norm}", "A", sums_to_one=False),
    Normalization("sum", row_sum, "α′_i· = α_i· / {row_sum}", r"$\alpha'_{i,j} = \alpha_{i,j} / \sum_{j'} \alpha_{i,j'}$",
                  "α′_{n},j = α_{n},j / Σ_j' α_{n},j'", N_("A, divided by its row sums"), positive=True),
)}
assert tuple(SCORES) == score_names.BUILTIN_SCORES and tuple(NORMALIZATIONS) == score_names.BUILTIN_NORMALIZATIONS


def score(name: str) -> Score:
    """The entry of a score; one UsageError for a name no one registered."""
    if name not in SCORES:
        raise UsageError(f"unknown score {name!r}; choose one of {', '.join(SCORES)}")
    return SCORES[name]


def normalization(name: str) -> Normalization:
    if name not in NORMALIZATIONS:
        raise UsageError(f"unknown normalization {name!r}; choose one of {', '.join(NORMALIZATIONS)}")
    return NORMALIZATIONS[name]


# ------------------------------------------------------------- scores from Python

def register_score(name: str, fn: Callable[[np.ndarray, np.ndarray], np.ndarray], formula: str,
                   tex: str | None = None, explain: str | None = None, positive: bool = False,
                   cost: float = 1.0) -> Score:
    """Add a score α = fn(q [n_q, d_k], k [n_k, d_k]) -> [n_q, n_k] under `name`; every option,
    analysis and view then takes score=name.  formula: the header's text (α_ij = …); tex: the
    figure's (matplotlib mathtext, default the text); explain: explain's step 4 (default the text).
    Registering a name again replaces that score; built-ins cannot be replaced (choose another name).
    fn is tried once here, on a small q and k: its result must be finite and [n_q, n_k].  positive:
    every α > 0 (checked on each call), so that normalize sum may divide by the row sums.  cost: a
    cell's time relative to scaled-dot's, for the estimates (over 1: they suggest scaled-dot)."""
    check_registration(name, fn, formula, tex, explain)
    if not isinstance(positive, bool):
        raise UsageError(f"register_score {name!r}: positive must be True or False (got {positive!r})")
    if isinstance(cost, bool) or not isinstance(cost, numbers.Real) or not 0 < cost < math.inf:  # numpy numbers too
        raise UsageError(f"register_score {name!r}: cost must be a positive number, a cell's time relative to "
                         f"scaled-dot's (got {cost!r})")
    try_once(name, fn, positive)
    literal = lambda s: s.replace("{", "{{").replace("}", "}}")  # noqa: E731  (texts are templates: keep braces)
    entry = Score(name, checked(name, fn, positive), literal(formula), tex, literal(explain or formula),
                  literal(f"{name}(Q, K)"), literal(f"{name}(Q, K)ᵀ"), uses_dot=False, builtin=False, positive=positive,
                  cost=Cost(factor=float(cost), cheaper=cost > 1))
    SCORES[name] = entry
    if name not in score_names.SCORES:
        score_names.SCORES.append(name)
    if positive and name not in score_names.POSITIVE_SCORES:
        score_names.POSITIVE_SCORES.append(name)
    elif not positive and name in score_names.POSITIVE_SCORES:
        score_names.POSITIVE_SCORES.remove(name)
    return entry


def unregister_score(name: str) -> None:
    """Remove a score register_score added (a test's cleanup; a notebook's second thoughts)."""
    if name in SCORES and SCORES[name].builtin:
        raise UsageError(f"score {name!r} is built in; only scores added with register_score can be removed")
    SCORES.pop(name, None)
    for names in (score_names.SCORES, score_names.POSITIVE_SCORES):
        if name in names:
            names.remove(name)


def check_registration(name, fn, formula, tex, explain) -> None:
    """One UsageError for an argument register_score cannot take."""
    if not isinstance(name, str) or not name.strip() or name != name.strip() or any(c in name for c in ",= "):
        raise UsageError(f"register_score: the name must be a non-empty word without spaces, ',' or '=' (got {name!r})")
    if name in SCORES and SCORES[name].builtin:
        raise UsageError(f"register_score: {name!r} is a built-in score ({', '.join(score_names.BUILTIN_SCORES)}); "
                         f"choose another name (a registered score is replaced by registering its name again)")
    if not callable(fn):
        raise UsageError(f"register_score {name!r}: fn must be a function of (q [n_q, d_k], k [n_k, d_k]) (got {type(fn).__name__})")
    for what, value, optional in (("formula", formula, False), ("tex", tex, True), ("explain", explain, True)):
        if not (isinstance(value, str) and value.strip()) and not (optional and value is None):
            raise UsageError(f"register_score {name!r}: {what} must be a non-empty string (got {value!r})")


def try_once(name: str, fn, positive: bool = False) -> None:
    """Call fn on q [3, 4], k [2, 4] (fixed numbers) so that a wrong function fails here, not in a view."""
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    try:
        checked(name, fn, positive)(q, k)
    except AttnvizError as e:
        raise UsageError(f"register_score: {e}") from None
    except Exception as e:  # noqa: BLE001  (a user's function: any error is theirs to see, in one line)
        raise UsageError(f"register_score {name!r}: fn(q [3, 4], k [2, 4]) raised {type(e).__name__}: {e}") from e


def checked(name: str, fn, positive: bool = False):
    """fn with its result checked on every call: [n_q, n_k], finite (and > 0 when positive), as a float array."""
    def score_fn(q: np.ndarray, k: np.ndarray) -> np.ndarray:
        alpha = np.asarray(fn(q, k))
        if alpha.shape != (len(q), len(k)):
            raise AttnvizError(f"score {name!r} returned an array of shape {list(alpha.shape)} for q [{len(q)}, {q.shape[1]}] "
                               f"and k [{len(k)}, {k.shape[1]}]; it must return [n_q, n_k] = [{len(q)}, {len(k)}]")
        if not np.issubdtype(alpha.dtype, np.number) or np.iscomplexobj(alpha):
            raise AttnvizError(f"score {name!r} returned {alpha.dtype} numbers; it must return real numbers")
        alpha = alpha.astype(np.result_type(q, k, np.float32), copy=False)
        if not np.isfinite(alpha).all():
            raise AttnvizError(f"score {name!r} returned a value that is not finite (inf or NaN)")
        if positive and not (alpha > 0).all():
            raise AttnvizError(f"score {name!r} was registered positive but returned {float(alpha.min()):.3g}; "
                               f"register it without positive=True (then normalize sum does not apply)")
        return alpha

    return score_fn
