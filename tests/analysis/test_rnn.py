"""`attnviz rnn`: the Elman RNN's influence matrix (exact Jacobians) beside self-attention's α′."""

import json

import numpy as np
import pytest

from conftest import SEED

import attnviz


def elman_states(x, w, u, c):
    """The test's own Elman loop: h^i = tanh(W a^i + U h^{i−1} + c)."""
    h, out = np.zeros(len(u)), []
    for a in x:
        h = np.tanh(w @ a + u @ h + c)
        out.append(h)
    return np.array(out)


def finite_difference_influence(x, cells, eps=1e-6):
    """‖∂h^i/∂a^j‖_F by central differences, rows over their sums; cells: (W, U, c) forward [, backward]."""
    n, d = x.shape
    norms = np.zeros((n, n))
    for j in range(n):
        for t in range(d):
            plus, minus = x.copy(), x.copy()
            plus[j, t] += eps
            minus[j, t] -= eps
            for k, (w, u, c) in enumerate(cells):
                run = (lambda y: elman_states(y, w, u, c)) if k == 0 else (lambda y: elman_states(y[::-1], w, u, c)[::-1])
                norms[:, j] += (((run(plus) - run(minus)) / (2 * eps)) ** 2).sum(axis=1)
    norms = np.sqrt(norms)
    return norms / norms.sum(axis=1, keepdims=True)


def weights_file(tmp_path, d, hidden, bidirectional=False, seed=4):
    """Weights large enough that tanh is well away from linear (U std 1.2/√H, W std 1.5/√d)."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for suffix in ("", "b") if bidirectional else ("",):
        arrays.update({"W" + suffix: rng.normal(0, 1.5 / np.sqrt(d), (hidden, d)),
                       "U" + suffix: rng.normal(0, 1.2 / np.sqrt(hidden), (hidden, hidden)),
                       "c" + suffix: rng.normal(0, 0.3, hidden)})
    path = tmp_path / "rnn.npz"
    np.savez(path, **arrays)
    return str(path), arrays


@pytest.fixture
def matrix_file(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.random.default_rng(1).normal(0, 1, (9, 5)))
    return str(path)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_influence_matches_finite_differences(tmp_path, matrix_file, bidirectional):
    path, arrays = weights_file(tmp_path, 5, 6, bidirectional)
    r = attnviz.rnn(input=matrix_file, weights=path, bidirectional=bidirectional)
    cells = [(arrays["W"], arrays["U"], arrays["c"])] + ([(arrays["Wb"], arrays["Ub"], arrays["cb"])] if bidirectional else [])
    reference = finite_difference_influence(r.attention.x, cells)
    assert np.abs(r.influence - reference).max() < 1e-4
    assert np.allclose(r.influence.sum(axis=1), 1.0)
    upper = r.influence[np.triu_indices(9, 1)]
    assert (upper == 0).all() != bidirectional  # one direction: h^i has not seen a^j > i; two: it has
    assert r.influence[-1, 0] < r.influence[-1, -2]  # the far left reaches the last state weaker than its neighbour


@pytest.mark.parametrize("inputs", [dict(text=SEED), dict(image="demo", size=6)])
def test_rows_sum_to_one_and_lower_triangular(inputs):
    r = attnviz.rnn(**inputs, hidden=8)
    assert np.allclose(r.influence.sum(axis=1), 1.0)
    assert np.allclose(np.triu(r.influence, 1), 0.0)
    assert np.allclose(r.alpha_prime.sum(axis=1), 1.0)
    assert r.alpha_prime.shape == r.influence.shape == (len(r.tokens),) * 2


def test_json_is_attnviz_rnn_1(cli, matrix_file):
    doc = json.loads(cli("rnn", "--input", matrix_file, "--json", "--hidden", "4").stdout)
    assert doc["schema"] == "attnviz-rnn/1"
    assert doc["steps"] == {"rnn": 9, "attention": 1}
    assert doc["rnn"] == {"cell": "elman", "hidden": 4, "bidirectional": False, "seed": 0, "weights": None}
    influence = np.array(doc["influence"])
    assert influence.shape == (9, 9) and np.allclose(influence.sum(axis=1), 1.0)
    assert np.allclose(np.array(doc["attention"]["alpha_prime"]).sum(axis=1), 1.0)
    assert doc["first_to_last"]["rnn"] == influence[-1, 0]


def test_terminal_counts_steps_and_saves_a_figure(cli, tmp_path):
    out = cli("rnn", SEED, "--save", tmp_path / "r.png").stdout
    assert "sequential steps: RNN 15" in out and "self-attention 1" in out
    assert "RNN influence" in out and "self-attention α′" in out
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, words", [
    (["--hidden", "0"], "--hidden must be a whole number"),
    (["--weights", "missing.npz"], "no such file"),
    (["--save", "x.html"], "not pages"),
])
def test_bad_values_are_one_line(cli, args, words):
    err = cli("rnn", "ham sandwich", *args, code=2).stderr
    assert words in err and len(err.strip().splitlines()) == 1, err


def test_weights_of_the_wrong_shape_are_one_line(cli, tmp_path, matrix_file):
    path, _ = weights_file(tmp_path, 7, 3)
    err = cli("rnn", "--input", matrix_file, "--weights", path, code=2).stderr
    assert "do not fit vectors of size 5" in err and len(err.strip().splitlines()) == 1
    err = cli("rnn", "--input", matrix_file, "--weights", path, "--hidden", "3", code=2).stderr
    assert "drop --hidden" in err
