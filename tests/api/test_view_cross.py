"""Cross-attention given to view (queries × keys, rectangular): JSON, terminal, figures, .npz and a saved run (issue #24)."""

import json

import numpy as np
import pytest

import attnviz
from attnviz.errors import UsageError

Q = ["<pad>", "le", "chat", "</s>"]
K = ["the", "cat", "sat", "on", "mat", "</s>"]


def weights(*shape, seed=0):
    x = np.random.default_rng(seed).normal(size=shape) * 3
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture
def cross():
    a = weights(2, 3, 4, 6)
    return a, attnviz.view(a, queries=Q, keys=K, name="tiny-t5")


def test_json_is_rectangular_with_both_label_lists(cross):
    from schemas import schema_validator

    a, r = cross
    doc = json.loads(r.to_json())
    schema_validator().validate(doc)
    assert doc["tokens"] == Q and doc["keys"] == K and doc["key_special"] == [False] * 5 + [True]
    assert doc["special"] == [True, False, False, True] and doc["config"]["cross"] is True
    assert [l["kind"] for l in doc["layers"]] == ["attention", "attention"]  # no rollout
    np.testing.assert_allclose(np.array([[h["alpha_prime"] for h in l["heads"]] for l in doc["layers"]]), a, rtol=1e-6)
    s = doc["layers"][1]["heads"][2]["summary"]
    assert s["sep"] == pytest.approx(a[1, 2, :, 5].mean()) and s["cls"] == 0 and s["self"] == 0


def test_terminal_names_the_keys(cross):
    a, r = cross
    table = r.table()
    assert "cross-attention: 4 queries × 6 keys" in table and "strongest links, query → key" in table
    one = attnviz.view(a, queries=Q, keys=K, layer=2, head=1).table(matrix="alpha-prime")
    assert "keys (columns): 1 the  2 cat  3 sat  4 on  5 mat  6 </s>" in one
    row = next(line for line in one.splitlines() if line.startswith("2 le"))
    assert row.split()[2:] == [f"{x:.2f}".lstrip("0") if x < 1 else "1.0" for x in a[1, 0, 1]]
    best = int(np.argmax(a[1, 0, 2]))
    assert f"{K[best]} {a[1, 0, 2, best]:.2f}".replace(" 0.", " .") in one  # chat's top key, from the keys


def test_heads_ranking_reads_the_target_among_the_keys(cross):
    a, r = cross
    top = r.heads_ranking("chat", "mat")[0]
    l, h = np.unravel_index(np.argmax(a[:, :, 2, 4]), a.shape[:2])
    assert (top["layer"], top["head"]) == (l + 1, h + 1) and top["alpha_prime"] == pytest.approx(a[l, h, 2, 4])


def test_figures_and_lines_have_the_keys_as_columns(cross, tmp_path):
    a, r = cross
    fig = r.figure()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == K
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == Q
    lines = attnviz.view(a, queries=Q, keys=K, layer=1, head=2).figure(view="lines", focus="chat")
    texts = [t.get_text() for t in lines.axes[0].texts]
    assert all(k in texts for k in K) and all(q in texts for q in Q)
    ends = {round(seg[1][1]) for c in lines.axes[0].collections for seg in c.get_segments()}
    assert ends == {j for j in range(6) if a[0, 1, 2, j] >= 0.01}
    r.save(tmp_path / "c.svg")
    with pytest.raises(UsageError, match="the page draws self-attention"):
        r.save(tmp_path / "c.html")


def test_npz_with_queries_and_keys_and_its_saved_run(cli, tmp_path):
    a = weights(1, 2, 4, 6)
    np.savez(tmp_path / "x.npz", attention=a, queries=np.array(Q), keys=np.array(K))
    out = cli("show", "--attention", tmp_path / "x.npz", "--json").stdout
    (tmp_path / "run.json").write_text(out)
    again = json.loads(cli("show", "--attention", tmp_path / "run.json", "--json").stdout)
    assert again["keys"] == K and again["tokens"] == Q
    np.testing.assert_allclose(again["layers"][0]["heads"][1]["alpha_prime"], a[0, 1], rtol=1e-6)
    cli("show", "--attention", tmp_path / "x.npz", "--head", "2", "--save", tmp_path / "l.png", "--view", "lines",
        "--focus", "chat")


@pytest.mark.parametrize("kw, needle", [
    ({"tokens": Q}, "`attention` is 4 queries × 6 keys: give the rows' and the columns' labels"),
    ({"queries": Q}, "cross-attention takes `queries` and `keys`"),
    ({"queries": Q, "keys": K[:5]}, "`keys` has 5 labels but `attention` is 4 queries × 6 keys"),
    ({"queries": Q[:3], "keys": K}, "`queries` has 3 labels"),
    ({"queries": Q, "keys": K, "tokens": Q}, "not `tokens`"),
])
def test_cross_errors(kw, needle):
    with pytest.raises(UsageError) as e:
        attnviz.view(weights(4, 6), **kw)
    assert needle in str(e.value)


def test_focus_on_cross_attention_is_the_lines_view(cross):
    a, r = cross
    with pytest.raises(UsageError, match="one query.s cross-attention is drawn by `view` lines"):
        attnviz.view(a, queries=Q, keys=K, layer=1, head=1).figure(focus="chat")
