"""Issue #7: every bad input gets one line on stderr and exit code 1 (runtime) or 2 (usage)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from installed import minilm_dir
from conftest import DATA, SEED, invoke, one_line

ROOT = Path(__file__).resolve().parents[2]
TINY = str(DATA / "tiny.w2v.txt")


def check(result, code, needle):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("attnviz: error:") and needle in lines[-1], result.stderr
    assert len([l for l in lines if "error" in l]) == 1


@pytest.mark.parametrize("args,code,needle", [
    (["show", ""], 2, "no words"),
    (["show", " \t\n "], 2, "no words"),
    (["show", "?!... ,,, ;;"], 2, "no words"),
    (["show", "xqzzy blorpt vlimm"], 1, "none of the 3 words"),
    (["show", "ham", "--score", "nope"], 2, "--score"),
    (["show", "ham", "--heads", "0"], 2, "--heads"),
    (["show", "ham", "--heads", "7"], 2, "does not divide"),
    (["show", SEED, "--focus", "pizza"], 2, "no such word"),
    (["show", "the cat saw the dog", "--focus", "the"], 2, "occurs 2 times"),
    (["show", SEED, "--focus", "99"], 2, "no such token number"),
    (["show", SEED, "--weights", "x.npz", "--projection", "random"], 2, "--weights"),
    (["show", SEED, "--directed"], 2, "--directed goes with"),
    (["show", SEED, "--pos-scale", "2"], 2, "--pos-scale goes with"),
    (["show", SEED, "--d-a", "5"], 2, "--d-a goes with"),
    (["show", SEED, "--normalize", "relu", "--temperature", "2"], 2, "--temperature applies"),
    (["show", SEED, "--json", "--focus", "it"], 2, "--focus"),
    (["show", SEED, "--temperature", "-1"], 2, "--temperature"),
    (["show", SEED, "--temperature", "nan"], 2, "--temperature"),
    (["show", SEED, "--window", "-1"], 2, "--window"),
    (["show", SEED, "--edges", "it-restaurant", "--directed", "--no-self"], 2, "may attend to no key"),
    (["show", SEED, "--vectors", "/nonexistent/v.bin"], 2, "no such file"),
    (["show", SEED, "--save", "/nonexistent/dir/a.png"], 2, "does not exist"),
    (["show", SEED, "--save", "a.bmp"], 2, "unknown format"),
    (["explain", SEED, "--focus", "it", "--head", "2"], 2, "--head 2: there is only 1 head (--heads 1)"),
    (["show", SEED, "--heads", "2", "--head", "3"], 2, "--head 3: there are only 2 heads (--heads 2)"),
    (["heads", SEED, "--from", "it"], 2, "both --from and --to"),
])
def test_usage_and_runtime_errors(runner, args, code, needle):
    check(invoke(runner, *args), code, needle)


@pytest.mark.parametrize("content,code,needle", [
    (b"", 1, "empty"),
    (b"2 3\nham 1.0 2.0", 1, "(line 2) has 2 numbers where the header (line 1) says 3"),  # truncated: a row short and a row missing
    (b"\x00\xff" * 100, 1, "does not look like a vectors file"),
    (b"2 3\nham 1 2 inf\nfood 1 2 3\n", 1, "NaN or inf"),
    (b"2 3\nham 1e300 1e300 1e300\nfood 1e300 1e300 1e300\n", 1, "NaN or inf"),  # overflows float32 on reading
])
def test_broken_vector_files(runner, tmp_path, content, code, needle):
    path = tmp_path / "v.txt"
    path.write_bytes(content)
    result = invoke(runner, "show", "ham food", "--vectors", path, "--input-norm", "none")
    check(result, code, needle)


def test_huge_vectors_overflow_clearly(runner, tmp_path):
    """The dense path computes in float64, where q·k = 1.2e39 is finite (and two equal vectors share
    α′ = .5 each); the blockwise path computes in float32, where it overflows: one clear error."""
    path = tmp_path / "v.txt"
    path.write_text("2 3\nham 2e19 2e19 2e19\nfood 2e19 2e19 2e19\n")
    args = ("show", "ham food", "--vectors", path, "--input-norm", "none", "--score", "dot")
    doc = json.loads(invoke(runner, *args, "--json").stdout)
    np.testing.assert_allclose(doc["layers"][0]["heads"][0]["alpha_prime"], 0.5)
    check(invoke(runner, *args, "--top-k", "1"), 1, "overflowed")


@pytest.mark.parametrize("arrays,code,needle", [
    ({"Wq": np.ones((8, 4))}, 2, "missing Wk, Wv"),
    ({"Wq": np.ones((8, 4)), "Wk": np.ones((8, 4)), "Wv": np.ones((7, 4))}, 2, "d_model=8"),
    ({"Wq": np.ones((8, 4)), "Wk": np.ones((8, 3)), "Wv": np.ones((8, 4))}, 2, "same shape"),
    ({"Wq": np.ones((8, 4)), "Wk": np.ones((8, 4)), "Wv": np.ones((8, 4)), "Wo": np.ones((5, 8))}, 2, "Wo has 5 rows"),
    ({"Wq": np.full((8, 4), np.nan), "Wk": np.ones((8, 4)), "Wv": np.ones((8, 4))}, 1, "NaN or inf"),
    ({"Wq": np.ones(8), "Wk": np.ones((8, 4)), "Wv": np.ones((8, 4))}, 2, "2-D"),
])
def test_bad_weights(runner, tmp_path, arrays, code, needle):
    np.savez(tmp_path / "w.npz", **arrays)
    check(invoke(runner, "show", "ham food", "--vectors", TINY, "--weights", tmp_path / "w.npz"), code, needle)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"\x93NUMPY garbage"])
def test_corrupt_weights_files(runner, tmp_path, content):
    path = tmp_path / "w.npz"
    path.write_bytes(content)
    check(invoke(runner, "show", "ham food", "--vectors", TINY, "--weights", path), 1, "could not read")


def test_pickled_weights_are_not_loaded(runner, tmp_path):
    import pickle

    path = tmp_path / "w.npz"
    np.savez(path, Wq=np.array([object()], dtype=object), Wk=np.ones((8, 4)), Wv=np.ones((8, 4)))
    check(invoke(runner, "show", "ham food", "--vectors", TINY, "--weights", path), 1, "could not read")
    assert pickle  # the point: np.load(allow_pickle=False) refuses the object array


def test_save_may_not_overwrite_an_input(runner, tmp_path):
    doc = tmp_path / "doc.png"  # a text file that happens to end in .png
    doc.write_text("ham sandwich")
    check(invoke(runner, "show", "--file", doc, "--save", doc), 2, "would destroy it")
    assert doc.read_text() == "ham sandwich"


def test_cosine_with_zero_vectors_is_finite(cli):
    doc = json.loads(cli("show", "ham xqzzy food", "--score", "cosine", "--json").stdout)
    head = doc["layers"][0]["heads"][0]
    assert head["alpha"][1] == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(np.sum(head["alpha_prime"], axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("t", ["1e-9", "1e9", "1e-300", "1e300"])
def test_extreme_temperatures_give_finite_rows(cli, t):
    doc = json.loads(cli("show", SEED, "--temperature", t, "--json").stdout)
    p = np.array(doc["layers"][0]["heads"][0]["alpha_prime"])
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("text", [
    "ham \x00 sandwich \x07", "ham 🍔 sandwich 😀", "مطعم ham \u202e sandwich", "自注意力 ham sandwich",
])
def test_odd_text_is_handled(runner, text):
    result = invoke(runner, "show", text, "--punct", "--json")
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
    out = invoke(runner, "show", text, "--punct").stdout
    assert "\x1b" not in out and "\x00" not in out and "\u202e" not in out


def test_a_million_characters(runner):
    text = ("ham sandwich food " * 60_000)[:1_000_000]
    result = invoke(runner, "show", text, "--window", "2")
    assert result.exit_code == 0 and "mean α′ between blocks" in result.stdout


def run_cli(*args, stdin=None):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "attnviz", *args], stdin=stdin, capture_output=True, cwd=ROOT, env=env, timeout=60)


def test_closed_and_binary_stdin():
    closed = subprocess.run([sys.executable, "-m", "attnviz", "show", "-"], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert closed.returncode == 2 and "no words" in closed.stderr
    binary = subprocess.run([sys.executable, "-m", "attnviz", "show", "-"], input=bytes(range(256)),
                            capture_output=True, cwd=ROOT, timeout=60)
    assert binary.returncode == 2 and b"not UTF-8" in binary.stderr


LONG_TEXT = "the cat sat on the mat because it was tired. " * 300  # 3 000 tokens: --top-k JSON Lines of ≈ 400 kB
SIGPIPE_RUNS = {
    "show": ["show", SEED], "show --json": ["show", SEED, "--json", "--include-vectors"],
    "show --file --top-k --json": ["show", "--file", "{long}", "--top-k", "3", "--json"],
    "show --file --lines --json": ["show", "--file", "{lines}", "--lines", "--json"],
    "heads": ["heads", SEED], "heads --json": ["heads", SEED, "--json"], "pe": ["pe", "-n", "500", "-d", "64"],
}


def sigpipe_args(name, tmp_path):
    (tmp_path / "long.txt").write_text(LONG_TEXT)
    (tmp_path / "lines.txt").write_text("the cat sat\nit was tired\n" * 100)
    return [a.format(long=tmp_path / "long.txt", lines=tmp_path / "lines.txt") for a in SIGPIPE_RUNS[name]]


@pytest.mark.parametrize("name", list(SIGPIPE_RUNS))
def test_a_reader_that_left_ends_the_run_quietly_with_exit_0(name, tmp_path):
    """stdout is a pipe nobody reads any more (its read end closed before the first write): EPIPE
    on the first write.  Like `git log | head -1`: no message (nor Python's "Exception ignored …
    BrokenPipeError" at exit), and exit 0, so `set -o pipefail` scripts do not fail."""
    if name.startswith("heads"):
        minilm_dir()  # heads runs MiniLM: skip where its wheel is absent
    r, w = os.pipe()
    os.close(r)
    try:
        done = subprocess.run([sys.executable, "-m", "attnviz", *sigpipe_args(name, tmp_path)], stdout=w,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
    finally:
        os.close(w)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr


@pytest.mark.parametrize("name", ["show", "show --file --top-k --json"])
def test_head_1_reads_one_line_and_the_run_stops_quietly(name, tmp_path):
    args = " ".join(f"'{a}'" for a in sigpipe_args(name, tmp_path))
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m attnviz {args} | head -1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout.count("\n") == 1 and done.stderr == "", done.stderr
    assert done.stdout.startswith("attnviz" if name == "show" else '{"schema": "attnviz/1"')


def test_oversized_stdin_is_refused(runner):
    result = invoke(runner, "show", "-", input="ham " * 1_000_001)
    check(result, 2, "--file")


@pytest.mark.parametrize("args, where", [(["show", "x", "--heads", "0"], "attnviz show --help"),
                                         (["pe", "-n", "0"], "attnviz pe --help"),
                                         (["explain", "x", "--hedas", "2"], "attnviz explain --help"),
                                         (["bogus"], "attnviz --help")])
def test_a_usage_error_points_to_the_help_that_lists_the_option(runner, args, where):
    """`--heads 0` said "(see 'attnviz --help')", a page that lists no option of show's."""
    assert one_line(invoke(runner, *args), 2).endswith(f"(see '{where}')")
