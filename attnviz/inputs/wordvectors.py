"""Word vectors: the embedded table shipped in data/, or a user's file read with gensim.

Nothing here is loaded eagerly: the embedded table is memory-mapped and words are found by
binary search in a sorted key file, so start-up does no work proportional to the vocabulary.
gensim is imported only when a user's file or a gensim-data name is asked for.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..core.attention import row_norms
from ..errors import AttnvizError, UsageError

INPUT_NORMS = ("standard", "center", "none")
PICKLE_SUFFIXES = (".kv", ".model", ".pkl", ".pickle")
FASTTEXT_MAGIC = 793712314  # first int32 of a Facebook fastText .bin
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
    def _keys(self) -> tuple[memoryview, np.ndarray, np.ndarray]:
        blob = np.memmap(self.root / "words.txt", dtype=np.uint8, mode="r")
        off = np.load(self.root / "words_off.npy", mmap_mode="r", allow_pickle=False)
        rows = np.load(self.root / "words_row.npy", mmap_mode="r", allow_pickle=False)
        return memoryview(blob), off, rows

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


def sniff_format(path: Path) -> str:
    """fasttext-bin | word2vec-bin | word2vec-text | glove-text (no header)."""
    with open(path, "rb") as f:
        head = f.read(65536)
    if len(head) < 4:
        raise AttnvizError(f"{path}: the file is empty or too short to hold vectors")
    if int.from_bytes(head[:4], "little") == FASTTEXT_MAGIC:
        return "fasttext-bin"
    if head[:2] == b"\x1f\x8b":  # gzip: gensim reads it; decide text/binary by the name
        return "word2vec-bin" if ".bin" in path.suffixes else _text_kind(_gunzip_head(path))
    if head[:3] == b"BZh":  # bzip2, as the Chinese-Word-Vectors files come: gensim reads it when named .bz2
        if path.suffix != ".bz2":
            raise AttnvizError(f"{path}: is bzip2-compressed; name it {path.name}.bz2 or decompress it (bunzip2)")
        return "word2vec-bin" if ".bin" in path.suffixes else _text_kind(_bunzip_head(path))
    first, _, rest = head.removeprefix(BOM).partition(b"\n")
    if b"\x00" in first:
        raise AttnvizError(f"{path}: does not look like a vectors file (binary data without a word2vec header)")
    if re.fullmatch(rb"\s*\d+\s+\d+\s*", first):
        try:
            rest.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < len(rest) - 4:  # not just a character cut at the end of the sample
                return "word2vec-bin"
        return "word2vec-text"
    return _text_kind(head)


def _bunzip_head(path: Path) -> bytes:
    import bz2

    with bz2.open(path, "rb") as f:
        return f.read(65536)


def _gunzip_head(path: Path) -> bytes:
    import gzip

    with gzip.open(path, "rb") as f:
        return f.read(65536)


def _text_kind(head: bytes) -> str:
    first = head.removeprefix(BOM).partition(b"\n")[0]
    return "word2vec-text" if re.fullmatch(rb"\s*\d+\s+\d+\s*", first) else "glove-text"


def read_vectors_file(path: Path, trust_pickle: bool = False):
    """A gensim KeyedVectors from a word2vec/GloVe/fastText file, with a clear error if it is not one."""
    if path.is_dir():
        raise UsageError(f"`vectors` {path}: is a directory; give a vectors file")
    if not path.is_file():  # a pipe would block, and gensim reads a file twice
        raise UsageError(f"`vectors` {path}: not a regular file (a pipe or a device); save the vectors to a file first")
    if path.suffix in PICKLE_SUFFIXES and not trust_pickle:
        raise UsageError(
            f"`vectors` {path}: gensim's native {path.suffix} files are Python pickles and can run code "
            f"when loaded; pass `trust_pickle` if you trust this file, or save it with "
            f"KeyedVectors.save_word2vec_format"
        )
    from gensim.models import KeyedVectors  # heavy: only for a user's file

    kind = None
    try:
        if path.suffix in PICKLE_SUFFIXES:
            return check_table(KeyedVectors.load(str(path)), path, None)
        kind = sniff_format(path)
        if kind == "fasttext-bin":
            from gensim.models.fasttext import load_facebook_vectors

            check_fasttext_bin(path)
            return check_table(load_facebook_vectors(str(path)), path, kind)
        check_header(path, kind)
        with without_bom(path) as readable:
            kv = KeyedVectors.load_word2vec_format(
                str(readable), binary=kind == "word2vec-bin", no_header=kind == "glove-text", unicode_errors="replace"
            )
        return check_table(kv, path, kind)
    except AttnvizError:
        raise
    except MemoryError:
        raise AttnvizError(f"{path}: not enough memory to load these vectors; use a smaller vectors file") from None
    except Exception as e:  # gensim raises many types for malformed files
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise AttnvizError(f"could not read vectors from {path}: {detail}") from None


BOM = b"\xef\xbb\xbf"


class without_bom:
    """The path itself, or (when the file starts with a UTF-8 byte order mark, as Windows editors
    write) a temporary copy without it, removed on exit: gensim would read the mark as part of the
    header or of the first word."""

    def __init__(self, path: Path):
        self.path, self.copy = path, None

    def __enter__(self) -> Path:
        with open(self.path, "rb") as f:
            if f.read(3) != BOM:
                return self.path
            import shutil
            import tempfile

            try:
                out = tempfile.NamedTemporaryFile(prefix="attnviz-", suffix=self.path.name[-40:], delete=False)
            except OSError as e:
                raise AttnvizError(f"{self.path} starts with a byte order mark and no temporary copy without it could be "
                                   f"written ({e.strerror}); remove the first 3 bytes (tail -c +4) or set TMPDIR") from None
            self.copy = Path(out.name)
            with out:
                shutil.copyfileobj(f, out, 1 << 20)
        return self.copy

    def __exit__(self, *exc):
        if self.copy is not None:
            self.copy.unlink(missing_ok=True)


def check_header(path: Path, kind: str) -> None:
    """Refuse a word2vec header ("N D") the file cannot hold, before gensim allocates N × D floats."""
    if kind == "glove-text":
        return
    opener = _header_reader(path)
    with opener() as f:
        first = f.read(256).removeprefix(BOM).partition(b"\n")[0]
    m = re.fullmatch(rb"\s*(\d+)\s+(\d+)\s*", first)
    if not m:
        return
    count, dim = int(m[1]), int(m[2])
    size = path.stat().st_size
    need = count * dim * (4 if kind == "word2vec-bin" else 2)  # a float: 4 bytes, or a digit and a space
    compressed = path.suffix in (".gz", ".bz2")
    if dim == 0 or count == 0:
        raise AttnvizError(f"{path}: its header says {count} words × {dim} dimensions; a vectors file needs at least "
                           f"one word of at least one dimension")
    if need > size * (1000 if compressed else 1):
        raise AttnvizError(f"{path}: its header says {count:,} words × {dim:,} dimensions, more than a file of "
                           f"{size:,} bytes can hold; fix the first line (word count, then dimension)")


def _header_reader(path: Path):
    if path.suffix == ".gz":
        import gzip

        return lambda: gzip.open(path, "rb")
    if path.suffix == ".bz2":
        import bz2

        return lambda: bz2.open(path, "rb")
    return lambda: open(path, "rb")


def check_fasttext_bin(path: Path) -> None:
    """Walk a fastText .bin's layout (header, vocabulary, input matrix) without reading the numbers,
    so a truncated or corrupt file is refused instead of making gensim read past its end forever."""
    import mmap
    import struct

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        size = len(m)
        cut = AttnvizError(f"{path}: this fastText .bin is truncated or corrupt (it ends inside its "
                           f"{{}}); download or copy it again")
        pos = 8 + 12 * 4 + 8  # magic, version, 12 int32 arguments, a double
        if size < pos + 28:
            raise AttnvizError(str(cut).format("header"))
        dim = struct.unpack_from("<i", m, 8)[0]
        words, _, labels = struct.unpack_from("<3i", m, pos)
        prune = struct.unpack_from("<q", m, pos + 20)[0]
        if words < 0 or labels != 0 or prune < -1 or dim < 1:
            raise AttnvizError(f"{path}: not a fastText word-vector model (vocabulary {words}, labels {labels}, "
                               f"dimension {dim}); give an unsupervised fastText .bin or a .vec file")
        pos += 28
        for _ in range(words):
            end = m.find(b"\0", pos)
            if end < 0 or end + 10 > size:
                raise AttnvizError(str(cut).format("vocabulary"))
            pos = end + 10  # the word, its NUL, a count (int64) and a type (int8)
        pos += 8 * max(prune, 0) + 1
        if pos + 16 > size:
            raise AttnvizError(str(cut).format("vocabulary"))
        rows, cols = struct.unpack_from("<2q", m, pos)
        if rows < words or cols != dim or pos + 16 + rows * cols * 4 > size:
            raise AttnvizError(str(cut).format("vector matrix"))


def check_table(kv, path: Path, kind: str | None):
    """Refuse vectors attention cannot use: no words, no dimensions, or a NaN/inf anywhere (one bad
    row would poison the vocabulary mean that `center` and `standard` subtract from every word)."""
    if kv.vector_size < 1 or len(kv.index_to_key) == 0:
        raise AttnvizError(f"{path}: holds {len(kv.index_to_key)} words of {kv.vector_size} dimensions; "
                           f"a vectors file needs words with at least one number each")
    finite = np.isfinite(kv.vectors).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        where = {"word2vec-text": f"line {row + 2}", "glove-text": f"line {row + 1}"}.get(kind, f"entry {row + 1}")
        raise AttnvizError(f"{path}: the vector of {kv.index_to_key[row]!r} ({where}) contains NaN or inf "
                           f"({int((~finite).sum())} bad row{'s' if (~finite).sum() > 1 else ''} in all); "
                           f"fix or delete {'it' if (~finite).sum() == 1 else 'them'}")
    return kv


def load_gensim_data(name: str):
    """A gensim-data model: read from $GENSIM_DATA_DIR/NAME (default ~/gensim-data) if it was
    downloaded before, else downloaded first (needs the internet).

    Only the data file is read, as word2vec format; the __init__.py that gensim-data keeps
    next to it is never executed.
    """
    folder = Path(gensim_data_dir()) / name
    local = sorted(p for p in folder.glob(f"{name}*") if p.is_file() and p.suffix not in (".py", ".json"))
    if local:
        return read_vectors_file(local[0])
    import socket

    import gensim.downloader as api

    api.BASE_DIR = gensim_data_dir()
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(20)  # offline, fail instead of hanging
    try:
        path = Path(api.load(name, return_path=True))
    except Exception as e:
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise AttnvizError(
            f"`vectors` {name}: not a file, and getting it as a gensim-data model failed ({detail}); "
            f"gensim-data needs the internet the first time; or give the path of a vectors file"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    return read_vectors_file(path)


def gensim_data_dir() -> str:
    return os.environ.get("GENSIM_DATA_DIR", os.path.expanduser("~/gensim-data"))


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
