"""JSON written as a stream: matrices formatted by numpy (no Python float per number), head by head.

A 512-token MiniLM run has 6 layers × 12 heads × 2 matrices of 512 × 512 numbers (38 M): as
nested Python lists and one json.dumps string that took 36 s and 3.3 GB.  Here each matrix is
turned into bytes in a few vectorized passes and written at once, so memory stays at one matrix.

Numbers are written in scientific notation with 7 significant digits (float32 carries ~7.2), in
a fixed width: `1.234567e-01` (after a space or `-` when the matrix has negative values).
Fixed width is what lets numpy write them; a JSON reader sees the number 0.1234567.
"""

from __future__ import annotations

import numpy as np

from ..errors import AttnvizError

_HI = np.array([int.from_bytes(f"{i // 1000}.{i % 1000:03d}".encode(), "little") for i in range(10**4)], dtype=np.uint64)  # m // 1000 -> "d.ddd"
_LO = np.array([int.from_bytes(f"{i:03d}".encode(), "little") << 40 for i in range(1000)], dtype=np.uint64)  # m % 1000 -> "ddd" at bytes 5-7
_EXP = np.array([int.from_bytes(f"e{e:+03d}".encode(), "little") for e in range(-99, 100)], dtype=np.uint32)  # e -> "e±dd"
_POW10 = 10.0 ** np.arange(-60, 61)  # 10^k at _POW10[k + 60]: a table, not a pow() per number
BLOCK = 16384  # numbers formatted per step: 5× faster than a 512 × 512 matrix at once
_SIGNED = np.dtype({"names": ["sign", "mant", "exp", "sep"], "formats": ["u1", "<u8", "<u4", "u1"],
                    "offsets": [0, 1, 9, 13], "itemsize": 14})  # -d.dddddde±dd,
_UNSIGNED = np.dtype({"names": ["mant", "exp", "sep"], "formats": ["<u8", "<u4", "u1"], "offsets": [0, 8, 12], "itemsize": 13})


def mantissa_exponent(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[N] finite |x| (float64) -> m [N] in [10⁶, 10⁷) (0 where x = 0) and e [N], |x| ≈ m·10^(e−6)."""
    nz = a > 0
    e = np.floor(np.log10(np.where(nz, a, 1.0))).astype(np.int32)
    m = np.rint(a * _POW10[66 - e]).astype(np.int32)
    off = (m >= 10**7).astype(np.int32) - (nz & (m < 10**6))  # log10 and rounding: off by one near 10^k
    if off.any():
        e += off
        m = np.rint(a * _POW10[66 - e]).astype(np.int32)
        up = m >= 10**7  # a went down a power and rounds to 10.000000 of it
        m[up], e[up] = 10**6, e[up] + 1
    return m, e


def fill_records(x: np.ndarray, out: np.ndarray) -> None:
    """x [r, c] float32 -> out [r, c] fixed-width records `[sign]d.dddddde±dd,`; NaN -> `null`."""
    nan = np.isnan(x)
    a = np.abs(x).astype(np.float64)
    if nan.any():
        a[nan] = 0.0
    m, e = mantissa_exponent(a)
    if "sign" in out.dtype.names:
        out["sign"] = np.where(x < 0, ord("-"), ord(" "))
    hi = m // 1000
    out["mant"] = _HI.take(hi) | _LO.take(m - hi * 1000)
    out["exp"] = _EXP.take(e + 99)
    out["sep"] = ord(",")
    if nan.any():
        out[nan] = np.frombuffer(b"null".ljust(out.itemsize - 1) + b",", dtype=out.dtype)[0]


def matrix_rows(mat: np.ndarray) -> np.ndarray:
    """[r, c] -> uint8 [r, c·w + 2]: each row `[n,n,…,n],` in JSON (the last row's comma is cut by the caller).
    ±inf is refused: strict JSON has no infinity."""
    with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused below
        x = np.asarray(mat, dtype=np.float32)  # the model's precision; also bounds the exponent to −45 … 38
    if x.ndim != 2:
        raise ValueError(f"a JSON matrix is 2-D, not shape {x.shape}")
    r, c = x.shape
    if c == 0:
        return np.frombuffer(b"[]," * r, dtype=np.uint8).reshape(r, 3)
    if np.isinf(x).any():
        raise AttnvizError("a matrix holds inf; JSON has no infinity (the numbers overflowed float32)")
    dtype = _SIGNED if (x < 0).any() else _UNSIGNED
    rec = np.empty((r, c), dtype)  # contiguous: numpy writes its fields fast
    step = max(1, BLOCK // c)  # a few rows at a time: the temporaries stay small (in cache, no fresh pages)
    for start in range(0, r, step):
        fill_records(x[start : start + step], rec[start : start + step])
    rows = np.empty((r, c * dtype.itemsize + 2), dtype=np.uint8)
    line = np.dtype((np.void, c * dtype.itemsize))  # one row of numbers as one item: a memcpy per row
    rows[:, 1:-1].view(line)[:, 0] = rec.view(line)[:, 0]
    rows[:, 0] = ord("[")
    rows[:, -2] = ord("]")  # over the last number's comma
    rows[:, -1] = ord(",")
    return rows


def write_matrix(write, mat: np.ndarray) -> None:
    """Write [r, c] as JSON `[[…],[…]]`: jsondoc.matrix's lists, at 7 significant digits, without copies."""
    rows = matrix_rows(mat)
    write(b"[")
    write(memoryview(rows.reshape(-1))[:-1])
    write(b"]")


def matrix_bytes(mat: np.ndarray) -> bytes:
    """[r, c] -> the JSON text `[[…],[…]]` as bytes."""
    return b"[" + matrix_rows(mat).tobytes()[:-1] + b"]"


def sink(out):
    """A function that writes bytes to out: its binary buffer (stdout), else decoded (io.StringIO)."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        return buffer.write
    return lambda b: out.write(bytes(b).decode("utf-8"))


def write_model_document(analysis, include_vectors: bool, out) -> None:
    """`show --model … --json`: the attnviz/1 document of jsondoc.document(), written head by head.

    The same keys in the same order; numbers at 7 significant digits (float32).  Memory: a few matrices.
    """
    stream(model_pieces(analysis, include_vectors), sink(out))


def model_pieces(analysis, include_vectors: bool):
    """The model document as a sequence of bytes and matrices (each matrix to be written as JSON)."""
    from dataclasses import replace

    from .jsondoc import document, dumps

    # the header (everything but the layers) from jsondoc.document itself, so the two cannot drift apart
    bare = document(replace(analysis, layers=[], layer_numbers=[], rollout=np.zeros((0, 0))), include_vectors)
    head = {key: value for key, value in bare.items() if key != "layers"}
    yield dumps(head)[:-1].encode("utf-8") + b', "layers": ['
    for k, (ln, layer) in enumerate(zip(analysis.layer_numbers, analysis.layers)):
        yield b'%s{"index": %d, "kind": "attention", "heads": [' % (b", " if k else b"", ln - 1)
        for m, (hn, hd) in enumerate(zip(analysis.head_numbers, layer.heads)):
            yield b'%s{"index": %d, "alpha": ' % (b", " if m else b"", hn - 1)
            yield hd.alpha
            yield b', "alpha_prime": '
            yield hd.alpha_prime
            yield b', "summary": ' + dumps(analysis.summaries[(ln, hn)]).encode()
            for name in ("q", "k", "v", "b") if include_vectors else ():
                yield b', "%s": ' % name.encode()
                yield getattr(hd, name)
            yield b"}"
        yield b"]"
        if include_vectors:
            yield b', "output": '
            yield layer.output
        yield b"}"
    yield b'%s{"index": %d, "kind": "rollout", "heads": [{"index": 0, "alpha_prime": ' % (
        b", " if analysis.layers else b"", analysis.config["layers"])
    yield analysis.rollout
    yield b"}]}]}\n"


def stream(pieces, write, ahead: int = 8) -> None:
    """Write bytes as they come and matrices as JSON, in order; matrices are formatted by a few
    threads (numpy lets go of the GIL), at most `ahead` pieces in flight."""
    import os
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    def flush(pending: deque, keep: int) -> None:
        while len(pending) > keep:
            item = pending.popleft()
            if isinstance(item, Future):
                rows = item.result()
                write(b"[")
                write(memoryview(rows.reshape(-1))[:-1])
                write(b"]")
            else:
                write(item)

    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        pending: deque = deque()
        try:
            for piece in pieces:
                pending.append(pool.submit(matrix_rows, piece) if isinstance(piece, np.ndarray) else piece)
                flush(pending, ahead)
            flush(pending, 0)
        finally:
            for item in pending:
                if isinstance(item, Future):
                    item.cancel()
