"""What a config error says: a missing model_type, a config.json that is not an object, an absent
RoPE setting, a GGUF file without a tokenizer."""

from __future__ import annotations

import json

import pytest

from conftest import invoke
from test_config_counts import folder

S = "the cat sat"


def test_a_config_without_model_type_says_so_and_lists_the_families(runner, tmp_path):
    from conftest import one_line

    path = folder(tmp_path, "llama", hidden_act="silu")
    raw = json.loads((path / "config.json").read_text())
    del raw["model_type"]
    (path / "config.json").write_text(json.dumps(raw))
    line = one_line(invoke(runner, "show", S, "--model", path), 1, "config.json has no model_type: set it to the model's family",
                    "bert, distilbert, electra, gpt2, llama, mistral, qwen2, qwen3, roberta", 'it fails: config.json has hidden_act "silu"')
    assert line.index("model_type") < line.index("hidden_act")


def test_a_config_that_is_a_list_is_not_a_model_config(runner, tmp_path):
    from conftest import one_line

    path = folder(tmp_path, "llama")
    (path / "config.json").write_text("[1, 2]")
    line = one_line(invoke(runner, "show", S, "--model", path), 1, "config.json is not a model config (a JSON object expected, got list)")
    assert "BERT" not in line


def test_an_absent_rope_setting_is_called_absent(runner, tmp_path):
    from conftest import one_line

    path = folder(tmp_path, "llama", rope_scaling={"rope_type": "llama3", "factor": 8.0, "high_freq_factor": 4.0,
                                                   "original_max_position_embeddings": 8192})
    one_line(invoke(runner, "show", S, "--model", path), 1, "config.json's RoPE setting low_freq_factor is absent; it must be a positive number")


def test_a_gguf_without_a_tokenizer_says_it_has_none(tmp_path):
    from attnviz.errors import AttnvizError
    from attnviz.models.gguf_tokenizer import build_tokenizer

    with pytest.raises(AttnvizError, match=r"the GGUF file has no tokenizer \(no tokenizer.ggml.model\)") as e:
        build_tokenizer({"general.architecture": "llama"}, tmp_path / "m.gguf")
    assert "None" not in str(e.value)
