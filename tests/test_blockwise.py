"""The blockwise kernel's parts against plain references: query blocks on several threads give
the serial loop's numbers, in order."""

import threading
import time

import numpy as np
import pytest

from attnviz.core import attention as att, blockwise

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
