"""A GGUF file's header, read by a small bounded parser before anything trusts it.

GGUF (ggml's format: llama.cpp, Ollama, LM Studio) is: magic "GGUF", version, tensor count, metadata
count, the metadata (key, type, value), the tensor infos (name, dims, type, offset), then the tensor
data, aligned.  A file from the internet is hostile input: every count and length is checked against
the bytes that remain before it is used, so a count of 2⁶⁰ is one error, not an allocation or a loop
(gguf.GGUFReader loops `for _ in range(count)` and builds a numpy view per item).  Only numpy and the
`gguf` package's type table are used; tensors are memory-mapped, never read here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AttnvizError

VERSIONS = (2, 3)  # version 1 (2023, 32-bit counts) is gone from the wild
MAX_DIMS = 4  # GGML_MAX_DIMS
# metadata value types: code -> (struct format, size); 8 string, 9 array
SCALARS = {0: ("<B", 1), 1: ("<b", 1), 2: ("<H", 2), 3: ("<h", 2), 4: ("<I", 4), 5: ("<i", 4), 6: ("<f", 4),
           7: ("<?", 1), 10: ("<Q", 8), 11: ("<q", 8), 12: ("<d", 8)}
NUMPY = {0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "<u1", 10: "<u8", 11: "<i8", 12: "<f8"}
STRING, ARRAY = 8, 9
# Item counts past which a file is refused, whatever its size: each item is a step of a Python loop,
# and an 80 MB file of empty strings would otherwise take seconds (gguf.GGUFReader: minutes).
# Real files: ~50 metadata keys, a few thousand tensors, vocabularies of at most 262 144 tokens.
MAX_ITEMS = {"tensors": 1 << 20, "metadata": 1 << 16, "strings": 1 << 21}


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # numpy order (GGUF's dims reversed): [rows, row length]
    qtype: int  # gguf.GGMLQuantizationType
    start: int  # absolute byte offset in the file
    nbytes: int


@dataclass
class Header:
    path: Path
    version: int
    meta: dict  # key -> value: int, float, bool, str, or a list / numpy array for arrays
    tensors: dict[str, TensorInfo]
    size: int  # the file's size in bytes


class Cursor:
    """Reads little-endian values from a memory map, every read checked against the file's end."""

    def __init__(self, data, path: Path):
        self.data, self.pos, self.path, self.end = data, 0, path, len(data)

    def fail(self, what: str):
        raise AttnvizError(f"`model` {self.path}: not a usable GGUF file ({what}); the file is damaged or not a model: download it again")

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or n > self.end - self.pos:
            self.fail(f"{what} runs past the end of the file at byte {self.pos:,}, it needs {n:,} bytes" if n < 1 << 40
                      else f"{what} claims {n:,} bytes, the file has {self.end:,}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def scalar(self, code: int, what: str):
        fmt, size = SCALARS[code]
        return struct.unpack(fmt, self.take(size, what))[0]

    def u32(self, what: str) -> int:
        return self.scalar(4, what)

    def u64(self, what: str) -> int:
        return self.scalar(10, what)

    def string(self, what: str) -> str:
        raw = self.take(self.u64(f"the length of {what}"), what)
        try:
            return str(raw, "utf-8")
        except UnicodeDecodeError:
            self.fail(f"{what} is not UTF-8")

    def strings(self, n: int, key: str) -> list[str]:
        """n strings (a tokenizer's 50 000 tokens): string() without its per-item overhead."""
        out, data, pos, end = [], self.data, self.pos, self.end
        try:
            for i in range(n):
                if pos + 8 > end:
                    break
                length = int.from_bytes(data[pos : pos + 8], "little")
                if length > end - pos - 8:
                    break
                out.append(str(data[pos + 8 : pos + 8 + length], "utf-8"))
                pos += 8 + length
        except UnicodeDecodeError:
            self.fail(f"item {len(out)} of {key} is not UTF-8")
        self.pos = pos
        if len(out) < n:
            self.string(f"item {len(out)} of {key}")  # the error, worded as for one string
        return out

    def count(self, what: str, least: int, cap: int | None = None) -> int:
        """A count of items of at least `least` bytes each, refused when they cannot fit in what remains
        (or, with cap, when there are more than a loop should walk)."""
        n = self.u64(what)
        if n * least > self.end - self.pos:
            self.fail(f"{what} is {n:,}, more than the {self.end - self.pos:,} bytes left can hold")
        if cap is not None and n > cap:
            self.fail(f"{what} is {n:,}, more than attnviz reads ({cap:,}; real models have far fewer)")
        return n


def read_header(path: Path) -> Header:
    """The header of the GGUF file at path, every count, length and tensor checked against the file."""
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else np.zeros(0, np.uint8)
    except (OSError, ValueError) as e:
        raise AttnvizError(f"`model` {path}: cannot read the GGUF file ({type(e).__name__}: {e})") from None
    cur = Cursor(memoryview(data), path)
    if len(data) < 4 or bytes(data[:4]) != b"GGUF":
        cur.fail(f"it starts with {bytes(data[:4])!r}, not the magic b'GGUF'")
    cur.pos = 4
    version = cur.u32("the version")
    if version not in VERSIONS:
        cur.fail(f"version {version}; attnviz reads GGUF versions {', '.join(map(str, VERSIONS))}"
                 + (" (this looks like a big-endian file)" if version >> 16 else ""))
    n_tensors = cur.count("the tensor count", 8 + 4 + 4 + 8, MAX_ITEMS["tensors"])
    n_meta = cur.count("the metadata count", 8 + 4 + 1, MAX_ITEMS["metadata"])
    meta = {}
    for _ in range(n_meta):
        key = cur.string("a metadata key")
        if key in meta:
            cur.fail(f"the metadata key {key} appears twice")
        meta[key] = value(cur, cur.u32(f"the type of {key}"), key)
    infos = [tensor_info(cur) for _ in range(n_tensors)]
    align = meta.get("general.alignment", 32)
    if not isinstance(align, int) or isinstance(align, bool) or align < 1 or align & (align - 1) or align > 1 << 20:
        cur.fail(f"general.alignment is {align!r}, not a power of two")
    base = -(-cur.pos // align) * align
    return Header(path, version, meta, place_tensors(cur, infos, base, align), len(data))


def value(cur: Cursor, code: int, key: str):
    """One metadata value of type code (arrays of numbers as numpy arrays, of strings as lists)."""
    if code in SCALARS:
        return cur.scalar(code, key)
    if code == STRING:
        return cur.string(key)
    if code != ARRAY:
        cur.fail(f"{key} has the unknown value type {code}")
    item = cur.u32(f"the item type of {key}")
    if item in NUMPY:
        n = cur.count(f"the length of {key}", SCALARS[item][1])
        return np.frombuffer(cur.take(n * SCALARS[item][1], key), dtype=NUMPY[item]).astype(NUMPY[item].replace("<", "="))
    if item == STRING:
        n = cur.count(f"the length of {key}", 8, MAX_ITEMS["strings"])
        return cur.strings(n, key)
    cur.fail(f"{key} is an array of {'arrays' if item == ARRAY else f'the unknown type {item}'}")


def tensor_info(cur: Cursor) -> tuple[str, tuple[int, ...], int, int]:
    """(name, numpy shape, type, offset) of one tensor info, the dims checked."""
    name = cur.string("a tensor name")
    n_dims = cur.u32(f"the dimension count of {name}")
    if not 1 <= n_dims <= MAX_DIMS:
        cur.fail(f"tensor {name} has {n_dims} dimensions; GGUF allows 1 to {MAX_DIMS}")
    dims = [cur.u64(f"a dimension of {name}") for _ in range(n_dims)]
    if min(dims) == 0 or max(dims) >= 1 << 48:
        cur.fail(f"tensor {name} has the dimensions {dims}; each must be between 1 and 2⁴⁸")
    qtype = cur.u32(f"the type of {name}")
    offset = cur.u64(f"the offset of {name}")
    return name, tuple(reversed(dims)), qtype, offset


def place_tensors(cur: Cursor, infos, base: int, align: int) -> dict[str, TensorInfo]:
    """Each tensor's place in the file: a known type, whole blocks per row, aligned, inside the file, named once."""
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    tensors: dict[str, TensorInfo] = {}
    for name, shape, qtype, offset in infos:
        if name in tensors:
            cur.fail(f"the tensor name {name} appears twice")
        if qtype not in GGML_QUANT_SIZES:
            cur.fail(f"tensor {name} has the unknown quantization type {qtype}")
        block, size = GGML_QUANT_SIZES[GGMLQuantizationType(qtype)]
        if shape[-1] % block:
            cur.fail(f"tensor {name} has rows of {shape[-1]} values, not whole blocks of {block} ({GGMLQuantizationType(qtype).name})")
        nbytes = int(np.prod(shape, dtype=object)) // block * size
        start = base + offset
        if offset % align or start + nbytes > cur.end:
            cur.fail(f"tensor {name} ({nbytes:,} bytes at offset {offset:,}) runs past the end of the file ({cur.end:,} bytes)"
                     if start + nbytes > cur.end else f"tensor {name} is at offset {offset}, not aligned to {align}")
        tensors[name] = TensorInfo(name, shape, qtype, start, nbytes)
    return tensors
