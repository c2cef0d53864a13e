"""Self-attention as the notes write it.  Pure numpy: no I/O, no printing.

Row-vector convention (one token a row):  X [n, d_model],  Q = X·Wq,  K = X·Wk,  V = X·Wv.
For one head h:  q^i = row i of Q_h,  α_{i,j} = score(q^i, k^j),  α′_{i,·} = normalize(α_{i,·})
over the keys query i may see,  b^i = Σ_j α′_{i,j} v^j.  Multi-head: the per-head b are
concatenated and multiplied by Wo (identity when there is none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import masks
from . import scores as registry
from .scores import additive_band, additive_scores, phi, row_norms  # noqa: F401  (their old home: core.linear, wordvectors, tests)
from ..errors import AttnvizError, UsageError


@dataclass(frozen=True)
class Projections:
    """Wq, Wk [d_model, n_head·d_k]; Wv [d_model, n_head·d_v]; Wo [n_head·d_v, d_out] or None."""

    wq: np.ndarray
    wk: np.ndarray
    wv: np.ndarray
    wo: np.ndarray | None
    n_head: int
    kind: str  # identity | random | weights

    @property
    def d_k(self) -> int:
        return self.wq.shape[1] // self.n_head

    @property
    def d_v(self) -> int:
        return self.wv.shape[1] // self.n_head


MAX_HEADS = 1024  # more heads than any model has (BERT-large 16, GPT-3 96): beyond, a typo, not a question
MAX_WEIGHTS = 1 << 24  # numbers in one drawn matrix (W^q is d_model × heads·d_k; 4096 × 4096 = 16 777 216)


def check_heads(n_head: int) -> None:
    if n_head > MAX_HEADS:
        raise UsageError(f"`heads` {n_head} is more than {MAX_HEADS} (models have up to ~100); use fewer heads", "heads")


def check_size(rows: int, cols: int, what: str, fix: str, option: str) -> None:
    """Refuse to draw a [rows, cols] matrix of more than MAX_WEIGHTS numbers (before allocating it)."""
    if rows * cols > MAX_WEIGHTS:
        raise UsageError(f"{what} would be {rows:,} × {cols:,} = {rows * cols:,} numbers (at most {MAX_WEIGHTS:,}, "
                         f"{rows * cols * 8 / 2**30:.3g} GiB to draw); {fix}", option)


def identity_projections(d_model: int, n_head: int) -> Projections:
    """q = k = v = a; head h sees the contiguous slice h·d_k … (h+1)·d_k of the dimensions."""
    check_heads(n_head)
    if n_head < 1 or d_model % n_head:
        raise UsageError(
            f"`heads` {n_head} does not divide the vector size {d_model}; "
            f"with the identity projection each head takes d/heads dimensions "
            f"(try one of {', '.join(map(str, divisors(d_model)))})", "heads"
        )
    eye = identity_matrix(d_model)
    return Projections(eye, eye, eye, None, n_head, "identity")


def identity_matrix(d: int) -> np.ndarray:
    """[d, d] float32 identity as a read-only view of 2d − 1 numbers, never d² of them (project() does
    not multiply by it; 35 000-sample audio frames made np.eye a 4.9 GB matrix): cell (i, j) is
    line[d − 1 − i + j], 1 only where i = j."""
    line = np.zeros(2 * d - 1, dtype=np.float32)  # [2d − 1]
    line[d - 1] = 1.0
    step = line.strides[0]
    return np.lib.stride_tricks.as_strided(line[d - 1:], shape=(d, d), strides=(-step, step), writeable=False)


def random_projections(d_model: int, n_head: int, d_k: int, seed: int) -> Projections:
    """Gaussian W with variance 1/d_model, so q, k, v keep the scale of a (like Xavier init)."""
    if n_head < 1 or d_k < 1:
        raise UsageError(f"`heads` and `d_k` must be at least 1 (got {n_head} and {d_k})")
    check_heads(n_head)
    check_size(d_model, n_head * d_k, f"W^q, W^k, W^v ([d_model, heads·d_k], heads {n_head}, d_k {d_k})",
               "use fewer `heads` or a smaller `d_k`", "d_k")
    rng = np.random.default_rng(seed)
    std = 1.0 / np.sqrt(d_model)
    wq, wk, wv = (rng.normal(0.0, std, (d_model, n_head * d_k)).astype(np.float32) for _ in "qkv")
    wo = rng.normal(0.0, 1.0 / np.sqrt(n_head * d_k), (n_head * d_k, d_model)).astype(np.float32)
    return Projections(wq, wk, wv, wo, n_head, "random")


def divisors(n: int) -> list[int]:
    return [h for h in range(1, min(n, 64) + 1) if n % h == 0]


@dataclass(frozen=True)
class Additive:
    """Bahdanau scoring α_ij = wᵀ tanh(W1ᵀ q^i + W2ᵀ k^j); rows: tanh(q·W1 + k·W2)·w.

    W1, W2 [d_k, d_a], w [d_a]; shared by all heads.
    """

    w1: np.ndarray
    w2: np.ndarray
    w: np.ndarray


def random_additive(d_k: int, d_a: int, seed: int) -> Additive:
    """W1, W2 [d_k, d_a] ~ N(0, 1/d_k), w [d_a] ~ N(0, 1/d_a), drawn from (seed, 1)."""
    check_size(d_k, d_a, f"W1, W2 of the additive score ([d_k, d_a], d_a {d_a})", "use a smaller `d_a`", "d_a")
    rng = np.random.default_rng([seed, 1])  # a stream of its own: same seed, other numbers than W^q
    return Additive(
        rng.normal(0.0, 1.0 / np.sqrt(d_k), (d_k, d_a)),
        rng.normal(0.0, 1.0 / np.sqrt(d_k), (d_k, d_a)),
        rng.normal(0.0, 1.0 / np.sqrt(d_a), (d_a,)),
    )


@dataclass(frozen=True)
class AttentionConfig:
    score: str = "scaled-dot"  # a name in core.scores.SCORES: scaled-dot, dot, additive, cosine, linear, or registered
    normalize: str = "softmax"  # how a row of α becomes a row of α′
    temperature: float = 1.0  # softmax(α/T); T < 1 sharpens, T > 1 flattens
    additive: Additive | None = None  # parameters of the additive score


@dataclass
class HeadResult:
    q: np.ndarray  # [n, d_k]
    k: np.ndarray  # [n, d_k]
    v: np.ndarray  # [n, d_v]
    alpha: np.ndarray  # [n_q, n_k] scores, NaN where masked
    alpha_prime: np.ndarray  # [n_q, n_k] weights, 0 where masked
    b: np.ndarray  # [n, d_v]


@dataclass
class LayerResult:
    heads: list[HeadResult]
    output: np.ndarray  # [n, d_out] = concat(b_h)·Wo
    mask: np.ndarray | None = field(default=None)  # [n_q, n_k] True where allowed


def scores(q: np.ndarray, k: np.ndarray, kind: str, additive: Additive | None = None,
           band: tuple[int, int] | None = None) -> np.ndarray:
    """[n_q, d_k], [n_k, d_k] -> [n_q, n_k]: the registry's score `kind` (core/scores.py).

    band: (offset, reach) when only keys j with |offset + i − j| ≤ reach matter (a window); the
    additive score is then computed on that band only and is 0 elsewhere (masked by the caller).
    """
    entry = registry.score(kind)
    if entry.needs == "additive":
        return entry.fn(q, k, additive, band)
    return entry.fn(q, k)


class Overflow(AttnvizError):
    """Scores that are not finite numbers; a caller that knows the cause (`pos_scale`) names it."""


def normalize(alpha: np.ndarray, mask: np.ndarray | None, kind: str, temperature: float) -> np.ndarray:
    """[n_q, n_k] scores -> [n_q, n_k] weights; masked cells get exactly 0.  The checks every
    normalization needs (T, empty rows, finite scores), then the registry's `kind` (core/scores.py):
    softmax, relu (max(α, 0) over its row sum), none (α itself), sum (α over its row sum)."""
    if not temperature > 0 or not np.isfinite(temperature):
        raise UsageError(f"`temperature` must be a positive number (got {temperature})")
    if mask is not None and not mask.any(axis=1).all():
        row = int(np.flatnonzero(~mask.any(axis=1))[0])
        raise masks.EmptyRow(row)
    if not np.isfinite(alpha[mask] if mask is not None else alpha).all():
        raise Overflow("the scores α overflowed (inf or NaN): the vectors or weights are too large for float arithmetic")
    return registry.normalization(kind).fn(alpha, mask, temperature)


def attend_head(q, k, v, mask, config: AttentionConfig) -> HeadResult:
    """One head: [n_q, d_k], [n_k, d_k], [n_k, d_v] -> α, α′ [n_q, n_k] and b [n_q, d_v]."""
    alpha = scores(q, k, config.score, config.additive)
    alpha_prime = normalize(alpha, mask, config.normalize, config.temperature)
    if mask is not None:
        alpha = np.where(mask, alpha, np.nan)
    return HeadResult(q, k, v, alpha, alpha_prime, alpha_prime @ v)


def project(x: np.ndarray, proj: Projections) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[n, d_model] -> Q, K [n, n_head·d_k], V [n, n_head·d_v]; the identity is not multiplied out."""
    if proj.kind == "identity":
        return x, x, x
    return x @ proj.wq, x @ proj.wk, x @ proj.wv


def self_attention(
    x: np.ndarray, proj: Projections, config: AttentionConfig, mask: np.ndarray | None = None
) -> LayerResult:
    """[n, d_model] -> one layer: every head's α, α′, b and the output concat(b)·Wo."""
    n_head, d_k, d_v = proj.n_head, proj.d_k, proj.d_v
    Q, K, V = project(x, proj)
    heads = [
        attend_head(
            Q[:, h * d_k : (h + 1) * d_k], K[:, h * d_k : (h + 1) * d_k], V[:, h * d_v : (h + 1) * d_v], mask, config
        )
        for h in range(n_head)
    ]
    concat = np.concatenate([hd.b for hd in heads], axis=1)  # [n, n_head·d_v]
    output = concat if proj.wo is None else concat @ proj.wo
    if not np.isfinite(output).all():
        raise AttnvizError("the attention output is not finite; check the vectors and weights for inf/NaN")
    return LayerResult(heads, output, mask)
