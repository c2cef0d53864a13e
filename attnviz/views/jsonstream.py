"""JSON written as a stream: matrices formatted by numpy (no Python float per number), head by head.

A 512-token MiniLM run has 6 layers × 12 heads × 2 matrices of 512 × 512 numbers (38 M, 513 MB of
JSON): as nested Python lists and one json.dumps string that took 36 s and 3.3 GB.  Here each
matrix is turned into bytes in a few vectorized passes, 32 k numbers at a time, into a buffer that
is used again, and written at once.

Numbers are written in scientific notation with 7 significant digits (float32 carries ~7.2), in
a fixed width: `1.234567e-01` (after a space or `-` when the matrix has negative values), exactly
what Python's '%.6e' writes for the float32 value.  Fixed width is what lets numpy write them: each
number is two overlapping 8-byte words looked up in tables (its first digits; its last digits, the
exponent and the comma).  The decimal exponent comes from the binary one (one threshold per binade
says whether the number rounds up into the next decade), the digits from one float64 product.

Writing overlaps computing: a StreamedModelAnalysis (analysis/model.py) computes layer L + 1 while
threads format and write layer L.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np

from ..errors import AttnvizError

BLOCK = 32768  # numbers formatted per step: the temporaries (~54 bytes a number) stay in a core's 2 MB L2 cache


def _ascii(values: np.ndarray, digits: int) -> np.ndarray:
    """[N] ints -> [N] uint64 holding each as `digits` zero-padded ASCII digits (little-endian bytes)."""
    out = np.zeros(values.shape, np.uint64)
    for pos in range(digits):
        digit = (values // 10 ** (digits - 1 - pos)) % 10 + ord("0")
        out |= digit.astype(np.uint64) << np.uint64(8 * pos)
    return out


def _binade_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per float64 exponent field E (2048) and per t = 2E + up (4096), for |x| in the binade [2^(E−1023), 2^(E−1022)):

    threshold [2048]  the least |x| whose 7-digit rounding reaches the next decade (up = |x| ≥ it);
    scale [4096]      10^(6 − d), d = floor(log10 2^(E−1023)) + up: |x|·scale rounds to m in [10⁶, 10⁷);
    exponent [4096]   d, the decimal exponent written.
    Outside float32's range (E = 0 is x = 0) d = 0 and the threshold is ∞: zero becomes 0.000000e+00.
    """
    e = np.arange(2048)
    used = (e >= 1023 - 149) & (e <= 1023 + 127)  # float32: subnormals 2^−149 … 2^127, normal in float64
    d0 = np.where(used, np.floor((e - 1023) * np.log10(2.0)), 0).astype(np.int64)  # exact: no 2^k is within 1e−3 of a 10^j
    d = (d0[:, None] + np.array([0, 1])).reshape(-1)  # [4096]
    powers = {j: float(f"1e{j}") for j in range(6 - int(d.max()), 7 - int(d.min()))}  # correctly rounded 10^j
    scale = np.array([powers[6 - v] for v in d.tolist()])
    s0 = scale[0::2]
    threshold = 9999999.5 / s0  # then the exact least |x| with fl(|x|·s0) ≥ 9 999 999.5 (rint would give 10⁷)
    for _ in range(3):
        threshold = np.where(threshold * s0 >= 9999999.5, threshold, np.nextafter(threshold, np.inf))
        below = np.nextafter(threshold, 0.0)
        threshold = np.where(below * s0 >= 9999999.5, below, threshold)
    threshold[~used] = np.inf
    return threshold, scale, d


_THRESHOLD, _SCALE, _EXPONENT = _binade_tables()


class _Layout:
    """One fixed-width record `[sign]d.dddddde±dd,` as two overlapping 8-byte words: the head (sign,
    first digits; written first) and the tail (the last k digits, the exponent and the comma)."""

    def __init__(self, signed: bool):
        self.signed = signed
        self.k = 3  # digits in the tail: 8 bytes = 3 digits + `e±dd` + `,`
        self.width = int(signed) + 2 + (6 - self.k) + 8  # bytes per number
        n = 7 - self.k  # digits in the head: `d.ddd`
        i = np.arange(10**n)
        lead = (i // 10 ** (n - 1) + ord("0")).astype(np.uint64) | np.uint64(ord(".")) << np.uint64(8)
        head = lead | _ascii(i % 10 ** (n - 1), n - 1) << np.uint64(16)  # `d.ddd`
        # signed: m + 10⁷ for a negative number, so its head is found at hi + 10^n: ` d.ddd` then `-d.ddd`
        self.heads = np.concatenate([head << np.uint64(8) | np.uint64(c) for c in b" -"]) if signed else head
        self.lows = _ascii(np.arange(10**self.k), self.k)  # m % 10^k -> `ddd`
        sign = np.where(_EXPONENT < 0, ord("-"), ord("+")).astype(np.uint64)
        text = np.uint64(ord("e")) | sign << np.uint64(8) | _ascii(np.abs(_EXPONENT), 2) << np.uint64(16)
        self.exponents = (text | np.uint64(ord(",")) << np.uint64(32)) << np.uint64(8 * self.k)  # `e±dd,` after the digits


_LAYOUTS: dict = {}


def _layout(signed: bool) -> _Layout:
    if signed not in _LAYOUTS:
        _LAYOUTS[signed] = _Layout(signed)
    return _LAYOUTS[signed]


_local = threading.local()


def _work(n: int) -> dict[str, np.ndarray]:
    """This thread's scratch arrays for n numbers (made once: no allocation, no fresh pages per block)."""
    w = getattr(_local, "work", None)
    if w is None or len(w["a"]) < n:
        w = {"a": np.empty(n), "s": np.empty(n), "t": np.empty(n, np.int64), "up": np.empty(n, bool),
             "neg": np.empty(n, bool), "m": np.empty(n, np.int32), "hi": np.empty(n, np.int32),
             "lo": np.empty(n, np.int32), "u": np.empty(n, np.uint64), "v": np.empty(n, np.uint64)}
        _local.work = w
    return {key: value[:n] for key, value in w.items()}


def fill_records(x: np.ndarray, heads: np.ndarray, tails: np.ndarray, lay: _Layout) -> None:
    """x [b, c] finite float32 -> the records' head and tail words (uint64 views [b, c] into the output).

    |x| = m·10^(d−6), m in [10⁶, 10⁷) the 7 significant digits rounded half-even (what '%.6e' writes):
    d from x's binary exponent and one comparison, m from one float64 product (exact or ½ ulp off).
    Every index is in range by construction; mode="wrap" only skips numpy's bounds check (faster).
    """
    w = _work(x.size)
    a, s, t, up, m, hi, lo, u, v = (w[key] for key in ("a", "s", "t", "up", "m", "hi", "lo", "u", "v"))
    np.copyto(a, x.reshape(-1), casting="unsafe")  # float32 -> float64: exact
    if lay.signed:
        np.signbit(a, out=w["neg"])
        np.abs(a, out=a)
    np.right_shift(a.view(np.int64), 52, out=t)  # E, the exponent field
    _THRESHOLD.take(t, out=s, mode="wrap")
    np.greater_equal(a, s, out=up)
    np.left_shift(t, 1, out=t)
    np.add(t, up, out=t)  # t = 2E + up
    _SCALE.take(t, out=s, mode="wrap")
    np.multiply(a, s, out=a)
    np.rint(a, out=a)
    np.copyto(m, a, casting="unsafe")  # m in [10⁶, 10⁷), 0 for x = 0
    if lay.signed:
        np.multiply(w["neg"].view(np.uint8), np.int32(10**7), out=hi)
        np.add(m, hi, out=m)  # negative: m + 10⁷, whose head is `-d.ddd`
    np.floor_divide(m, 10**lay.k, out=hi)
    np.multiply(hi, 10**lay.k, out=lo)
    np.subtract(m, lo, out=lo)
    lay.heads.take(hi, out=u, mode="wrap")
    heads[...] = u.reshape(heads.shape)
    lay.lows.take(lo, out=u, mode="wrap")
    lay.exponents.take(t, out=v, mode="wrap")
    np.bitwise_or(u, v, out=u)
    tails[...] = u.reshape(tails.shape)  # after the heads: overwrites their spare bytes


def matrix_json(mat: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """[r, c] -> uint8 [N]: the JSON text `[[n,…,n],…,[n,…,n]]`, written into out when it is large
    enough (a buffer reused matrix after matrix: no fresh pages), else into a new array.

    Numbers in float32 (the model's precision) at 7 significant digits, `1.234567e-01` (after a
    space or `-` when the matrix has a negative number); NaN -> `null`; ±inf is refused (strict JSON
    has no infinity).
    """
    with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused below
        x = np.asarray(mat, dtype=np.float32)  # the model's precision; also bounds the exponent to −45 … 38
    if x.ndim != 2:
        raise ValueError(f"a JSON matrix is 2-D, not shape {x.shape}")
    r, c = x.shape
    if r == 0 or c == 0:
        return np.frombuffer(b"[" + b",".join([b"[]"] * r) + b"]", dtype=np.uint8)
    nan = None
    if not np.isfinite(x).all():
        if np.isinf(x).any():
            raise AttnvizError("a matrix holds inf; JSON has no infinity (the numbers overflowed float32)")
        nan = np.isnan(x)
        x = np.where(nan, np.float32(0), x)
    lay = _layout(bool(np.signbit(x).any()))
    width = c * lay.width + 2  # `[` numbers `],`
    size = 1 + r * width
    if out is None or out.size < size:
        out = np.empty(size, np.uint8)
    rows = out[1:size].reshape(r, width)
    records = np.ndarray((r, c, lay.width), np.uint8, rows, 1, (width, lay.width, 1))  # after each row's `[`
    heads = records[:, :, :8].view(np.uint64)[:, :, 0]
    tails = records[:, :, lay.width - 8 :].view(np.uint64)[:, :, 0]
    step = max(1, BLOCK // c)  # a few rows at a time
    for start in range(0, r, step):
        fill_records(x[start : start + step], heads[start : start + step], tails[start : start + step], lay)
    if nan is not None:
        records[nan] = np.frombuffer(b"null".ljust(lay.width - 1) + b",", dtype=np.uint8)
    rows[:, 0] = ord("[")
    rows[:, -2] = ord("]")  # over the last number's comma
    rows[:, -1] = ord(",")
    out[0], out[size - 1] = ord("["), ord("]")  # the last row's comma closes the matrix
    return out[:size]


def write_matrix(write, mat: np.ndarray) -> None:
    """Write [r, c] as JSON `[[…],[…]]`: jsondoc.matrix's lists, at 7 significant digits, without copies."""
    write(memoryview(matrix_json(mat)))


def matrix_bytes(mat: np.ndarray) -> bytes:
    """[r, c] -> the JSON text `[[…],[…]]` as bytes."""
    return matrix_json(mat).tobytes()


WRITE_BYTES = 1 << 20  # at most one MiB per write(): for a bigger write the kernel takes page-cache pages in
                       # blocks over 2 MB, slow once memory is fragmented (513 MB after other processes exited:
                       # 0.43–0.54 s in 3.5 MB writes, 0.10 s in 1 MB writes, as dd's bs=1M)


def sink(out):
    """A function that writes bytes to out: its binary buffer (stdout) in pieces of WRITE_BYTES, else
    decoded (io.StringIO)."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        return lambda data: write_pieces(buffer.write, data)
    return lambda b: out.write(bytes(b).decode("utf-8"))


def write_pieces(write, data) -> None:
    """write(data) as writes of at most WRITE_BYTES."""
    view = memoryview(data).cast("B")
    if len(view) <= WRITE_BYTES:
        write(view)
        return
    for start in range(0, len(view), WRITE_BYTES):
        write(view[start:start + WRITE_BYTES])


@contextmanager
def whole_lines(out):
    """Inside, one JSON line is written to out; if an interrupt (Ctrl-C, SIGTERM) or an error
    (a model's damaged weight found as a layer is computed) stops it, a seekable output (a file) is
    cut back to where the line began, so the output holds whole lines only.  A pipe cannot take bytes back: its reader sees the line end early.  A write that fails
    (a full disk, ulimit -f) keeps what was written: the error line says where it stopped."""
    buffer = getattr(out, "buffer", None)
    try:
        out.flush()
        start = buffer.tell() if buffer is not None and buffer.seekable() else None
    except (OSError, ValueError, AttributeError):
        start = None
    try:
        yield
    except BaseException as e:
        if start is not None and not isinstance(e, OSError):  # Ctrl-C, cli.Terminated, a damaged model's error
            try:
                buffer.flush()
            except (OSError, ValueError):  # a full disk: what was written is cut back all the same
                pass
            try:
                buffer.seek(start)
                buffer.truncate(start)
            except (OSError, ValueError):
                pass
        raise


def write_model_document(analysis, include_vectors: bool, out) -> None:
    """`show --model … --json`: the attnviz/1 document of jsondoc.document(), written head by head.

    The same keys in the same order; numbers at 7 significant digits (float32).  Memory: a few
    matrices.  A StreamedModelAnalysis computes its layers meanwhile, with BLAS on one thread: the
    other core formats (a second BLAS thread spin-waits against the formatting threads: 2-4 × slower
    on a busy machine, bench/model_bench.py).
    """
    from contextlib import nullcontext

    from ..analysis.model import StreamedModelAnalysis
    from ..core.blockwise import one_blas_thread

    computing = isinstance(analysis, StreamedModelAnalysis) and analysis.computing
    with one_blas_thread() if computing else nullcontext():
        stream(model_pieces(analysis, include_vectors), sink(out))


def model_pieces(analysis, include_vectors: bool):
    """The model document as a sequence of bytes and matrices (each matrix to be written as JSON)."""
    from dataclasses import replace

    from .jsondoc import document, dumps

    # the header (everything but the layers) from jsondoc.document itself, so the two cannot drift apart
    empty = np.zeros((0, 0))  # (given, so that a StreamedModelAnalysis does not compute them here)
    bare = document(replace(analysis, layers=[], layer_numbers=[], rollout=empty, hidden=empty), include_vectors)
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
    if getattr(analysis, "keys", None) is not None:  # cross-attention: no rollout
        yield b"]}\n"
        return
    yield b'%s{"index": %d, "kind": "rollout", "heads": [{"index": 0, "alpha_prime": ' % (
        b", " if analysis.layers else b"", analysis.config.layers)
    yield analysis.rollout
    yield b"}]}]}\n"


class _Slot:
    """One matrix on its way: formatted by a worker into a buffer, then written by the writer."""

    def __init__(self, mat: np.ndarray):
        self.mat, self.done = mat, threading.Event()
        self.text: np.ndarray | None = None
        self.buffer: np.ndarray | None = None  # the buffer handed to the worker (None: it makes one)
        self.error: BaseException | None = None


class _Pipeline:
    """The queues, buffers and threads of one stream() call: worker threads format matrices into
    buffers, one writer thread writes bytes and formatted matrices in document order."""

    def __init__(self, write, ahead: int, buffers: int):
        import queue

        self.write = write
        self.order: queue.SimpleQueue = queue.SimpleQueue()  # bytes and slots in document order; None ends
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()  # slots to format, in the same order; None ends a worker
        self.free: queue.SimpleQueue = queue.SimpleQueue()  # buffers (None: not made yet)
        for _ in range(buffers):
            self.free.put(None)
        self.taking = threading.Lock()  # a worker takes a buffer and then the next slot: slots get buffers in order
        self.room = threading.Semaphore(ahead)
        self.failed: list[BaseException] = []
        self.stop = threading.Event()

    def worker(self) -> None:
        while True:
            with self.taking:
                buffer = self.free.get()
                slot = self.tasks.get()
            if slot is None:
                return
            slot.buffer = buffer
            if self.stop.is_set():  # nothing more is written: give the buffer back for the other slots
                self.free.put(buffer)
            else:
                try:
                    slot.text = matrix_json(slot.mat, buffer)
                except BaseException as e:
                    slot.error = e
            slot.done.set()

    def writer(self) -> None:
        try:
            while (item := self.order.get()) is not None and not self.stop.is_set():
                if isinstance(item, _Slot):
                    item.done.wait()
                    if item.error is not None:
                        raise item.error
                    self.write(memoryview(item.text))
                    base = item.text.base
                    self.free.put(base if isinstance(base, np.ndarray) and base.flags.writeable else item.buffer)
                    self.room.release()
                else:
                    self.write(item)
        except BaseException as e:  # a matrix with inf, a closed pipe, a full disk: for the taker to raise
            self.failed.append(e)
            self.stop.set()
            self.room.release()  # a taker waiting for room wakes up and sees it

    def start(self) -> list[threading.Thread]:
        """The writer (first) and up to 4 workers, started."""
        import os

        threads = [threading.Thread(target=self.writer, name="attnviz-json-writer", daemon=True)]
        threads += [threading.Thread(target=self.worker, name="attnviz-json-format", daemon=True)
                    for _ in range(max(1, min(4, os.cpu_count() or 1)))]
        for thread in threads:
            thread.start()
        return threads

    def take(self, pieces) -> None:
        """Hand the pieces on in order: bytes to the writer, matrices to the workers and the writer."""
        for piece in pieces:
            if isinstance(piece, np.ndarray):
                self.room.acquire()
                if self.stop.is_set():
                    break
                slot = _Slot(piece)
                self.tasks.put(slot)
                self.order.put(slot)
            else:
                self.order.put(piece)
            if self.stop.is_set():
                break

    def finish(self, threads: list[threading.Thread]) -> None:
        """End the writer after what it was given, then stop and join the workers."""
        self.order.put(None)
        threads[0].join()
        self.stop.set()  # the writer is done: workers skip whatever is left
        for _ in threads[1:]:
            self.free.put(None)
            self.tasks.put(None)
        for thread in threads[1:]:
            thread.join()


def stream(pieces, write, ahead: int = 64, buffers: int = 4) -> None:
    """Write bytes and matrices (as JSON) in their order.

    This thread takes the pieces (a lazy model analysis computes its layers meanwhile); worker
    threads format the matrices (numpy lets go of the GIL), in order, each into one of `buffers`
    buffers (a matrix is formatted only when a buffer is free: formatting never runs far ahead of
    writing, and the buffers are used again: no fresh memory); one thread writes.  At most `ahead`
    matrices are taken and not yet written.  An error in any thread is raised here, the others stopped.
    """
    pipeline = _Pipeline(write, ahead, buffers)
    threads = pipeline.start()
    try:
        pipeline.take(pieces)
    except BaseException:
        pipeline.stop.set()
        raise
    finally:
        pipeline.finish(threads)
    if pipeline.failed:
        raise pipeline.failed[0]
