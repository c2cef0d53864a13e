"""Word vectors: the embedded table shipped in data/, or a user's file read with gensim.

Nothing here is loaded eagerly: the embedded table is memory-mapped and words are found by
binary search in a sorted key file, so start-up does no work proportional to the vocabulary.
gensim is imported only when a user's file or a gensim-data name is asked for (inputs/vectorfile.py
reads those).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..core.attention import row_norms
from ..errors import AttnvizError, UsageError
from .vectorfile import load_gensim_data, read_vectors_file

INPUT_NORMS = ("standard", "center", "none")
KEYS_PER_BLOCK = 16  # words_off.npy indexes every 16th key (scripts/build_vectors.py)


def data_dir() -> Path:
    """data/ inside the installed package, else the source checkout's top-level data/."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "data", package.parent / "data"):
        if (candidate / "vectors.npy").is_file():
            return candidate
    raise AttnvizError(f"the embedded vectors are missing (looked in {package / 'data'}); reinstall attnviz")


class Vectors:
    """What attention needs from word vectors."""

    name: str
    kind: str  # embedded | file | gensim-data
    dim: int
    has_subwords = False

    def lookup(self, word: str) -> np.ndarray | None:
        """The vector of word, exact match first, then lowercased; None when unknown."""
        for w in (word, word.lower()) if word != word.lower() else (word,):
            v = self._get(w)
            if v is not None:
                return v
        return None

    def contains(self, word: str) -> bool:
        """Whether lookup(word) finds a vector (exact, then lowercased), without building it:
        the `vocabulary` tokenize() segments CJK text against."""
        return any(self._has(w) for w in ((word, word.lower()) if word != word.lower() else (word,)))

    def _has(self, word: str) -> bool:
        return self._get(word) is not None

    def subword(self, word: str) -> np.ndarray | None:
        """A vector built from character n-grams, for formats that have them (fastText)."""
        return None

    def _get(self, word: str) -> np.ndarray | None:
        raise NotImplementedError

    def mean(self) -> np.ndarray:
        """[d] mean of all vectors: the point `center` and `standard` subtract."""
        raise NotImplementedError

    def table(self) -> tuple[np.ndarray, list[str]]:
        """[N, d] vectors (float32) and the word naming each row, for nearest-word search."""
        raise NotImplementedError

    def unit_table(self) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
        """A precomputed table of centered unit rows (int8 [N, d], scale [N], names), if any."""
        return None

    def row_norms(self, centered: bool) -> np.ndarray:
        """[N] norms of the table's rows, raw or centered on mean()."""
        table = self.table()[0]
        return row_norms(table - self.mean() if centered else table)


class EmbeddedVectors(Vectors):
    """spaCy en_core_web_md 3.7.1 static vectors, as built by scripts/build_vectors.py."""

    kind = "embedded"
    name = "en_core_web_md-3.7.1"

    def __init__(self, root: Path | None = None):
        self.root = root or data_dir()
        self._vectors = np.load(self.root / "vectors.npy", mmap_mode="r", allow_pickle=False)
        self.dim = int(self._vectors.shape[1])

    @cached_property
    def _keys(self) -> tuple[memoryview, memoryview, np.ndarray]:
        blob = np.memmap(self.root / "words.txt", dtype=np.uint8, mode="r")
        off = np.load(self.root / "words_off.npy", mmap_mode="r", allow_pickle=False)
        rows = np.load(self.root / "words_row.npy", mmap_mode="r", allow_pickle=False)
        # off as a memoryview: the binary search reads it ~17 times a word, and np.memmap's Python
        # __getitem__ made that a fifth of looking up a long text's words (5 900 words: 112 → 71 ms)
        return memoryview(blob), memoryview(np.asarray(off, dtype=np.uint32)), rows

    def _get(self, word: str) -> np.ndarray | None:
        row = self._row(word)
        return None if row is None else np.asarray(self._vectors[row], dtype=np.float32)

    def _has(self, word: str) -> bool:
        if "\u3000" <= word[:1] <= "\ud7ff":  # CJK, Kana, Hangul: segmenting asks for many candidates
            return word.encode("utf-8") in self._cjk_keys
        return self._row(word) is not None

    @cached_property
    def _cjk_keys(self) -> frozenset[bytes]:
        """Every key starting with a character in U+3000 … U+DFFF (UTF-8 lead byte E3 … ED): a few
        hundred in this English table, read once, so segmenting CJK text binary-searches nothing."""
        blob, off, _ = self._keys
        first, last = self._block(b"\xe3"), self._block(b"\xee")
        keys = bytes(blob[off[first] : off[last + 1]]).split(b"\n")
        return frozenset(k for k in keys if k[:1] and 0xE3 <= k[0] <= 0xED)

    def _block(self, target: bytes) -> int:
        """The last block whose first key is <= target (off[b] = where block b, keys 16b … 16b+15,
        starts; keys sorted by bytes)."""
        blob, off, _ = self._keys
        lo, hi = 0, len(off) - 2
        while lo < hi:
            mid = (lo + hi + 1) // 2
            first = bytes(blob[off[mid] : off[mid] + len(target) + 1]).split(b"\n", 1)[0]
            if first <= target:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _row(self, word: str) -> int | None:
        """The table row of word, by binary search over the sorted key file; None when absent."""
        blob, off, rows = self._keys
        target = word.encode("utf-8")
        lo = self._block(target)
        keys = bytes(blob[off[lo] : off[lo + 1]]).split(b"\n")[:KEYS_PER_BLOCK]
        for k, key in enumerate(keys):
            if key == target:
                return int(rows[lo * KEYS_PER_BLOCK + k])
        return None

    def mean(self) -> np.ndarray:
        return np.load(self.root / "mean.npy", allow_pickle=False)

    def table(self) -> tuple[np.ndarray, list[str]]:
        names = (self.root / "row_words.txt").read_text(encoding="utf-8").split("\n")
        return np.asarray(self._vectors, dtype=np.float32), names[: len(self._vectors)]

    def row_norms(self, centered: bool) -> np.ndarray:
        return np.load(self.root / "norms.npy", allow_pickle=False)[1 if centered else 0]

    def unit_table(self) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
        rows = np.load(self.root / "unit8.npy", mmap_mode="r", allow_pickle=False)
        scale = np.load(self.root / "unit8_scale.npy", allow_pickle=False)
        names = (self.root / "row_words.txt").read_text(encoding="utf-8").split("\n")[: len(rows)]
        return rows, scale, names


class GensimVectors(Vectors):
    """Any gensim KeyedVectors (word2vec, GloVe, fastText)."""

    def __init__(self, kv, name: str, kind: str):
        self.kv, self.name, self.kind = kv, name, kind
        self.dim = int(kv.vector_size)
        self.has_subwords = hasattr(kv, "buckets_word") or hasattr(kv, "vectors_ngrams")

    def _get(self, word: str) -> np.ndarray | None:
        idx = self.kv.key_to_index.get(word)
        return None if idx is None else np.asarray(self.kv.vectors[idx], dtype=np.float32)

    def _has(self, word: str) -> bool:
        return word in self.kv.key_to_index

    def subword(self, word: str) -> np.ndarray | None:
        if not self.has_subwords:
            return None
        v = np.asarray(self.kv.get_vector(word), dtype=np.float32)
        return v if np.any(v) else None

    def mean(self) -> np.ndarray:
        return np.asarray(self.kv.vectors, dtype=np.float32).mean(axis=0)

    def table(self) -> tuple[np.ndarray, list[str]]:
        n = min(len(self.kv.index_to_key), 100_000)  # files are frequency-ordered; cap the search
        return np.asarray(self.kv.vectors[:n], dtype=np.float32), list(self.kv.index_to_key[:n])


class OneHot(Vectors):
    """One-hot vectors over the sentence's own vocabulary (its distinct lowercased words, in order
    of first appearance): no two different words are similar, repeats of a word are identical."""

    kind = "onehot"

    def __init__(self, tokens: list[str]):
        self.words = list(dict.fromkeys(t.lower() for t in tokens))
        self.index = {w: i for i, w in enumerate(self.words)}
        self.dim = len(self.words)
        self.name = f"one-hot ({self.dim} words)"

    def _get(self, word: str) -> np.ndarray | None:
        i = self.index.get(word.lower())
        if i is None:
            return None
        v = np.zeros(self.dim, dtype=np.float32)
        v[i] = 1.0
        return v

    def _has(self, word: str) -> bool:
        return word.lower() in self.index

    def mean(self) -> np.ndarray:
        return np.full(self.dim, 1.0 / max(self.dim, 1), dtype=np.float32)

    def table(self) -> tuple[np.ndarray, list[str]]:
        return np.eye(self.dim, dtype=np.float32), list(self.words)


def open_vectors(spec: str | None, trust_pickle: bool = False) -> Vectors:
    """None -> the embedded table; an existing path -> a vectors file; else a gensim-data name."""
    if spec is None:
        return EmbeddedVectors()
    path = Path(spec).expanduser()
    if path.exists():
        return GensimVectors(read_vectors_file(path, trust_pickle), str(path), "file")
    if re.fullmatch(r"[\w.-]+", spec) and not Path(spec).suffix in (".txt", ".vec", ".bin", ".gz", ".bz2"):
        return GensimVectors(load_gensim_data(spec), spec, "gensim-data")
    raise UsageError(f"`vectors` {spec}: no such file")


@dataclass
class Embedded:
    tokens: list[str]
    x: np.ndarray  # [n, d] the a^i attention sees (after input normalization)
    oov: list[bool]  # True where the word is not in the vocabulary
    subword: list[bool]  # True where an OOV word got a fastText subword vector


def embed(tokens: list[str], vectors: Vectors, input_norm: str = "standard") -> Embedded:
    """Tokens -> a^i.

    input_norm (μ = mean of the vocabulary's vectors, d = dimension):
      standard: a = √d · (x − μ)/‖x − μ‖ — centered, every token the same length √d, i.e.
                RMS 1 per dimension, the scale a transformer's LayerNorm gives its inputs;
      center:   a = x − μ;
      none:     a = x, the raw vectors.
    An OOV word without a subword vector gets a = 0 (it carries no information: its scores
    are all 0, so as a query it spreads its attention evenly).
    """
    if input_norm not in INPUT_NORMS:
        raise UsageError(f"unknown `input_norm` {input_norm!r}; choose one of {', '.join(INPUT_NORMS)}")
    if not tokens:
        raise UsageError("there are no words to attend over; give a sentence (punctuation alone is dropped)")
    d = vectors.dim
    slot: dict[str, int] = {}  # a long text repeats its words: look each one up once
    index = np.fromiter((slot.setdefault(t, len(slot)) for t in tokens), dtype=np.int64, count=len(tokens))
    table = np.zeros((len(slot), d), dtype=np.float32)
    slot_oov = np.zeros(len(slot), dtype=bool)
    slot_sub = np.zeros(len(slot), dtype=bool)
    for t, u in slot.items():
        v = vectors.lookup(t)
        slot_oov[u] = v is None
        if v is None:
            v = vectors.subword(t)
            slot_sub[u] = v is not None
        if v is not None:
            if not np.isfinite(v).all():
                raise AttnvizError(f"the vector of {t!r} in {vectors.name} contains NaN or inf")
            table[u] = v
    known = ~slot_oov | slot_sub
    if input_norm != "none":  # per-row operations: done on the distinct words, then spread to tokens
        table[known] -= vectors.mean()
    if input_norm == "standard":
        norms = row_norms(table)[:, None]
        table = np.divide(table, norms, out=np.zeros_like(table), where=norms > 0) * np.float32(np.sqrt(d))
    x = table[index]
    oov, sub = slot_oov[index].tolist(), slot_sub[index].tolist()
    return Embedded(tokens, x, oov, sub)


def nearest_words(b: np.ndarray, vectors: Vectors, input_norm: str, top: int = 3) -> list[list[tuple[str, float]]]:
    """[n, d] -> for each row, the `top` vocabulary words with the highest cosine to it
    (vocabulary vectors centered like the input unless input_norm is none)."""
    centered = input_norm != "none"
    bn = row_norms(b)
    unit = (b / np.where(bn > 0, bn, 1.0)[:, None]).astype(np.float32)  # [n, d]
    quantized = vectors.unit_table() if centered else None
    if quantized is not None:  # the embedded table: centered unit rows in int8 (cosine to ~1e-2)
        rows, scale, names = quantized
        cos = (unit @ rows.astype(np.float32).T) * scale[None, :]  # [n, N]
    else:
        table, names = vectors.table()
        norms = vectors.row_norms(centered)
        cos = unit @ table.T  # [n, N]; (x − μ)·u = x·u − μ·u, so the table is never copied
        if centered:
            cos -= (unit @ vectors.mean())[:, None]
        cos /= np.where(norms > 0, norms, 1.0)[None, :]
    m = min(top * 3, cos.shape[1])
    best = np.argpartition(-cos, m - 1, axis=1)[:, :m]  # [n, m], unordered
    out = []
    for i in range(len(b)):
        if bn[i] == 0:
            out.append([])
            continue
        ranked = best[i][np.argsort(-cos[i, best[i]])]
        out.append([(names[j], float(cos[i, j])) for j in ranked if names[j]][:top])
    return out
