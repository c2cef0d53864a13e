"""Long text files, streamed: read, tokenize and embed in chunks, attend a block of queries at a
time, and hand each block's top-k keys to a sink (JSON Lines, or the terminal summary) as it is
computed.  The computation only: api.stream.stream_file checks, writes and renders.

Memory.  The file is read textfile.MAX_CHUNK bytes at a time and never held whole; what is kept for the
whole length is one int32 per token (which distinct word it is: the header lists every token, and
the block means need n) and one row of a per distinct word.  Attention holds the projected rows
of the keys in reach: with `window` W, O((block + 2W) · heads · d_k), whatever the length.  Causal
attention without a window, and full attention, need every key: their q and k rows are kept for
the whole text (n · heads · d_k · 8 bytes), and analysis.estimate says so before they start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..core import attention as att
from ..core import masks
from ..core.blockwise import (BlockMeans, BlockTop, MaskCache, attend_band, attend_block, band_mask, block_size, key_range,
                              one_blas_thread)
from ..core.positions import add_sinusoidal
from ..errors import AttnvizError, UsageError
from ..inputs import Sequence
from ..inputs.sources import TextSource
# the text file reader (its home is inputs.textfile; corpus, items' graph and the CLI read through it)
from ..inputs.textfile import split_lines, text_chunks, text_lines  # noqa: F401  (its caps: monkeypatch them there)
from ..options import AUTO_SHARPNESS, Options
from .config import VectorSetConfig
from .results import LongSummary  # noqa: F401  (the streamed long result: one LongResult with LongAnalysis)

KEEP_TEXT = 4_000_000  # characters: a text up to this long is kept whole, for the dense path (≤ DENSE_MAX words)
ROWS_AHEAD = 8192  # rows embedded and projected at a time


@dataclass
class Scanned:
    """A text file read once: each token as the index of its distinct word."""

    ids: np.ndarray  # [n] int32: the distinct word of each token
    words: list[str]  # [m] the distinct words, in order of first occurrence
    table: np.ndarray  # [m, d] float32: a of each distinct word (input normalization applied)
    oov: np.ndarray  # [m] bool: no vector
    subword: np.ndarray  # [m] bool: a fastText subword vector
    vectors: object  # the wordvectors.Vectors used
    input_norm: str
    text: str | None  # the whole text when it is short (KEEP_TEXT), else None

    def __len__(self) -> int:
        return len(self.ids)

    def tokens(self, s: int = 0, e: int | None = None) -> list[str]:
        return [self.words[u] for u in self.ids[s:e].tolist()]


def scan(path: str, opts: Options, label: str = "`file`") -> Scanned:
    """Read, tokenize and embed a text file a chunk at a time (inputs.tokens, wordvectors.embed)."""
    from ..inputs.tokens import tokenize
    from ..inputs.wordvectors import embed, open_vectors

    if opts.embedding == "onehot":
        raise UsageError("`embedding` onehot makes a vector as long as the vocabulary; use it on a sentence, not on a long file", "embedding")
    vectors = open_vectors(opts.vectors, opts.trust_pickle)
    input_norm = opts.input_norm or "standard"
    slot: dict[str, int] = {}
    ids, rows, oov, sub, kept, size = [], [], [], [], [], 0
    for piece in text_chunks(path, label):
        size += len(piece)
        if size <= KEEP_TEXT:
            kept.append(piece)
        tokens = tokenize(piece, keep_punct=opts.punct, vocabulary=vectors.contains)
        start = len(slot)
        ids.append(np.fromiter((slot.setdefault(t, len(slot)) for t in tokens), dtype=np.int32, count=len(tokens)))
        if len(slot) > start:
            new = list(slot)[start:]
            emb = embed(new, vectors, input_norm)
            rows.append(emb.x)
            oov += emb.oov
            sub += emb.subword
    if not slot:
        raise UsageError(f"{label} {path} has no words to attend over ({size:,} characters read)")
    oov_a, sub_a = np.array(oov, dtype=bool), np.array(sub, dtype=bool)
    if (oov_a & ~sub_a).all():
        raise AttnvizError(f"none of the words of {path} is in {vectors.name}, so there is nothing to compare; "
                           f"try English text, or `vectors` with vectors for this language")
    return Scanned(np.concatenate(ids), list(slot), np.concatenate(rows), oov_a, sub_a, vectors, input_norm,
                   "".join(kept) if size <= KEEP_TEXT else None)


def rows(sc: Scanned, opts: Options, s: int, e: int) -> np.ndarray:
    """a^i (+ s·e^i) of tokens s … e−1: [e − s, d] float32, as vectorset.resolve builds them."""
    x = sc.table[sc.ids[s:e]]
    if opts.pos == "sinusoidal":
        x = add_sinusoidal(x, np.arange(s, e), opts.pos_scale)
    return x


def stream_temperature(sc: Scanned, opts: Options, proj: att.Projections) -> float:
    """vectorset.auto_temperature over every token, from the distinct words and their counts:
    the median a^i·a^i/√d of the input (before the positional encoding) ÷ AUTO_SHARPNESS with the
    identity projection, else 1 — the same for every score, window and number of heads."""
    if proj.kind != "identity":
        return 1.0
    x = sc.table.astype(np.float64)  # [m, d] one row per distinct word
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.einsum("md,md->m", x, x) / math.sqrt(x.shape[1])  # [m]
    counts = np.bincount(sc.ids, minlength=len(sc.words))  # [m]
    return weighted_median(values, counts) / AUTO_SHARPNESS if (values > 0).any() else 1.0


def weighted_median(values: np.ndarray, counts: np.ndarray) -> float:
    """The median of the positive values, each repeated counts times, as auto_temperature takes it:
    the mean of the elements at ranks (N−1)//2 and N//2 of the sorted list, in the values' dtype."""
    keep = values > 0
    values, counts = values[keep], counts[keep]
    order = np.argsort(values, kind="stable")
    values, ends = values[order], np.cumsum(counts[order])
    total = int(ends[-1])
    lo, hi = values[np.searchsorted(ends, (total - 1) // 2, side="right")], values[np.searchsorted(ends, total // 2, side="right")]
    with np.errstate(over="ignore"):
        median = (lo + hi) / 2
    if not np.isfinite(median):
        raise AttnvizError("the scores α overflowed (inf or NaN): the vectors or weights are too large for float arithmetic")
    return float(median)


def resolve_stream(sc: Scanned, opts: Options, top_k: int):
    """vectorset.resolve for a scanned file: the projections, the attention config and the JSON `config`."""
    from .vectorset import resolve

    if opts.edges is not None or opts.graph is not None:
        raise UsageError("`edges`/`graph` need the full matrices; they work on short texts, without `top_k`", "edges")
    proj = None
    if opts.temperature is None:
        from .vectorset import make_projections

        proj = make_projections(opts, sc.table.shape[1])
    temperature = opts.temperature if proj is None else stream_temperature(sc, opts, proj)
    small = Sequence(sc.words[:1], sc.table[:1], np.arange(1), "text", sc.oov[:1])
    r = resolve(small, replace(opts, temperature=temperature), sc.input_norm)
    cfg = replace(r.cfg, temperature_auto=opts.temperature is None, masked=opts.window is not None or opts.causal or opts.no_self,
                  top_k=top_k)
    return r.proj, r.config, cfg


class KeyRows:
    """The projected q and k rows [base, top) the current query block needs; rows before the
    block's first key are dropped (never, without a window: every key stays)."""

    def __init__(self, sc: Scanned, opts: Options, proj: att.Projections):
        self.sc, self.opts, self.proj = sc, opts, proj
        self.base, self.q, self.k = 0, None, None

    def need(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """q and k [hi − lo, heads·d_k] for rows lo … hi−1 (lo never decreases between calls).
        Rows are embedded and projected ROWS_AHEAD at a time; the ones before lo go then."""
        top = self.base + (0 if self.q is None else len(self.q))
        if hi > top:
            x = rows(self.sc, self.opts, top, min(len(self.sc), max(hi, top + ROWS_AHEAD)))
            q, k = (x, x) if self.proj.kind == "identity" else (x @ self.proj.wq, x @ self.proj.wk)
            if self.q is not None:
                keep = lo - self.base
                q = np.concatenate([self.q[keep:], q])
                k = q if self.proj.kind == "identity" else np.concatenate([self.k[keep:], k])
                self.base = lo
            self.q, self.k = q, k
        return self.q[lo - self.base:hi - self.base], self.k[lo - self.base:hi - self.base]


def attend(sc: Scanned, opts: Options, proj: att.Projections, config: att.AttentionConfig, top_k: int, sink,
           progress=None, bins: int = 32, block: int = 512) -> list[np.ndarray]:
    """Every query block, every head: sink(s, [BlockTop per head]) in query order.  Returns the
    block means of α′ per head ([bins, bins], as blockwise_head's summary).  block: the most
    queries per block (blockwise.block_size)."""
    n, H, d_k = len(sc), proj.n_head, proj.d_k
    k_top = min(top_k, n)
    reach = opts.window
    cache = MaskCache(masks.grid(None, n), opts.window, opts.causal, opts.no_self, n)
    means = [BlockMeans(n, bins) for _ in range(H)]
    size = block_size(reach, block, n)
    key_rows = KeyRows(sc, opts, proj)

    def block_of_queries(s: int, e: int) -> list[BlockTop]:  # every head on queries s … e−1
        lo, hi = key_range(s, e, n, reach, opts.causal)
        q_all, k_all = key_rows.need(lo, max(hi, e))  # rows lo …: the queries are among them
        if reach is not None:  # the window's keys only, padded to s − reach … e + reach − 1; all heads at once
            front, back = lo - (s - reach), (e + reach) - hi
            k_pad = np.pad(k_all[:hi - lo], ((front, back), (0, 0))) if front or back else k_all[:hi - lo]
            allowed = band_mask(s, e, n, reach, opts.causal, opts.no_self)
            weights, tops = attend_band(q_all[s - lo:e - lo], k_pad, config, s, reach, allowed, k_top, H)
            for h in range(H):
                means[h].add(weights[h][:, front:weights.shape[2] - back], s, e, lo, hi)
            return tops
        allowed = cache.get(s, e, lo, hi)
        tops = []
        for h in range(H):
            cols = slice(h * d_k, (h + 1) * d_k)
            weights, top = attend_block(q_all[s - lo:e - lo, cols], k_all[:hi - lo, cols], config, allowed, k_top, lo)
            means[h].add(weights, s, e, lo, hi)
            tops.append(top)
        return tops

    spans, s = [], 0
    while s < n:  # causal without a window: the first blocks see few keys, so they can be taller
        e = min(n, s + (block_size(reach, block, s + block) if opts.causal and reach is None else size))
        lo, hi = key_range(s, e, n, reach, opts.causal)
        spans.append((s, e, (e - s) * (hi - lo) * H))  # progress counts query × key cells: the work
        s = e
    total = sum(cells for _, _, cells in spans)
    with one_blas_thread():
        for s, e, cells in spans:
            sink(s, block_of_queries(s, e))
            if progress is not None:
                progress(cells, total)
    return [m.means() for m in means]


class Examples:
    """A sink that keeps head 1's top keys of `count` evenly spaced queries."""

    def __init__(self, sc: Scanned, count: int = 8):
        n = len(sc)
        self.sc, self.wanted = sc, sorted(set(np.linspace(0, n - 1, min(count, n)).astype(int).tolist()))
        self.rows: list[tuple[int, str, list[tuple[int, str, float]]]] = []

    def __call__(self, s: int, tops: list[BlockTop]) -> None:
        top = tops[0]
        for i in (i for i in self.wanted if s <= i < s + len(top.keys)):
            keys = [(int(j), self.sc.words[self.sc.ids[j]], float(w)) for j, w in zip(top.keys[i - s], top.alpha_prime[i - s]) if j >= 0]
            self.rows.append((i, self.sc.words[self.sc.ids[i]], keys))


def source_of(sc: Scanned) -> TextSource:
    v = sc.vectors
    return TextSource(v.name, v.dim, v.kind)


def oov_warning(sc: Scanned) -> str | None:
    """present.warnings' line for a long input, in the language in use: how many tokens have no vector."""
    from ..i18n import _

    per_token = sc.oov[sc.ids]
    count = int(per_token.sum())
    if not count:
        return None
    how = _("they get fastText subword vectors") if (sc.subword | ~sc.oov).all() else _("they get a = 0 (no information)")
    return _("{k} of {n} words not in {name}").format(k=count, n=len(sc), name=sc.vectors.name) + "; " + how


def summarize(sc: Scanned, opts: Options, proj: att.Projections, config: att.AttentionConfig, top_k: int, cfg: VectorSetConfig,
              progress=None) -> LongSummary:
    """What the terminal shows of a scanned file (views.terminal.render_long): every block attended,
    kept as the block means of α′ per head and head 1's top keys of a few queries (Examples)."""
    examples = Examples(sc)
    summaries = attend(sc, opts, proj, config, top_k, examples, progress)
    return LongSummary(len(sc), cfg, source_of(sc), summaries, examples.rows)


def whole_text(sc: Scanned) -> str:
    """The scanned file as one text, for the dense path: kept whole when short (KEEP_TEXT), else its tokens."""
    return sc.text if sc.text is not None else " ".join(sc.tokens())
