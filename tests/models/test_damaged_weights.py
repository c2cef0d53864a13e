"""A safetensors weight holding NaN or inf is named when it is read (as a GGUF's is when dequantized),
and `--json` into a file leaves no half-written document."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import invoke

BAD = "encoder.layer.1.attention.self.key.weight"


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """MiniLM with one NaN in layer 2's W^k (its config and tokenizer linked, its weights rewritten)."""
    from safetensors.numpy import load_file, save_file

    from attnviz.errors import AttnvizError
    from attnviz.models.files import resolve_model

    try:
        source = resolve_model("minilm")
    except AttnvizError:
        pytest.skip("MiniLM is not installed")
    folder = tmp_path_factory.mktemp("nan")
    for name in ("config.json", "tokenizer.json"):
        (folder / name).symlink_to(source / name)
    state = load_file(str(source / "model.safetensors"))
    state[BAD] = state[BAD].copy()
    state[BAD][3, 7] = np.nan
    save_file(state, str(folder / "model.safetensors"))
    return folder


def test_a_nan_weight_names_the_tensor(runner, damaged):
    from conftest import one_line

    one_line(invoke(runner, "show", "the cat sat", "--model", damaged), 1,
             f"tensor {BAD} of model.safetensors holds NaN or infinite values; the file is damaged")


def test_json_into_a_file_is_not_left_half_written(damaged, tmp_path):
    out = tmp_path / "out.json"
    with out.open("wb") as f:
        done = subprocess.run([sys.executable, "-m", "attnviz", "show", "the cat sat", "--model", str(damaged), "--json"],
                              stdout=f, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1 and BAD in done.stderr, done.stderr
    assert out.read_bytes() == b""
