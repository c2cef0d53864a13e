"""The numpy decoders (llama, mistral, qwen2, qwen3, gpt2) against transformers' eager attention on
tiny random models built in the session (tests/helpers/tiny.py), and their configs' refusals."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from attnviz.errors import AttnvizError, UsageError

from tiny import SEED, build

LLAMA = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=128)
LLAMA3 = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 16}  # wavelengths 6.3 … 3 600 fall in all three of its bands
GPT2 = dict(n_embd=64, n_head=4, n_layer=2, n_positions=128, n_inner=96)
LINEAR = {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}


def old_spelling(raw):
    """transformers 4's config.json: rope_theta at the top, the scaling as rope_scaling (with "type")."""
    params = raw.pop("rope_parameters")
    raw["rope_theta"] = params.pop("rope_theta")
    if params.get("rope_type", "default") != "default":
        params["type"] = params.pop("rope_type")
        raw["rope_scaling"] = params


def configs():
    """name -> (transformers config, tokenizer adds BOS, config.json edit)."""
    import transformers as tf

    return {
        "llama": (tf.LlamaConfig(**LLAMA, attention_bias=True, mlp_bias=True), True, None),
        "llama3-rope_parameters": (tf.LlamaConfig(**LLAMA, rope_parameters=dict(LLAMA3)), True, None),
        "llama3-rope_scaling": (tf.LlamaConfig(**LLAMA, rope_parameters=dict(LLAMA3)), True, old_spelling),
        "linear-rope_parameters": (tf.LlamaConfig(**LLAMA, rope_parameters=dict(LINEAR)), True, None),
        "linear-rope_scaling": (tf.LlamaConfig(**LLAMA, rope_parameters=dict(LINEAR)), True, old_spelling),
        "mistral": (tf.MistralConfig(**{**LLAMA, "num_key_value_heads": 1}, sliding_window=6), True, None),
        "qwen2": (tf.Qwen2Config(**LLAMA, use_sliding_window=True, sliding_window=6, max_window_layers=1), False, None),
        "qwen3": (tf.Qwen3Config(**{**LLAMA, "hidden_size": 48}, head_dim=16, tie_word_embeddings=True), False, None),
        "gpt2": (tf.GPT2Config(**GPT2), False, None),
        "gpt2-rescaled": (tf.GPT2Config(**GPT2, scale_attn_weights=False, scale_attn_by_inverse_layer_idx=True,
                                        reorder_and_upcast_attn=True, activation_function="gelu"), False, None),
    }


NAMES = ["llama", "llama3-rope_parameters", "llama3-rope_scaling", "linear-rope_parameters", "linear-rope_scaling",
         "mistral", "qwen2", "qwen3", "gpt2", "gpt2-rescaled"]


class Case:
    """One tiny model: its folder, ours (Model, encoding, layers) and transformers' (model, outputs)."""

    def __init__(self, path: Path):
        import torch
        import transformers

        from attnviz.models import checkpoint

        self.path = path
        self.model = checkpoint.Model(path, path.name)
        self.enc = checkpoint.encode(self.model, SEED)
        self.layers, self.hidden = checkpoint.forward(self.model, self.enc)
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path)
        self.ref = transformers.AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager").eval()
        with torch.no_grad():
            self.out = self.ref(torch.tensor(self.enc.ids[None]), output_attentions=True, output_hidden_states=True)


@pytest.fixture(scope="session")
def zoo(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    root, made, table = tmp_path_factory.mktemp("decoders"), {}, configs()

    def get(name: str) -> Case:
        if name not in made:
            config, bos, edit = table[name]
            made[name] = Case(build(root / name, config, bos, edit))
        return made[name]

    return get


@pytest.mark.parametrize("name", NAMES)
def test_tokens_are_transformers_tokens(zoo, name):
    case = zoo(name)
    ids = case.tokenizer(SEED)["input_ids"]
    assert list(case.enc.ids) == ids
    assert case.enc.tokens == case.tokenizer.convert_ids_to_tokens(ids)
    assert (case.enc.tokens[0] == "<s>") == configs()[name][1]  # BOS exactly when the post-processor adds it


@pytest.mark.parametrize("name", NAMES)
def test_every_head_matches_transformers_eager_attention(zoo, name):
    case = zoo(name)
    assert len(case.layers) == len(case.out.attentions) == 2
    for layer, theirs, hidden in zip(case.layers, case.out.attentions, case.out.hidden_states[1:]):
        ours = np.stack([h.alpha_prime for h in layer.heads])  # [H, n, n]
        np.testing.assert_allclose(ours, theirs[0].numpy(), atol=1e-4)
        np.testing.assert_allclose(layer.output, hidden[0].numpy(), atol=1e-4, rtol=1e-4)
    late = np.stack([np.stack([h.alpha_prime[8:] for h in layer.heads]) for layer in case.layers])  # queries with ≥ 9 keys
    assert late.max() > 0.5  # attention far from uniform (1/9 or less): a flat head would match anything


@pytest.mark.parametrize("name", NAMES)
def test_greedy_generation_is_transformers_generate(zoo, name):
    import torch

    from attnviz.models.decoder import generate

    case = zoo(name)
    ids = torch.tensor(case.enc.ids[None])
    with torch.no_grad():
        theirs = case.ref.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=8)
    ours = generate(case.model, case.enc.ids, 8)
    np.testing.assert_array_equal(ours.ids, theirs[0, len(case.enc.ids):].numpy())
    assert len(ours.ids) == 8 or ours.ids[-1] == 1  # 8 tokens, or stopped at </s>


def test_generation_rows_are_the_full_pass_rows(zoo):
    """The cached steps give each new token the α′ row a full pass over prompt + new tokens gives it."""
    from attnviz.models import checkpoint
    from attnviz.models.decoder import generate

    case = zoo("mistral")
    gen = generate(case.model, case.enc.ids, 5, eos=())
    n = len(case.enc.ids)
    assert len(gen.ids) == len(gen.rows) == 5
    full = checkpoint.Encoded([], np.concatenate([case.enc.ids, gen.ids]), np.zeros(n + 5, int), [], [])
    layers = list(case.model.forward_layers(full))
    for t, rows in enumerate(gen.rows):
        assert rows.shape == (2, 4, n + t + 1)
        whole = np.stack([np.stack([h.alpha_prime[n + t, : n + t + 1] for h in layer.heads]) for layer in layers])
        np.testing.assert_allclose(rows, whole, atol=1e-5)
        np.testing.assert_allclose(rows.sum(axis=-1), 1, atol=1e-5)
    assert np.count_nonzero(gen.rows[-1][0, 0]) == 6  # the sliding window: 6 keys, itself included


@pytest.mark.parametrize("name", ["llama", "mistral", "qwen2", "gpt2"])
def test_future_cells_are_masked(zoo, name):
    case = zoo(name)
    n = len(case.enc.ids)
    future = np.triu(np.ones((n, n), bool), 1)
    for li, layer in enumerate(case.layers):
        assert layer.mask.shape == (n, n) and not layer.mask[future].any()
        for head in layer.heads:
            assert np.isnan(head.alpha[future]).all() and (head.alpha_prime[future] == 0).all()
            assert np.isfinite(head.alpha[layer.mask]).all()
            e = np.exp(head.alpha - np.nanmax(head.alpha, axis=1, keepdims=True))  # α′ is the softmax of α
            np.testing.assert_allclose(np.nan_to_num(e) / np.nansum(e, axis=1, keepdims=True), head.alpha_prime, rtol=1e-5, atol=1e-7)
        window = getattr(case.model.config, "windows", [None] * 2)[li]
        assert (layer.mask.sum(axis=1).max() == (window or n))  # a window shorter than the text bands the mask
    assert (getattr(case.model.config, "windows", (None, None)) == (None, None)) == (name in ("llama", "gpt2"))


def test_grouped_queries_share_their_key_value_head(zoo):
    case = zoo("llama")  # 4 query heads, 2 key/value heads
    heads = case.layers[1].heads
    assert np.array_equal(heads[0].k, heads[1].k) and np.array_equal(heads[2].v, heads[3].v)
    assert not np.allclose(heads[1].k, heads[2].k) and not np.allclose(heads[0].q, heads[1].q)


@pytest.mark.parametrize("name", ["llama3-rope_scaling", "linear-rope_scaling", "llama3-rope_parameters"])
def test_rope_scaling_changes_the_frequencies(zoo, name):
    from attnviz.core.nn import rope_inv_freq

    case = zoo(name)
    raw = json.loads((case.path / "config.json").read_text())
    assert ("rope_scaling" in raw) == name.endswith("rope_scaling")
    scaled, plain = np.array(case.model.config.inv_freq), rope_inv_freq(16, 10000.0)  # [8]
    if name.startswith("linear"):
        np.testing.assert_allclose(scaled, plain / 4)
    else:  # wavelength 6.3 lies between 16/4 and 16/1: interpolated; the others (≥ 19.9) are longer: divided by 8
        assert plain[0] / 8 < scaled[0] < plain[0]
        np.testing.assert_allclose(scaled[1:], plain[1:] / 8)


def test_qwen_variants_are_their_own(zoo):
    q2, q3 = zoo("qwen2").model.config, zoo("qwen3").model.config
    assert q2.qkv_bias and not q2.o_bias and q2.windows == (None, 6)
    assert q3.qk_norm and q3.tied and q3.head_dim * q3.heads != q3.hidden


def copy_config(src: Path, dst: Path, **changes) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        shutil.copy(f, dst / f.name)
    raw = json.loads((src / "config.json").read_text())
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    (dst / "config.json").write_text(json.dumps(raw))
    return dst


REFUSED = [
    ("llama", {"model_type": "gemma"}, "model_type 'gemma' is not supported; attnviz computes"),
    ("llama", {"hidden_act": "gelu"}, "hidden_act \"gelu\", which attnviz does not implement (only \"silu\")"),
    ("llama", {"rope_parameters": {"rope_type": "yarn", "factor": 4.0}}, "RoPE type \"yarn\", which attnviz does not implement"),
    ("llama", {"rope_parameters": {"rope_type": "default", "partial_rotary_factor": 0.5}}, "partial_rotary_factor 0.5"),
    ("llama", {"rope_parameters": {"full_attention": {"rope_type": "default"}}}, "RoPE settings per layer type"),
    ("llama", {"rope_parameters": {"rope_type": "linear"}}, "RoPE setting factor is absent"),
    ("llama", {"num_key_value_heads": 3}, "num_attention_heads 4 is not a multiple of num_key_value_heads 3"),
    ("llama", {"attention_bias": "yes"}, "attention_bias \"yes\"; it must be true or false"),
    ("llama", {"eos_token_id": "</s>"}, "eos_token_id \"</s>\"; token ids expected"),
    ("mistral", {"sliding_window": 0}, "sliding_window 0; it must be at least 1"),
    ("gpt2", {"add_cross_attention": True}, "add_cross_attention true, which attnviz does not implement"),
    ("gpt2", {"activation_function": "swish"}, "activation_function \"swish\", which attnviz does not implement"),
    ("gpt2", {"n_head": 5}, "n_embd 64 is not divisible by n_head 5"),
    ("gpt2", {"n_positions": 64}, "wpe.weight has shape (128, 64), config.json implies (64, 64)"),
]


@pytest.mark.parametrize("name, changes, needle", REFUSED)
def test_refused_settings_are_one_line(zoo, tmp_path, name, changes, needle):
    from attnviz.models import checkpoint

    with pytest.raises(AttnvizError) as e:
        checkpoint.Model(copy_config(zoo(name).path, tmp_path / "m", **changes), "m")
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_qwen_layer_types_are_checked(zoo, tmp_path):
    from attnviz.models import checkpoint

    with pytest.raises(AttnvizError, match="layer_types .*; 2 of full_attention / sliding_attention expected"):
        checkpoint.Model(copy_config(zoo("qwen2").path, tmp_path / "m", layer_types=["full_attention", "chunked"]), "m")


@pytest.mark.parametrize("name, added", [("llama", "(15 tokens + <s>)"), ("qwen2", "(16 tokens)")])
def test_a_long_text_names_the_models_own_special_tokens(zoo, tmp_path, name, added):
    from attnviz.models import checkpoint

    model = checkpoint.Model(copy_config(zoo(name).path, tmp_path / "m", max_position_embeddings=16), "tiny")
    with pytest.raises(UsageError) as e:
        checkpoint.encode(model, SEED)
    assert added in str(e.value) and "[CLS]" not in str(e.value)


def test_generation_stops_where_generation_config_says(zoo, tmp_path):
    """transformers' generate stops at generation_config.json's eos_token_id; so does ours."""
    import torch
    import transformers

    from attnviz.models import checkpoint
    from attnviz.models.decoder import generate

    case = zoo("llama")
    first = int(generate(case.model, case.enc.ids, 1, eos=()).ids[0])
    folder = copy_config(case.path, tmp_path / "m")
    gen = json.loads((folder / "generation_config.json").read_text())
    (folder / "generation_config.json").write_text(json.dumps({**gen, "eos_token_id": [7, first]}))
    ours = generate(checkpoint.Model(folder, "m"), case.enc.ids, 8)
    ref = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager").eval()
    ids = torch.tensor(case.enc.ids[None])
    with torch.no_grad():
        theirs = ref.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=8)
    assert ours.ids.tolist() == theirs[0, ids.shape[1]:].tolist() == [first]
    assert len(ours.rows) == 1 and ours.rows[0].shape == (2, 4, len(case.enc.ids) + 1)


@pytest.mark.parametrize("ids, n, needle", [([5, 6], -1, "must be 0 or more"), ([], 3, "the prompt has no tokens"),
                                            ([5] * 120, 9, "make 129; llama has 128 positions")])
def test_generate_refuses_in_one_line(zoo, ids, n, needle):
    from attnviz.models.decoder import generate

    with pytest.raises(UsageError, match=needle):
        generate(zoo("llama").model, np.array(ids, dtype=np.int64), n)


def test_a_non_finite_layer_is_named(zoo, tmp_path):
    from safetensors.numpy import load_file, save_file

    from attnviz.models import checkpoint

    folder = copy_config(zoo("qwen3").path, tmp_path / "m")
    tensors = load_file(folder / "model.safetensors")
    tensors["model.layers.1.mlp.down_proj.weight"][3, 5] = np.nan
    save_file(tensors, folder / "model.safetensors")
    model = checkpoint.Model(folder, "m")
    layers = model.forward_layers(checkpoint.encode(model, SEED))
    assert np.isfinite(next(layers).output).all()  # layer 1 is fine
    with pytest.raises(AttnvizError, match=r"tensor model\.layers\.1\.mlp\.down_proj\.weight of model\.safetensors holds NaN"):
        next(layers)


def test_decoders_run_without_torch_or_transformers(zoo):
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from attnviz.models import checkpoint, decoder; "
            f"m = checkpoint.Model(Path({str(zoo('gpt2').path)!r}), 'm'); e = checkpoint.encode(m, 'The restaurant'); "
            "list(m.forward_layers(e)); decoder.generate(m, e.ids, 2); "
            "print(sorted(k for k in ('torch', 'transformers') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_a_broken_generation_config_is_one_line(zoo, tmp_path):
    from attnviz.models import checkpoint

    folder = copy_config(zoo("llama").path, tmp_path / "m")
    (folder / "generation_config.json").write_text(json.dumps({"eos_token_id": [1, -2]}))
    with pytest.raises(AttnvizError, match=r"generation_config.json has eos_token_id \[1, -2\]; token ids expected"):
        checkpoint.Model(folder, "m")
    (folder / "generation_config.json").write_text("{not json")
    with pytest.raises(AttnvizError, match="generation_config.json cannot be read"):
        checkpoint.Model(folder, "m")
