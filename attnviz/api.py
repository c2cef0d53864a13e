"""The library API: text + options -> an Analysis (tokens, layers of heads).  The CLI is one client."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .core import attention as att
from .core import masks, positions
from .core.blockwise import SparseHead, blockwise_head
from .errors import AttnvizError, UsageError
from .inputs.tokens import tokenize
from .inputs.wordvectors import Embedded, OneHot, Vectors, embed, open_vectors

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
    layer_numbers: list[int] = field(default_factory=lambda: [1])  # 1-based numbers of the layers kept
    rollout: np.ndarray | None = field(default=None, repr=False)  # [n, n] attention rollout (models)
    specials: list[bool] = field(default_factory=list)  # [CLS]/[SEP]-like tokens (models)
    summaries: dict = field(default_factory=dict, repr=False)  # (layer, head) -> head_summary (models)

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
        return self.projections.kind == "identity" and self.vectors is not None and self.vectors.kind != "onehot"


def make_projections(opts: Options, d_model: int) -> att.Projections:
    if opts.weights is not None:
        from .inputs.weights import load_weights

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
        from .inputs.weights import load_additive

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
    with np.errstate(over="ignore", invalid="ignore"):
        self_scores = np.einsum("nhd,nhd->nh", heads, heads) / (math.sqrt(d_k) if score == "scaled-dot" else 1.0)
    known = np.sort(self_scores[self_scores > 0])
    if not known.size:
        return 1.0
    with np.errstate(over="ignore"):
        median = (known[(known.size - 1) // 2] + known[known.size // 2]) / 2  # np.median would import numpy.ma: +8 ms
    if not np.isfinite(median):
        raise AttnvizError("the scores α overflowed (inf or NaN): the vectors or weights are too large for float arithmetic")
    return float(median) / AUTO_SHARPNESS


def check_options(opts: Options) -> None:
    """Options that contradict each other are a usage error, not something silently ignored."""
    conflicts = [
        (opts.weights is not None and opts.projection != "identity", "--weights gives W^q, W^k, W^v itself; drop --projection"),
        (opts.directed and opts.edges is None and opts.graph is None, "--directed goes with --edges or --graph"),
        (opts.pos_scale != 1.0 and opts.pos != "sinusoidal", "--pos-scale goes with --pos sinusoidal"),
        (opts.d_a is not None and opts.score != "additive", "--d-a goes with --score additive"),
        (opts.temperature is not None and opts.normalize != "softmax", f"--temperature applies to softmax, not to --normalize {opts.normalize}"),
        (opts.embedding == "onehot" and opts.vectors is not None, "--embedding onehot makes its own vectors; drop --vectors"),
        (opts.d_k is not None and opts.weights is not None, "--d-k is set by the shapes in --weights; drop --d-k"),
    ]
    for bad, message in conflicts:
        if bad:
            raise UsageError(message)
    if not np.isfinite(opts.pos_scale):
        raise UsageError(f"--pos-scale must be a finite number (got {opts.pos_scale})")


def require_known_words(emb: Embedded, vectors: Vectors) -> None:
    if emb.oov and all(o and not s for o, s in zip(emb.oov, emb.subword)):
        raise AttnvizError(f"none of the {len(emb.oov)} words is in {vectors.name}, so there is nothing to compare; "
                           f"try English text, or --vectors with vectors for this language")


@dataclass
class Prepared:
    """What both the dense and the long path need: tokens, a^i, projections, the attention config."""

    tokens: list[str]
    vectors: Vectors
    emb: Embedded  # emb.x includes the positional encoding when --pos is on
    proj: att.Projections
    config: att.AttentionConfig
    cfg: dict  # the JSON `config`: every effective option
    source: dict


def prepare(text: str, opts: Options, tokens: list[str] | None = None) -> Prepared:
    """Check the options, tokenize (unless given tokens), embed, and resolve every default."""
    check_options(opts)
    if opts.heads < 1:
        raise UsageError(f"--heads must be at least 1 (got {opts.heads})")
    if opts.embedding not in EMBEDDINGS:
        raise UsageError(f"unknown --embedding {opts.embedding!r}; choose one of {', '.join(EMBEDDINGS)}")
    if opts.pos not in POSITIONS:
        raise UsageError(f"unknown --pos {opts.pos!r}; choose one of {', '.join(POSITIONS)}")
    if opts.window is not None and opts.window < 0:
        raise UsageError(f"--window must be 0 or more (got {opts.window})")
    tokens = tokenize(text, keep_punct=opts.punct) if tokens is None else tokens
    if opts.embedding == "onehot":
        input_norm = opts.input_norm or "none"
        vectors = OneHot(tokens)
    else:
        input_norm = opts.input_norm or "standard"
        vectors = open_vectors(opts.vectors, opts.trust_pickle)
    emb = embed(tokens, vectors, input_norm)
    require_known_words(emb, vectors)
    if opts.pos == "sinusoidal":
        emb.x = emb.x + np.float32(opts.pos_scale) * positions.sinusoidal(len(tokens), vectors.dim).astype(np.float32)
    proj = make_projections(opts, vectors.dim)
    temperature = opts.temperature if opts.temperature is not None else auto_temperature(emb.x, proj, opts.score)
    additive = make_additive(opts, proj)
    config = att.AttentionConfig(score=opts.score, normalize=opts.normalize, temperature=temperature, additive=additive)
    resolved = Options(**{**asdict(opts), "temperature": temperature, "d_k": proj.d_k, "input_norm": input_norm})
    cfg = {k: v for k, v in asdict(resolved).items() if k != "trust_pickle"}
    cfg.update(projection=proj.kind, d_v=proj.d_v, has_wo=proj.wo is not None, temperature_auto=opts.temperature is None,
               d_a=None if additive is None else int(additive.w.shape[0]))
    source = {"kind": "vectors", "name": vectors.name, "dim": vectors.dim, "format": vectors.kind}
    return Prepared(tokens, vectors, emb, proj, config, cfg, source)


def analyze(text: str, opts: Options = Options(), tokens: list[str] | None = None) -> Analysis:
    """Embed text and compute one layer of (multi-head) self-attention over it.
    `tokens`, when the caller has tokenized text already, saves doing it again."""
    p = prepare(text, opts, tokens)
    allowed = masks.mask(len(p.tokens), opts.window, opts.causal, read_edges(opts, p.tokens), opts.directed, not opts.no_self)
    p.emb.x = p.emb.x.astype(np.float64)  # a sentence is small: compute the shown numbers in double precision
    layer = att.self_attention(p.emb.x, p.proj, p.config, allowed)
    cfg = {**p.cfg, "masked": allowed is not None}
    return Analysis(text, p.tokens, p.emb.oov, p.source, cfg, [layer], p.emb, p.vectors, p.proj)


def head_summary(a: np.ndarray, specials: list[bool]) -> dict[str, float]:
    """One head's α′ [n, n] in numbers: mean row entropy (bits) and the mean share of attention
    that goes to [CLS], [SEP] (any special token but the first), self, the previous and the next token."""
    n = a.shape[0]
    idx = np.arange(n)
    safe = np.where(a > 0, a, 1.0)
    entropy = float((-(a * np.log2(safe)).sum(axis=1)).mean())
    first_special = specials[0] if specials else False
    seps = [j for j in range(1, n) if specials[j]]
    return {
        "entropy": entropy,
        "cls": float(a[:, 0].mean()) if first_special else 0.0,
        "sep": float(a[:, seps].sum(axis=1).mean()) if seps else 0.0,
        "self": float(a[idx, idx].mean()),
        "prev": float(a[idx[1:], idx[:-1]].mean()) if n > 1 else 0.0,
        "next": float(a[idx[:-1], idx[1:]].mean()) if n > 1 else 0.0,
    }


def analyze_model(text: str, model: str, words: bool = False, layer: int | None = None, head: int | None = None) -> Analysis:
    """A real encoder's attention: every layer and head (or the --layer/--head chosen, 1-based),
    at subword level or pooled to words, plus attention rollout as an extra layer."""
    from .inputs.model import encode, open_model, words_of
    from .core.encoder import forward, pool_words, rollout

    if not text.strip():
        raise UsageError("there is no text to attend over; give a sentence")
    m = open_model(model)
    c = m.config
    for name, value, top in (("--layer", layer, c.layers), ("--head", head, c.heads)):
        if value is not None and not 1 <= value <= top:
            raise UsageError(f"{name} {value}: {m.name} has {top} ({name[2:]}s are numbered 1 … {top})")
    enc = encode(m, text)
    layers, hidden = forward(m, enc)
    specials = [w is None for w in enc.word_ids]
    tokens = list(enc.tokens)
    flow = rollout([np.stack([h.alpha_prime for h in lr.heads]) for lr in layers])
    if words:
        tokens, units = words_of(enc, text)
        specials = [len(u) == 1 and enc.word_ids[u[0]] is None for u in units]
        mean_mean = lambda a: np.stack([np.stack([a[np.ix_(u, v)].mean() for v in units]) for u in units])  # noqa: E731
        rows = lambda x: np.stack([x[u].mean(axis=0) for u in units])  # noqa: E731  (vectors: mean over pieces)
        layers = [att.LayerResult([att.HeadResult(rows(h.q), rows(h.k), rows(h.v), mean_mean(h.alpha),
                                                  pool_words(h.alpha_prime, units), rows(h.b)) for h in lr.heads],
                                  rows(lr.output)) for lr in layers]
        hidden = rows(hidden)
        flow = pool_words(flow, units)
    layer_numbers = [layer] if layer else list(range(1, c.layers + 1))
    head_numbers = [head] if head else list(range(1, c.heads + 1))
    summaries = {(l, h): head_summary(layers[l - 1].heads[h - 1].alpha_prime, specials) for l in layer_numbers for h in head_numbers}
    kept = [att.LayerResult([layers[l - 1].heads[h - 1] for h in head_numbers], layers[l - 1].output) for l in layer_numbers]
    cfg = {"model": m.name, "path": str(m.path), "words": words, "layer": layer, "head": head, "layers": c.layers,
           "heads": c.heads, "d_k": c.hidden // c.heads, "score": "scaled-dot", "normalize": "softmax",
           "temperature": 1.0, "temperature_auto": False, "input_norm": "model", "projection": "model",
           "seed": None, "weights": None, "has_wo": True, "masked": False}
    source = {"kind": "model", "name": m.name, "dim": c.hidden, "format": "safetensors"}
    emb = Embedded(tokens, hidden, [False] * len(tokens), [False] * len(tokens))
    proj = att.Projections(np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)), None, c.heads, "model")
    return Analysis(text, tokens, [False] * len(tokens), source, cfg, kept, emb, None, proj, head_numbers,
                    layer_numbers, flow, specials, summaries)


DENSE_MAX = 2000  # tokens; beyond this, attention is kept as top-k per query (blockwise, never n × n)


@dataclass
class LongAnalysis:
    """A long input's attention: per head, each query's top-k keys and a block-mean summary."""

    tokens: list[str]
    oov: list[bool]
    source: dict
    config: dict
    heads: list[SparseHead]
    output: np.ndarray  # [n, d_out] = concat(b)·Wo


def analyze_long(text: str, opts: Options, top_k: int, progress=None, tokens: list[str] | None = None) -> LongAnalysis:
    """Like analyze(), for inputs of any length: each head is computed blockwise and kept as
    top-k per query.  Window, causal and no-self masks apply; graph edges need the dense path."""
    if opts.edges is not None or opts.graph is not None:
        raise UsageError(f"--edges/--graph need the full matrices; they work up to {DENSE_MAX} tokens, without --top-k")
    if opts.embedding == "onehot":
        raise UsageError("--embedding onehot makes a vector as long as the vocabulary; use it on a sentence, not with --top-k")
    if top_k < 1:
        raise UsageError(f"--top-k must be at least 1 (got {top_k})")
    p = prepare(text, opts, tokens)
    Q, K, V = att.project(p.emb.x, p.proj)
    d_k, d_v = p.proj.d_k, p.proj.d_v
    heads = [blockwise_head(Q[:, h * d_k:(h + 1) * d_k], K[:, h * d_k:(h + 1) * d_k], V[:, h * d_v:(h + 1) * d_v],
                                p.config, top_k, opts.window, opts.causal, opts.no_self, progress=progress)
             for h in range(p.proj.n_head)]
    concat = np.concatenate([hd.b for hd in heads], axis=1)
    output = concat if p.proj.wo is None else concat @ p.proj.wo
    cfg = {**p.cfg, "masked": opts.window is not None or opts.causal or opts.no_self, "top_k": top_k}
    return LongAnalysis(p.tokens, p.emb.oov, p.source, cfg, heads, output)
