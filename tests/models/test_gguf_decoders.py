"""Tiny random transformers decoders written to GGUF as llama.cpp writes them: the tensors a GGUF
source presents (Hugging Face names, shapes and layouts) equal the originals, and the config dict
is what the families read; transformers' own GGUF loader agrees."""

from __future__ import annotations

import numpy as np
import pytest

from gguf_fixtures import bpe_vocab, decoder_to_gguf, gpt2_to_gguf

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
VOCAB = len(bpe_vocab()[0])


@pytest.fixture(autouse=True)
def no_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ATTNVIZ_CACHE_DIR", raising=False)  # conftest's private cache off: XDG_CACHE_HOME decides


def tiny(kind: str):
    """A random model of the kind, weights at std 1 (far from a uniform attention), float32 numpy state."""
    torch.manual_seed(0)
    common = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5)
    if kind == "llama":
        model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**common, tie_word_embeddings=False))
    elif kind == "qwen2":
        model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(**common, tie_word_embeddings=True))
    elif kind == "qwen3":
        model = transformers.Qwen3ForCausalLM(transformers.Qwen3Config(**common, head_dim=24, tie_word_embeddings=True))
    else:
        model = transformers.GPT2LMHeadModel(transformers.GPT2Config(vocab_size=VOCAB, n_embd=48, n_layer=2, n_head=4, n_positions=32))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 1)
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    if getattr(model.config, "tie_word_embeddings", False):
        state.pop("lm_head.weight", None)
    return model, state


@pytest.mark.parametrize("kind", ["llama", "qwen2", "qwen3"])
def test_a_decoder_gguf_presents_the_hugging_face_tensors(tmp_path, kind):
    from attnviz.models.gguf import open_uncached

    model, state = tiny(kind)
    path = decoder_to_gguf(state, model.config, kind, tmp_path / f"{kind}.gguf")
    _, raw, source = open_uncached(path)
    assert sorted(source.keys) == sorted(state)
    for name, w in state.items():
        assert source.shape(name) == w.shape, name
        np.testing.assert_array_equal(source.tensor(name), w, err_msg=name)
    ids = np.array([0, 5, 9, 200])
    np.testing.assert_array_equal(source.rows("model.embed_tokens.weight", ids), state["model.embed_tokens.weight"][ids])
    c = model.config
    assert raw["model_type"] == kind and raw["hidden_size"] == 64 and raw["num_attention_heads"] == 4
    assert raw["num_key_value_heads"] == 2 and raw["num_hidden_layers"] == 2 and raw["intermediate_size"] == 96
    assert raw["vocab_size"] == VOCAB and raw["max_position_embeddings"] == 64
    assert raw["tie_word_embeddings"] is (kind != "llama")
    assert raw["rms_norm_eps"] == pytest.approx(1e-5) and raw["rope_theta"] == pytest.approx(c.rope_parameters["rope_theta"])
    assert raw.get("head_dim") == (24 if kind == "qwen3" else None)


def test_the_permutation_is_really_undone(tmp_path):
    """Q and K rows differ between the file and the Hugging Face layout (else the test above proves nothing)."""
    from attnviz.models.gguf_file import read_header

    model, state = tiny("llama")
    path = decoder_to_gguf(state, model.config, "llama", tmp_path / "llama.gguf")
    header = read_header(path)
    data = np.memmap(path, dtype=np.float32, mode="r", offset=header.tensors["blk.0.attn_k.weight"].start, shape=(32, 64))
    assert not np.array_equal(np.asarray(data), state["model.layers.0.self_attn.k_proj.weight"])


def test_gpt2_gguf_presents_conv1d_weights_as_hugging_face_stores_them(tmp_path):
    from attnviz.models.gguf import open_uncached

    model, state = tiny("gpt2")
    path = gpt2_to_gguf(state, model.config, tmp_path / "gpt2.gguf")
    _, raw, source = open_uncached(path)
    wanted = {k: v for k, v in state.items() if k != "lm_head.weight" and not k.endswith(".attn.bias") and not k.endswith("masked_bias")}
    assert sorted(source.keys) == sorted(wanted)
    for name, w in wanted.items():
        assert source.shape(name) == w.shape, name
        np.testing.assert_array_equal(source.tensor(name), w, err_msg=name)
    assert source.shape("transformer.h.0.attn.c_attn.weight") == (48, 144)  # [in, 3·out]
    assert {k: raw[k] for k in ("model_type", "n_embd", "n_head", "n_layer", "n_positions", "vocab_size")} == \
        {"model_type": "gpt2", "n_embd": 48, "n_head": 4, "n_layer": 2, "n_positions": 32, "vocab_size": VOCAB}


def test_transformers_gguf_loader_reads_the_same_llama(tmp_path):
    """The fixture is written as llama.cpp writes it: transformers' loader gets the originals back too."""
    pytest.importorskip("accelerate")
    from attnviz.models.gguf import open_uncached

    model, state = tiny("llama")
    decoder_to_gguf(state, model.config, "llama", tmp_path / "llama.gguf")
    ref = transformers.AutoModelForCausalLM.from_pretrained(str(tmp_path), gguf_file="llama.gguf")
    _, raw, source = open_uncached(tmp_path / "llama.gguf")
    for name, w in ref.state_dict().items():
        np.testing.assert_allclose(source.tensor(name), w.numpy(), atol=1e-6, err_msg=name)
    for key in ("hidden_size", "num_attention_heads", "num_key_value_heads", "num_hidden_layers", "intermediate_size", "vocab_size"):
        assert raw[key] == getattr(ref.config, key), key


@pytest.mark.parametrize("damaged", [False, True])
def test_llama3_rope_scaling_is_recovered_from_rope_freqs(tmp_path, damaged):
    """Llama 3.1+ GGUFs carry RoPE scaling as rope_freqs (llama.cpp's divisor per frequency): the
    frequencies the llama family computes from the recovered config equal transformers' llama3 ones."""
    from attnviz.errors import AttnvizError
    from attnviz.models.gguf import open_uncached
    from attnviz.models.rope import inv_freq
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    model, state = tiny("llama")
    c = model.config
    scaled = transformers.LlamaConfig(**{**c.to_dict(), "max_position_embeddings": 64, "rope_scaling": {
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192, "rope_theta": 10000.0}})
    ref, _ = ROPE_INIT_FUNCTIONS["llama3"](scaled, "cpu")
    plain = 1.0 / (10000.0 ** (np.arange(0, 16, 2) / 16))
    freqs = (plain / ref.double().numpy()).astype(np.float32)  # what convert_hf_to_gguf.py writes
    assert freqs.min() == pytest.approx(1) and freqs.max() == pytest.approx(8) and 1.5 < np.sort(freqs)[-2] < 7.5  # all three regions
    if damaged:
        freqs[3] *= 1.1
    path = decoder_to_gguf(state, c, "llama", tmp_path / "l3.gguf", extra={"rope_freqs.weight": freqs})
    if damaged:
        with pytest.raises(AttnvizError, match="rope_freqs.weight is not Llama 3's RoPE scaling"):
            open_uncached(path)
        return
    _, raw, _ = open_uncached(path)
    assert raw["rope_scaling"] == {"rope_type": "llama3", "factor": pytest.approx(8.0), "low_freq_factor": 1.0,
                                   "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
    np.testing.assert_allclose(inv_freq(raw, path, 16, 64), ref.double().numpy(), rtol=1e-6)


@pytest.mark.parametrize("kind,qtype", [("llama", "F32"), ("qwen2", "F32"), ("qwen3", "F32"), ("gpt2", "F32"), ("llama", "Q8_0")])
def test_a_gguf_decoder_computes_transformers_attention(tmp_path, kind, qtype):
    """End to end through the family: the GGUF file's α′ (every layer and head) within 1e-4 of transformers'
    eager attention on the same weights (for Q8_0: the dequantized ones, as transformers' GGUF loader reads them)."""
    from attnviz.models.checkpoint import Model, encode, forward

    model, state = tiny(kind)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.mul_(1.0 if any(s in name for s in ("q_proj", "k_proj", "c_attn")) else 0.3)
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items() if not (k == "lm_head.weight" and kind != "llama")}
    path = tmp_path / "m.gguf"
    if kind == "gpt2":
        gpt2_to_gguf(state, model.config, path)
    else:
        decoder_to_gguf(state, model.config, kind, path, qtype=qtype)
    if qtype != "F32":
        pytest.importorskip("accelerate")
        model = transformers.AutoModelForCausalLM.from_pretrained(str(tmp_path), gguf_file="m.gguf")
    ours = Model(path, "m")
    enc = encode(ours, "the cat sat on the mat, then the cat sat on the hat")
    layers, _ = forward(ours, enc)
    model.eval().config._attn_implementation = "eager"
    with torch.no_grad():
        out = model(torch.tensor(enc.ids)[None], output_attentions=True)
    assert len(layers) == len(out.attentions) == 2 and len(enc.ids) > 10
    for li, (layer, ref) in enumerate(zip(layers, out.attentions)):
        ours_a = np.stack([h.alpha_prime for h in layer.heads])
        np.testing.assert_allclose(ours_a, ref[0].numpy(), atol=1e-4, err_msg=f"layer {li}")
        assert ours_a.max() > 0.5  # far from uniform
