"""One layer of self-attention over any Sequence: resolve the parameters, then attend.

Dense (every α and α′, for up to DENSE_MAX items) or blockwise (each query's top-k keys, any length).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..core import attention as att
from ..core import masks
from ..core.blockwise import blockwise_head
from ..core.positions import add_sinusoidal, scale_error
from ..errors import AttnvizError, UsageError
from ..inputs import Sequence
from ..options import AUTO_SHARPNESS, DENSE_MAX, Options
from .config import VectorSetConfig
from .items import read_edges
from .results import LongAnalysis, VectorSetAnalysis


def make_projections(opts: Options, d_model: int) -> att.Projections:
    if opts.weights is not None:
        from ..inputs.weights import load_weights

        found = load_weights(opts.weights, d_model, opts.heads)
        if found is not None:
            return found
    if opts.projection == "identity":
        if opts.d_k is not None and opts.d_k * opts.heads != d_model:
            raise UsageError(f"`d_k` {opts.d_k} does not fit the identity projection (d_k = {d_model}/heads); "
                             f"use `projection` random to choose d_k", "d_k")
        return att.identity_projections(d_model, opts.heads)
    if opts.projection == "random":
        return att.random_projections(d_model, opts.heads, opts.d_k or d_model // max(opts.heads, 1) or 1, opts.seed)
    raise UsageError(f"`projection` {opts.projection!r} is not one of identity, random", "projection")


def make_additive(opts: Options, proj: att.Projections) -> att.Additive | None:
    if opts.score != "additive":
        return None
    if opts.weights is not None:
        from ..inputs.weights import load_additive

        found = load_additive(opts.weights, proj.d_k)
        if found is not None:
            return found
    return att.random_additive(proj.d_k, opts.d_a or proj.d_k, opts.seed)


def auto_temperature(vectors: np.ndarray, proj: att.Projections) -> float:
    """The default T, a property of the input, not of the option being varied.

    vectors [n, d] are the input a^i *before* the positional encoding.  With the identity
    projection, T = (median scaled-dot self-score a^i·a^i/√d over the known items) / AUTO_SHARPNESS:
    for standard vectors that is √d/3, and softmax sees ≈ 3·cos(a^i, a^j) under the default
    scaled-dot score.  The same T then serves every `score`, `normalize`, `pos`, `window` and
    `heads`, so switching one of them shows its own effect (dot saturates the softmax, cosine
    flattens it).  A learned or random W^q, W^k: T = 1, the textbook."""
    if proj.kind != "identity":
        return 1.0
    d = vectors.shape[1]
    x = vectors.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        self_scores = np.einsum("nd,nd->n", x, x) / math.sqrt(d)  # [n]
    known = np.sort(self_scores[self_scores > 0])
    if not known.size:
        return 1.0
    median = (known[(known.size - 1) // 2] + known[known.size // 2]) / 2  # np.median would import numpy.ma: +8 ms
    if not np.isfinite(median):
        raise AttnvizError("the scores α overflowed (inf or NaN): the vectors or weights are too large for float arithmetic")
    return float(median) / AUTO_SHARPNESS


@dataclass
class Resolved:
    """What both the dense and the long path need: a^i (+ e^i), projections, the attention config."""

    x: np.ndarray  # [n, d]
    proj: att.Projections
    config: att.AttentionConfig
    options: Options  # with the automatic values filled in
    cfg: VectorSetConfig  # every effective option (masked, top_k: set by the caller)


def resolve(seq: Sequence, opts: Options, input_norm: str) -> Resolved:
    """Add the positional encoding, build the projections, and fix every default (T, d_k, d_a)."""
    x = seq.vectors
    if opts.pos == "sinusoidal":
        x = add_sinusoidal(x, seq.positions, opts.pos_scale)
    from .estimate import check_vectors

    check_vectors(len(seq), seq.dim, opts, seq.kind, seq.source)  # a d × d identity for 32 000-sample frames: said or refused first
    proj = make_projections(opts, seq.dim)
    temperature = opts.temperature if opts.temperature is not None else auto_temperature(seq.vectors, proj)
    additive = make_additive(opts, proj)
    config = att.AttentionConfig(score=opts.score, normalize=opts.normalize, temperature=temperature, additive=additive)
    resolved = replace(opts, temperature=temperature, d_k=proj.d_k, input_norm=input_norm)
    cfg = {k: v for k, v in asdict(resolved).items() if k != "trust_pickle"}
    cfg.update(projection=proj.kind, d_v=proj.d_v, has_wo=proj.wo is not None, temperature_auto=opts.temperature is None,
               d_a=None if additive is None else int(additive.w.shape[0]))
    return Resolved(x, proj, config, resolved, VectorSetConfig(**cfg))


@contextmanager
def explained(seq: Sequence, opts: Options):
    """Errors of the attention core told in the user's terms: a query the masks leave without keys
    named as the views name it (query 1 “The”); scores that overflow because of a `pos_scale` larger
    than the vectors' own entries blamed on it."""
    try:
        yield
    except masks.EmptyRow as e:
        edges = "`graph`" if opts.graph is not None else "`edges`" if opts.edges is not None else None
        raise e.named(seq.labels, opts.window, opts.causal, edges, opts.no_self) from None
    except att.Overflow:
        if opts.pos == "sinusoidal" and abs(opts.pos_scale) > float(np.abs(seq.vectors).max(initial=0.0)):
            raise scale_error(opts.pos_scale, "makes the positional term pos_scale·e^i so large that the scores α overflow (inf)") from None
        raise


def analyze_sequence(seq: Sequence, opts: Options, input_norm: str, text: str | None = None) -> VectorSetAnalysis:
    """Every α and α′ of one layer over the sequence, computed in double precision (it is small)."""
    r = resolve(seq, opts, input_norm)
    from .estimate import check_dense

    check_dense(len(seq), r.proj.n_head, r.proj.d_k, opts)  # a line before long work; refused if it cannot fit
    allowed = masks.mask(len(seq), opts.window, opts.causal, read_edges(opts, seq.labels), opts.directed,
                         not opts.no_self, seq.positions)
    x = r.x.astype(np.float64)
    with explained(seq, opts):
        layer = att.self_attention(x, r.proj, r.config, allowed)
    cfg = replace(r.cfg, masked=allowed is not None)
    return VectorSetAnalysis(seq, r.options, cfg, x, r.proj, layer, text=text)


def analyze_long(seq: Sequence, opts: Options, input_norm: str, top_k: int, progress=None,
                 top_k_given: bool = True) -> LongAnalysis:
    """Each head blockwise, kept as top-k per query: memory grows with n, never n².
    Window, causal and no-self masks apply; graph edges need the dense path."""
    if opts.edges is not None or opts.graph is not None:
        raise UsageError(f"`edges`/`graph` need the full matrices; they work up to {DENSE_MAX} items, without `top_k`", "edges")
    if opts.embedding == "onehot":
        raise UsageError("`embedding` onehot makes a vector as long as the vocabulary; use it on a sentence, not with `top_k`", "embedding")
    if top_k < 1:
        raise UsageError(f"`top_k` must be at least 1 (got {top_k})", "top_k")
    r = resolve(seq, opts, input_norm)
    from .estimate import check_stream

    window = opts.window if opts.window is None or seq.positions.ndim == 1 else (2 * opts.window + 1) ** 2 // 2  # 2-D: (2R+1)² keys
    check_stream(len(seq), (len(seq), seq.dim), r.proj, replace(opts, window=window), top_k, None)  # one line, or a refusal
    total = len(seq) * r.proj.n_head
    advance = None if progress is None else (lambda k: progress(k, total))  # noqa: E731
    Q, K, V = att.project(r.x, r.proj)
    d_k, d_v = r.proj.d_k, r.proj.d_v
    with explained(seq, opts):
        heads = [blockwise_head(Q[:, h * d_k:(h + 1) * d_k], K[:, h * d_k:(h + 1) * d_k], V[:, h * d_v:(h + 1) * d_v],
                                r.config, top_k, opts.window, opts.causal, opts.no_self, progress=advance,
                                positions=seq.positions)
                 for h in range(r.proj.n_head)]
    concat = np.concatenate([hd.b for hd in heads], axis=1)
    output = concat if r.proj.wo is None else concat @ r.proj.wo
    cfg = replace(r.cfg, masked=opts.window is not None or opts.causal or opts.no_self, top_k=top_k)
    return LongAnalysis(seq, cfg, heads, output, top_k_given)


