"""The blockwise kernel's parts against plain references: query blocks on several threads give
the serial loop's numbers, in order."""

import math
import threading
import time

import numpy as np
import pytest

from attnviz.core import attention as att, blockwise
from attnviz.errors import AttnvizError

RNG = np.random.default_rng(5)


def test_in_order_yields_in_the_items_order_whatever_finishes_first():
    def work(i):  # later items finish first
        time.sleep(0.002 * (8 - i))
        return i, threading.get_ident()

    got = list(blockwise.in_order(work, range(8), 3))
    assert [i for i, _ in got] == list(range(8))
    assert len({t for _, t in got}) > 1  # really on several threads


def test_in_order_raises_at_the_failing_item_and_starts_no_more():
    started = []

    def work(i):
        started.append(i)
        if i == 2:
            raise ValueError("item 2")
        time.sleep(0.01)
        return i

    seen = []
    with pytest.raises(ValueError, match="item 2"):
        for r in blockwise.in_order(work, range(100), 2):
            seen.append(r)
    assert seen == [0, 1]
    assert max(started) < 2 + 2 * 2 + 1  # at most the look-ahead window was started, not all 100


def test_one_thread_is_a_plain_loop_in_the_caller():
    caller = threading.get_ident()
    assert list(blockwise.in_order(lambda i: (i, threading.get_ident()), range(3), 1)) == [(i, caller) for i in range(3)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threads_give_the_serial_numbers(monkeypatch, dtype):
    n, d = 200, 10
    q, k, v = (RNG.normal(size=(n, d)).astype(dtype) for _ in range(3))
    cfg = att.AttentionConfig(temperature=0.7)
    runs = {}
    for cpus in (1, 3):
        monkeypatch.setattr(blockwise, "cpu_count", lambda: cpus)
        runs[cpus] = blockwise.blockwise_head(q, k, v, cfg, top_k=4, block=16)
    one, many = runs[1], runs[3]
    for name in ("keys", "alpha", "alpha_prime", "b", "summary"):
        np.testing.assert_array_equal(getattr(many, name), getattr(one, name), err_msg=name)


def test_progress_counts_every_query_once_in_order():
    n = 100
    x = RNG.normal(size=(n, 6))
    counts = []
    blockwise.blockwise_head(x, x, x, att.AttentionConfig(), top_k=3, block=16, progress=counts.append)
    assert counts == [16] * 6 + [4]


def naive_top(q, k, T, k_top, scaled=True, allowed=None, dtype=np.float64):
    """One number at a time: α, α′ (lists per row, None where masked) and each row's k_top keys
    ranked by (−α′, key), α′ as `dtype` holds it (two weights below float32's range are equal
    there: a tie): the reference for every path of attend_block."""
    d = len(q[0])
    alpha, weights, keys = [], [], []
    for i, qi in enumerate(q):
        row = [None if allowed is not None and not allowed[i][j] else
               sum(a * b for a, b in zip(qi, kj)) / (math.sqrt(d) if scaled else 1.0) for j, kj in enumerate(k)]
        top = max(s for s in row if s is not None)
        ex = [0.0 if s is None else math.exp((s - top) / T) for s in row]
        w = [e / sum(ex) for e in ex]
        alpha.append(row)
        weights.append(w)
        held = np.array(w).astype(dtype).tolist()
        keys.append(sorted((j for j in range(len(k)) if row[j] is not None), key=lambda j: (-held[j], j))[:k_top])
    return alpha, weights, keys


def tied_case(n_q, n_k, d, dtype, seed=0):
    """Small integers: every product and sum is exact in float32, so equal keys give equal α
    whatever order BLAS adds in; a few keys are repeated (ties), the repeats at higher indices."""
    rng = np.random.default_rng(seed)
    q = rng.integers(-3, 4, size=(n_q, d)).astype(dtype)
    k = rng.integers(-3, 4, size=(n_k, d)).astype(dtype)
    k[n_k // 2:n_k // 2 + 4] = k[1]  # key 1 four more times
    k[-1] = k[0]
    return q, k


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("score", ["scaled-dot", "dot"])
@pytest.mark.parametrize("T", [1.0, 2.5, 0.05])
@pytest.mark.parametrize("rows_per_chunk", [1, 3, 64])
def test_softmax_top_matches_a_naive_loop(monkeypatch, dtype, score, T, rows_per_chunk):
    n_q, n_k, k_top = 10, 37, 6
    monkeypatch.setattr(blockwise, "CHUNK_CELLS", rows_per_chunk * n_k)  # 10 rows: chunks of 1, 3 (+ a ragged 1), all
    q, k = tied_case(n_q, n_k, 5, dtype)
    cfg = att.AttentionConfig(score=score, temperature=T)
    alpha, weights, cols, top_w = blockwise.softmax_top(q, k, cfg, k_top, blockwise.Scratch())
    ref_alpha, ref_w, ref_keys = naive_top(q.tolist(), k.tolist(), T, k_top, scaled=score == "scaled-dot", dtype=dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(alpha, ref_alpha, rtol=rtol)
    np.testing.assert_allclose(weights, ref_w, rtol=rtol, atol=1e-30)
    assert cols.tolist() == ref_keys  # ties: the lower key first
    np.testing.assert_array_equal(top_w, np.take_along_axis(weights, cols, axis=1))  # the weights were put back


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("T", [1.0, 5.77, 1e-3, 1e30])
def test_softmax_top_gives_the_general_path_bits(monkeypatch, dtype, T):
    """The same operations as scores() + softmax_block() + strongest(): equal to the last bit."""
    monkeypatch.setattr(blockwise, "CHUNK_CELLS", 7 * 50)
    q, k = RNG.normal(size=(23, 9)).astype(dtype), RNG.normal(size=(50, 9)).astype(dtype)
    k[30:] = k[:20]  # ties
    cfg = att.AttentionConfig(temperature=T)
    alpha, weights, cols, top_w = blockwise.softmax_top(q, k, cfg, 5, blockwise.Scratch())
    ref_alpha = att.scores(q, k, "scaled-dot")
    ref_weights = blockwise.softmax_block(ref_alpha, None, T)
    ref_cols, ref_w = blockwise.strongest(ref_weights.copy(), None, 5)
    for got, ref in ((alpha, ref_alpha), (weights, ref_weights), (cols, ref_cols), (top_w, ref_w)):
        np.testing.assert_array_equal(got, ref)


def test_softmax_top_with_more_wanted_than_keys():
    q, k = tied_case(4, 3, 5, np.float32)
    alpha, weights, cols, top_w = blockwise.softmax_top(q, k, att.AttentionConfig(), 5, blockwise.Scratch())
    _, ref_w, ref_keys = naive_top(q.tolist(), k.tolist(), 1.0, 5)
    assert cols[:, :3].tolist() == ref_keys and (cols[:, 3:] == -1).all() and (top_w[:, 3:] == 0).all()
    np.testing.assert_allclose(weights, ref_w, rtol=1e-6)  # no cell left at −inf


def test_a_scratch_serves_blocks_of_any_shape():
    scratch, cfg = blockwise.Scratch(), att.AttentionConfig(temperature=0.5)
    k = RNG.normal(size=(40, 6)).astype(np.float32)
    for n_q, n_k in ((8, 40), (3, 17), (8, 40), (12, 33)):
        q = RNG.normal(size=(n_q, 6)).astype(np.float32)
        got = blockwise.softmax_top(q, k[:n_k], cfg, 4, scratch)
        fresh = blockwise.softmax_top(q, k[:n_k], cfg, 4, blockwise.Scratch())
        for a, b in zip(got, fresh):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_a_score_that_is_not_finite_leaves_the_fast_path_and_is_named(bad):
    q, k = RNG.normal(size=(5, 4)).astype(np.float32), RNG.normal(size=(9, 4)).astype(np.float32)
    q[3, 0], k[6, :] = 1e30, 0.0
    k[6, 0] = 1e30 if bad != -np.inf else -1e30  # q3·k6 = ±1e60: ±inf in float32
    if bad is np.nan:
        q[3, 0], k[6, 0] = np.nan, 1.0
    cfg = att.AttentionConfig()
    assert blockwise.softmax_top(q, k, cfg, 3, blockwise.Scratch()) is None
    with pytest.raises(AttnvizError, match="overflowed"):
        blockwise.attend_block(q, k, cfg, None, 3)


@pytest.mark.parametrize("case, fast", [
    (dict(), True), (dict(score="cosine"), False), (dict(normalize="relu"), False), (dict(temperature=1e-40), False),
    (dict(temperature=1e-40, dtype=np.float64), True), (dict(masked=True), False),
])
def test_which_blocks_take_the_fast_path(case, fast):
    case = dict(case)
    dtype, masked = case.pop("dtype", np.float32), case.pop("masked", False)
    allowed = np.ones((2, 3), bool) if masked else None
    assert blockwise.fast_softmax(att.AttentionConfig(**case), allowed, np.dtype(dtype)) is fast


@pytest.mark.parametrize("kind", ["none", "causal", "one key", "additive", "relu", "tiny T"])
def test_attend_block_matches_a_naive_loop_on_every_path(kind):
    """Masked rows (one allowed key, k > allowed keys), other scores and normalizations go through
    the general path; all of them against the naive loop."""
    n_q, n_k, k_top = 6, 11, 4
    q, k = tied_case(n_q, n_k, 4, np.float32, seed=3)
    allowed = None
    if kind == "causal":
        allowed = np.arange(n_k)[None, :] <= np.arange(n_q)[:, None] + 2  # row 0 sees 3 keys < k_top
    if kind == "one key":
        allowed = np.eye(n_q, n_k, 4, dtype=bool)
    T = 1e-40 if kind == "tiny T" else 0.7
    if kind in ("additive", "relu"):
        cfg = (att.AttentionConfig(normalize="relu") if kind == "relu" else
               att.AttentionConfig(score="additive", additive=att.Additive(np.eye(4), np.eye(4), np.ones(4))))
        weights, top = blockwise.attend_block(q, k, cfg, allowed, k_top, lo=100)
        ref = att.normalize(att.scores(q, k, cfg.score, cfg.additive), None, cfg.normalize, cfg.temperature)
        np.testing.assert_allclose(weights, ref, rtol=1e-6)
        expected = [sorted(range(n_k), key=lambda j: (-ref[i][j], j))[:k_top] for i in range(n_q)]
        assert (top.keys - 100).tolist() == expected
        return
    weights, top = blockwise.attend_block(q, k, att.AttentionConfig(temperature=T), allowed, k_top, lo=100)
    ref_alpha, ref_w, ref_keys = naive_top(q.tolist(), k.tolist(), T, k_top, allowed=None if allowed is None else allowed.tolist(),
                                           dtype=np.float64 if kind == "tiny T" else np.float32)
    np.testing.assert_allclose(weights, ref_w, rtol=1e-5, atol=1e-30)
    for i in range(n_q):
        found = [j - 100 for j in top.keys[i] if j >= 0]
        assert found == ref_keys[i]
        assert (top.keys[i][len(found):] == -1).all() and np.isnan(top.alpha[i][len(found):]).all()
        np.testing.assert_allclose(top.alpha[i][:len(found)], [ref_alpha[i][j] for j in found], rtol=1e-6)
        np.testing.assert_allclose(top.alpha_prime[i][:len(found)], [ref_w[i][j] for j in found], rtol=1e-5)
