"""`attnviz show --attention FILE`: .npz, .npy with --tokens, attnviz's own --json re-rendered; hostile files one line each."""

import json
import zipfile

import numpy as np
import pytest

import attnviz
from attnviz.errors import AttnvizError

from conftest import invoke, one_line

TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]"]


def weights(*shape, seed=0):
    x = np.random.default_rng(seed).normal(size=shape) * 3
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture
def npz(tmp_path):
    a = weights(2, 3, 5, 5)
    np.savez(tmp_path / "a.npz", attention=a, tokens=np.array(TOKENS))
    return tmp_path / "a.npz", a


def test_npz_json_has_the_files_numbers(cli, npz):
    path, a = npz
    doc = json.loads(cli("show", "--attention", path, "--json").stdout)
    got = np.array([[h["alpha_prime"] for h in layer["heads"]] for layer in doc["layers"] if layer["kind"] == "attention"])
    np.testing.assert_allclose(got, a, rtol=1e-6)  # the JSON writes a model's weights to 7 digits (float32)
    assert doc["tokens"] == TOKENS and doc["source"]["format"] == "npz"
    from schemas import schema_validator

    schema_validator().validate(doc)


def test_npy_with_tokens_inline_or_from_a_file(cli, tmp_path):
    a = weights(3, 4, 4)
    np.save(tmp_path / "a.npy", a)
    (tmp_path / "t.txt").write_text("we\nsaw\nher\nduck\n")
    out = cli("show", "--attention", tmp_path / "a.npy", "--tokens", "we,saw,her,duck", "--head", "2").stdout
    assert "head 2/3" in out and "4 duck" in out
    doc = json.loads(cli("show", "--attention", tmp_path / "a.npy", "--tokens", tmp_path / "t.txt", "--json").stdout)
    assert doc["tokens"] == ["we", "saw", "her", "duck"]
    np.testing.assert_allclose(doc["layers"][0]["heads"][1]["alpha_prime"], a[1], rtol=1e-6)  # the JSON writes a model's weights to 7 digits (float32)


def test_a_saved_run_renders_again_with_its_own_alpha(cli, tmp_path):
    saved = cli("show", "The cat sat on the mat.", "--heads", "2", "--json").stdout
    (tmp_path / "run.json").write_text(saved)
    again = json.loads(cli("show", "--attention", tmp_path / "run.json", "--json").stdout)
    first = json.loads(saved)
    for key in ("alpha", "alpha_prime"):
        np.testing.assert_allclose(np.array(again["layers"][0]["heads"][1][key], dtype=float),
                                   np.array(first["layers"][0]["heads"][1][key], dtype=float), rtol=1e-6)
    assert again["tokens"] == first["tokens"] and again["source"]["saved"]["kind"] == "vectors"
    cli("show", "--attention", tmp_path / "run.json", "--head", "2", "--save", tmp_path / "h2.png", "--save", tmp_path / "p.html")
    assert (tmp_path / "h2.png").stat().st_size > 1000 and "attnviz" in (tmp_path / "p.html").read_text()


def test_a_saved_heads_numbers_are_kept(cli, runner, tmp_path):
    a = weights(2, 3, 5, 5)
    np.savez(tmp_path / "a.npz", attention=a, tokens=np.array(TOKENS))
    one = cli("show", "--attention", tmp_path / "a.npz", "--layer", "2", "--head", "3", "--json").stdout
    (tmp_path / "one.json").write_text(one)
    out = cli("show", "--attention", tmp_path / "one.json").stdout
    assert "layer 2 · head 3/3" in out
    result = invoke(runner, "show", "--attention", tmp_path / "one.json", "--layer", "1")
    assert result.exit_code == 2 and "--layer 1: the attention has only layer 2" in result.output


def hostile(tmp_path):
    """name -> (file, extra args, exit code, what the one line says)."""
    a = weights(5, 5)
    np.save(tmp_path / "nan.npy", np.where(np.eye(5, dtype=bool), np.nan, a))
    np.save(tmp_path / "neg.npy", a - 0.3)
    np.save(tmp_path / "sum.npy", a * 3)
    np.save(tmp_path / "text.npy", np.array(["a", "b"]))
    np.save(tmp_path / "cplx.npy", a.astype(np.complex64))
    np.save(tmp_path / "obj.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    huge = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    huge["shape"] = (1 << 30, 1 << 30)  # 2⁶⁰ numbers in a header, 8 bytes of data
    with open(tmp_path / "huge.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(f, huge)
        f.write(b"\0" * 8)
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        z.write(tmp_path / "huge.npy", "attention.npy")
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("attention.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (1 << 17, 1 << 10)})
            zero = bytes(1 << 20)
            for _ in range(1 << 10):
                f.write(zero)
    np.savez(tmp_path / "none.npz", other=a)
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text(json.dumps({"schema": "attnviz-heads/1"}))
    (tmp_path / "mangled.json").write_text(json.dumps({"schema": "attnviz/1", "tokens": ["a"], "layers": [{"heads": [{}]}]}))
    return {
        "nan": ("nan.npy", 1, "holds NaN at layer 1, head 1, row 1, column 1"),
        "negative": ("neg.npy", 1, "negative weight"),
        "rows": ("sum.npy", 1, "sums to 3, not 1"),
        "text": ("text.npy", 2, "holds <U1 values"),
        "complex": ("cplx.npy", 2, "holds complex64 values"),
        "pickle": ("obj.npy", 1, "as a .npy array"),
        "2^60 .npy": ("huge.npy", 1, "as a .npy array"),
        "2^60 .npz": ("huge.npz", 1, "header says shape (1073741824, 1073741824)"),
        "bomb": ("bomb.npz", 1, "would inflate to 1.0 GB"),
        "no attention": ("none.npz", 1, "no array named 'attention' (has other)"),
        "not a zip": ("junk.npz", 1, "as a .npz of arrays"),
        "bad json": ("bad.json", 1, "as JSON"),
        "other schema": ("other.json", 1, "not an attnviz/1 document with matrices (schema 'attnviz-heads/1')"),
        "mangled": ("mangled.json", 1, "missing or mangling a field"),
    }


def test_hostile_files_are_one_line_each(runner, tmp_path):
    for name, (file, code, needle) in hostile(tmp_path).items():
        result = invoke(runner, "show", "--attention", tmp_path / file, "--tokens", "a,b,c,d,e")
        if file.endswith(".json"):
            result = invoke(runner, "show", "--attention", tmp_path / file)
        lines = result.output.strip().splitlines()
        assert result.exit_code == code and needle in result.output and len(lines) == 1, (name, result.output)
        assert "Traceback" not in result.output


@pytest.mark.parametrize("args, needle", [
    (["--tokens", "a,b"], "--tokens goes with --attention FILE"),
    (["--scores"], "--scores goes with --attention FILE"),
    (["--attention", "{npz}", "--model", "minilm"], "--model does not apply with --attention"),
    (["--attention", "{npz}", "--heads", "2"], "--heads does not apply with --attention"),
    (["--attention", "{npz}", "some text"], "TEXT does not apply with --attention"),
    (["--attention", "{npz}", "--include-vectors", "--json"], "--include-vectors does not apply"),
    (["--attention", "{npz}", "--layer", "3"], "--layer 3: the attention has layers 1 … 2"),
    (["--attention", "{npz}", "--tokens", "a,b"], "--tokens has 2 labels but --attention is 5 × 5"),
    (["--attention", "{dir}/x.txt"], "unknown format .txt"),
    (["--attention", "{dir}/missing.npz"], "no such file"),
])
def test_usage_errors(runner, npz, args, needle):
    path, _ = npz
    args = [a.format(npz=path, dir=path.parent) for a in args]
    result = invoke(runner, "show", *args)
    assert result.exit_code == 2 and needle in result.output and len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize("array, words", [
    (np.array([[0.5, 0.2], [0.3, 0.7]]), "sums to 0.7, not 1; give the weights after softmax, or pass {} if these are raw scores"),
    (np.array([[1.5, -0.5], [0.3, 0.7]]), "weights are ≥ 0 (pass {} if these are raw scores, before softmax)"),
    (np.array([[np.inf, 0.0], [0.3, 0.7]]), "weights are 0 … 1 (pass {} if these are raw scores)"),
])
def test_weights_that_look_like_scores_name_the_scores_option_as_each_reader_writes_it(runner, tmp_path, array, words):
    np.save(tmp_path / "a.npy", array)
    line = one_line(invoke(runner, "show", "--attention", tmp_path / "a.npy", "--tokens", "a,b"), 1, words.format("--scores"))
    assert "scores=True" not in line
    with pytest.raises(AttnvizError) as e:
        attnviz.view(array, ["a", "b"])
    assert words.format("`scores`") in str(e.value)
