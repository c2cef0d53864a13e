"""A config (config.json or GGUF metadata) whose layer or head count is larger than the file's tensors
is refused from the header, before anything is sized by it: one line naming the key, the count and
what the file holds (a hand-edited num_hidden_layers 1e9 once got the process OOM-killed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import invoke

S = "the cat sat on the mat"
# family -> (config.json, the tensor names of its two layers' one weight each, under the checkpoint's prefix)
FAMILIES = {
    "llama": ({"model_type": "llama", "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 16,
               "vocab_size": 10}, "model.layers.{i}.self_attn.q_proj.weight", "num_hidden_layers", "num_attention_heads"),
    "mistral": ({"model_type": "mistral", "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 16,
                 "vocab_size": 10}, "model.layers.{i}.self_attn.q_proj.weight", "num_hidden_layers", "num_key_value_heads"),
    "qwen2": ({"model_type": "qwen2", "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 16,
               "vocab_size": 10}, "model.layers.{i}.self_attn.q_proj.weight", "num_hidden_layers", "num_attention_heads"),
    "qwen3": ({"model_type": "qwen3", "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 16,
               "vocab_size": 10}, "model.layers.{i}.self_attn.q_proj.weight", "num_hidden_layers", "num_attention_heads"),
    "gpt2": ({"model_type": "gpt2", "n_embd": 8, "n_head": 2, "n_layer": 2}, "h.{i}.attn.c_attn.weight", "n_layer", "n_head"),
    "bert": ({"hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 16},
             "encoder.layer.{i}.attention.self.query.weight", "num_hidden_layers", "num_attention_heads"),
    "roberta": ({"model_type": "roberta", "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 16},
                "roberta.encoder.layer.{i}.attention.self.query.weight", "num_hidden_layers", "num_attention_heads"),
    "electra": ({"model_type": "electra", "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 16},
                "electra.encoder.layer.{i}.attention.self.query.weight", "num_hidden_layers", "num_attention_heads"),
    "distilbert": ({"model_type": "distilbert", "dim": 8, "n_heads": 2, "n_layers": 2, "hidden_dim": 16},
                   "distilbert.transformer.layer.{i}.attention.q_lin.weight", "n_layers", "n_heads"),
}


def folder(tmp: Path, name: str, **changes) -> Path:
    from safetensors.numpy import save_file

    config, layer, _, _ = FAMILIES[name]
    path = tmp / f"{name}-{len(list(tmp.iterdir()))}"
    path.mkdir()
    (path / "config.json").write_text(json.dumps({**config, **changes}))
    (path / "tokenizer.json").write_text("{}")  # never reached
    save_file({layer.format(i=i): np.ones((16, 8), np.float32) for i in range(2)}, str(path / "model.safetensors"))
    return path


@pytest.mark.parametrize("name", list(FAMILIES))
def test_a_layer_count_beyond_the_files_layers_is_one_line(runner, tmp_path, name):
    from conftest import one_line

    key = FAMILIES[name][2]
    path = folder(tmp_path, name, **{key: 1_000_000_000})
    one_line(invoke(runner, "show", S, "--model", path), 1, f"config.json's {key} says 1,000,000,000 layers; model.safetensors has 2")


@pytest.mark.parametrize("name", list(FAMILIES))
def test_a_head_count_beyond_every_tensor_dimension_is_one_line(runner, tmp_path, name):
    from conftest import one_line

    key = FAMILIES[name][3]
    path = folder(tmp_path, name, **{key: 10**12})
    one_line(invoke(runner, "show", S, "--model", path), 1, f"config.json's {key} says 1,000,000,000,000; no tensor of "
             "model.safetensors has a dimension that large (the largest is 16)")


def test_huge_counts_are_refused_in_bounded_memory(tmp_path):
    """In a fresh process limited to 2 GiB of address space (the 1e9 layers once took 22 GB)."""
    paths = [str(folder(tmp_path, name, **{FAMILIES[name][2]: 1_000_000_000})) for name in FAMILIES]
    script = ("import resource, sys\nresource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
              "from pathlib import Path\nfrom attnviz.errors import AttnvizError\nfrom attnviz.models.checkpoint import Model\n"
              "for p in sys.argv[1:]:\n    try:\n        Model(Path(p), 'x')\n    except AttnvizError as e:\n        print(str(e))\n")
    done = subprocess.run([sys.executable, "-c", script, *paths], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)})
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == len(FAMILIES) and all("1,000,000,000 layers; model.safetensors has 2" in x for x in lines), lines
