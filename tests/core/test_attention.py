import numpy as np
import pytest

from attnviz.core import attention as att, masks, positions, blockwise
from attnviz.errors import UsageError
from reference import naive_head

RNG = np.random.default_rng(0)


def random_case(n=6, d=8, d_k=4, d_v=5):
    x = RNG.normal(size=(n, d))
    return x, RNG.normal(size=(d, d_k)), RNG.normal(size=(d, d_k)), RNG.normal(size=(d, d_v))


@pytest.mark.parametrize("score", ["scaled-dot", "dot"])
@pytest.mark.parametrize("temperature", [1.0, 0.5, 3.0])
def test_head_matches_naive_loop(score, temperature):
    x, wq, wk, wv = random_case()
    proj = att.Projections(wq, wk, wv, None, 1, "weights")
    layer = att.self_attention(x, proj, att.AttentionConfig(score=score, temperature=temperature))
    alpha, alpha_prime, b = naive_head(x.tolist(), wq.tolist(), wk.tolist(), wv.tolist(), score == "scaled-dot", temperature)
    head = layer.heads[0]
    np.testing.assert_allclose(head.alpha, alpha, rtol=1e-10)
    np.testing.assert_allclose(head.alpha_prime, alpha_prime, rtol=1e-10)
    np.testing.assert_allclose(head.b, b, rtol=1e-10)
    np.testing.assert_allclose(layer.output, b, rtol=1e-10)  # one head, no Wo: output = b


def test_rows_of_alpha_prime_sum_to_one():
    x, wq, wk, wv = random_case(n=9)
    layer = att.self_attention(x * 50, att.Projections(wq, wk, wv, None, 1, "weights"), att.AttentionConfig())
    p = layer.heads[0].alpha_prime
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert (p >= 0).all() and np.isfinite(p).all()


def test_permuting_keys_permutes_columns():
    x, wq, wk, wv = random_case()
    q, k, v = x @ wq, x @ wk, x @ wv
    perm = RNG.permutation(len(x))
    cfg = att.AttentionConfig()
    base = att.attend_head(q, k, v, None, cfg)
    moved = att.attend_head(q, k[perm], v[perm], None, cfg)
    np.testing.assert_allclose(moved.alpha, base.alpha[:, perm], rtol=1e-12)
    np.testing.assert_allclose(moved.alpha_prime, base.alpha_prime[:, perm], rtol=1e-12)
    np.testing.assert_allclose(moved.b, base.b, rtol=1e-12)  # b^i is a sum over keys: order-free


def test_multihead_identity_equals_headwise_slices():
    x = RNG.normal(size=(7, 12))
    layer = att.self_attention(x, att.identity_projections(12, 3), att.AttentionConfig())
    for h in range(3):
        s = x[:, 4 * h : 4 * (h + 1)]
        alpha, alpha_prime, b = naive_head(s.tolist(), np.eye(4).tolist(), np.eye(4).tolist(), np.eye(4).tolist())
        np.testing.assert_allclose(layer.heads[h].alpha_prime, alpha_prime, rtol=1e-9)
        np.testing.assert_allclose(layer.output[:, 4 * h : 4 * (h + 1)], b, rtol=1e-9)


def test_multihead_with_wo_is_concat_times_wo():
    x = RNG.normal(size=(5, 6))
    proj = att.random_projections(6, 2, 3, seed=1)
    layer = att.self_attention(x, proj, att.AttentionConfig())
    parts = []
    for h in range(2):
        sl = slice(3 * h, 3 * (h + 1))
        _, _, b = naive_head(x.tolist(), proj.wq[:, sl].tolist(), proj.wk[:, sl].tolist(), proj.wv[:, sl].tolist())
        parts.append(np.array(b))
    np.testing.assert_allclose(layer.output, np.concatenate(parts, axis=1) @ proj.wo, rtol=1e-4, atol=1e-6)


def test_random_projections_are_seeded():
    a, b, c = (att.random_projections(10, 2, 4, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.wq, b.wq)
    assert not np.allclose(a.wq, c.wq)


def test_heads_must_divide_dimension():
    with pytest.raises(UsageError, match="does not divide"):
        att.identity_projections(300, 7)


def test_relu_normalization_hand_case():
    alpha = np.array([[2.0, -1.0, 1.0], [-1.0, -2.0, -3.0]])
    p = att.normalize(alpha, None, "relu", 1.0)
    np.testing.assert_allclose(p, [[2 / 3, 0, 1 / 3], [0, 0, 0]])


def test_softmax_hand_case_and_mask():
    alpha = np.array([[0.0, np.log(3.0), 5.0]])
    mask = np.array([[True, True, False]])
    p = att.normalize(alpha, mask, "softmax", 1.0)
    np.testing.assert_allclose(p, [[0.25, 0.75, 0.0]])


def test_masked_row_is_an_error_not_nan():
    with pytest.raises(UsageError, match="no key"):
        att.normalize(np.zeros((2, 2)), np.array([[True, False], [False, False]]), "softmax", 1.0)


def test_extreme_scores_stay_finite():
    alpha = np.array([[1e30, -1e30, 0.0]])
    for t in (1e-9, 1.0, 1e9):
        p = att.normalize(alpha, None, "softmax", t)
        assert np.isfinite(p).all()
        np.testing.assert_allclose(p.sum(), 1.0)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_temperature_must_be_positive(bad):
    with pytest.raises(UsageError):
        att.normalize(np.zeros((1, 1)), None, "softmax", bad)
