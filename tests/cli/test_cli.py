import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, SEED, invoke
from schemas import schema_validator

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[")


def test_json_document_follows_schema_and_round_trips(cli):
    out = cli("show", SEED, "--heads", "2", "--json").stdout
    doc = json.loads(out)
    schema_validator().validate(doc)
    assert json.loads(json.dumps(doc)) == doc
    assert doc["schema"] == "attnviz/1" and doc["text"] == SEED
    assert doc["tokens"][:3] == ["The", "restaurant", "refused"] and "," not in doc["tokens"]
    assert doc["oov"] == [False] * len(doc["tokens"])
    assert doc["source"] == {"kind": "vectors", "name": "en_core_web_md-3.7.1", "dim": 300, "format": "embedded"}
    cfg = doc["config"]
    assert (cfg["heads"], cfg["d_k"], cfg["projection"], cfg["score"], cfg["normalize"]) == (2, 150, "identity", "scaled-dot", "softmax")
    assert cfg["temperature"] == pytest.approx(np.sqrt(300) / 3) and cfg["temperature_auto"] is True  # the input's, not the head's
    n = len(doc["tokens"])
    heads = doc["layers"][0]["heads"]
    assert [h["index"] for h in heads] == [0, 1]
    for h in heads:
        assert np.array(h["alpha"]).shape == np.array(h["alpha_prime"]).shape == (n, n)
        np.testing.assert_allclose(np.sum(h["alpha_prime"], axis=1), 1.0, atol=1e-9)


def test_include_vectors_are_consistent_with_the_formulas(cli):
    doc = json.loads(cli("show", SEED, "--heads", "3", "--json", "--include-vectors").stdout)
    schema_validator().validate(doc)
    layer = doc["layers"][0]
    x = np.array(layer["input"])
    d_k = doc["config"]["d_k"]
    bs = []
    for h, head in enumerate(layer["heads"]):
        q, k, v = (np.array(head[n]) for n in "qkv")
        np.testing.assert_allclose(q, x[:, h * d_k : (h + 1) * d_k], atol=1e-6)  # identity: q = slice of a
        np.testing.assert_allclose(np.array(head["alpha"]), q @ k.T / np.sqrt(d_k), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.array(head["b"]), np.array(head["alpha_prime"]) @ v, rtol=1e-5, atol=1e-5)
        bs.append(np.array(head["b"]))
    np.testing.assert_allclose(np.array(layer["output"]), np.concatenate(bs, axis=1), atol=1e-6)


def test_json_stdout_is_only_json_warnings_go_to_stderr(cli):
    result = cli("show", "the xqzzy ate a zorblat sandwich", "--json")
    doc = json.loads(result.stdout)
    assert doc["oov"] == [False, True, False, False, True, False]
    assert "xqzzy" in result.stderr and "zorblat" in result.stderr and "warning" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_stdin_dash(cli):
    doc = json.loads(cli("show", "-", "--json", input="ham sandwich\n").stdout)
    assert doc["tokens"] == ["ham", "sandwich"]


def test_terminal_output_fits_80_columns_with_numbers(cli):
    out = cli("show", SEED).stdout
    lines = out.splitlines()
    assert max(len(l) for l in lines) <= 80, max(lines, key=len)
    assert "α′" in out and "α (scores" in out and "row i = query" in out
    row = next(l for l in lines if l.startswith(" 8 ham"))  # the α′ row of "ham" shows numbers
    assert ".17" in out and re.search(r"\.\d\d", row)
    assert "b^i ≈" in out and "sandwich" in out


def test_twenty_words_fit_80_columns_as_heat_blocks(cli):
    text = "the old man saw a small dog run across the wide green park while children played with a red ball"
    result = cli("show", text)
    lines = result.stdout.splitlines()
    assert len(text.split()) == 20
    assert max(len(l) for l in lines) <= 80, max(lines, key=len)
    assert any(ch in result.stdout for ch in "░▒▓█")
    assert "20 ball" in result.stdout


def test_oov_marked_in_terminal(cli):
    out = cli("show", "the xqzzy sandwich").stdout
    assert "2 xqzzy*" in out and "not in the vocabulary" in out


@pytest.mark.parametrize("matrix,has_alpha,has_prime", [("alpha", True, False), ("alpha-prime", False, True)])
def test_matrix_option(cli, matrix, has_alpha, has_prime):
    out = cli("show", "ham sandwich", "--matrix", matrix).stdout
    assert ("α (scores" in out) == has_alpha and ("α′ weights" in out) == has_prime


def test_multi_head_prints_each_head(cli):
    out = cli("show", SEED, "--heads", "4", "--matrix", "alpha-prime").stdout
    for h in range(1, 5):
        assert f"head {h}/4" in out
    assert max(len(l) for l in out.splitlines()) <= 80


def run_module(*args, env=None, input=None):
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update({"COLUMNS": "80", **(env or {})})
    return subprocess.run([sys.executable, "-m", "attnviz", *args], capture_output=True, text=True,
                          env=full_env, input=input, cwd=ROOT, timeout=60)


def test_color_on_a_forced_terminal_and_none_with_no_color():
    colored = run_module("show", "ham sandwich", env={"FORCE_COLOR": "1"})
    assert colored.returncode == 0 and ANSI.search(colored.stdout)
    plain = run_module("show", "ham sandwich", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.returncode == 0 and "ham" in plain.stdout and not ANSI.search(plain.stdout)
    piped = run_module("show", "ham sandwich")
    assert piped.returncode == 0 and not ANSI.search(piped.stdout)


def test_python_m_help():
    result = run_module("--help")
    assert result.returncode == 0 and "show" in result.stdout


@pytest.mark.parametrize("args,code,needle", [
    (["show", SEED, "--heads", "7"], 2, "does not divide"),
    (["show", SEED, "--matrix", "nope"], 2, "--matrix"),
    (["show", SEED, "--vectors", "/nonexistent/v.txt"], 2, "no such file"),
    (["show", SEED, "--weights", "/nonexistent/w.npz"], 2, "no such file"),
    (["show", "   "], 2, "no words"),
    (["show", "?!.,"], 2, "no words"),
    (["show", SEED, "--temperature", "0"], 2, "--temperature"),
    (["show", SEED, "--include-vectors"], 2, "--json"),
    (["show", SEED, "--d-k", "7"], 2, "--d-k"),
    (["show"], 2, "give a text"),
])
def test_errors_are_one_line_with_exit_code(runner, args, code, needle):
    result = invoke(runner, *args)
    assert result.exit_code == code, result.output
    assert needle in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_bad_weights_shape_is_a_usage_error(runner, tmp_path):
    np.savez(tmp_path / "w.npz", Wq=np.ones((5, 4)), Wk=np.ones((5, 4)), Wv=np.ones((5, 4)))
    result = invoke(runner, "show", SEED, "--weights", tmp_path / "w.npz")
    assert result.exit_code == 2 and "d_model=300" in result.stderr


def test_weights_file_with_object_arrays_is_refused(runner, tmp_path):
    np.savez(tmp_path / "w.npz", Wq=np.array([{"x": 1}], dtype=object))
    result = invoke(runner, "show", SEED, "--weights", tmp_path / "w.npz")
    assert result.exit_code == 1 and "could not read" in result.stderr


def test_random_projection_and_weights_file_agree(cli, tmp_path):
    """--projection random --seed S equals the same matrices passed with --weights."""
    from attnviz.core.attention import random_projections

    p = random_projections(8, 2, 3, seed=11)
    np.savez(tmp_path / "w.npz", Wq=p.wq, Wk=p.wk, Wv=p.wv, Wo=p.wo)
    common = ["show", SEED, "--vectors", DATA / "tiny.w2v.txt", "--heads", "2", "--json"]
    a = json.loads(cli(*common, "--projection", "random", "--seed", "11", "--d-k", "3").stdout)
    b = json.loads(cli(*common, "--weights", tmp_path / "w.npz").stdout)
    np.testing.assert_allclose(a["layers"][0]["heads"][1]["alpha_prime"], b["layers"][0]["heads"][1]["alpha_prime"])
    assert a["config"]["projection"] == "random" and b["config"]["projection"] == "weights"


@pytest.mark.parametrize("name", ["tiny.w2v.txt", "tiny.w2v.bin", "tiny.vec", "tiny.glove.txt", "tiny.fasttext.bin"])
def test_every_vectors_format_through_the_cli(cli, name):
    result = cli("show", SEED, "--vectors", DATA / name, "--json")
    doc = json.loads(result.stdout)
    assert doc["source"]["dim"] == 8 and doc["source"]["format"] == "file"
    assert doc["tokens"][1] == "restaurant" and not doc["oov"][1]


def test_importing_the_cli_imports_no_heavy_library():
    code = "import sys, attnviz.cli; print(sorted(m for m in ('gensim', 'matplotlib', 'tokenizers', 'safetensors', 'torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_help_mentions_json_only_where_there_is_json():
    # pe --help said "--json never changes" (the shared --lang help) but pe has no --json
    import typer

    from attnviz.cli import app

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        flags = {f for p in command.params for f in getattr(p, "opts", [])}
        helps = " ".join(p.help or "" for p in command.params)
        assert ("--json" in helps) <= ("--json" in flags), name
    assert "--json never changes" in " ".join(p.help or "" for p in group.commands["show"].params)
    assert "Language of the views" in " ".join(p.help or "" for p in group.commands["pe"].params)


def test_readme_says_how_cjk_runs_are_cut():
    readme = (ROOT / "README.md").read_text()
    tokens = readme.split("**Tokens.**")[1].split("\n\n")[0]
    assert "each CJK character is a token" not in tokens and "longest words the vectors know" in tokens
    from attnviz.inputs.tokens import tokenize

    assert tokenize("火腿三明治", vocabulary={"火腿", "三明治"}.__contains__) == ["火腿", "三明治"]  # what it says
