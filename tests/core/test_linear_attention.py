"""Linear attention (score linear, normalize sum) and its recurrent form (explain --recurrent):
the notes' "Transformers are RNNs" point, checked against torch's elu and a naive loop."""

import re

import numpy as np
import pytest

from conftest import SEED

import attnviz
from attnviz.core.linear import recurrent


def naive_causal_linear(q, k, v):
    """b^i = Σ_{j≤i} φ(q^i)·φ(k^j) v^j / Σ_{j≤i} φ(q^i)·φ(k^j), φ = torch's elu + 1, one pair at a time."""
    torch = pytest.importorskip("torch")  # the reference's φ; skip where torch is absent
    fq = (torch.nn.functional.elu(torch.tensor(q)) + 1).numpy()
    fk = (torch.nn.functional.elu(torch.tensor(k)) + 1).numpy()
    b = np.zeros((len(q), v.shape[1]))
    for i in range(len(q)):
        weights = [float(fq[i] @ fk[j]) for j in range(i + 1)]
        b[i] = sum(w * v[j] for j, w in enumerate(weights)) / sum(weights)
    return b


@pytest.fixture
def matrix_file(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "x.npy"
    np.save(path, rng.normal(0, 1.0, (12, 6)))
    return path


def sharp_weights(tmp_path, d, heads=2, d_k=4, seed=5):
    """W^q, W^k with std 3/√d (q, k entries ≈ ±3: attention far from uniform), W^v std 1/√d."""
    rng = np.random.default_rng(seed)
    path = tmp_path / "w.npz"
    s = 1 / np.sqrt(d)
    np.savez(path, Wq=rng.normal(0, 3 * s, (d, heads * d_k)), Wk=rng.normal(0, 3 * s, (d, heads * d_k)),
             Wv=rng.normal(0, s, (d, heads * d_k)))
    return str(path)


LINEAR = dict(score="linear", normalize="sum", causal=True)


@pytest.mark.parametrize("kind", ["text", "matrix", "audio"])
def test_recurrent_form_equals_the_parallel_form(kind, matrix_file, tmp_path):
    inputs = {"text": dict(text=SEED), "matrix": dict(input=str(matrix_file)), "audio": dict(audio="demo")}[kind]
    d = attnviz.analyze(**inputs).analysis.x.shape[1]
    a = attnviz.analyze(**inputs, heads=2, weights=sharp_weights(tmp_path, d), **LINEAR).analysis
    for hd in a.layers[0].heads:
        rec = recurrent(hd.q, hd.k, hd.v)
        assert np.abs(rec.b - hd.b).max() < 1e-6
        n = min(len(hd.q), 60)  # the naive loop is slow: the first 60 queries (audio has 613)
        assert np.abs(hd.b[:n] - naive_causal_linear(hd.q[:n], hd.k[:n], hd.v[:n])).max() < 1e-9
        assert hd.alpha_prime.max() > 2.5 / len(hd.q)  # far from uniform: the weights are not flat
        assert np.allclose(hd.alpha_prime.sum(axis=1), 1.0)


def test_linear_scores_are_phi_dot_phi_and_sum_normalizes(tmp_path, matrix_file):
    a = attnviz.analyze(input=str(matrix_file), score="linear", normalize="sum", weights=sharp_weights(tmp_path, 6, 1)).analysis
    hd = a.layers[0].heads[0]
    torch = pytest.importorskip("torch")
    fq = (torch.nn.functional.elu(torch.tensor(hd.q)) + 1).numpy()
    fk = (torch.nn.functional.elu(torch.tensor(hd.k)) + 1).numpy()
    assert np.allclose(hd.alpha, fq @ fk.T, rtol=1e-12)
    assert np.allclose(hd.alpha_prime, hd.alpha / hd.alpha.sum(axis=1, keepdims=True), rtol=1e-12)


@pytest.mark.parametrize("kind", ["text", "matrix", "audio"])
def test_explain_recurrent_prints_the_difference(cli, kind, matrix_file):
    inputs = {"text": [SEED, "--focus", "it"], "matrix": ["--input", matrix_file, "--focus", "5"],
              "audio": ["--audio", "demo", "--focus", "0.80s"]}[kind]
    out = cli("explain", *inputs, "--causal", "--score", "linear", "--normalize", "sum", "--recurrent",
              "--projection", "random").stdout
    out = " ".join(out.split())  # rich wraps at 80 columns
    assert "S_j = S_{j−1} + φ(k^j) v^jᵀ" in out
    found = re.search(r"over all (\d+) queries max \|Δb\| = (\S+)", out)
    assert found and float(found.group(2)) < 1e-6, out


@pytest.mark.parametrize("args, words", [
    (["--score", "linear", "--normalize", "sum", "--recurrent"], "add --causal"),
    (["--causal", "--recurrent"], "--score linear and --normalize sum"),
    (["--causal", "--score", "linear", "--recurrent"], "--normalize sum"),
    (["--causal", "--score", "linear", "--normalize", "sum", "--recurrent", "--window", "2"], "drop --window"),
    (["--causal", "--score", "linear", "--normalize", "sum", "--recurrent", "--no-self"], "drop --no-self"),
    (["--normalize", "sum"], "--score linear"),
])
def test_recurrent_refusals_are_one_line(cli, args, words):
    err = cli("explain", SEED, "--focus", "it", *args, code=2).stderr
    assert words in err and len(err.strip().splitlines()) == 1, err


def test_linear_shows_its_formulas(cli):
    out = cli("show", "a b c", "--score", "linear", "--normalize", "sum").stdout
    assert "φ(q^i)·φ(k^j)" in out and "row sum" in out
