"""attnviz.view(attention, tokens): attention computed elsewhere, with every view of a model's (issue #24)."""

import json

import numpy as np
import pytest

import attnviz
from attnviz.errors import AttnvizError, UsageError

TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]"]


def weights(*shape, seed=0, scale=3.0):
    """Softmax of scores spread wide (std 3): heads far from uniform."""
    x = np.random.default_rng(seed).normal(size=shape) * scale
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Tensorish:
    """What a torch tensor offers attnviz: .detach().cpu().numpy(), and nothing numpy knows."""

    def __init__(self, a):
        self.a, self.calls = a, []

    def detach(self):
        self.calls.append("detach")
        return self

    def cpu(self):
        self.calls.append("cpu")
        return self

    def numpy(self):
        return self.a


class ArrayLike:
    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return self.a


@pytest.mark.parametrize("shape, layers, heads", [((5, 5), 1, 1), ((3, 5, 5), 1, 3), ((2, 3, 5, 5), 2, 3)])
def test_every_shape_becomes_layers_by_heads(shape, layers, heads):
    a = weights(*shape)
    r = attnviz.view(a, TOKENS)
    assert r.alpha_prime.shape == (layers, heads, 5, 5)
    np.testing.assert_array_equal(r.alpha_prime.reshape(shape), a)
    assert r.config.layers == layers and r.config.heads == heads


def test_transformers_style_list_with_a_batch_axis_and_tensors():
    a = weights(2, 3, 5, 5)
    as_tuple = tuple(Tensorish(a[l][None]) for l in range(2))  # outputs.attentions: per layer [1, heads, n, n]
    r = attnviz.view(as_tuple, TOKENS)
    np.testing.assert_array_equal(r.alpha_prime, a)
    assert as_tuple[0].calls == ["detach", "cpu"]
    np.testing.assert_array_equal(attnviz.view([a[0], a[1]], TOKENS).alpha_prime, a)
    np.testing.assert_array_equal(attnviz.view(ArrayLike(a), TOKENS).alpha_prime, a)
    np.testing.assert_array_equal(attnviz.view(a.tolist(), TOKENS).alpha_prime, a)


def test_alpha_is_the_log_of_the_weights_and_json_has_no_nan():
    a = weights(2, 3, 5, 5)
    a[0, 0, 1, 2] = 0.0  # a weight of exactly 0: α unknown there (null), not -inf
    a[0, 0, 1] /= a[0, 0, 1].sum()
    r = attnviz.view(a, TOKENS)
    assert np.isnan(r.alpha[0, 0, 1, 2])
    np.testing.assert_allclose(np.exp(r.alpha[1, 2]), a[1, 2])
    doc = json.loads(r.to_json())
    assert doc["layers"][0]["heads"][0]["alpha"][1][2] is None
    assert doc["source"]["kind"] == "attention" and doc["config"]["given"] == "weights"
    assert doc["special"] == [True, False, False, False, True]
    assert doc["layers"][-1]["kind"] == "rollout"


def test_scores_are_softmaxed_as_a_loop_does():
    x = np.random.default_rng(1).normal(size=(2, 5, 5)) * 4
    x[:, 0, 3:] = -np.inf
    r = attnviz.view(x, TOKENS, scores=True)
    for h in range(2):
        for i in range(5):
            row = [np.exp(v) for v in x[h, i]]
            np.testing.assert_allclose(r.alpha_prime[0, h, i], np.array(row) / sum(row), rtol=1e-12)
    assert np.isnan(r.alpha[0, 0, 0, 4]) and r.alpha_prime[0, 0, 0, 4] == 0
    assert "α given (raw scores)" in r.table()


def test_causal_attention_is_detected_and_masked():
    a = np.tril(weights(2, 5, 5) + 0.1)
    a /= a.sum(axis=-1, keepdims=True)
    r = attnviz.view(a, ["<s>", "the", "cat", "sat", "."])
    assert r.config.causal is True
    assert r.layers[0].mask is not None and not r.layers[0].mask[0, 1] and r.layers[0].mask[1, 0]
    assert np.isnan(r.alpha[0, 0, 0, 1])
    assert "sink" in r.summaries[(1, 1)]
    assert "causal" in r.table()
    full = attnviz.view(weights(2, 5, 5), TOKENS)
    assert not full.config.causal and full.layers[0].mask is None


def test_views_table_figure_page_and_ranking(tmp_path):
    a = weights(2, 3, 5, 5)
    a[1, 2, 3] = [0.0, 0.0, 0.99, 0.0, 0.01]  # layer 2 head 3: sat -> cat, the strongest
    r = attnviz.view(a, TOKENS, name="my-model")
    table = r.table()
    assert "my-model · 2 layers × 3 heads · 5 tokens" in table and "α′ given (weights)" in table
    assert r.heads_ranking("sat", "cat")[0]["layer"] == 2 and r.heads_ranking("sat", "cat")[0]["head"] == 3
    r.save(tmp_path / "v.png", tmp_path / "v.svg", tmp_path / "v.html")
    assert (tmp_path / "v.png").read_bytes()[:4] == b"\x89PNG"
    assert "my-model" in (tmp_path / "v.svg").read_text()
    page = (tmp_path / "v.html").read_text()
    assert "my-model" in page  # the page itself: test_view_page_in_chromium
    assert "my-model" in r._repr_html_()
    one = attnviz.view(a, TOKENS, layer=2, head=3)
    assert "layer 2 · head 3/3" in one.table() and one.alpha_prime.shape == (1, 1, 5, 5)


def test_specials_from_a_tokenizer_output():
    class Tok:
        all_special_ids = [101, 102]

        def convert_ids_to_tokens(self, ids):
            return [{101: "[CLS]", 102: "[SEP]", 7: "Ġcat", 8: "▁sat", 9: "##s"}[i] for i in ids]

    enc = {"input_ids": [[101, 7, 8, 9, 102]], "attention_mask": [[1] * 5]}
    r = attnviz.view(weights(5, 5), enc, tokenizer=Tok())
    assert r.tokens == ["[CLS]", "cat", "sat", "##s", "[SEP]"]
    assert r.specials == [True, False, False, False, True]
    with pytest.raises(UsageError, match="give the tokenizer too"):
        attnviz.view(weights(5, 5), enc)


@pytest.mark.parametrize("attention, tokens, kw, error, needle", [
    (weights(5, 5), TOKENS[:4], {}, UsageError, "`tokens` has 4 labels but `attention` is 5 × 5"),
    (weights(5, 5), "the cat sat", {}, UsageError, "one label per token"),
    (weights(5, 5), None, {}, UsageError, "`tokens` is missing"),
    (weights(4, 5), TOKENS, {}, UsageError, "4 queries × 5 keys"),
    (weights(2, 2, 2, 5, 5), TOKENS, {}, UsageError, "has shape (2, 2, 2, 5, 5)"),
    ([weights(3, 5, 5), weights(2, 5, 5)], TOKENS, {}, UsageError, "every layer must have the same heads"),
    (np.full((5, 5), np.nan), TOKENS, {}, AttnvizError, "NaN at layer 1, head 1, row 1, column 1"),
    (weights(5, 5) - 0.5, TOKENS, {}, AttnvizError, "negative weight"),
    (weights(5, 5) * 2, TOKENS, {}, AttnvizError, "row 1 sums to 2, not 1"),
    (np.full((5, 5), -np.inf), TOKENS, {"scores": True}, AttnvizError, "row 1 is -inf everywhere"),
    (np.array([["a"]]), ["x"], {}, UsageError, "holds <U1 values"),
    (weights(5, 5), TOKENS, {"layer": 2}, UsageError, "`layer` 2: the attention has only layer 1"),
    (weights(3, 5, 5), TOKENS, {"head": 0}, UsageError, "`head` must be at least 1"),
    (weights(5, 5), TOKENS, {"specials": [True]}, UsageError, "`specials` has 1 flags for 5 tokens"),
])
def test_bad_input_is_one_clear_error(attention, tokens, kw, error, needle):
    with pytest.raises(error) as e:
        attnviz.view(attention, tokens, **kw)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_view_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys, numpy as np, attnviz; a = np.full((2, 2), .5); r = attnviz.view(a, ['a', 'b']); r.to_json(); "
            "r.table(); print(sorted(m for m in ('torch', 'transformers', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_view_page_in_chromium(browser, tmp_path):
    from browser import open_page

    attnviz.view(weights(2, 3, 5, 5), TOKENS, name="my-model").save(tmp_path / "v.html")
    open_page(browser, tmp_path / "v.html")
    header = browser.execute_script("return document.querySelector('.av-header').innerText")
    assert "my-model" in header and "2 layers × 3 heads" in header and "?" not in header, header
    browser.save_screenshot(str(tmp_path.parent / "view_page.png"))
