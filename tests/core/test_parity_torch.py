"""Parity with PyTorch (an independent implementation).  Skipped when torch is not installed;
torch is never a run-time dependency of attnviz."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from attnviz.core import attention as att, masks, positions, blockwise  # noqa: E402
from conftest import DATA, SEED, invoke  # noqa: E402


def test_sdpa_per_head():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(9, 12)).astype(np.float64)
    proj = att.random_projections(12, 3, 4, seed=2)
    layer = att.self_attention(x, proj, att.AttentionConfig())
    xt = torch.tensor(x)
    for h, head in enumerate(layer.heads):
        sl = slice(4 * h, 4 * (h + 1))
        q, k, v = (xt @ torch.tensor(w[:, sl], dtype=torch.float64) for w in (proj.wq, proj.wk, proj.wv))
        b = F.scaled_dot_product_attention(q[None], k[None], v[None])[0]
        np.testing.assert_allclose(head.b, b.numpy(), rtol=1e-5, atol=1e-6)


def test_multi_head_attention_forward_weights_and_output():
    rng = np.random.default_rng(3)
    d, heads = 12, 4
    x = rng.normal(size=(7, d))
    proj = att.random_projections(d, heads, d // heads, seed=5)
    layer = att.self_attention(x, proj, att.AttentionConfig())
    xt = torch.tensor(x, dtype=torch.float64)[:, None, :]  # [L, N=1, E]
    in_w = torch.tensor(np.concatenate([proj.wq.T, proj.wk.T, proj.wv.T]), dtype=torch.float64)
    out, weights = F.multi_head_attention_forward(
        xt, xt, xt, d, heads, in_w, torch.zeros(3 * d, dtype=torch.float64), None, None, False, 0.0,
        torch.tensor(proj.wo.T, dtype=torch.float64), torch.zeros(d, dtype=torch.float64),
        need_weights=True, average_attn_weights=False,
    )
    for h in range(heads):
        np.testing.assert_allclose(layer.heads[h].alpha_prime, weights[0, h].numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(layer.output, out[:, 0].numpy(), rtol=1e-4, atol=1e-6)


def test_cli_weights_file_matches_torch(runner, tmp_path):
    """--weights through the whole CLI (tiny vectors file, JSON out) against torch."""
    rng = np.random.default_rng(4)
    d, heads = 8, 2
    w = {n: rng.normal(size=(d, d)).astype(np.float32) for n in ("Wq", "Wk", "Wv", "Wo")}
    np.savez(tmp_path / "w.npz", **w)
    result = invoke(runner, "show", SEED, "--vectors", DATA / "tiny.w2v.txt", "--weights", tmp_path / "w.npz",
                    "--heads", heads, "--input-norm", "none", "--json", "--include-vectors")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    x = torch.tensor(doc["layers"][0]["input"], dtype=torch.float64)[:, None, :]
    t = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    in_w = torch.cat([t(w["Wq"]).T, t(w["Wk"]).T, t(w["Wv"]).T])
    out, weights = F.multi_head_attention_forward(
        x, x, x, d, heads, in_w, torch.zeros(3 * d, dtype=torch.float64), None, None, False, 0.0,
        t(w["Wo"]).T, torch.zeros(d, dtype=torch.float64), need_weights=True, average_attn_weights=False,
    )
    for h in range(heads):
        np.testing.assert_allclose(doc["layers"][0]["heads"][h]["alpha_prime"], weights[0, h].numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(doc["layers"][0]["output"], out[:, 0].numpy(), rtol=1e-4, atol=1e-5)
