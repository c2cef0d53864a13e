"""Attention over long inputs, a block of queries at a time: the n × n matrix never exists.

Each block goes through the same scores(), normalize() and masks.local() as the dense path, and
keeps per query its top-k keys, the full b^i, and block means of α′ for a summary picture.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from . import masks
from . import scores as registry
from .attention import AttentionConfig, normalize, scores


@dataclass
class SparseHead:
    """One head of a long input, kept as each query's top-k keys (never the n × n matrix)."""

    keys: np.ndarray  # [n, K] int32, strongest first; -1 where fewer than K keys were allowed
    alpha: np.ndarray  # [n, K] scores of those keys
    alpha_prime: np.ndarray  # [n, K] their weights
    b: np.ndarray  # [n, d_v] the full b^i = Σ_j α′_ij v^j (over every allowed key, not only the top k)
    summary: np.ndarray  # [m, m] block means of α′: row bin → key bin, rows sum to 1


class BlockMeans:
    """Accumulates α′ summed over runs of keys and queries: m × m bins of contiguous indices."""

    def __init__(self, n: int, bins: int):
        self.m = min(bins, n)
        self.bin = np.arange(n) * self.m // n  # [n] the bin of each index
        self.total = np.zeros((self.m, self.m))
        self.counts = np.bincount(self.bin, minlength=self.m)[:, None]

    def add(self, weights: np.ndarray, s: int, e: int, lo: int, hi: int) -> None:
        """weights [e − s, hi − lo]: queries s … e−1 over keys lo … hi−1."""
        self.put(self.binned(weights, s, e, lo, hi))

    def binned(self, weights: np.ndarray, s: int, e: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One block's sums per bin, not yet added (a worker thread computes them, put() adds them
        in block order): (row bins [r], key bins [c], sums [r, c])."""
        kb, qb = self.bin[lo:hi], self.bin[s:e]
        k_starts = np.flatnonzero(np.r_[True, kb[1:] != kb[:-1]])
        q_starts = np.flatnonzero(np.r_[True, qb[1:] != qb[:-1]])
        per_bin = np.add.reduceat(np.add.reduceat(weights, k_starts, axis=1), q_starts, axis=0)
        return qb[q_starts], kb[k_starts], per_bin

    def put(self, part: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        rows, cols, per_bin = part
        self.total[np.ix_(rows, cols)] += per_bin

    def means(self) -> np.ndarray:
        return self.total / np.maximum(self.counts, 1)


def strongest(weights: np.ndarray, allowed: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """[B, K] weights -> per row the k allowed columns of largest weight, strongest first
    ([B, k], −1 where fewer keys are allowed), and those weights ([B, k], 0 there).

    k passes of argmax (ties: lower key index first), far cheaper than sorting rows.  `weights`
    is used as scratch space: its contents are destroyed.
    """
    ranked = weights if allowed is None else np.where(allowed, weights, -np.inf)
    rows = np.arange(len(ranked))
    cols = np.full((len(ranked), k), -1, dtype=np.int64)
    values = np.zeros((len(ranked), k), dtype=ranked.dtype)
    for t in range(min(k, ranked.shape[1])):
        col = ranked.argmax(axis=1)
        best = ranked[rows, col]
        ok = best > -np.inf
        cols[:, t] = np.where(ok, col, -1)
        values[:, t] = np.where(ok, best, 0.0)
        ranked[rows, col] = -np.inf
    return cols, values


def key_range(s: int, e: int, n: int, reach: int | None, causal: bool) -> tuple[int, int]:
    """The keys a query block [s, e) can see: all (or up to e when causal), or within reach."""
    hi = e if causal else n
    if reach is None:
        return 0, hi
    return max(0, s - reach), min(hi, e + reach)


BLOCK_CELLS = 1 << 22  # query × key cells of one block without a window (32 MB in float64)


def block_size(reach: int | None, block: int = 512, n_keys: int = 0) -> int:
    """Queries per block: at most `block`; with a window, ≈ 2 × reach (at least 32), so the
    block's keys (block + 2·reach) are about twice the band; without one, few enough that the
    block's scores over all n_keys keys stay within BLOCK_CELLS."""
    if reach is None:
        return max(1, min(block, BLOCK_CELLS // max(n_keys, 1)))
    return min(block, max(32, 2 * reach))


# below this T, float32 would round T (or α/T) to 0: such blocks are normalized in float64
FLOAT32_TINY, FLOAT32_MAX = float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max)


@dataclass
class BlockTop:
    """One block of queries: each one's top-k keys (absolute indices), their α and α′."""

    keys: np.ndarray  # [B, K] int32, strongest first; −1 where fewer than K keys were allowed
    alpha: np.ndarray  # [B, K] float32, NaN in empty slots
    alpha_prime: np.ndarray  # [B, K] float32, 0 in empty slots


def softmax_block(alpha: np.ndarray, allowed: np.ndarray | None, temperature: float) -> np.ndarray:
    """normalize(…, "softmax", T) for one block, with fewer passes over the block: the masked
    cells become −inf before the row max, so exp gives them exactly 0.  [B, n_k] -> [B, n_k]."""
    z = alpha.copy() if allowed is None else np.where(allowed, alpha, -np.inf)
    z -= z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):  # a huge gap / tiny T: −inf, exp gives 0, as in normalize()
        z /= temperature
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


class Scratch(threading.local):
    """Arrays a thread reuses from block to block: a fresh [B, n_k] array per block costs its page
    faults (≈ 0.3 ns a cell, a pass's worth)."""

    def array(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        size = math.prod(shape)
        buf = self.__dict__.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = self.__dict__[name] = np.empty(size, dtype)
        return buf[:size].reshape(shape)


CHUNK_CELLS = 1 << 17  # cells of a block that softmax_top handles together: 512 KB in float32, in L2 cache


def softmax_top(q: np.ndarray, k: np.ndarray, config: AttentionConfig, k_top: int,
                scratch: Scratch) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """scores() + softmax_block() + strongest() for a block without a mask and a `fast` score (a product q·kᵀ),
    a few rows at a time: every pass after the product runs on rows still in cache.  The same
    operations in the same order, so the same numbers to the last bit.

    q [B, d_k], k [n_k, d_k] -> α [B, n_k], α′ [B, n_k] (arrays of `scratch`: valid until its next
    block), the top-k keys [B, k] (from 0; −1 past n_k) and their α′ [B, k]; None when a score is
    not finite (the general path names the cause).
    """
    B, n_k = len(q), len(k)
    dtype = np.result_type(q, k)
    with np.errstate(over="ignore", invalid="ignore"):  # found below; the general path then says so
        alpha = np.matmul(q, k.T, out=scratch.array("alpha", (B, n_k), dtype))
    weights = scratch.array("weights", (B, n_k), dtype)
    cols, top_w = np.empty((B, k_top), dtype=np.int64), np.empty((B, k_top), dtype=dtype)
    rows = max(1, CHUNK_CELLS // max(n_k, 1))
    scale = registry.score(config.score).scale
    for r in range(0, B, rows):
        a, z = alpha[r:r + rows], weights[r:r + rows]
        if scale is not None:
            a *= scale(q.shape[1])  # as scores(): α = q·k / √d_k for scaled-dot
        m = a.max(axis=1, keepdims=True)  # NaN and +inf show in the max, −inf in the min
        if not (np.isfinite(m).all() and np.isfinite(a.min(axis=1)).all()):
            return None
        np.subtract(a, m, out=z)
        if config.temperature != 1.0:  # dividing by 1 changes nothing
            with np.errstate(over="ignore"):  # a huge gap / tiny T: −inf, exp gives 0, as in normalize()
                z /= config.temperature
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        c, w = cols[r:r + rows], top_w[r:r + rows]
        c[...], w[...] = strongest(z, None, k_top)  # it sets the chosen cells to −inf: put them back
        i, t = np.nonzero(c >= 0)
        z[i, c[i, t]] = w[i, t]
    return alpha, weights, cols, top_w


def fast_softmax(config: AttentionConfig, allowed: np.ndarray | None, dtype) -> bool:
    """Whether softmax_top() computes this block: softmax over every key of a `fast` score (q·kᵀ),
    in float32 (with T within its range) or float64."""
    T = config.temperature
    return (allowed is None and config.normalize == "softmax" and registry.score(config.score).fast
            and (dtype == np.float64 or dtype == np.float32 and FLOAT32_TINY <= T <= FLOAT32_MAX)
            and 0 < T < math.inf)


def block_top(alpha: np.ndarray, cols: np.ndarray, top_w: np.ndarray, lo: int) -> BlockTop:
    """BlockTop from strongest()'s columns (−1: none) and weights; keys shifted by lo."""
    ok = cols >= 0
    top_alpha = np.where(ok, np.take_along_axis(alpha, np.where(ok, cols, 0), axis=1), np.nan)
    return BlockTop(np.where(ok, cols + lo, -1).astype(np.int32), top_alpha.astype(np.float32), top_w.astype(np.float32))


def attend_block(q: np.ndarray, k: np.ndarray, config: AttentionConfig, allowed: np.ndarray | None, k_top: int,
                 lo: int = 0, band: tuple[int, int] | None = None, scratch: Scratch | None = None) -> tuple[np.ndarray, BlockTop]:
    """One block of queries against a run of keys lo … lo + n_k − 1.

    q [B, d_k], k [n_k, d_k], allowed [B, n_k] or None -> α′ [B, n_k] (0 where masked) and the
    block's top-k.  The same scores() and softmax as the dense path; with T below float32's range
    the block is normalized in float64 (else T would become 0 and every weight NaN).
    band: (s − lo, reach) when the keys are exactly a window's run (additive scores are then
    computed on the band only).  scratch: arrays to reuse (softmax_top); α′ is then one of them,
    valid until the next block of the same thread.
    """
    if fast_softmax(config, allowed, np.result_type(q, k)):
        fast = softmax_top(q, k, config, k_top, scratch or Scratch())
        if fast is not None:
            alpha, weights, cols, top_w = fast
            return weights, block_top(alpha, cols, top_w, lo)
    alpha = scores(q, k, config.score, config.additive, band=band)  # [B, n_k]
    if alpha.dtype == np.float32 and not FLOAT32_TINY <= config.temperature <= FLOAT32_MAX:
        alpha = alpha.astype(np.float64)
    if config.normalize == "softmax" and np.isfinite(alpha).all() and config.temperature > 0:
        weights = softmax_block(alpha, allowed, config.temperature)
    else:  # the general path: its checks name overflow, an empty row or a bad T
        weights = normalize(alpha, allowed, config.normalize, config.temperature)
    cols, top_w = strongest(weights if allowed is not None else weights.copy(), allowed, k_top)  # it overwrites its input
    return weights, block_top(alpha, cols, top_w, lo)


def band_view(m: np.ndarray, width: int) -> np.ndarray:
    """[B, B + width − 1] -> [B, width] view: row r, column t is m[r, r + t] (a window's diagonal band)."""
    step = m.strides[1]
    return np.lib.stride_tricks.as_strided(m, (m.shape[0], width), (m.strides[0] + step, step), writeable=True)


def band_mask(s: int, e: int, n: int, reach: int, causal: bool, no_self: bool) -> np.ndarray | None:
    """[B, 2·reach + 1] True where key s + r + t − reach of query s + r is allowed (None: all)."""
    t = np.arange(2 * reach + 1)[None, :] - reach  # key − query
    key = np.arange(s, e)[:, None] + t
    allowed = (key >= 0) & (key < n)
    if causal:
        allowed &= t <= 0
    if no_self:
        allowed &= t != 0
    if (row := masks.empty_row(allowed)) is not None:
        raise masks.EmptyRow(s + row)
    return None if allowed.all() else allowed


def head_scores(q: np.ndarray, k: np.ndarray, n_head: int, config: AttentionConfig, band: tuple[int, int] | None):
    """Every head's scores in one batched product: q [B, H·d_k], k [n_k, H·d_k] -> [H, B, n_k]
    (scores() per head for the scores that are not a plain product: cosine, additive, …)."""
    d_k = q.shape[1] // n_head
    entry = registry.score(config.score)
    if entry.fast:
        qh = q.reshape(len(q), n_head, d_k).transpose(1, 0, 2)  # [H, B, d_k]
        kh = k.reshape(len(k), n_head, d_k).transpose(1, 2, 0)  # [H, d_k, n_k]
        out = np.matmul(qh, kh)
        return out * entry.scale(d_k) if entry.scale is not None else out
    return np.stack([scores(q[:, h * d_k:(h + 1) * d_k], k[:, h * d_k:(h + 1) * d_k], config.score, config.additive, band=band)
                     for h in range(n_head)])


def attend_band(q: np.ndarray, k_pad: np.ndarray, config: AttentionConfig, s: int, reach: int,
                allowed: np.ndarray | None, k_top: int, n_head: int = 1) -> tuple[np.ndarray, list[BlockTop]]:
    """A block of queries s … e−1 against its window only (a 1-D sequence, window = reach), every head at once.

    q [B, H·d_k]; k_pad [B + 2·reach, H·d_k]: keys s − reach … e + reach − 1, zero rows outside
    0 … n−1.  Scores come from one batched product ([H, B, B + 2·reach]); softmax and top-k run
    on the band [H·B, 2·reach + 1] only, the keys each query may see; allowed: band_mask() [B, width].
    Returns α′ in key coordinates [H, B, B + 2·reach] (0 off the band) and each head's top-k.
    """
    B, width = len(q), 2 * reach + 1
    full = head_scores(q, k_pad, n_head, config, (reach, reach))  # [H, B, B + 2·reach]
    if full.dtype == np.float32 and not FLOAT32_TINY <= config.temperature <= FLOAT32_MAX:
        full = full.astype(np.float64)
    st = full.strides
    alpha = np.lib.stride_tricks.as_strided(full, (n_head, B, width), (st[0], st[1] + st[2], st[2])).reshape(n_head * B, width)
    mask = None if allowed is None else np.tile(allowed, (n_head, 1))  # [H·B, width]
    if config.normalize == "softmax" and np.isfinite(alpha).all() and config.temperature > 0:
        weights = softmax_block(alpha, mask, config.temperature)
    else:
        weights = normalize(alpha, mask, config.normalize, config.temperature)
    cols, top_w = strongest(weights if mask is not None else weights.copy(), mask, k_top)
    ok = cols >= 0
    top_alpha = np.where(ok, np.take_along_axis(alpha, np.where(ok, cols, 0), axis=1), np.nan).astype(np.float32)
    key = np.where(ok, np.tile(np.arange(s, s + B), n_head)[:, None] - reach + cols, -1).astype(np.int32)
    top_w = top_w.astype(np.float32)
    tops = [BlockTop(key[h * B:(h + 1) * B], top_alpha[h * B:(h + 1) * B], top_w[h * B:(h + 1) * B]) for h in range(n_head)]
    spread = np.zeros(full.shape, dtype=weights.dtype)
    ss = spread.strides
    np.lib.stride_tricks.as_strided(spread, (n_head, B, width), (ss[0], ss[1] + ss[2], ss[2]), writeable=True)[...] = \
        weights.reshape(n_head, B, width)
    return spread, tops


@contextmanager
def one_blas_thread():
    """A context where BLAS uses one thread; yields whether it could (threadpoolctl is needed).

    With a window, a block's products are small ([512, d_k] × [d_k, ~1000]) and a second thread
    gains little; without one, α′ [B, n] · v [n, d_v] runs its long sum over n in ~60 panels, and
    BLAS's threads wait for each other after every panel: on a busy 2-core machine their
    spin-waiting made runs 3-5 × slower (bench/long_bench.py, bench/run.py).  blockwise_head uses
    the cores with its own threads instead, one block of queries each (in_order)."""
    controller = blas_controller()
    if controller is None:
        yield False
        return
    with controller.limit(limits=1, user_api="blas"):
        yield True


@functools.lru_cache(maxsize=1)
def blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries, looked up once (0.5 ms a lookup; a model's
    forward pass limits its threads once a layer); None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


MAX_THREADS = 4  # query blocks at once; each holds a block's scores and weights (≈ 2 × 16 MB in float32)


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity where the system says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def in_order(work, items, threads: int):
    """work(item) for each item, `threads` at a time, results yielded in the items' order: an
    error surfaces at its item as in a plain loop (the items not yet started are cancelled).
    One thread: a plain loop in the caller's thread."""
    if threads <= 1:
        yield from map(work, items)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    items = iter(items)
    with ThreadPoolExecutor(threads) as pool:
        pending = deque(pool.submit(work, item) for _, item in zip(range(2 * threads), items))
        try:
            while pending:
                result = pending.popleft().result()
                pending.extend(pool.submit(work, item) for item in itertools.islice(items, 1))
                yield result
        finally:
            for future in pending:
                future.cancel()


MISSING = object()


class MaskCache:
    """masks.local for query blocks, computed once per block and shared by every head; interior
    blocks of a 1-D window (same offsets) share one array.  Safe to call from several threads."""

    def __init__(self, pos: np.ndarray, window: int | None, causal: bool, no_self: bool, n: int):
        self.pos, self.window, self.causal, self.no_self = pos, window, causal, no_self
        self.regular = pos.shape[1] == 1 and np.array_equal(pos[:, 0], np.arange(n))
        self.cache: dict[tuple[int, int, int], np.ndarray | None] = {}

    def get(self, s: int, e: int, lo: int, hi: int) -> np.ndarray | None:
        key = (s - lo, e - s, hi - lo)
        if self.regular and (hit := self.cache.get(key, MISSING)) is not MISSING:  # one lookup: other threads replace the dict
            return hit
        allowed = masks.local(np.arange(s, e), np.arange(lo, hi), self.pos, self.window, self.causal, self.no_self)
        if allowed is not None and (row := masks.empty_row(allowed)) is not None:
            raise masks.EmptyRow(s + row)
        if self.regular:
            self.cache = {key: allowed}  # blocks come in order: keep the last shape only
        return allowed


def blockwise_head(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, config: AttentionConfig, top_k: int,
    window: int | None = None, causal: bool = False, no_self: bool = False,
    block: int = 512, bins: int = 32, progress=None, positions: np.ndarray | None = None,
) -> SparseHead:
    """Attention for one head, a block of queries at a time: memory O(block · keys in reach).

    q [n, d_k], k [n, d_k], v [n, d_v].  With a window, a query block only scores the keys within
    reach (masks.reach); without one, all keys, and the blocks run on up to MAX_THREADS threads
    of one BLAS thread each (the same numbers as one thread: each block is computed alone and
    the block means are added in block order).
    """
    n = len(q)
    k_top = min(top_k, n)
    pos = masks.grid(positions, n)
    reach = masks.reach(window, positions, n)
    keys = np.full((n, k_top), -1, dtype=np.int32)
    alpha = np.full((n, k_top), np.nan, dtype=np.float32)
    alpha_prime = np.zeros((n, k_top), dtype=np.float32)
    b = np.zeros((n, v.shape[1]), dtype=np.result_type(v, np.float32))
    means = BlockMeans(n, bins)
    cache = MaskCache(pos, window, causal, no_self, n)
    block = block_size(reach, block, n)
    scratch = Scratch()  # per thread

    def one_block(s: int):  # queries s … e−1: fills their rows of keys, alpha, alpha_prime and b
        e = min(n, s + block)
        lo, hi = key_range(s, e, n, reach, causal)
        band = (s - lo, reach) if reach is not None and cache.regular else None
        weights, top = attend_block(q[s:e], k[lo:hi], config, cache.get(s, e, lo, hi), k_top, lo, band, scratch)
        b[s:e] = weights @ v[lo:hi]
        keys[s:e], alpha[s:e], alpha_prime[s:e] = top.keys, top.alpha, top.alpha_prime
        return e - s, means.binned(weights, s, e, lo, hi)

    with one_blas_thread() as single:
        threads = min(MAX_THREADS, cpu_count()) if single and reach is None else 1
        for rows, part in in_order(one_block, range(0, n, block), threads):
            means.put(part)
            if progress is not None:
                progress(rows)
    return SparseHead(keys, alpha, alpha_prime, b, means.means())


def query_rows(
    q: np.ndarray, k: np.ndarray, config: AttentionConfig, index: np.ndarray,
    window: int | None = None, causal: bool = False, no_self: bool = False, positions: np.ndarray | None = None,
) -> np.ndarray:
    """The full α′ rows of a few queries over every key, without the n × n matrix (a long input's
    focus queries: a picture's heat map needs all n weights, not only the top k).

    q [n, d_k], k [n, d_k], index [m] query indices -> [m, n] α′, 0 where masked.  Same scores(),
    normalize() and masks.local() as the dense and the blockwise path.
    """
    index = np.asarray(index, dtype=np.int64)
    n = len(k)
    allowed = masks.local(index, np.arange(n), masks.grid(positions, n), window, causal, no_self)
    return normalize(scores(q[index], k, config.score, config.additive), allowed, config.normalize, config.temperature)
