"""Head summaries over a corpus (one sentence a line): what each head does on average, and how much
one word attends to another where both occur — through the numpy encoder in batches of sentences of
similar length (padding + attention mask), which gives what one-at-a-time runs give."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UsageError

KEYS = ("entropy", "cls", "sep", "self", "prev", "next", "punct")  # per head, per sentence; then mean and sd
SINK = "sink"  # a decoder's heads also: the first token's share of every later query (summaries.head_summary)
BATCH_CELLS = 1 << 18  # B·L² per batch: 64 sentences of 64 tokens, 1 of 512 (α′ of a layer: B·H·L² floats)
BATCH_MAX = 64
CHUNK = 4096  # sentences tokenized and run at a time: memory does not grow with the corpus


@dataclass
class Corpus:
    lines: list[str]  # the sentences: the non-blank lines, stripped
    numbers: list[int]  # their 1-based line numbers in the file
    blank: int = 0  # blank lines skipped
    name: str = "corpus"  # the file, for messages


@dataclass
class PairStats:
    """α′(source → target) at word level (sum over the key word's pieces, mean over the query's),
    mean over the occurrence pairs in a sentence, then mean over the sentences that have both."""

    source: str
    target: str
    sentences: int  # sentences with both words (a decoder's: with the target before the source)
    source_sentences: int
    target_sentences: int
    mean: np.ndarray = field(repr=False)  # [layers, heads]
    sd: np.ndarray = field(repr=False)  # [layers, heads] across those sentences (0 for one sentence)
    unseen: int = 0  # a decoder's sentences with both words but the target only after the source: not counted


@dataclass
class CorpusAnalysis:
    model: str
    path: str
    corpus: Corpus = field(repr=False)
    tokens: int  # all tokens, [CLS] and [SEP] included
    layers: int
    heads: int
    mean: np.ndarray = field(repr=False)  # [layers, heads, len(keys)] mean over sentences
    sd: np.ndarray = field(repr=False)  # [layers, heads, len(keys)] standard deviation over sentences
    pair: PairStats | None = None
    special_names: tuple[str | None, str | None] = ("[CLS]", "[SEP]")  # the first sentence's first and other special tokens

    sentences = property(lambda self: len(self.corpus.lines))

    causal: bool = False  # a decoder's: its summaries add SINK

    @property
    def keys(self) -> tuple[str, ...]:
        return KEYS + (SINK,) if self.causal else KEYS

    def summary(self, layer: int, head: int, sd: bool = False) -> dict[str, float]:
        """Head (layer, head), 0-based, as {entropy, cls, sep, self, prev, next, punct} and a decoder's
        sink (means, or sds)."""
        row = (self.sd if sd else self.mean)[layer, head]
        return {key: float(x) for key, x in zip(self.keys, row)}


def read_corpus(path: str) -> Corpus:
    """A UTF-8 file, one sentence a line; blank lines are skipped (and counted).  Read as `show --file`
    reads (stream.text_chunks): a NUL byte, bytes that are not UTF-8, or more than
    stream.MAX_LINES_BYTES (pipes and devices included) are one clear error."""
    from .stream import text_lines

    return corpus_of(text_lines(str(Path(path).expanduser())), path)


def corpus_of(lines: list[str], name: str = "corpus") -> Corpus:
    kept = [(k, line.strip()) for k, line in enumerate(lines, start=1) if line.strip()]
    if not kept:
        raise UsageError(f"{name} has no sentences ({len(lines)} line{'s' if len(lines) != 1 else ''}, all blank); "
                         f"give one sentence per line")
    return Corpus([s for _, s in kept], [k for k, _ in kept], len(lines) - len(kept), name)


def check_line_lengths(corpus: Corpus, opts) -> None:
    """Before `show --file F --lines --json` writes a line: every line has a word to attend over (one
    the vectors know) and at most DENSE_MAX tokens (its document holds full matrices; a longer one
    would be top-k JSON Lines, not one document).
    Tokenized as the text path does (inputs.text), without embedding."""
    from ..inputs.tokens import tokenize
    from ..inputs.wordvectors import open_vectors
    from ..options import DENSE_MAX

    table = None if opts.embedding == "onehot" else open_vectors(opts.vectors, opts.trust_pickle)
    for number, line in zip(corpus.numbers, corpus.lines):
        tokens = tokenize(line, keep_punct=opts.punct, vocabulary=None if table is None else table.contains)
        n = len(tokens)
        if n == 0:  # refused here, not after the documents before it were written
            raise UsageError(f"{corpus.name} line {number} has no words to attend over (punctuation alone is dropped); "
                             f"remove the line, or keep punctuation with `punct` (no document was written)")
        if table is not None and not table.has_subwords and not any(map(table.contains, tokens)):
            raise UsageError(f"{corpus.name} line {number}: none of its words is in {table.name}, so there is nothing to "
                             f"compare; remove the line, or use `vectors` for its language or `embedding` onehot (no document was written)")
        if n > DENSE_MAX:
            raise UsageError(f"{corpus.name} line {number}: {n:,} tokens, over the {DENSE_MAX:,} one line's document holds "
                             f"(full matrices); split the line, or run it on its own with show `file` and `top_k` K")


def is_punct(token: str) -> bool:
    """A token made of punctuation only (Unicode categories P*): . , ; ! ? ' " ( ) – …"""
    return bool(token) and all(unicodedata.category(ch).startswith("P") for ch in token)


def batches(lengths: np.ndarray) -> list[np.ndarray]:
    """Indices of the texts in batches of similar length (sorted), each within BATCH_CELLS and BATCH_MAX."""
    order = np.argsort(lengths, kind="stable")
    out, start = [], 0
    while start < len(order):
        stop = start + 1
        while stop < len(order) and stop - start < BATCH_MAX and (stop - start + 1) * int(lengths[order[stop]]) ** 2 <= BATCH_CELLS:
            stop += 1
        out.append(order[start:stop])
        start = stop
    return out


def batch_summaries(a: np.ndarray, lengths: np.ndarray, cls: np.ndarray, sep: np.ndarray, punct: np.ndarray,
                    causal: bool = False) -> np.ndarray:
    """One layer's α′ [B, H, L, L] (rows and keys past lengths[b] are padding) -> [B, H, len(KEYS)]
    (+ 1 when causal: SINK, the mean of a[i, 0] over rows 1 … n−1, 1 for a one-token text).

    cls [B]: the first token is [CLS]; sep, punct [B, L] bool: keys that are [SEP]-like (special, not
    first) or punctuation.  Each number is a mean over the text's n query rows; prev over rows 1 … n−1
    (a[i, i−1]), next over rows 0 … n−2 (a[i, i+1]); as summaries.head_summary for one text.
    """
    b, _, n, _ = a.shape
    rows = (np.arange(n)[None, :] < lengths[:, None]).astype(np.float32)[:, None, :]  # [B, 1, L]
    mean = lambda stat, w, count: (stat * w).sum(axis=-1) / np.maximum(count, 1)[:, None]  # noqa: E731  [B, H]
    ent = -(a * np.log2(np.where(a > 0, a, 1.0))).sum(axis=-1)  # [B, H, L]
    out = np.empty((b, a.shape[1], len(KEYS) + causal), dtype=np.float64)
    out[..., 0] = mean(ent, rows, lengths)
    out[..., 1] = mean(a[..., 0], rows, lengths) * cls[:, None]
    out[..., 2] = mean((a @ sep[:, None, :, None].astype(a.dtype))[..., 0], rows, lengths)
    out[..., 3] = mean(np.diagonal(a, 0, 2, 3), rows, lengths)
    out[..., 4] = mean(np.diagonal(a, -1, 2, 3), rows[..., 1:], lengths - 1)  # query i = 1 … n−1, key i − 1
    out[..., 5] = mean(np.diagonal(a, 1, 2, 3), rows[..., 1:], lengths - 1)  # query i = 0 … n−2, key i + 1
    out[..., 6] = mean((a @ punct[:, None, :, None].astype(a.dtype))[..., 0], rows, lengths)
    if causal:
        out[..., 7] = np.where(lengths[:, None] > 1, mean(a[..., 1:, 0], rows[..., 1:], lengths - 1), 1.0)
    return out


def occurrences(enc, text: str, word: str) -> list[list[int]]:
    """The token indices of each occurrence of word (whole words, case-insensitive) in an encoded text."""
    from ..models.checkpoint import words_of

    labels, units = words_of(enc, text)
    return [u for label, u in zip(labels, units) if enc.word_ids[u[0]] is not None and label.strip().lower() == word]


def pair_value(a: np.ndarray, sources: list[list[int]], targets: list[list[int]], causal: bool = False) -> np.ndarray | None:
    """α′ [H, L, L] of one text -> [H]: word-level α′(source → target), mean over occurrence pairs
    (a word is not paired with itself when source and target are the same word; causal: only pairs
    whose target starts before its source, the others being 0 by the mask)."""
    values = [a[:, u][:, :, v].sum(axis=-1).mean(axis=-1) for u, v in occurrence_pairs(sources, targets, causal)]
    return np.mean(values, axis=0) if values else None


def occurrence_pairs(sources: list[list[int]], targets: list[list[int]], causal: bool) -> list[tuple[list[int], list[int]]]:
    """The (source, target) occurrence pairs a word-level α′ averages: not a word with itself, and in a
    decoder (causal) only a target that starts before its source: a later one is never attended to."""
    return [(u, v) for u in sources for v in targets if u != v and (not causal or v[0] < u[0])]


class Moments:
    """Count, sum and sum of squares over sentences: mean and sd without keeping every sentence."""

    def __init__(self, shape: tuple[int, ...]):
        self.n, self.s1, self.s2 = 0, np.zeros(shape), np.zeros(shape)

    def add(self, x: np.ndarray) -> None:  # x [k, *shape]
        self.n += len(x)
        self.s1 += x.sum(axis=0)
        self.s2 += (x.astype(np.float64) ** 2).sum(axis=0)

    def mean(self) -> np.ndarray:
        return self.s1 / max(self.n, 1)

    def sd(self) -> np.ndarray:
        """Sample standard deviation (n − 1); 0 for a single sentence."""
        if self.n < 2:
            return np.zeros_like(self.s1)
        return np.sqrt(np.maximum(self.s2 - self.s1**2 / self.n, 0.0) / (self.n - 1))


def analyze_corpus(corpus: Corpus, model: str = "minilm", source: str | None = None, target: str | None = None,
                   progress=None, batch: bool = True) -> CorpusAnalysis:
    """Every head's summary (KEYS) per sentence, then mean and sd over the corpus; with source and
    target (words), α′(source → target) where both occur.  progress(k, total) after each batch.

    The corpus is tokenized and run CHUNK sentences at a time, so memory does not grow with its
    length.  batch=False runs the sentences one at a time (the reference the batched run must equal), as
    does a family without a batched path (forward_batch).
    """
    from ..models.checkpoint import open_model
    from .summaries import special_names

    if (source is None) != (target is None):
        raise UsageError("give both `from` and `to`, or neither", "from")
    words = None if source is None else check_words(source, target)
    m = open_model(model)
    c = m.config
    seen = {"from": 0, "to": 0, "unseen": 0, "causal": bool(c.causal)}
    found = None if words is None else find_all_pairs(m, corpus, words, seen)  # before the model runs
    weights = m.family.part("layer_weights")(m) if m.family.part("forward_batch") else None  # None: one at a time
    stats, pair = Moments((c.layers, c.heads, len(KEYS) + c.causal)), Moments((c.layers, c.heads))
    tokens, names = 0, None
    for chunk, start in enumerate(range(0, len(corpus.lines), CHUNK)):
        encs = encode_chunk(m, corpus, start)
        names = names or special_names(encs[0].tokens, [w is None for w in encs[0].word_ids])
        lengths = np.array([len(e.ids) for e in encs])
        tokens += int(lengths.sum())
        pairs = {} if found is None else found[chunk]
        for idx in batches(lengths) if batch and weights is not None else [np.array([i]) for i in range(len(encs))]:
            per, values = run_batch(m, weights, [encs[i] for i in idx], [pairs.get(int(i)) for i in idx])
            stats.add(per)
            pair.add(values[~np.isnan(values[:, 0, 0])])
            if progress:
                progress(len(idx), len(corpus.lines))
    result = None
    if words is not None:
        result = PairStats(words[0], words[1], pair.n, seen["from"], seen["to"], pair.mean(), pair.sd(), seen["unseen"])
    return CorpusAnalysis(m.name, str(m.path), corpus, tokens, c.layers, c.heads, stats.mean(), stats.sd(), result, names,
                          bool(c.causal))


def check_words(source: str, target: str) -> tuple[str, str]:
    words = source.strip().lower(), target.strip().lower()
    for name, word in zip(("from", "to"), words):
        if not word or len(word.split()) > 1:
            raise UsageError(f"`{name}` {word!r}: give one word", name)
    return words


def encode_chunk(m, corpus: Corpus, start: int) -> list:
    """The encodings of sentences start … start + CHUNK − 1 (an over-long one is an error naming its line)."""
    from ..models.checkpoint import encode_batch

    return encode_batch(m, corpus.lines[start : start + CHUNK], [f"{corpus.name} line {k}" for k in corpus.numbers[start : start + CHUNK]])


def find_all_pairs(m, corpus: Corpus, words: tuple[str, str], seen: dict) -> list[dict]:
    """find_pairs for each chunk of CHUNK sentences, found by the tokenizer alone, then check_pairs:
    a word found nowhere (or never with the other) is refused before any forward pass."""
    found = [find_pairs(corpus.lines[start : start + CHUNK], encode_chunk(m, corpus, start), words, seen)
             for start in range(0, len(corpus.lines), CHUNK)]
    check_pairs(corpus, words, seen, sum(map(len, found)))
    return found


def find_pairs(lines: list[str], encs, words: tuple[str, str] | None, seen: dict) -> dict:
    """{text index: (source occurrences, target occurrences)} for the texts that have both words (when
    seen["causal"]: with the target before the source); seen["from"], seen["to"] count the texts that have
    each, seen["unseen"] those a decoder skips (both words, the target only after the source)."""
    if words is None:
        return {}
    source, target = words
    have_s = [occurrences(e, t, source) for e, t in zip(encs, lines)]
    have_t = [occurrences(e, t, target) for e, t in zip(encs, lines)] if target != source else have_s
    seen["from"] += sum(1 for h in have_s if h)
    seen["to"] += sum(1 for h in have_t if h)
    both = [i for i, (s, t) in enumerate(zip(have_s, have_t)) if occurrence_pairs(s, t, False)]
    ordered = {i: (have_s[i], have_t[i]) for i in both if occurrence_pairs(have_s[i], have_t[i], seen.get("causal", False))}
    seen["unseen"] += len(both) - len(ordered)
    return ordered


def check_pairs(corpus: Corpus, words: tuple[str, str], seen: dict, together: int) -> None:
    """A word found nowhere, or never with the other, is an error that names it."""
    for name, word in zip(("from", "to"), words):
        if not seen[name]:
            raise UsageError(f"`{name}` {word!r} occurs in none of the {len(corpus.lines)} sentences of {corpus.name} "
                             f"(whole words, any case; the tokenizer splits at punctuation)", name)
    if not together and seen.get("unseen"):
        raise UsageError(f"`to` {words[1]!r} comes after `from` {words[0]!r} in all {seen['unseen']} sentences of "
                         f"{corpus.name} that have both: in a decoder a token attends only to itself and earlier tokens, "
                         f"so every head gives this 0; ask the other way round (`from` {words[1]} `to` {words[0]})", "to")
    if not together:
        raise UsageError(f"{words[0]!r} ({seen['from']} sentences) and {words[1]!r} ({seen['to']} sentences) never occur "
                         f"in the same sentence of {corpus.name}", "from")


def run_batch(m, weights, encs, pairs: list) -> tuple[np.ndarray, np.ndarray]:
    """One batch through the encoder -> summaries [B, layers, heads, KEYS] and word-pair α′
    [B, layers, heads] (NaN for a text without both words; pairs[r] is find_pairs' entry or None).
    weights None: the family has no batched path, and the batch is one text, run through forward_layers."""
    from ..models.pieces import readable  # RoBERTa's Ġ( is punctuation too

    lengths = np.array([len(e.ids) for e in encs])
    b, n = len(encs), int(lengths.max())
    ids, types = np.zeros((b, n), dtype=np.int64), np.zeros((b, n), dtype=np.int64)
    sep, punct = np.zeros((b, n), dtype=bool), np.zeros((b, n), dtype=bool)
    for r, e in enumerate(encs):
        ids[r, : len(e.ids)], types[r, : len(e.ids)] = e.ids, e.type_ids
        special = np.array([w is None for w in e.word_ids])
        sep[r, 1 : len(e.ids)] = special[1:]
        punct[r, : len(e.ids)] = [not s and is_punct(t) for s, t in zip(special, readable(m.tokenizer, e.tokens, special))]
    cls = np.array([e.word_ids[0] is None for e in encs])
    if weights is None:
        alphas = [np.stack([hd.alpha_prime for hd in layer.heads])[None] for layer in m.forward_layers(encs[0])]  # [1, H, n, n]
    else:
        alphas = m.family.part("forward_batch")(m, weights, ids, types, lengths)
    per = np.stack([batch_summaries(a, lengths, cls, sep, punct, bool(m.config.causal)) for a in alphas], axis=1)  # [B, layers, H, keys]
    values = np.full(per.shape[:3], np.nan)
    for r, entry in enumerate(pairs):
        if entry is not None:
            values[r] = [pair_value(a[r], *entry, bool(m.config.causal)) for a in alphas]
    return per, values
