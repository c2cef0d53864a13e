"""The core on a 2-D grid of items (a picture): window mask, 2-D positional encoding, the blockwise
path's reach in row-major order, and a long input's full α′ rows — each against a naive loop."""

import math

import numpy as np
import pytest

from attnviz.core import attention as att
from attnviz.core import blockwise, masks, positions


def grid_positions(rows, cols):
    return np.array([(r, c) for r in range(rows) for c in range(cols)])  # row-major, as the image adapter


@pytest.mark.parametrize("rows,cols,window", [(5, 6, 0), (5, 6, 1), (4, 9, 2), (3, 3, 5)])
def test_window_mask_is_the_receptive_field(rows, cols, window):
    pos = grid_positions(rows, cols)
    n = len(pos)
    got = masks.mask(n, window=window, positions=pos)
    want = [[abs(pos[i][0] - pos[j][0]) <= window and abs(pos[i][1] - pos[j][1]) <= window for j in range(n)] for i in range(n)]
    if all(all(r) for r in want):
        assert got is None
    else:
        assert got.tolist() == want
        inner = (rows - 2 * window) * (cols - 2 * window)  # queries far from the edges see a full (2R+1)² box
        if inner > 0:
            assert (got.sum(axis=1) == (2 * window + 1) ** 2).sum() == inner


@pytest.mark.parametrize("d", [1, 2, 3, 4, 7, 768])
def test_sinusoidal_grid_formula(d):
    """Rows take the first ⌈d/2⌉ dims, columns the rest; each half is the 1-D formula for its own size."""
    pos = grid_positions(4, 5) * np.array([3, 7])  # unequal steps, so row and column can't be swapped unnoticed
    got = positions.sinusoidal_grid(pos, d)
    d_row = (d + 1) // 2
    for n, (r, c) in enumerate(pos):
        for t in range(d):
            p, size, u = (r, d_row, t) if t < d_row else (c, d - d_row, t - d_row)
            angle = p / 10000 ** ((u - u % 2) / size)
            want = math.sin(angle) if u % 2 == 0 else math.cos(angle)
            assert got[n, t] == pytest.approx(want, abs=1e-12), (n, t)


def test_reach_covers_every_key_in_the_window():
    pos = grid_positions(7, 9)
    allowed = masks.mask(len(pos), window=2, positions=pos)
    i, j = np.nonzero(allowed)
    assert np.abs(i - j).max() == masks.reach(2, pos, len(pos))


@pytest.mark.parametrize("window", [None, 1, 3])
def test_blockwise_on_a_grid_matches_dense(window):
    rng = np.random.default_rng(3)
    rows, cols = 12, 13  # 156 items: several blocks of ≥ 32 queries
    pos = grid_positions(rows, cols)
    x = rng.normal(size=(len(pos), 3)).astype(np.float32)
    config = att.AttentionConfig(temperature=0.5)
    dense = att.self_attention(x.astype(np.float64), att.identity_projections(3, 1), config,
                               masks.mask(len(pos), window=window, positions=pos)).heads[0]
    sparse = blockwise.blockwise_head(x, x, x, config, top_k=len(pos), window=window, block=32, positions=pos)
    np.testing.assert_allclose(sparse.b, dense.b, atol=1e-5)
    full = np.zeros_like(dense.alpha_prime)
    for i in range(len(pos)):
        ok = sparse.keys[i] >= 0
        full[i, sparse.keys[i][ok]] = sparse.alpha_prime[i][ok]
    np.testing.assert_allclose(full, dense.alpha_prime, atol=1e-6)


@pytest.mark.parametrize("window,causal,no_self", [(None, False, False), (1, False, True), (2, True, False)])
def test_query_rows_are_the_dense_rows(window, causal, no_self):
    rng = np.random.default_rng(5)
    pos = grid_positions(6, 7)
    x = rng.normal(size=(len(pos), 4))
    config = att.AttentionConfig(temperature=0.7)
    mask = masks.mask(len(pos), window=window, causal=causal, self_loops=not no_self, positions=pos)
    dense = att.self_attention(x, att.identity_projections(4, 1), config, mask).heads[0].alpha_prime
    index = np.array([0, 17, 41])
    got = blockwise.query_rows(x, x, config, index, window, causal, no_self, pos)
    np.testing.assert_allclose(got, dense[index], atol=1e-12)
