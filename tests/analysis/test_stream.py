"""Streamed long files (analysis.stream): the same top-k keys and weights as the dense path and a
naive loop, whatever the chunk and block sizes; clear errors for files that are not text."""

import io
import json
import os
import threading

import numpy as np
import pytest

from attnviz.analysis import stream
from attnviz.api import Options, analyze
from attnviz.options import cli_reading
from attnviz.core import attention as att
from attnviz.core import blockwise, masks, scores
from attnviz.inputs.tokens import tokenize
from conftest import SEED, invoke
from reference import naive_head

TEXT = (SEED + " In the end, they just gave me two slices of bread and a glass of water; "
        "the café’s owner — Zoë — apologised twice. ") * 3


class Collect:
    """A sink keeping every block's top-k per head, in query order."""

    def __init__(self):
        self.blocks = []

    def __call__(self, s, tops):
        self.blocks.append((s, tops))

    def head(self, h):
        keys = np.concatenate([t[h].keys for _, t in self.blocks])
        alpha = np.concatenate([t[h].alpha for _, t in self.blocks])
        weight = np.concatenate([t[h].alpha_prime for _, t in self.blocks])
        return keys, alpha, weight


def streamed(path, opts, top_k, block=512, monkeypatch=None, rows_ahead=None):
    if rows_ahead is not None:
        monkeypatch.setattr(stream, "ROWS_AHEAD", rows_ahead)
    sc = stream.scan(str(path), opts)
    proj, config, cfg = stream.resolve_stream(sc, opts, top_k)
    sink = Collect()
    summaries = stream.attend(sc, opts, proj, config, top_k, sink, block=block)
    assert [s for s, _ in sink.blocks] == sorted(s for s, _ in sink.blocks)
    return sc, cfg, sink, summaries


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def dense_rows(opts):
    """The dense path's α and α′ per head (float64, every key)."""
    result = analyze(TEXT, opts)
    return result, [(hd.alpha, hd.alpha_prime) for hd in result.analysis.layer.heads]


def assert_top_k_matches(keys, alpha, weight, dense_alpha, dense_weight, k):
    """Each query's keys are its k largest dense α′ (ties: any order of equal weights), with the dense α and α′."""
    for i in range(len(keys)):
        valid = keys[i] >= 0
        allowed = int((dense_weight[i] > 0).sum() if np.isnan(dense_alpha[i]).any() else len(dense_weight[i]))
        assert valid.sum() == min(k, allowed)
        expected = np.sort(dense_weight[i])[::-1][: valid.sum()]
        np.testing.assert_allclose(weight[i][valid], expected, rtol=2e-5, atol=1e-7)
        np.testing.assert_allclose(weight[i][valid], dense_weight[i][keys[i][valid]], rtol=2e-5, atol=1e-7)
        np.testing.assert_allclose(alpha[i][valid], dense_alpha[i][keys[i][valid]], rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("kw", [dict(window=3), dict(window=5, causal=True), dict(window=2, no_self=True, heads=2),
                                dict(causal=True), dict(), dict(window=4, pos="sinusoidal"),
                                dict(window=6, projection="random", heads=3, d_k=7, seed=3),
                                dict(window=3, score="additive", projection="random", d_k=6, d_a=5),
                                dict(causal=True, score="cosine", heads=2), dict(window=2, temperature=0.3)])
@pytest.mark.parametrize("block,rows_ahead", [(512, 8192), (5, 7), (32, 3)])
def test_stream_equals_the_dense_path(text_file, kw, block, rows_ahead, monkeypatch):
    opts = Options(**kw)
    k = 4
    sc, cfg, sink, summaries = streamed(text_file, opts, k, block, monkeypatch, rows_ahead)
    result, dense = dense_rows(opts)
    assert sc.tokens() == result.tokens
    assert cfg.temperature == pytest.approx(result.config.temperature, rel=1e-6)
    for h, (d_alpha, d_weight) in enumerate(dense):
        assert_top_k_matches(*sink.head(h), d_alpha, d_weight, k)
        # block means, as blockwise_head's test computes them from the dense α′
        m = summaries[h].shape[0]
        n = len(sc)
        bins = np.arange(n) * m // n
        expected = np.stack([np.stack([d_weight[bins == r][:, bins == c].sum(axis=1).mean() for c in range(m)]) for r in range(m)])
        np.testing.assert_allclose(summaries[h], expected, rtol=1e-4, atol=1e-6)


def test_stream_equals_a_naive_loop(text_file, monkeypatch):
    """Random projections, window and causal masks, tiny blocks: against reference.naive_head."""
    opts = Options(window=3, causal=True, projection="random", heads=2, d_k=3, seed=5)
    sc, cfg, sink, _ = streamed(text_file, opts, 3, block=4, monkeypatch=monkeypatch, rows_ahead=5)
    proj = att.random_projections(sc.table.shape[1], 2, 3, 5)
    x = sc.table[sc.ids].astype(np.float64)
    n = len(x)
    allowed = [[abs(i - j) <= 3 and j <= i for j in range(n)] for i in range(n)]
    for h in range(2):
        cols = slice(3 * h, 3 * h + 3)
        alpha, weight, _ = naive_head(x.tolist(), proj.wq[:, cols].tolist(), proj.wk[:, cols].tolist(),
                                      proj.wv[:, cols].tolist(), allowed=allowed)
        keys, top_alpha, top_weight = sink.head(h)
        for i in range(n):
            ranked = sorted((j for j in range(n) if allowed[i][j]), key=lambda j: (-weight[i][j], j))[:3]
            assert sorted(keys[i][keys[i] >= 0].tolist()) == sorted(ranked)
            for slot, j in enumerate(keys[i][keys[i] >= 0]):
                assert top_weight[i][slot] == pytest.approx(weight[i][j], rel=1e-5, abs=1e-7)
                assert top_alpha[i][slot] == pytest.approx(alpha[i][j], rel=1e-4, abs=1e-5)


def test_text_chunks_tokenize_like_the_whole(tmp_path):
    """Pieces are cut at whitespace (multibyte characters split across reads included): the
    tokens of the pieces are the tokens of the whole text."""
    text = ("naïve café’s 3.5 1,000 don't — Zoë's well-known 東京 façade\n" * 40) + "end"
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    for chunk in (1, 3, 7, 64):
        pieces = list(stream.text_chunks(str(path), chunk=chunk))
        assert "".join(pieces) == text
        assert [t for p in pieces for t in tokenize(p)] == tokenize(text)


def test_cli_json_lines_streamed_equal_the_in_memory_writer(cli, text_file):
    """`show --file --top-k --json` (streamed) and Result.to_json() of the same text (every query
    in memory): the same header and, line by line, the same keys and weights."""
    args = ["--window", "4", "--heads", "2", "--top-k", "3"]
    streamed_lines = cli("show", "--file", text_file, *args, "--json").stdout.splitlines()
    memory_lines = analyze(TEXT, Options(window=4, heads=2), top_k=3).to_json().splitlines()
    assert json.loads(streamed_lines[0]) == json.loads(memory_lines[0])
    assert len(streamed_lines) == len(memory_lines)
    for a, b in zip(streamed_lines[1:], memory_lines[1:]):
        ra, rb = json.loads(a), json.loads(b)
        assert ra["query"] == rb["query"]
        for ha, hb in zip(ra["heads"], rb["heads"]):
            assert ha["keys"] == hb["keys"]
            assert ha["alpha_prime"] == pytest.approx(hb["alpha_prime"], rel=1e-5)


def test_cli_terminal_summary_streamed(cli, text_file):
    out = cli("show", "--file", text_file, "--window", "3", "--top-k", "2").stdout
    assert "mean α′ between blocks" in out and "a few queries" in out
    from attnviz.options import cli_reading  # the library's view as the CLI reads it: hints as --flags (#21 item 3)

    with cli_reading():
        memory = analyze(TEXT, Options(window=3), top_k=2).table(width=80)
    assert out == memory  # the streamed summary and the in-memory one print the same view


@pytest.mark.parametrize("T", [1e-46, 1e-40, 1e-300])
def test_tiny_temperature_gives_one_hot_rows_like_the_dense_path(text_file, T, monkeypatch):
    """float32 cannot hold T ≤ 1e-45: the long paths normalize such blocks in float64."""
    opts = Options(window=3, temperature=T)
    _, _, sink, _ = streamed(text_file, opts, 2, monkeypatch=monkeypatch)
    dense = analyze(TEXT, opts).analysis.layer.heads[0]
    keys, _, weight = sink.head(0)
    memory = analyze(TEXT, opts, top_k=2).analysis.heads[0]
    one_hot = 0
    for i in range(len(keys)):
        j = int(np.argmax(dense.alpha_prime[i]))  # ties (an unknown word: all its scores 0) share the weight
        assert keys[i][0] == j == memory.keys[i][0]
        assert weight[i][0] == pytest.approx(dense.alpha_prime[i][j], rel=1e-6) == memory.alpha_prime[i][0]
        one_hot += dense.alpha_prime[i][j] == 1.0
    assert one_hot > len(keys) // 2


def test_additive_scores_never_build_the_cube(monkeypatch):
    """additive_scores in steps of a few rows and additive_band equal the one-shot formula."""
    rng = np.random.default_rng(2)
    hq, hk, w = rng.normal(size=(40, 6)), rng.normal(size=(50, 6)), rng.normal(size=6)
    cube = np.tanh(hq[:, None, :] + hk[None, :, :]) @ w
    monkeypatch.setattr(scores, "ADDITIVE_CELLS", 13)  # a few rows per step (the math lives in core/scores.py)
    np.testing.assert_allclose(att.additive_scores(hq, hk, w), cube, rtol=1e-12)
    band = att.additive_band(hq, hk, w, offset=5, reach=3)
    i, j = np.indices(cube.shape)
    on = np.abs(5 + i - j) <= 3
    np.testing.assert_allclose(band[on], cube[on], rtol=1e-12)
    assert (band[~on] == 0).all()


def test_blockwise_additive_equals_dense():
    rng = np.random.default_rng(4)
    n, d = 90, 5
    q, k, v = (rng.normal(size=(n, d)) for _ in range(3))
    cfg = att.AttentionConfig(score="additive", additive=att.random_additive(d, 4, 0))
    for window in (None, 6):
        sparse = blockwise.blockwise_head(q, k, v, cfg, top_k=3, window=window, block=16)
        dense = att.attend_head(q, k, v, masks.mask(n, window), cfg)
        np.testing.assert_allclose(sparse.b, dense.b, rtol=1e-10)
        np.testing.assert_allclose(sparse.alpha_prime, np.sort(dense.alpha_prime, axis=1)[:, ::-1][:, :3], rtol=1e-6)


# ------------------------------------------------------------------ files that are not text


@pytest.mark.parametrize("content,needle", [
    (b"hello \x00 world", "NUL byte at byte 6"), (b"caf\xe9 au lait", "not UTF-8"), (b"  \n\t ,;: ... !!", "no words"),
    (b"", "no words"),
])
def test_bad_files_are_one_clear_error(runner, tmp_path, content, needle):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = invoke(runner, "show", "--file", path, "--top-k", "2", "--json")
    assert result.exit_code == 2 and needle in result.stderr, result.output
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1


def test_dev_zero_is_refused_at_once(runner):
    result = invoke(runner, "show", "--file", "/dev/zero", "--window", "4")
    assert result.exit_code == 2 and "NUL byte at byte 0" in result.stderr, result.output


def test_a_pipe_is_read_up_to_the_cap(runner, tmp_path, monkeypatch):
    from attnviz.inputs import textfile  # the reader of stream.text_chunks and its cap

    monkeypatch.setattr(textfile, "MAX_FILE_BYTES", 4096)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def writer():
        try:
            with open(fifo, "wb") as f:
                for _ in range(100):
                    f.write(b"ham sandwich " * 100)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=writer)
    thread.start()
    result = invoke(runner, "show", "--file", fifo, "--window", "4")
    thread.join(timeout=10)
    assert result.exit_code == 2 and "over 0 MB" not in result.stderr and "split the text" in result.stderr, result.output


def test_memory_that_would_not_fit_is_refused_with_advice(runner, text_file, monkeypatch):
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)

    monkeypatch.setattr(estimate, "available_bytes", lambda: 1 << 20)
    result = invoke(runner, "show", "--file", text_file, "--top-k", "2", "--heads", "2", "--json")
    assert result.exit_code == 2 and "GB free" in result.stderr and "--window" in result.stderr, result.output
    assert result.stdout == ""


def test_a_tiny_run_is_not_refused_when_memory_is_short(cli, monkeypatch):
    """The process is already in memory: only what a run adds to it is compared with what is free."""
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)

    monkeypatch.setattr(estimate, "available_bytes", lambda: 50 << 20)
    assert "ham" in cli("show", "ham sandwich").stdout


def test_an_estimate_line_before_long_work(text_file, monkeypatch):
    from attnviz import cost
    from attnviz.analysis import estimate  # the scanned file's sizes, handed to attnviz.cost

    monkeypatch.setattr(cost, "WARN_SECONDS", 0.0)
    err = io.StringIO()
    with cost.accepting(True), cli_reading():  # 30 hours: refused unless accepted (test_cost.py); --flags as the CLI says
        estimate.check_stream(10**6, (50_000, 300), att.identity_projections(300, 4), Options(heads=4), 5, err)
    line = err.getvalue()
    assert line.count("\n") == 1 and line.startswith("attnviz: estimate: full attention over 1,000,000 tokens × 4 heads")
    assert "--window W" in line and "fewer --heads" in line and "hours" in line


def test_dense_work_that_cannot_fit_is_refused_before_it_starts(runner, monkeypatch):
    """-H 300 over 1 999 tokens was 5.8 GB and a MemoryError: now one line with the advice, at once."""
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from attnviz.options import DENSE_MAX

    monkeypatch.setattr(estimate, "available_bytes", lambda: 8 << 30)
    text = " ".join(["ham", "sandwich", "restaurant", "food"] * (DENSE_MAX // 4))
    result = invoke(runner, "show", text, "-H", "300", "--json")
    assert result.exit_code == 2 and "--top-k K" in result.stderr and "fewer --heads" in result.stderr, result.output
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_dense_work_over_ten_seconds_says_so(capsys):
    from attnviz import cost
    from attnviz.analysis import estimate  # the score's entry read, its cost handed to attnviz.cost

    heard = []
    with cost.listening(heard.append):
        estimate.check_dense(1999, 1, 300, Options(score="additive", d_a=300))
    assert capsys.readouterr().err == "" and len(heard) == 1
    assert heard[0].startswith("full matrices of 1,999 × 1,999 items × 1 head will take about")
    assert "`top_k` K" in heard[0] and "`score` scaled-dot" in heard[0]


def test_the_library_prints_nothing_its_estimates_are_warnings(monkeypatch, capsys):
    """analyze() over work past WARN_SECONDS: an AttnvizWarning at the caller's line, nothing on stderr."""
    import attnviz
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from attnviz.api import AttnvizWarning

    monkeypatch.setattr(estimate, "WARN_SECONDS", -1.0)
    for kw in ({}, {"top_k": 2, "window": 2, "heads": 2}):
        with pytest.warns(AttnvizWarning) as caught:
            attnviz.analyze(SEED, **kw)
        assert capsys.readouterr().err == ""
        assert [w.filename for w in caught] == [__file__], [(w.filename, str(w.message)) for w in caught]
        message = str(caught[0].message)
        n = len(tokenize(SEED))
        work = f"full matrices of {n} × {n} items × 1 head" if not kw else f"windowed attention over {n} tokens × 2 heads"
        assert message.startswith(f"{work} will take ") and " MB" in message, message
        assert ("`top_k` K" in message) == (not kw) and ("fewer `heads`" in message) == bool(kw), message


def test_the_cli_prints_the_same_estimate_line_as_before(runner, monkeypatch):
    """One `attnviz: estimate: …` line on stderr, options as --flags, spelled as the library's message."""
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)

    monkeypatch.setattr(estimate, "WARN_SECONDS", -1.0)
    n = len(tokenize(SEED))
    seconds, memory = estimate.dense_cost(n, 2, 150)  # scaled-dot: the default cost
    result = invoke(runner, "show", SEED, "--heads", "2", "--json")
    assert result.exit_code == 0, result.output
    cost = (f"about {seconds:.0f} s and " if seconds >= 1 else "") + f"{memory / 2**20:,.0f} MB"
    assert result.stderr == (f"attnviz: estimate: full matrices of {n} × {n} items × 2 heads will take {cost}; to cut it: "
                             "--top-k K (blockwise: each query's K strongest keys, any length), fewer --heads\n")


def test_progress_lines_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    from attnviz.views.progress import progress_bar

    monkeypatch.setattr(progress_bar, "EVERY", 0.0)
    with progress_bar() as advance:
        for _ in range(4):
            advance(10_000, 50_000)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4 and lines[0].startswith("attnviz: attention 20% done,")
    assert lines[0].endswith(" so far")  # no time left guessed from the first block (tests/analysis/test_estimates.py)
    assert all(line.endswith(" left") and " so far, about " in line for line in lines[1:])


LONG = "ham sandwich and bread " * 520  # 2 080 words: over DENSE_MAX


@pytest.mark.parametrize("how", ["file", "text", "input"])
@pytest.mark.parametrize("view,needle", [
    (["--save", "{tmp}/x.png"], "--save (except .html)"),
    (["--focus", "bread"], "--focus"),
    (["--json", "--include-vectors", "--top-k", "2"], "--include-vectors needs full matrices"),
])
def test_views_a_long_input_cannot_show_are_refused_before_attention(runner, tmp_path, monkeypatch, how, view, needle):
    """`show --file <20 000 tokens> --save x.png` computed attention for 50 s, then refused: the
    refusal comes once the length is known (the streamed path's check_long, also for a text or a matrix)."""
    from attnviz.analysis import vectorset
    from attnviz.options import DENSE_MAX

    monkeypatch.setattr(vectorset, "analyze_long", lambda *a, **k: pytest.fail("attention was computed"))
    monkeypatch.setattr(stream, "attend", lambda *a, **k: pytest.fail("attention was computed"))
    if how == "file":
        (tmp_path / "long.txt").write_text(LONG)
        source = ["--file", tmp_path / "long.txt"]
    elif how == "text":
        source = [LONG]
    else:
        np.savetxt(tmp_path / "m.csv", np.random.default_rng(0).normal(size=(DENSE_MAX + 5, 3)), delimiter=",")
        source = ["--input", tmp_path / "m.csv"]
        if view[0] == "--focus":
            view = ["--focus", "7"]
    result = invoke(runner, "show", *source, *[v.format(tmp=tmp_path) for v in view])
    assert result.exit_code == 2 and needle in result.stderr and len(result.stderr.splitlines()) == 1, result.output
    assert not (tmp_path / "x.png").exists()


def test_the_streamed_path_names_an_overflowing_pos_scale(runner, tmp_path):
    """The streamed --file path adds e^i with positions.add_sinusoidal, as the dense path does."""
    (tmp_path / "t.txt").write_text("the ham sandwich " * 800)
    result = invoke(runner, "show", "--file", tmp_path / "t.txt", "--top-k", "2", "--pos", "sinusoidal", "--pos-scale", "1e300", "--json")
    assert result.exit_code == 2 and "--pos-scale 1e+300 is past single precision" in result.stderr and result.stdout == ""
