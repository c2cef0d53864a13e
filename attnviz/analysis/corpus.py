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
BATCH_CELLS = 1 << 18  # B·L² per batch: 64 sentences of 64 tokens, 1 of 512 (α′ of a layer: B·H·L² floats)
BATCH_MAX = 64


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
    sentences: int  # sentences with both words
    source_sentences: int
    target_sentences: int
    mean: np.ndarray = field(repr=False)  # [layers, heads]
    sd: np.ndarray = field(repr=False)  # [layers, heads] across those sentences (0 for one sentence)


@dataclass
class CorpusAnalysis:
    model: str
    path: str
    corpus: Corpus = field(repr=False)
    tokens: int  # all tokens, [CLS] and [SEP] included
    layers: int
    heads: int
    mean: np.ndarray = field(repr=False)  # [layers, heads, len(KEYS)] mean over sentences
    sd: np.ndarray = field(repr=False)  # [layers, heads, len(KEYS)] standard deviation over sentences
    pair: PairStats | None = None

    sentences = property(lambda self: len(self.corpus.lines))

    def summary(self, layer: int, head: int, sd: bool = False) -> dict[str, float]:
        """Head (layer, head), 0-based, as {entropy, cls, sep, self, prev, next, punct} (means, or sds)."""
        row = (self.sd if sd else self.mean)[layer, head]
        return {key: float(x) for key, x in zip(KEYS, row)}


def read_corpus(path: str) -> Corpus:
    """A UTF-8 file, one sentence a line; blank lines are skipped (and counted)."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as e:
        raise UsageError(f"--file {path}: {e.strerror.lower() if e.strerror else 'cannot read it'}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(f"--file {path}: not UTF-8 text (byte {e.start})") from None
    return corpus_of(text.splitlines(), path)


def corpus_of(lines: list[str], name: str = "corpus") -> Corpus:
    kept = [(k, line.strip()) for k, line in enumerate(lines, start=1) if line.strip()]
    if not kept:
        raise UsageError(f"{name} has no sentences ({len(lines)} line{'s' if len(lines) != 1 else ''}, all blank); "
                         f"give one sentence per line")
    return Corpus([s for _, s in kept], [k for k, _ in kept], len(lines) - len(kept), name)


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


def batch_summaries(a: np.ndarray, lengths: np.ndarray, cls: np.ndarray, sep: np.ndarray, punct: np.ndarray) -> np.ndarray:
    """One layer's α′ [B, H, L, L] (rows and keys past lengths[b] are padding) -> [B, H, len(KEYS)].

    cls [B]: the first token is [CLS]; sep, punct [B, L] bool: keys that are [SEP]-like (special, not
    first) or punctuation.  Each number is a mean over the text's n query rows; prev over rows 1 … n−1
    (a[i, i−1]), next over rows 0 … n−2 (a[i, i+1]); as summaries.head_summary for one text.
    """
    b, _, n, _ = a.shape
    rows = (np.arange(n)[None, :] < lengths[:, None]).astype(np.float32)[:, None, :]  # [B, 1, L]
    mean = lambda stat, w, count: (stat * w).sum(axis=-1) / np.maximum(count, 1)[:, None]  # noqa: E731  [B, H]
    ent = -(a * np.log2(np.where(a > 0, a, 1.0))).sum(axis=-1)  # [B, H, L]
    out = np.empty((b, a.shape[1], len(KEYS)), dtype=np.float64)
    out[..., 0] = mean(ent, rows, lengths)
    out[..., 1] = mean(a[..., 0], rows, lengths) * cls[:, None]
    out[..., 2] = mean((a @ sep[:, None, :, None].astype(a.dtype))[..., 0], rows, lengths)
    out[..., 3] = mean(np.diagonal(a, 0, 2, 3), rows, lengths)
    out[..., 4] = mean(np.diagonal(a, -1, 2, 3), rows[..., 1:], lengths - 1)  # query i = 1 … n−1, key i − 1
    out[..., 5] = mean(np.diagonal(a, 1, 2, 3), rows[..., 1:], lengths - 1)  # query i = 0 … n−2, key i + 1
    out[..., 6] = mean((a @ punct[:, None, :, None].astype(a.dtype))[..., 0], rows, lengths)
    return out


def occurrences(enc, text: str, word: str) -> list[list[int]]:
    """The token indices of each occurrence of word (whole words, case-insensitive) in an encoded text."""
    from ..inputs.model import words_of

    labels, units = words_of(enc, text)
    return [u for label, u in zip(labels, units) if enc.word_ids[u[0]] is not None and label.lower() == word]


def pair_value(a: np.ndarray, sources: list[list[int]], targets: list[list[int]]) -> np.ndarray | None:
    """α′ [H, L, L] of one text -> [H]: word-level α′(source → target), mean over occurrence pairs
    (a word is not paired with itself when source and target are the same word)."""
    values = [a[:, u][:, :, v].sum(axis=-1).mean(axis=-1) for u in sources for v in targets if u != v]
    return np.mean(values, axis=0) if values else None


def analyze_corpus(corpus: Corpus, model: str = "minilm", source: str | None = None, target: str | None = None,
                   progress=None, batch: bool = True) -> CorpusAnalysis:
    """Every head's summary (KEYS) per sentence, then mean and sd over the corpus; with source and
    target (words), α′(source → target) where both occur.  progress(k, total) after each batch.
    batch=False runs the sentences one at a time (the reference the batched run must equal)."""
    from ..core.encoder import layer_weights
    from ..inputs.model import encode_batch, open_model

    if (source is None) != (target is None):
        raise UsageError("give both `from` and `to`, or neither", "from")
    m = open_model(model)
    encs = encode_batch(m, corpus.lines, [f"{corpus.name} line {k}" for k in corpus.numbers])
    lengths = np.array([len(e.ids) for e in encs])
    pairs = find_pairs(corpus, encs, source, target)
    weights = layer_weights(m)
    c = m.config
    per = np.zeros((len(encs), c.layers, c.heads, len(KEYS)))  # [N, layers, heads, KEYS]
    pair = np.full((len(encs), c.layers, c.heads), np.nan)
    for idx in batches(lengths) if batch else [np.array([i]) for i in range(len(encs))]:
        run_batch(m, weights, [encs[i] for i in idx], idx, per, pair, pairs)
        if progress:
            progress(len(idx), len(encs))
    stats = None
    if pairs is not None:
        have = ~np.isnan(pair[:, 0, 0])
        stats = PairStats(source, target, int(have.sum()), pairs[1], pairs[2], pair[have].mean(axis=0),
                          pair[have].std(axis=0, ddof=1) if have.sum() > 1 else np.zeros(pair.shape[1:]))
    sd = per.std(axis=0, ddof=1) if len(encs) > 1 else np.zeros(per.shape[1:])
    return CorpusAnalysis(m.name, str(m.path), corpus, int(lengths.sum()), c.layers, c.heads, per.mean(axis=0), sd, stats)


def find_pairs(corpus: Corpus, encs, source: str | None, target: str | None):
    """{text index: (source occurrences, target occurrences)} where both occur, and how many texts have
    each word; None without source/target.  A word found nowhere, or never with the other, is an error."""
    if source is None:
        return None
    source, target = source.strip().lower(), target.strip().lower()
    count = {}
    for name, word in (("from", source), ("to", target)):
        if not word or len(word.split()) > 1:
            raise UsageError(f"`{name}` {word!r}: give one word", name)
    have_s = [occurrences(e, t, source) for e, t in zip(encs, corpus.lines)]
    have_t = [occurrences(e, t, target) for e, t in zip(encs, corpus.lines)] if target != source else have_s
    for name, word, have in (("from", source, have_s), ("to", target, have_t)):
        count[name] = sum(1 for h in have if h)
        if not count[name]:
            raise UsageError(f"`{name}` {word!r} occurs in none of the {len(encs)} sentences of {corpus.name} "
                             f"(whole words, any case; the tokenizer splits at punctuation)", name)
    found = {i: (s, t) for i, (s, t) in enumerate(zip(have_s, have_t)) if s and t and any(u != v for u in s for v in t)}
    if not found:
        raise UsageError(f"{source!r} ({count['from']} sentences) and {target!r} ({count['to']} sentences) never occur "
                         f"in the same sentence of {corpus.name}", "from")
    return found, count["from"], count["to"]


def run_batch(m, weights, encs, idx: np.ndarray, per: np.ndarray, pair: np.ndarray, pairs) -> None:
    """One batch through the encoder: fills per[idx] (summaries) and pair[idx] (where both words occur)."""
    from ..core.encoder import forward_batch

    lengths = np.array([len(e.ids) for e in encs])
    b, n = len(encs), int(lengths.max())
    ids, types = np.zeros((b, n), dtype=np.int64), np.zeros((b, n), dtype=np.int64)
    sep, punct = np.zeros((b, n), dtype=bool), np.zeros((b, n), dtype=bool)
    for r, e in enumerate(encs):
        ids[r, : len(e.ids)], types[r, : len(e.ids)] = e.ids, e.type_ids
        special = np.array([w is None for w in e.word_ids])
        sep[r, 1 : len(e.ids)] = special[1:]
        punct[r, : len(e.ids)] = [not s and is_punct(t) for s, t in zip(special, e.tokens)]
    cls = np.array([e.word_ids[0] is None for e in encs])
    for li, a in enumerate(forward_batch(m, weights, ids, types, lengths)):
        per[idx, li] = batch_summaries(a, lengths, cls, sep, punct)
        for r, i in enumerate(idx):
            if pairs is not None and int(i) in pairs[0]:
                pair[i, li] = pair_value(a[r], *pairs[0][int(i)])
