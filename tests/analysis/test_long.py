"""Long inputs: blockwise top-k attention equals the dense computation, in bounded memory."""

import json

import numpy as np
import pytest

from attnviz.core import attention as att, masks, positions, blockwise
from attnviz.api import DENSE_MAX, Options, analyze, analyze_long
from conftest import DATA, SEED, invoke

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("kw", [dict(), dict(window=7), dict(causal=True), dict(window=3, causal=True),
                                dict(window=5, no_self=True), dict(causal=True, window=40)])
@pytest.mark.parametrize("block", [16, 512])
def test_blockwise_equals_dense(kw, block):
    n, d = 300, 12
    q, k, v = (RNG.normal(size=(n, d)) for _ in range(3))
    cfg = att.AttentionConfig(temperature=1.5)
    sparse = blockwise.blockwise_head(q, k, v, cfg, top_k=6, block=block, **kw)
    allowed = masks.mask(n, kw.get("window"), kw.get("causal", False), None, False, not kw.get("no_self", False))
    dense = att.attend_head(q, k, v, allowed, cfg)
    np.testing.assert_allclose(sparse.b, dense.b, rtol=1e-10, atol=1e-12)
    for i in range(n):
        order = np.argsort(-dense.alpha_prime[i], kind="stable")[:6]
        valid = sparse.keys[i] >= 0
        np.testing.assert_allclose(sparse.alpha_prime[i][valid], dense.alpha_prime[i][order][: valid.sum()], rtol=1e-6)
        np.testing.assert_allclose(sparse.alpha[i][valid], dense.alpha[i][sparse.keys[i][valid]], rtol=1e-6)
        assert (dense.alpha_prime[i][sparse.keys[i][valid]] > 0).all()  # never a masked key
    # block means: bin rows of the dense α′, average rows, sum columns
    m = sparse.summary.shape[0]
    bins = np.arange(n) * m // n
    expected = np.stack([np.stack([dense.alpha_prime[bins == r][:, bins == c].sum(axis=1).mean() for c in range(m)]) for r in range(m)])
    np.testing.assert_allclose(sparse.summary, expected, rtol=1e-9)
    np.testing.assert_allclose(sparse.summary.sum(axis=1), 1.0)


def test_long_analysis_matches_dense_analysis():
    text = SEED + " In the end, they just gave me two slices of bread."
    for opts in (Options(heads=2, window=3), Options(causal=True), Options(projection="random", heads=3, d_k=20)):
        dense = analyze(text, opts)
        long = analyze_long(text, opts, top_k=4)
        np.testing.assert_allclose(long.output, dense.layers[0].output, rtol=1e-4, atol=1e-4)
        for hd, sp in zip(dense.layers[0].heads, long.heads):
            top = np.sort(hd.alpha_prime, axis=1)[:, ::-1][:, :4]
            np.testing.assert_allclose(sp.alpha_prime, top, rtol=1e-5, atol=1e-7)
        assert long.config.top_k == 4 and long.config.temperature == pytest.approx(dense.config.temperature)


def test_top_k_json_lines(cli):
    out = cli("show", SEED, "--top-k", "3", "--causal", "--heads", "2", "--json").stdout.splitlines()
    header = json.loads(out[0])
    assert header["schema"] == "attnviz/1" and header["format"] == "top-k lines" and header["config"]["top_k"] == 3
    rows = [json.loads(line) for line in out[1:]]
    assert [r["query"] for r in rows] == list(range(len(header["tokens"])))
    assert rows[0]["heads"][0]["keys"] == [0] and rows[0]["heads"][0]["alpha_prime"] == [1.0]  # causal: only itself
    dense = json.loads(cli("show", SEED, "--causal", "--heads", "2", "--json").stdout)
    for r in rows:
        for h, head in enumerate(r["heads"]):
            full = dense["layers"][0]["heads"][h]["alpha_prime"][r["query"]]
            assert head["alpha_prime"] == pytest.approx([full[j] for j in head["keys"]], rel=1e-5)  # float32, 7 digits
            assert head["alpha_prime"] == sorted(head["alpha_prime"], reverse=True)


def test_file_input_and_long_terminal_summary(cli, tmp_path):
    words = (SEED + " ") * (DENSE_MAX // 15 + 5)
    path = tmp_path / "doc.txt"
    path.write_text(words)
    out = cli("show", "--file", path, "--window", "8").stdout
    assert "mean α′ between blocks" in out and "a few queries" in out
    assert max(len(l) for l in out.splitlines()) <= 80


@pytest.mark.parametrize("args,needle", [
    (["--file", "/nonexistent.txt"], "--file"), (["x", "--file", "y"], "not both"), ([], "give a text"),
])
def test_file_errors(runner, args, needle):
    result = invoke(runner, "show", *args)
    assert result.exit_code == 2 and needle in result.stderr, result.output


def test_long_json_needs_top_k(runner, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("ham " * (DENSE_MAX + 1))
    result = invoke(runner, "show", "--file", path, "--json")
    assert result.exit_code == 2 and "--top-k" in result.stderr
