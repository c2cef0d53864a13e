"""Every value of every choice renders in every view (issue #21, item 6), beyond score × normalize
(test_every_choice.py): each value of each option with choices in options.TABLE that changes what a
view shows renders the table, the JSON, a figure (SVG) and the HTML page where the view applies, and
shows that it took effect: the header line, the JSON config, the figure's title, the page's header.
The values come from the table; a value without a case in CASES fails, naming it."""

from __future__ import annotations

import io
import json
import re

import pytest

import attnviz
from attnviz.options import TABLE
from conftest import DATA

S = "The cat sat on mats"  # 5 words: every view stays fast
CHOICES = {o.name: o.choices for o in TABLE if o.choices}

# What proves each value took effect, as the views write it (English).  The header words for the
# four options of the vectors (analyze's Options): the first header line of the table, the figure's
# title and the page; matrix: which matrices are drawn; cells: numbers or heat blocks; view: what the
# figure is made of; features: the audio header's name; lang: how the header counts the tokens.
CASES = {
    "embedding": {"vectors": "standard vectors (300-d)", "onehot": "one-hot (5-d)"},
    "input_norm": {"standard": "standard vectors (300-d)", "center": "centred vectors (300-d)", "none": "raw vectors (300-d)"},
    "pos": {"none": "standard vectors (300-d)", "sinusoidal": "standard vectors + 1·sinusoidal e^i (300-d)"},
    "projection": {"identity": "q=k=v=a", "random": "random W (seed 0)"},
    "matrix": {"both": {"alpha", "alpha-prime"}, "alpha": {"alpha"}, "alpha-prime": {"alpha-prime"}},
    "cells": {"auto": "numbers", "numbers": "numbers", "heat": "heat"},  # auto: 5 keys fit 80 columns as numbers
    "view": {"heatmap": "images", "lines": "lines"},
    "features": {"logmel": "logmel 80-d", "mfcc": "mfcc 39-d", "raw": "raw 400-d"},
    "lang": {"auto": "5 个词元", "en": "5 tokens", "zh": "5 个词元"},  # auto under LANG=zh_CN.UTF-8
}
# Options with choices that are covered elsewhere or are not a choice of what a view shows.
ELSEWHERE = {
    "score": "tests/views/test_every_choice.py (score × normalize, with explain)",
    "normalize": "tests/views/test_every_choice.py",
    "backend": "how a model is computed (numpy or transformers), the same views: tests/models/",
    "part": "which part of a model (encoder, decoder, cross): tests/models/",
    "rnn_cells": "the rnn command's matrix cells: tests/views/test_rnn*.py",
    "lang_no_json": "explain's and pe's language: tests/views/test_i18n.py",
}
VECTORS = ("embedding", "input_norm", "pos", "projection")  # Options fields: every view says which


def case(name: str, value: str):
    """What proves `value` of option `name` took effect; fails naming a value the table has and CASES lacks."""
    if value not in CASES[name]:
        pytest.fail(f"options.TABLE's {name} has the value {value!r}, which has no case in CASES: add one")
    return CASES[name][value]


def values(*names: str) -> list[tuple[str, str]]:
    return [(name, value) for name in names for value in CHOICES[name]]


def page_header(page: str) -> str:
    """The header the interactive page shows (its data's view.header)."""
    found = re.search(r'"view":\{"header":"((?:[^"\\]|\\.)*)"', page)
    assert found, "the page has no view.header"
    return json.loads(f'"{found[1]}"')


def svg_of(fig) -> bytes:
    """The figure drawn as SVG (one format: drawing it is what can fail), then closed."""
    import matplotlib.pyplot as plt

    out = io.BytesIO()
    try:
        fig.savefig(out, format="svg")
    finally:
        plt.close(fig)
    assert b"<svg" in out.getvalue()
    return out.getvalue()


def test_every_option_with_choices_has_cases():
    """A new option with choices is either covered here or says where it is; a new value needs a case."""
    assert set(CHOICES) == set(CASES) | set(ELSEWHERE), set(CHOICES) ^ (set(CASES) | set(ELSEWHERE))
    for name in CASES:
        assert set(CASES[name]) == set(CHOICES[name]), f"{name}: CASES has {sorted(CASES[name])}, the table {CHOICES[name]}"


@pytest.mark.parametrize("name, value", values(*VECTORS), ids=lambda v: v)
def test_vector_options_show_in_every_view(name, value):
    words = case(name, value)
    r = attnviz.analyze(S, **{name: value})
    assert words in r.table(width=100).splitlines()[0]
    assert json.loads(r.to_json())["config"][name] == value
    fig = r.figure()
    title = fig._suptitle.get_text().splitlines()[0]
    svg_of(fig)
    assert words in title, title
    assert words in page_header(r.html()).splitlines()[0]


def shown_in_table(text: str) -> set[str]:
    """The matrices a terminal table shows, by their titles ("head 1/2 · α′ weights · …", "head 1/2 · α (scores; …")."""
    kinds = {"alpha-prime"} if re.search(r"^(head \d+/\d+ · )?α′ (weights )?·", text, re.M) else set()
    return kinds | ({"alpha"} if re.search(r"^(head \d+/\d+ · )?α \(scores;", text, re.M) else set())


@pytest.mark.parametrize("name, value", values("matrix"), ids=lambda v: v)
def test_matrix_chooses_the_matrices_of_the_table_and_the_figure(name, value):
    """The JSON and the page always hold both matrices (the page switches between them itself)."""
    kinds = case(name, value)
    r = attnviz.analyze(S, heads=2)
    assert shown_in_table(r.table(width=100, matrix=value)) == kinds
    fig = r.figure(matrix=value)  # two heads: one row of panels per matrix, labelled by it
    from attnviz.views.figures import LABELS

    rows = {kind for kind, label in LABELS.items() for ax in fig.axes if ax.get_ylabel() == label}
    svg_of(fig)
    assert rows == kinds
    doc = json.loads(r.to_json())
    assert all({"alpha", "alpha_prime"} <= set(h) for layer in doc["layers"] for h in layer["heads"])


@pytest.mark.parametrize("name, value", values("cells"), ids=lambda v: v)
def test_cells_are_numbers_or_heat_blocks_in_the_terminal(name, value, cli, tmp_path):
    """cells is the terminal's: the JSON and the page are the same whatever it is."""
    look = case(name, value)
    out = cli("show", S, "--cells", value, "--matrix", "alpha-prime").stdout
    row = next(line for line in out.splitlines() if line.startswith("2 cat"))[len("2 cat"):]
    assert (re.search(r"\.\d\d", row) is not None) == (look == "numbers"), row
    assert ("█" in row) == (look == "heat"), row
    assert cli("show", S, "--cells", value, "--json").stdout == cli("show", S, "--json").stdout
    cli("show", S, "--cells", value, "--save", tmp_path / "page.html", "--save", tmp_path / "f.svg")
    assert "5 tokens" in page_header((tmp_path / "page.html").read_text(encoding="utf-8"))
    assert b"<svg" in (tmp_path / "f.svg").read_bytes()


@pytest.mark.parametrize("name, value", values("view"), ids=lambda v: v)
def test_view_draws_heatmaps_or_lines(name, value, cli, tmp_path):
    """view is the figure's (the terminal and the page refuse lines: the page has its own tab)."""
    made_of = case(name, value)
    fig = attnviz.analyze(S).figure(view=value)
    images = sum(len(ax.images) for ax in fig.axes)
    svg_of(fig)
    assert (images > 0) == (made_of == "images")
    cli("show", S, "--view", value, "--save", tmp_path / "f.svg")
    assert b"<svg" in (tmp_path / "f.svg").read_bytes()


@pytest.mark.parametrize("name, value", values("features"), ids=lambda v: v)
def test_audio_features_show_in_every_view(name, value):
    words = case(name, value)
    r = attnviz.analyze(audio=str(DATA / "repeat_word.flac"), features=value)
    assert words in r.table(width=120, lang="en").splitlines()[0]
    assert json.loads(r.to_json())["source"]["features"] == value
    fig = r.figure(lang="en")
    title = fig._suptitle.get_text()
    svg_of(fig)
    assert words in title, title
    assert words in page_header(r.html())


@pytest.mark.parametrize("name, value", values("lang"), ids=lambda v: v)
def test_lang_words_every_view_and_leaves_the_json_alone(name, value, cli, tmp_path, monkeypatch):
    words = case(name, value)
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # what auto reads
    r = attnviz.analyze(S)
    assert words in r.table(width=100, lang=value).splitlines()[0]
    fig = r.figure(lang=value)
    title = fig._suptitle.get_text()
    svg_of(fig)
    assert words in title, title
    assert cli("show", S, "--lang", value, "--json").stdout == cli("show", S, "--lang", "en", "--json").stdout
    cli("show", S, "--lang", value, "--save", tmp_path / "page.html")
    assert words in page_header((tmp_path / "page.html").read_text(encoding="utf-8"))
