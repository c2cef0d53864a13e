"""Work estimated over 5 minutes is refused at once, with the estimate and both ways forward
(a window, or accepting the cost), unless the cost is accepted (issue #25, item 7)."""

from __future__ import annotations

import time
import warnings

import pytest

import attnviz
from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
from attnviz.errors import UsageError
from conftest import invoke

S = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """290 000 tokens: full attention over it is over an hour here."""
    words = S.lower().replace(",", "").replace(".", "").split()
    path = tmp_path_factory.mktemp("book") / "book.txt"
    path.write_text(" ".join(words[i % len(words)] for i in range(290_000)) + "\n", encoding="utf-8")
    return path


def test_a_long_file_is_refused_at_once_with_both_ways_forward(runner, book):
    start = time.monotonic()
    result = invoke(runner, "show", "--file", str(book))
    assert result.exit_code == 2, result.output
    assert time.monotonic() - start < 20
    line = result.stderr.strip()
    assert line.count("\n") == 0 and line.startswith("attnviz: error: full attention over 290,000 tokens"), line
    assert "minutes" in line or "hours" in line
    assert "--window W" in line and "--accept-cost" in line and result.stdout == ""


def test_the_refusal_is_the_api_s_usage_error_and_accept_cost_runs_it(monkeypatch):
    monkeypatch.setattr(estimate, "CELL_SECONDS", 1.0)  # every cell a second: 15 tokens × 2 heads is ~8 minutes
    with pytest.raises(UsageError) as e:
        attnviz.analyze(S, heads=2)
    assert e.value.option == "accept_cost" and "`accept_cost`" in str(e.value) and "minutes" in str(e.value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = attnviz.analyze(S, heads=2, accept_cost=True)
    n = len(result.tokens)
    assert n == 15 and result.alpha_prime.shape == (1, 2, n, n)
    assert any("will take about" in str(w.message) for w in caught)


def test_work_under_five_minutes_is_not_refused(monkeypatch):
    monkeypatch.setattr(estimate, "CELL_SECONDS", 290 / 15**2)  # 290 s in all: an estimate line, no refusal
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attnviz.analyze(S)
    assert any("will take about" in str(w.message) for w in caught)


def test_accept_cost_is_in_the_help(runner):
    result = invoke(runner, "show", "--help")
    assert "--accept-cost" in result.stdout
