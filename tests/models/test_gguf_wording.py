"""A GGUF file's bad metadata is named by its GGUF key and the file, never as config.json's."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import invoke
from gguf_fixtures import bpe_vocab, write_gguf

S = "the cat sat"
META = {"llama.embedding_length": 32, "llama.attention.head_count": 2, "llama.block_count": 1, "llama.feed_forward_length": 64,
        "llama.context_length": 64, "llama.attention.layer_norm_rms_epsilon": 1e-5}


def tensors(**changed) -> dict:
    shapes = {"token_embd.weight": (len(bpe_vocab()[0]), 32), "output_norm.weight": (32,), "blk.0.attn_norm.weight": (32,),
              "blk.0.ffn_norm.weight": (32,), "blk.0.attn_q.weight": (32, 32), "blk.0.attn_k.weight": (32, 32),
              "blk.0.attn_v.weight": (32, 32), "blk.0.attn_output.weight": (32, 32), "blk.0.ffn_gate.weight": (64, 32),
              "blk.0.ffn_up.weight": (64, 32), "blk.0.ffn_down.weight": (32, 64), **changed}
    return {name: np.full(shape, 0.01, np.float32) for name, shape in shapes.items()}


@pytest.mark.parametrize("meta,needle", [
    ({"llama.context_length": 0}, "the GGUF file has llama.context_length 0; it must be at least 1 (a damaged or hand-edited GGUF file"),
    ({"llama.attention.layer_norm_rms_epsilon": -1.0}, "the GGUF file has llama.attention.layer_norm_rms_epsilon -1.0"),
    ({"llama.rope.freq_base": 0.0}, "the GGUF file's RoPE setting llama.rope.freq_base is 0.0"),
])
def test_bad_metadata_names_the_gguf_key(runner, tmp_path, meta, needle):
    from conftest import one_line

    line = one_line(invoke(runner, "show", S, "--model", write_gguf(tmp_path / "m.gguf", "llama", {**META, **meta}, tensors())), 1, needle)
    assert "config.json" not in line and "original files" not in line


def test_a_shape_mismatch_names_the_gguf_metadata(runner, tmp_path):
    from conftest import one_line

    path = write_gguf(tmp_path / "m.gguf", "llama", META, tensors(**{"blk.0.ffn_up.weight": (48, 32)}))
    line = one_line(invoke(runner, "show", S, "--model", path), 1,
                    "model.layers.0.mlp.up_proj.weight has shape (48, 32), the GGUF file's metadata implies (64, 32)")
    assert "config.json" not in line
    assert invoke(runner, "show", S, "--model", write_gguf(tmp_path / "ok.gguf", "llama", META, tensors())).exit_code == 0
