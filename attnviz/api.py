"""The library API: text + options -> an Analysis (tokens, layers of heads).  The CLI is one client."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from . import attention as att
from .errors import UsageError
from .text import tokenize
from .vectors import Embedded, OneHot, Vectors, embed, open_vectors

PROJECTIONS = ("identity", "random")
EMBEDDINGS = ("vectors", "onehot")
POSITIONS = ("none", "sinusoidal")
AUTO_SHARPNESS = 3.0  # identity projection: T = median α_ii / 3, so softmax sees ≈ 3·cos(a^i, a^j)


@dataclass(frozen=True)
class Options:
    """Every option of the static-vectors path; asdict() of the resolved copy is JSON `config`."""

    vectors: str | None = None  # None: the embedded en_core_web_md vectors
    embedding: str = "vectors"  # vectors | onehot (over the sentence's own lowercased words)
    input_norm: str | None = None  # None: standard for vectors, none for one-hot
    punct: bool = False
    pos: str = "none"  # none | sinusoidal: a^i += pos_scale · e^i before the projections
    pos_scale: float = 1.0
    projection: str = "identity"  # identity | random (ignored when weights is given)
    weights: str | None = None
    heads: int = 1
    d_k: int | None = None  # per head; random projection only (identity: d_model/heads)
    seed: int = 0
    score: str = "scaled-dot"
    normalize: str = "softmax"
    temperature: float | None = None  # None: √d_k/3 for the identity projection, else 1
    d_a: int | None = None  # additive score's hidden size (random draw); default d_k
    window: int | None = None  # query i sees keys with |i − j| ≤ window
    causal: bool = False  # query i sees keys j ≤ i
    edges: str | None = None  # "restaurant-food,it-restaurant" (words or 0-based indices)
    graph: str | None = None  # a file, one edge per line
    directed: bool = False
    no_self: bool = False  # mask the diagonal
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

    head_numbers: list[int] = field(default_factory=list)  # 1-based numbers of the heads kept

    def __post_init__(self):
        if not self.head_numbers:
            self.head_numbers = list(range(1, len(self.layers[0].heads) + 1))

    def only_head(self, h: int) -> "Analysis":
        """The same analysis showing only head h (0-based); the output stays the full layer's."""
        layers = [att.LayerResult([layer.heads[h]], layer.output, layer.mask) for layer in self.layers]
        return replace(self, layers=layers, head_numbers=[self.head_numbers[h]])

    @property
    def in_embedding_space(self) -> bool:
        """b^i can be compared with word vectors (identity projection, no Wo, real vectors)."""
        return self.projections.kind == "identity" and self.vectors.kind != "onehot"


def make_projections(opts: Options, d_model: int) -> att.Projections:
    if opts.weights is not None:
        from .weights import load_weights

        found = load_weights(opts.weights, d_model, opts.heads)
        if found is not None:
            return found
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


def resolve_token(spec: str, tokens: list[str], what: str) -> int:
    """A token named by 0-based index or by word (case-insensitive; must be unique)."""
    spec = spec.strip()
    if spec.lstrip("-").isdigit():
        i = int(spec)
        if not 0 <= i < len(tokens):
            raise UsageError(f"{what} {spec}: index out of range (0 … {len(tokens) - 1})")
        return i
    hits = [i for i, t in enumerate(tokens) if t == spec] or [i for i, t in enumerate(tokens) if t.lower() == spec.lower()]
    if not hits:
        raise UsageError(f"{what} {spec!r}: no such word in the sentence (tokens: {' '.join(tokens[:20])}{' …' if len(tokens) > 20 else ''})")
    if len(hits) > 1:
        raise UsageError(f"{what} {spec!r} occurs {len(hits)} times (at {', '.join(map(str, hits))}); give its index instead")
    return hits[0]


def parse_edge(text: str, tokens: list[str], what: str) -> tuple[int, int]:
    """'a-b', 'a->b', 'a b' or 'a,b'; words may contain '-', so every split point is tried."""
    text = text.strip()
    for sep in ("->", "\t", " ", ","):
        if sep in text:
            a, b = text.split(sep, 1)
            return resolve_token(a, tokens, what), resolve_token(b, tokens, what)
    cuts = [k for k, ch in enumerate(text) if ch == "-" and 0 < k < len(text) - 1]
    errors = []
    for k in cuts:
        try:
            return resolve_token(text[:k], tokens, what), resolve_token(text[k + 1 :], tokens, what)
        except UsageError as e:
            errors.append(str(e))
    if errors:
        raise UsageError(errors[0])
    raise UsageError(f"{what} {text!r}: an edge is two words or indices joined by '-', e.g. restaurant-food")


def read_edges(opts: Options, tokens: list[str]) -> list[tuple[int, int]] | None:
    if opts.edges is None and opts.graph is None:
        return None
    edges = []
    if opts.edges is not None:
        edges += [parse_edge(e, tokens, "--edges") for e in opts.edges.split(",") if e.strip()]
    if opts.graph is not None:
        from pathlib import Path

        path = Path(opts.graph).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"--graph {path}: cannot read it ({e.strerror if isinstance(e, OSError) else 'not UTF-8 text'})") from None
        edges += [parse_edge(l, tokens, f"--graph {path}") for l in lines if l.strip() and not l.lstrip().startswith("#")]
    if not edges:
        raise UsageError("--edges/--graph gave no edges")
    return edges


def make_additive(opts: Options, proj: att.Projections) -> att.Additive | None:
    if opts.score != "additive":
        return None
    if opts.weights is not None:
        from .weights import load_additive

        found = load_additive(opts.weights, proj.d_k)
        if found is not None:
            return found
    return att.random_additive(proj.d_k, opts.d_a or proj.d_k, opts.seed)


def auto_temperature(x: np.ndarray, proj: att.Projections, score: str) -> float:
    """The default T.  With the identity projection and a similarity score (scaled-dot, dot,
    cosine), α_ij ∝ ‖a^i‖‖a^j‖cos(a^i, a^j): T = (median self-score α_ii over heads and known
    tokens) / 3 makes softmax see ≈ 3·cos — self-similarity no longer swamps every row.
    For standard vectors and one head that is exactly √d_k/3.  Otherwise T = 1, the textbook."""
    if proj.kind != "identity" or score not in ("scaled-dot", "dot", "cosine"):
        return 1.0
    if score == "cosine":
        return 1.0 / AUTO_SHARPNESS
    d_k = proj.d_k
    heads = x.reshape(len(x), proj.n_head, d_k)  # identity: q = k = the head's slice of a
    self_scores = np.einsum("nhd,nhd->nh", heads, heads) / (np.sqrt(d_k) if score == "scaled-dot" else 1.0)
    known = self_scores[self_scores > 0]
    return float(np.median(known)) / AUTO_SHARPNESS if known.size else 1.0


def analyze(text: str, opts: Options = Options()) -> Analysis:
    """Embed text and compute one layer of (multi-head) self-attention over it."""
    if opts.heads < 1:
        raise UsageError(f"--heads must be at least 1 (got {opts.heads})")
    if opts.embedding not in EMBEDDINGS:
        raise UsageError(f"unknown --embedding {opts.embedding!r}; choose one of {', '.join(EMBEDDINGS)}")
    if opts.pos not in POSITIONS:
        raise UsageError(f"unknown --pos {opts.pos!r}; choose one of {', '.join(POSITIONS)}")
    if opts.window is not None and opts.window < 0:
        raise UsageError(f"--window must be 0 or more (got {opts.window})")
    tokens = tokenize(text, keep_punct=opts.punct)
    if opts.embedding == "onehot":
        input_norm = opts.input_norm or "none"
        vectors = OneHot(tokens)
    else:
        input_norm = opts.input_norm or "standard"
        vectors = open_vectors(opts.vectors, opts.trust_pickle)
    emb = embed(tokens, vectors, input_norm)
    if opts.pos == "sinusoidal":
        emb.x = emb.x + np.float32(opts.pos_scale) * att.sinusoidal(len(tokens), vectors.dim).astype(np.float32)
    proj = make_projections(opts, vectors.dim)
    temperature = opts.temperature
    if temperature is None:
        temperature = auto_temperature(emb.x, proj, opts.score)
    additive = make_additive(opts, proj)
    config = att.AttentionConfig(score=opts.score, normalize=opts.normalize, temperature=temperature, additive=additive)
    allowed = att.mask(len(tokens), opts.window, opts.causal, read_edges(opts, tokens), opts.directed, not opts.no_self)
    layer = att.self_attention(emb.x, proj, config, allowed)
    resolved = Options(**{**asdict(opts), "temperature": temperature, "d_k": proj.d_k, "input_norm": input_norm})
    cfg = {k: v for k, v in asdict(resolved).items() if k != "trust_pickle"}
    cfg["projection"] = proj.kind
    cfg["d_v"] = proj.d_v
    cfg["has_wo"] = proj.wo is not None
    cfg["temperature_auto"] = opts.temperature is None
    cfg["d_a"] = None if additive is None else int(additive.w.shape[0])
    cfg["masked"] = allowed is not None
    source = {"kind": "vectors", "name": vectors.name, "dim": vectors.dim, "format": vectors.kind}
    return Analysis(text, tokens, emb.oov, source, cfg, [layer], emb, vectors, proj)
