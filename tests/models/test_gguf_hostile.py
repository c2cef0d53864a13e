"""Hostile GGUF and safetensors files: each is one line and exit 1, decided from the header before
anything large is allocated, without a hang (checked in a subprocess under a 2 GiB address-space
limit, with its time and peak memory measured)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import invoke
from gguf_fixtures import write_gguf

HUGE = 1 << 60
META = {"llama.embedding_length": 32, "llama.attention.head_count": 2, "llama.block_count": 1, "llama.feed_forward_length": 64,
        "llama.context_length": 16, "llama.attention.layer_norm_rms_epsilon": 1e-5}
S = "the cat sat on the mat"


def s(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def kv_u32(key: str, value: int) -> bytes:
    return s(key) + struct.pack("<II", 4, value)


def kv_str(key: str, value: str) -> bytes:
    return s(key) + struct.pack("<I", 8) + s(value)


def tinfo(name: str, dims, qtype: int = 0, offset: int = 0) -> bytes:
    return s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", qtype, offset)


def gguf(kvs=(), tensors=(), data=b"", version=3, n_tensors=None, n_kv=None, magic=b"GGUF", arch="llama") -> bytes:
    kvs = [kv_str("general.architecture", arch), *kvs]
    head = magic + struct.pack("<IQQ", version, len(tensors) if n_tensors is None else n_tensors, len(kvs) if n_kv is None else n_kv)
    body = head + b"".join(kvs) + b"".join(tensors)
    return body + b"\0" * (-len(body) % 32) + data


def valid(tmp: Path) -> bytes:
    return write_gguf(tmp / "valid.gguf", "llama", {}, {"token_embd.weight": np.ones((4, 32), np.float32)}).read_bytes()


CASES = {  # name -> (file bytes from a tmp dir, what the one line names)
    "wrong magic": (lambda t: b"GGML" + valid(t)[4:], "not the magic b'GGUF'"),
    "empty": (lambda t: b"", "not the magic"),
    "version 1": (lambda t: gguf(version=1), "version 1; attnviz reads GGUF versions 2, 3"),
    "big-endian": (lambda t: gguf(version=3 << 24), "big-endian"),
    "truncated header": (lambda t: valid(t)[:40], "more than the 16 bytes left can hold"),
    "truncated metadata": (lambda t: valid(t)[:300], "more than the 100 bytes left can hold"),
    "truncated data": (lambda t: valid(t)[:-20], "runs past the end of the file"),
    "tensor count 2^60": (lambda t: gguf(n_tensors=HUGE), "the tensor count is 1,152,921,504,606,846,976"),
    "metadata count 2^60": (lambda t: gguf(n_kv=HUGE), "the metadata count is 1,152,921,504,606,846,976"),
    "string length 2^60": (lambda t: gguf(kvs=[struct.pack("<Q", HUGE) + b"general.name"]), "claims 1,152,921,504,606,846,976 bytes"),
    "array length 2^60": (lambda t: gguf(kvs=[s("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, HUGE)]),
                          "the length of tokenizer.ggml.scores is 1,152,921,504,606,846,976"),
    "string array 2^60": (lambda t: gguf(kvs=[s("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, HUGE)]),
                          "the length of tokenizer.ggml.tokens is 1,152,921,504,606,846,976"),
    "3 M strings": (lambda t: gguf(kvs=[s("x") + struct.pack("<IIQ", 9, 8, 3 << 20) + b"\0" * (8 * (3 << 20))]),
                    "the length of x is 3,145,728, more than attnviz reads (2,097,152"),
    "100 000 keys": (lambda t: gguf(n_kv=100_000) + b"\0" * 2_000_000, "the metadata count is 100,000, more than attnviz reads"),
    "5 dims": (lambda t: gguf(tensors=[tinfo("token_embd.weight", [32, 1, 1, 1, 1])], data=b"\0" * 128), "5 dimensions"),
    "dim 0": (lambda t: gguf(tensors=[tinfo("token_embd.weight", [32, 0])]), "the dimensions [32, 0]"),
    "dim 2^60": (lambda t: gguf(tensors=[tinfo("token_embd.weight", [32, HUGE])]), "each must be between 1 and 2⁴⁸"),
    "offset past end": (lambda t: gguf(tensors=[tinfo("token_embd.weight", [32, 4], 0, 1 << 40)], data=b"\0" * 512), "runs past the end"),
    "size past end": (lambda t: gguf(tensors=[tinfo("token_embd.weight", [32, 1 << 40])], data=b"\0" * 512), "runs past the end"),
    "unknown quantization": (lambda t: gguf(tensors=[tinfo("token_embd.weight", [32, 4], 99)], data=b"\0" * 512), "unknown quantization type 99"),
    "unsupported quantization": (lambda t: gguf(tensors=[tinfo("token_embd.weight", [256, 4], 16)], data=b"\0" * 4096),
                                 "quantized as IQ2_XXS, which attnviz does not dequantize"),
    "duplicate tensor": (lambda t: gguf(tensors=[tinfo("token_embd.weight", [32, 1]), tinfo("token_embd.weight", [32, 1], 0, 128)],
                                        data=b"\0" * 256), "the tensor name token_embd.weight appears twice"),
    "duplicate key": (lambda t: gguf(kvs=[kv_u32("llama.block_count", 1), kv_u32("llama.block_count", 2)]), "llama.block_count appears twice"),
    "unknown value type": (lambda t: gguf(kvs=[s("general.x") + struct.pack("<I", 77)]), "the unknown value type 77"),
    "heads that do not divide q": (lambda t: write_gguf(t / "h.gguf", "llama", {"llama.embedding_length": 32, "llama.attention.head_count": 3,
                                   "llama.block_count": 1, "llama.feed_forward_length": 64, "llama.context_length": 16,
                                   "llama.attention.layer_norm_rms_epsilon": 1e-5}, {"blk.0.attn_q.weight": np.ones((32, 32), np.float32),
                                   "token_embd.weight": np.ones((280, 32), np.float32)}).read_bytes(), "has 32 rows, which 3 heads cannot share"),
    "two names for one tensor": (lambda t: write_gguf(t / "d.gguf", "llama", META, {"token_embd.weight": np.ones((4, 32), np.float32),
                                 "model.embed_tokens.weight": np.ones((4, 32), np.float32)}, None).read_bytes(),
                                 "two tensors of the GGUF file are model.embed_tokens.weight"),
    "architecture": (lambda t: gguf(arch="phi3"),
                     "architecture 'phi3' is not supported; attnviz reads GGUF files of gpt2, llama, mistral, qwen2, qwen3"),
    "no sizes": (lambda t: gguf(), "llama.attention.head_count must be an integer, it is absent"),
    "block_count 4e9": (lambda t: write_gguf(t / "b.gguf", "llama", {**META, "llama.block_count": 4_000_000_000},
                        {"token_embd.weight": np.ones((280, 32), np.float32), "blk.0.attn_q.weight": np.ones((32, 32), np.float32)}).read_bytes(),
                        "the GGUF file's llama.block_count says 4,000,000,000 layers; the GGUF file has 1"),
    "head_count 4e9": (lambda t: write_gguf(t / "c.gguf", "llama", {**META, "llama.attention.head_count": 4_000_000_000},
                       {"token_embd.weight": np.ones((280, 32), np.float32), "blk.0.attn_norm.weight": np.ones(32, np.float32)}).read_bytes(),
                       "the GGUF file's llama.attention.head_count says 4,000,000,000; no tensor of the GGUF file has a dimension that large"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_gguf_is_one_line(runner, tmp_path, monkeypatch, case):
    from conftest import one_line

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    monkeypatch.delenv("ATTNVIZ_CACHE_DIR", raising=False)  # conftest's private cache off: XDG_CACHE_HOME decides
    make, needle = CASES[case]
    path = tmp_path / "bad.gguf"
    path.write_bytes(make(tmp_path))
    one_line(invoke(runner, "show", S, "--model", path), 1, needle)


def test_hostile_ggufs_are_refused_in_bounded_memory_and_time(tmp_path):
    """Every case in a fresh process limited to 2 GiB of address space: refused, fast, small."""
    paths = {}
    for k, (name, (make, _)) in enumerate(CASES.items()):
        paths[name] = tmp_path / f"{k}.gguf"
        paths[name].write_bytes(make(tmp_path))
    script = (
        "import json, resource, sys, time\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from attnviz.errors import AttnvizError\n"
        "from attnviz.models.checkpoint import Model\n"
        "from pathlib import Path\n"
        "out = {}\n"
        "for name, p in json.loads(sys.argv[1]).items():\n"
        "    t = time.perf_counter(); before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    try:\n"
        "        Model(Path(p), 'x'); msg = None\n"
        "    except AttnvizError as e:\n"
        "        msg = str(e)\n"
        "    out[name] = [msg, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before]\n"
        "print(json.dumps(out))\n")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script, json.dumps({k: str(v) for k, v in paths.items()})],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    for name, (msg, seconds, grown_kib) in results.items():
        assert msg is not None and "\n" not in msg and CASES[name][1] in msg, (name, msg)
        assert seconds < 2.0, (name, seconds)
        assert grown_kib < 64 << 10, (name, grown_kib)  # under 64 MiB more than the process had


@pytest.mark.parametrize("cached", [True, False])
def test_nan_weights_name_the_tensor(runner, tmp_path, monkeypatch, cached):
    """Found while the cache is written (every tensor), or, without it, when the layer reads the tensor."""
    from attnviz import models
    from conftest import one_line

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    monkeypatch.delenv("ATTNVIZ_CACHE_DIR", raising=False)  # conftest's private cache off: XDG_CACHE_HOME decides
    if not cached:
        monkeypatch.setenv("ATTNVIZ_NO_CACHE", "1")
    from gguf_fixtures import bpe_vocab

    vocab = len(bpe_vocab()[0])
    shapes = {"token_embd.weight": (vocab, 32), "output_norm.weight": (32,), "blk.0.attn_norm.weight": (32,), "blk.0.ffn_norm.weight": (32,),
              "blk.0.attn_q.weight": (32, 32), "blk.0.attn_k.weight": (32, 32), "blk.0.attn_v.weight": (32, 32),
              "blk.0.attn_output.weight": (32, 32), "blk.0.ffn_gate.weight": (64, 32), "blk.0.ffn_up.weight": (64, 32),
              "blk.0.ffn_down.weight": (32, 64)}
    meta = {"llama.embedding_length": 32, "llama.attention.head_count": 2, "llama.block_count": 1, "llama.feed_forward_length": 64,
            "llama.context_length": 64, "llama.attention.layer_norm_rms_epsilon": 1e-5, "llama.vocab_size": vocab}
    for qtype in ("F32", "F16"):
        tensors = {name: np.full(shape, 0.01, np.float32) for name, shape in shapes.items()}
        tensors["blk.0.ffn_down.weight"][3, 5] = np.nan if qtype == "F32" else np.inf
        tensors["blk.0.ffn_down.weight"] = (tensors["blk.0.ffn_down.weight"], qtype)
        path = write_gguf(tmp_path / f"nan-{qtype}.gguf", "llama", meta, tensors)
        one_line(invoke(runner, "show", S, "--model", path), 1, "tensor blk.0.ffn_down.weight holds NaN or infinite values")
    tensors["blk.0.ffn_down.weight"] = np.full((32, 64), 0.01, np.float32)
    assert invoke(runner, "show", S, "--model", write_gguf(tmp_path / "fine.gguf", "llama", meta, tensors)).exit_code == 0


def test_a_byte_level_tokenizer_without_merges(runner, tmp_path, monkeypatch):
    from attnviz.models.gguf_tokenizer import build_tokenizer
    from attnviz.errors import AttnvizError
    from gguf_fixtures import bpe_vocab

    tokens, _, types = bpe_vocab()
    with pytest.raises(AttnvizError, match="byte-level BPE without tokenizer.ggml.merges"):
        build_tokenizer({"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.tokens": tokens}, tmp_path)
    with pytest.raises(AttnvizError, match="kind 'bert'"):
        build_tokenizer({"tokenizer.ggml.model": "bert", "tokenizer.ggml.tokens": tokens}, tmp_path)


# --- safetensors ----------------------------------------------------------------------------------

def safetensors_dir(tmp: Path, blob: bytes) -> Path:
    """A BERT-shaped directory whose model.safetensors is blob (config and tokenizer are never reached)."""
    folder = tmp / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 8, "num_attention_heads": 2,
                                                    "num_hidden_layers": 1, "intermediate_size": 16}))
    (folder / "tokenizer.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(blob)
    return folder


@pytest.mark.parametrize("blob,needle", [
    (struct.pack("<Q", HUGE) + b"{}", "model.safetensors cannot be read"),
    (struct.pack("<Q", 1000) + b"{}", "model.safetensors cannot be read"),
    (struct.pack("<Q", 80) + json.dumps({"x.weight": {"dtype": "F32", "shape": [4], "data_offsets": [0, 1 << 40]}}).encode().ljust(80), "model.safetensors cannot be read"),
    (b"", "model.safetensors cannot be read"),
])
def test_hostile_safetensors(runner, tmp_path, blob, needle):
    from conftest import one_line

    one_line(invoke(runner, "show", S, "--model", safetensors_dir(tmp_path, blob)), 1, needle)
