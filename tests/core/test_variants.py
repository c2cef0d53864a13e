"""Issue #4's variants, each against an independent reference (a loop or a hand-computed case)."""

import json
import math

import numpy as np
import pytest

from attnviz.core import attention as att, masks, positions, blockwise
from attnviz.api import Options, analyze
from attnviz.errors import UsageError
from conftest import DATA, SEED
from reference import naive_head

RNG = np.random.default_rng(5)


def loop_mask(n, window=None, causal=False, edges=None, directed=False, self_loops=True):
    allowed = [[True] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            ok = True
            if window is not None and abs(i - j) > window:
                ok = False
            if causal and j > i:
                ok = False
            if edges is not None:
                linked = (i, j) in edges or (not directed and (j, i) in edges) or (self_loops and i == j)
                ok = ok and linked
            if not self_loops and i == j:
                ok = False
            allowed[i][j] = ok
    return allowed


@pytest.mark.parametrize("kw", [
    dict(window=1), dict(window=0), dict(causal=True), dict(window=2, causal=True),
    dict(edges=[(0, 3), (2, 1)]), dict(edges=[(0, 3), (2, 1)], directed=True),
    dict(edges=[(0, 3), (3, 1), (1, 0)], self_loops=False), dict(self_loops=False), dict(window=1, self_loops=False),
])
def test_masks_match_a_loop_and_attention_respects_them(kw):
    n = 6
    m = masks.mask(n, **kw)
    ref = loop_mask(n, **kw)
    np.testing.assert_array_equal(np.ones((n, n), bool) if m is None else m, ref)
    if not all(any(r) for r in ref):
        with pytest.raises(UsageError, match="no key"):
            att.self_attention(RNG.normal(size=(n, 4)), att.identity_projections(4, 1), att.AttentionConfig(), m)
        return
    x = RNG.normal(size=(n, 4))
    layer = att.self_attention(x, att.identity_projections(4, 1), att.AttentionConfig(), m)
    alpha, alpha_prime, b = naive_head(x.tolist(), np.eye(4).tolist(), np.eye(4).tolist(), np.eye(4).tolist(), allowed=ref)
    head = layer.heads[0]
    assert np.isnan(head.alpha[~np.array(ref)]).all()
    np.testing.assert_array_equal(head.alpha_prime[~np.array(ref)], 0.0)
    np.testing.assert_allclose(np.nan_to_num(head.alpha, nan=-99), [[-99 if a is None else a for a in r] for r in alpha], rtol=1e-10)
    np.testing.assert_allclose(head.alpha_prime, alpha_prime, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(head.b, b, rtol=1e-10)


def test_sinusoidal_formula_by_hand():
    pe = positions.sinusoidal(50, 6)
    for p in (0, 1, 7, 49):
        for i in range(3):
            angle = p / 10000 ** (2 * i / 6)
            assert pe[p, 2 * i] == pytest.approx(math.sin(angle))
            assert pe[p, 2 * i + 1] == pytest.approx(math.cos(angle))
    odd = positions.sinusoidal(4, 5)  # odd d: the last column is a sin
    assert odd[3, 4] == pytest.approx(math.sin(3 / 10000 ** (4 / 5)))


def test_pos_adds_scaled_encoding_to_a():
    plain = analyze(SEED, Options(vectors=str(DATA / "tiny.w2v.txt"), input_norm="none"))
    pos = analyze(SEED, Options(vectors=str(DATA / "tiny.w2v.txt"), input_norm="none", pos="sinusoidal", pos_scale=0.5))
    n = len(plain.tokens)
    np.testing.assert_allclose(pos.x - plain.x, 0.5 * positions.sinusoidal(n, 8), atol=1e-6)
    # and it changes attention: position now matters
    assert not np.allclose(pos.layers[0].heads[0].alpha, plain.layers[0].heads[0].alpha)


def test_additive_score_matches_a_loop():
    q, k = RNG.normal(size=(4, 3)), RNG.normal(size=(5, 3))
    params = att.random_additive(3, 2, seed=9)
    got = att.scores(q, k, "additive", params)
    for i in range(4):
        for j in range(5):
            hidden = [math.tanh(sum(q[i, r] * params.w1[r, c] + k[j, r] * params.w2[r, c] for r in range(3))) for c in range(2)]
            assert got[i, j] == pytest.approx(sum(h * w for h, w in zip(hidden, params.w)))


def test_additive_parameters_from_weights_file(cli, tmp_path):
    w1, w2, w = RNG.normal(size=(8, 5)), RNG.normal(size=(8, 5)), RNG.normal(size=5)
    np.savez(tmp_path / "add.npz", W1=w1, W2=w2, w=w)
    doc = json.loads(cli("show", "ham food bread", "--vectors", DATA / "tiny.w2v.txt", "--input-norm", "none",
                         "--score", "additive", "--weights", tmp_path / "add.npz", "--json", "--include-vectors").stdout)
    q = np.array(doc["layers"][0]["heads"][0]["q"])
    expected = [[float(np.tanh(q[i] @ w1 + q[j] @ w2) @ w) for j in range(3)] for i in range(3)]
    np.testing.assert_allclose(doc["layers"][0]["heads"][0]["alpha"], expected, rtol=1e-6)
    assert doc["config"]["d_a"] == 5 and doc["config"]["projection"] == "identity"


def test_cosine_score_by_hand_and_zero_vectors():
    q = np.array([[3.0, 4.0], [0.0, 0.0]])
    k = np.array([[1.0, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(att.scores(q, k, "cosine"), [[0.6, 0.8], [0.0, 0.0]])


def test_relu_and_temperature_through_analyze():
    a = analyze(SEED, Options(normalize="relu"))
    head = a.layers[0].heads[0]
    r = np.maximum(head.alpha, 0)
    np.testing.assert_allclose(head.alpha_prime, r / r.sum(axis=1, keepdims=True), rtol=1e-6)
    hot = analyze(SEED, Options(temperature=100.0)).layers[0].heads[0].alpha_prime
    cold = analyze(SEED, Options(temperature=0.5)).layers[0].heads[0].alpha_prime
    assert hot.max() < 0.2 and cold.max(axis=1).min() > 0.99  # flat vs one-hot


def test_onehot_attention_is_uniform_over_repeats():
    text = "the cat saw the dog and the cat ran"
    a = analyze(text, Options(embedding="onehot"))
    assert a.source.dim == 6 and a.config.input_norm == "none"
    p = a.layers[0].heads[0].alpha_prime
    toks = a.tokens
    for i, t in enumerate(toks):
        same = [j for j, u in enumerate(toks) if u == t]
        other = [j for j, u in enumerate(toks) if u != t]
        assert np.ptp(p[i, same]) < 1e-12 and np.ptp(p[i, other]) < 1e-12  # no similarity between different words
        assert p[i, same[0]] > p[i, other[0]]
    np.testing.assert_allclose(p[0, 0], 1 / (3 + 6 * math.exp(-3)), rtol=1e-6)  # auto T: softmax sees 3·[same word]


def test_edges_by_word_and_index_and_errors():
    a = analyze(SEED, Options(edges="restaurant-food,11-2"))  # token numbers count from 1: 11 it, 2 restaurant
    m = a.layers[0].mask
    t = a.tokens
    assert m[t.index("restaurant"), t.index("food")] and m[t.index("food"), t.index("restaurant")]
    assert m[t.index("it"), t.index("restaurant")] and m[10, 1] and m[1, 10] and m.sum() == len(t) + 4
    with pytest.raises(UsageError, match="numbered 1 … 15"):
        analyze(SEED, Options(edges="0-1"))
    with pytest.raises(UsageError, match="no such word"):
        analyze(SEED, Options(edges="restaurant-pizza"))
    with pytest.raises(UsageError, match="occurs 2 times"):
        analyze("the cat saw the dog", Options(edges="the-dog"))
    assert analyze("a well-known fact", Options(edges="well-known-fact")).layers[0].mask[1, 2]


def test_graph_file(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("# comment\nit restaurant\n\nham-sandwich\n")
    a = analyze(SEED, Options(graph=str(path), directed=True))
    m, t = a.layers[0].mask, a.tokens
    assert m[t.index("it"), t.index("restaurant")] and not m[t.index("restaurant"), t.index("it")]
    assert m[t.index("ham"), t.index("sandwich")] and m.sum() == len(t) + 2
    with pytest.raises(UsageError, match="may attend to no key"):  # "The" keeps no key at all
        analyze(SEED, Options(graph=str(path), directed=True, no_self=True))
    with pytest.raises(UsageError, match="`graph`"):
        analyze(SEED, Options(graph=str(tmp_path / "missing.txt")))


def test_all_masked_row_is_a_clear_cli_error(runner):
    from conftest import invoke

    result = invoke(runner, "show", SEED, "--edges", "it-restaurant", "--directed", "--no-self")
    assert result.exit_code == 2 and "may attend to no key" in result.stderr and "Traceback" not in result.output


def test_combined_masks_in_json_have_nulls_and_zeros(cli):
    doc = json.loads(cli("show", SEED, "--window", "2", "--causal", "--json").stdout)
    alpha, prime = doc["layers"][0]["heads"][0]["alpha"], doc["layers"][0]["heads"][0]["alpha_prime"]
    for i, row in enumerate(alpha):
        for j, x in enumerate(row):
            allowed = j <= i and i - j <= 2
            assert (x is not None) == allowed and (prime[i][j] > 0) == allowed
    assert doc["config"]["window"] == 2 and doc["config"]["causal"] and doc["config"]["masked"]


def test_masked_cells_in_terminal(cli):
    out = cli("show", "ham sandwich food", "--causal").stdout
    assert "·" in out and "masks: causal" in out


def test_explain_agrees_with_json(cli):
    args = ["--heads", "2", "--window", "3", "--pos", "sinusoidal"]
    doc = json.loads(cli("show", SEED, *args, "--json", "--include-vectors").stdout)
    out = cli("explain", SEED, "--focus", "it", "--head", "2", *args).stdout
    i = doc["tokens"].index("it")
    head = doc["layers"][0]["heads"][1]
    for j in range(len(doc["tokens"])):
        a = head["alpha"][i][j]
        if a is None:
            continue
        assert f"{a:.4g}" in out and f"{head['alpha_prime'][i][j]:.4f}" in out
    assert "masked" in out and f"{np.linalg.norm(head['b'][i]):.4g}" in out
    assert "concat(b^11_1 … b^11_2)" in out
    assert max(len(l) for l in out.splitlines()) <= 80


def test_explain_errors(runner):
    from conftest import invoke

    r = invoke(runner, "explain", SEED, "--focus", "pizza")
    assert r.exit_code == 2 and "no such word" in r.stderr
    r = invoke(runner, "explain", SEED, "--focus", "it", "--head", "3")
    assert r.exit_code == 2 and "only 1 head" in r.stderr


def test_pe_command(cli):
    out = cli("pe", "--length", "10", "--dim", "16").stdout
    assert "10 positions × 16 dimensions" in out and len([l for l in out.splitlines() if l[:2].strip().isdigit()]) == 10
