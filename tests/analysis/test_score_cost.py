"""A score's cost comes from its registry entry (core.scores.Cost): analysis.estimate reads it and
hands attnviz.cost the numbers, so cost.py knows no score by name, and a score registered with
`cost` changes the time estimates before long work (and suggests scaled-dot)."""

import io
from pathlib import Path

import numpy as np
import pytest

import attnviz
from attnviz import cost
from attnviz.analysis import estimate
from attnviz.core import attention as att
from attnviz.core import scores as registry
from attnviz.errors import UsageError
from attnviz.options import Options, cli_reading

S = "The cat sat on the mat"  # 6 tokens: 36 cells a head


@pytest.fixture
def slow():
    attnviz.register_score("slow", lambda q, k: q @ k.T, formula="α_ij = q·k, slowly", cost=4)
    attnviz.register_score("plain", lambda q, k: q @ k.T, formula="α_ij = q·k")
    try:
        yield "slow"
    finally:
        registry.unregister_score("slow")
        registry.unregister_score("plain")


def estimate_line(score: str, monkeypatch) -> str:
    """The estimate analyze() gives for S, each dot-product cell made 10/36 s: 10 s in all."""
    monkeypatch.setattr(cost, "CELL_SECONDS", 10 / 36)
    heard = []
    with cost.listening(heard.append), cost.accepting(True):
        attnviz.analyze(S, score=score)
    assert len(heard) == 1, heard
    return heard[0]


def test_a_registered_cost_scales_the_dense_estimate_and_suggests_scaled_dot(slow, monkeypatch):
    dot = estimate_line("dot", monkeypatch)
    assert "about 10 s" in dot and "`score` scaled-dot" not in dot, dot
    assert estimate_line("plain", monkeypatch) == dot  # no `cost`: a dot product's
    line = estimate_line(slow, monkeypatch)
    assert "about 40 s" in line and line.endswith(", `score` scaled-dot"), line


def test_a_registered_cost_scales_the_streamed_estimate(slow, monkeypatch):
    monkeypatch.setattr(cost, "WARN_SECONDS", -1.0)
    proj = att.identity_projections(300, 1)
    lines = {}
    for score in ("dot", slow, "additive"):
        err = io.StringIO()
        with cost.accepting(True), cli_reading():  # the line as the CLI prints it: --flags
            estimate.check_stream(10**5, (5_000, 300), proj, Options(score=score), 3, err)
        lines[score] = err.getvalue()
    seconds = {s: estimate.score_cost(Options(score=s), 300) for s in lines}
    assert cost.stream_cost(10**5, 300, 5000, 1, 300, None, False, seconds[slow], True, 512)[0] == pytest.approx(
        4 * cost.stream_cost(10**5, 300, 5000, 1, 300, None, False, seconds["dot"], True, 512)[0])
    assert "--score scaled-dot" not in lines["dot"]
    assert lines[slow].endswith("--window W (each query sees 2W+1 keys), --score scaled-dot\n"), lines[slow]
    assert "--score scaled-dot, or a smaller --d-a" in lines["additive"]  # the additive's extra term runs over d_a


def test_the_additive_entry_is_what_its_estimate_reads():
    c = registry.score("additive").cost
    assert (c.over, c.banded, c.cheaper) == ("d_a", True, True) and c.rate > 0
    assert estimate.score_cost(Options(score="additive", d_a=7), 300).width == 7
    assert estimate.score_cost(Options(score="additive"), 300).width == 300  # d_a unset: d_k
    for name in ("scaled-dot", "dot", "cosine", "linear"):
        assert registry.score(name).cost == registry.Cost()
        assert estimate.score_cost(Options(score=name), 300) == cost.ScoreCost(width=300)  # no extra term: width unused


def test_cost_py_names_no_score():
    """Only the suggestion names one (`score` scaled-dot); no estimate is chosen by a score's name."""
    source = (Path(cost.__file__)).read_text()
    for name in registry.SCORES:
        assert f'"{name}"' not in source and f"'{name}'" not in source, name


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan"), "fast", True, None])
def test_a_wrong_cost_is_one_usage_error(bad):
    with pytest.raises(UsageError, match="cost must be a positive number"):
        attnviz.register_score("mine", lambda q, k: q @ k.T, formula="x", cost=bad)
    assert "mine" not in registry.SCORES


def test_a_numpy_number_is_a_cost():
    try:
        attnviz.register_score("mine", lambda q, k: q @ k.T, formula="x", cost=np.int64(4))
        assert registry.SCORES["mine"].cost.factor == 4.0 and registry.SCORES["mine"].cost.cheaper
    finally:
        registry.unregister_score("mine")
