"""A user's vectors file, read with gensim (word2vec text or binary, GloVe, fastText .bin, gzip or
bzip2), or a gensim-data model: the format sniffed, and a file gensim would choke on (a header
larger than the file, a truncated fastText .bin, NaN rows, a byte order mark) refused or mended
first, with a message that says what to do.  gensim is imported only here, and only when asked for.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import AttnvizError, UsageError

PICKLE_SUFFIXES = (".kv", ".model", ".pkl", ".pickle")
FASTTEXT_MAGIC = 793712314  # first int32 of a Facebook fastText .bin
BOM = b"\xef\xbb\xbf"


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
        return check_table(_load_word2vec(path, kind), path, kind)
    except AttnvizError:
        raise
    except MemoryError:
        raise AttnvizError(f"{path}: not enough memory to load these vectors; use a smaller vectors file") from None
    except Exception as e:  # gensim raises many types for malformed files
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise AttnvizError(f"could not read vectors from {path}: {detail}; a vectors file is word2vec or GloVe text (a word "
                           f"and its numbers on each line), word2vec or fastText binary, or a gensim .kv") from None


class RaggedRow(Exception):
    """A text row whose count of numbers is not the file's dimension (raised from StrictRows)."""


def _load_word2vec(path: Path, kind: str):
    """word2vec/GloVe text or word2vec binary -> KeyedVectors, every text row checked for its length."""
    from gensim.models import KeyedVectors

    class StrictRows(KeyedVectors):
        """gensim sets each row with `vectors[i] = numbers`: numpy would fill a row of one number with
        copies of it (a silent wrong vector), so a row of the wrong length is refused here; one len() a row."""

        def add_vector(self, key, vector):
            if len(vector) != self.vector_size:
                raise RaggedRow()
            return super().add_vector(key, vector)

    with without_bom(path) as readable:
        try:
            kv = StrictRows.load_word2vec_format(
                str(readable), binary=kind == "word2vec-bin", no_header=kind == "glove-text", unicode_errors="replace"
            )
        except RaggedRow:
            raise ragged_row_error(path, kind) from None
    kv.__class__ = KeyedVectors  # StrictRows adds no state: callers get gensim's own class
    return kv


def ragged_row_error(path: Path, kind: str) -> AttnvizError:
    """The first text line whose count of numbers differs from the header's (or the first line's), named."""
    with _header_reader(path)() as f:
        lines = (line.removeprefix(BOM) if n == 1 else line for n, line in enumerate(f, 1))
        dim = None
        if kind == "word2vec-text":
            dim = int(next(lines).split()[1])
        for n, line in enumerate(lines, 2 if dim is not None else 1):
            word, *numbers = line.rstrip().split(b" ")  # as gensim splits a line
            if not word or (dim is not None and len(numbers) != dim):
                break
            dim = len(numbers) if dim is None else dim
        else:
            return AttnvizError(f"{path}: a line's count of numbers differs from the others'; every line of a vectors "
                                f"file is a word and the same count of numbers")
    said = f"the header (line 1) says {dim}" if kind == "word2vec-text" else f"the first line has {dim}"
    what = (f"line {n} is blank" if not word else
            f"the vector of {word.decode('utf-8', 'replace')!r} (line {n}) has {len(numbers)} number"
            f"{'' if len(numbers) == 1 else 's'} where {said}")
    return AttnvizError(f"{path}: {what}; every line of a vectors file is a word and the same count of numbers: "
                        f"{'delete it' if not word else 'fix or delete this line'}")


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
            import secrets
            import shutil
            import tempfile

            # named before it exists, and removed here if the copy stops (a full disk, Ctrl-C during a large
            # file): `with` calls __exit__ only once __enter__ has returned
            self.copy = Path(tempfile.gettempdir()) / f"attnviz-{secrets.token_hex(8)}{self.path.name[-40:]}"
            try:
                with os.fdopen(os.open(self.copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:  # yours alone
                    shutil.copyfileobj(f, out, 1 << 20)
            except BaseException as e:
                self.copy.unlink(missing_ok=True)
                if not isinstance(e, OSError):
                    raise
                raise AttnvizError(f"{self.path} starts with a byte order mark and no temporary copy without it could be "
                                   f"written ({e.strerror}); remove the first 3 bytes (tail -c +4) or set TMPDIR") from None
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
