"""Numbering like the notes (issue #11, 5): human views count tokens from 1 (a¹ … aⁿ), JSON from 0."""

import json
import re

import pytest

from attnviz.api import Options, analyze
from attnviz.errors import UsageError
from conftest import SEED


def test_matrix_rows_and_columns_are_numbered_from_one(cli):
    lines = cli("show", SEED).stdout.splitlines()
    top = next(l for l in lines if l.strip().startswith("1 ") and "15" in l and not re.search("[a-z]", l))
    assert top.split() == [str(k) for k in range(1, 16)]
    assert any(l.startswith(" 1 The") for l in lines) and any(l.startswith("15 food") for l in lines)
    assert not any(l.startswith(" 0 ") for l in lines)


def test_focus_by_number_is_the_notes_token(cli):
    out = cli("show", SEED, "--focus", "11").stdout
    assert "query 11 “it”" in out and "b^11 =" in out
    assert cli("show", SEED, "--focus", "1").stdout.count("query 1 “The”") == 1


@pytest.mark.parametrize("bad", ["0", "16"])
def test_focus_number_out_of_range_names_the_range(cli, bad):
    result = cli("show", SEED, "--focus", bad, code=2)
    assert "numbered 1 … 15" in result.stderr


def test_edges_by_number_count_from_one():
    a = analyze(SEED, Options(edges="11-2", directed=True))
    t, m = a.tokens, a.layers[0].mask
    assert m[t.index("it"), t.index("restaurant")] and not m[t.index("restaurant"), t.index("it")]


def test_repeated_word_is_named_by_its_number():
    with pytest.raises(UsageError, match=r"numbers 1, 4"):
        analyze("the cat saw the dog", Options(edges="the-dog"))
    a = analyze("the cat saw the dog", Options(edges="4-5"))
    assert a.layers[0].mask[3, 4]
    assert "the#4" in a.table(width=120) or "the#1" in a.table(width=120)


def test_json_keeps_zero_based_positions(cli):
    doc = json.loads(cli("show", SEED, "--heads", "2", "--json").stdout)
    assert [h["index"] for h in doc["layers"][0]["heads"]] == [0, 1]


def test_explain_numbers_from_one(cli):
    out = cli("explain", SEED, "--focus", "it").stdout
    assert "query 11 “it”" in out and "q^11 = a^11·W^q" in out and "b^11 = Σ_j α′_11,j v^j" in out
    rows = [l.split()[0] for l in out.splitlines() if re.match(r"\s*\d+\s+(The|food)\b", l)]
    assert rows[:2] == ["1", "15"]


def test_focus_figure_labels_count_from_one(tmp_path):
    a = analyze(SEED)
    fig = a.figure(focus="it")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "it (11)" in labels and "The (1)" in labels and "(0)" not in " ".join(labels)
