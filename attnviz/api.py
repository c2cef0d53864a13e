"""The library API: text + options -> an Analysis (tokens, layers of heads).  The CLI is one client."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from . import attention as att
from .errors import UsageError
from .text import tokenize
from .vectors import Embedded, Vectors, embed, open_vectors

PROJECTIONS = ("identity", "random")
AUTO_SHARPNESS = 3.0  # identity projection: T = √d_k/3, so softmax sees 3·cos(a^i, a^j)


@dataclass(frozen=True)
class Options:
    """Every option of the static-vectors path; asdict() of the resolved copy is JSON `config`."""

    vectors: str | None = None  # None: the embedded en_core_web_md vectors
    input_norm: str = "standard"
    punct: bool = False
    projection: str = "identity"  # identity | random (ignored when weights is given)
    weights: str | None = None
    heads: int = 1
    d_k: int | None = None  # per head; random projection only (identity: d_model/heads)
    seed: int = 0
    score: str = "scaled-dot"
    normalize: str = "softmax"
    temperature: float | None = None  # None: √d_k/3 for the identity projection, else 1
    trust_pickle: bool = False


@dataclass
class Analysis:
    text: str
    tokens: list[str]
    oov: list[bool]
    source: dict
    config: dict
    layers: list[att.LayerResult]
    embedded: Embedded = field(repr=False)
    vectors: Vectors = field(repr=False)
    projections: att.Projections = field(repr=False)

    @property
    def in_embedding_space(self) -> bool:
        """b^i can be compared with word vectors (identity projection, no Wo)."""
        return self.projections.kind == "identity"


def make_projections(opts: Options, d_model: int) -> att.Projections:
    if opts.weights is not None:
        from .weights import load_weights

        return load_weights(opts.weights, d_model, opts.heads)
    if opts.projection == "identity":
        if opts.d_k is not None and opts.d_k * opts.heads != d_model:
            raise UsageError(
                f"--d-k {opts.d_k} does not fit the identity projection (d_k = {d_model}/heads); "
                f"use --projection random to choose d_k"
            )
        return att.identity_projections(d_model, opts.heads)
    if opts.projection == "random":
        return att.random_projections(d_model, opts.heads, opts.d_k or d_model // max(opts.heads, 1) or 1, opts.seed)
    raise UsageError(f"unknown --projection {opts.projection!r}; choose one of {', '.join(PROJECTIONS)}")


def analyze(text: str, opts: Options = Options()) -> Analysis:
    """Embed text and compute one layer of (multi-head) self-attention over it."""
    if opts.heads < 1:
        raise UsageError(f"--heads must be at least 1 (got {opts.heads})")
    tokens = tokenize(text, keep_punct=opts.punct)
    vectors = open_vectors(opts.vectors, opts.trust_pickle)
    emb = embed(tokens, vectors, opts.input_norm)
    proj = make_projections(opts, vectors.dim)
    temperature = opts.temperature
    if temperature is None:
        temperature = float(np.sqrt(proj.d_k) / AUTO_SHARPNESS) if proj.kind == "identity" else 1.0
    config = att.AttentionConfig(score=opts.score, normalize=opts.normalize, temperature=temperature)
    layer = att.self_attention(emb.x, proj, config)
    resolved = Options(**{**asdict(opts), "temperature": temperature, "d_k": proj.d_k})
    cfg = {k: v for k, v in asdict(resolved).items() if k != "trust_pickle"}
    cfg["projection"] = proj.kind
    cfg["d_v"] = proj.d_v
    cfg["has_wo"] = proj.wo is not None
    cfg["temperature_auto"] = opts.temperature is None
    source = {"kind": "vectors", "name": vectors.name, "dim": vectors.dim, "format": vectors.kind}
    return Analysis(text, tokens, emb.oov, source, cfg, [layer], emb, vectors, proj)
