"""attnviz.register_score: a score registered from Python computes α as its function says (a naive loop
checks it) and every view writes its formula: the table, JSON (schema attnviz/1), PNG/SVG/PDF, the HTML
page, explain and explain --matrices, a comparison, the blockwise top-k path.  Wrong arguments and a
wrong function are one UsageError at registration; nothing registered leaks into other tests."""

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from rich.console import Console

import attnviz
from attnviz.core import scores as registry
from attnviz.errors import AttnvizError, UsageError
from attnviz.options import Options

ROOT = Path(__file__).resolve().parents[2]
S = "The cat sat on the mat"
NAME, FORMULA = "neg-dist", "α_ij = −‖q^i − k^j‖²"


def neg_dist(q, k):
    """−‖q^i − k^j‖² for every pair: [n_q, d_k], [n_k, d_k] -> [n_q, n_k]."""
    return -((q[:, None, :] - k[None, :, :]) ** 2).sum(-1)


@pytest.fixture
def registered():
    attnviz.register_score(NAME, neg_dist, formula=FORMULA)
    try:
        yield NAME
    finally:
        registry.unregister_score(NAME)


@pytest.fixture
def result(registered):
    return attnviz.analyze(S, score=registered, heads=2, projection="random", d_k=4, seed=3)


def test_alpha_is_the_function_and_alpha_prime_its_softmax_by_a_naive_loop(result):
    T = result.config.temperature
    for hd in result.layers[0].heads:
        n = len(hd.q)
        alpha = [[-sum((hd.q[i][d] - hd.k[j][d]) ** 2 for d in range(hd.q.shape[1])) for j in range(n)] for i in range(n)]
        np.testing.assert_allclose(hd.alpha, alpha, rtol=1e-12)
        for i in range(n):
            e = [np.exp((alpha[i][j] - max(alpha[i])) / T) for j in range(n)]
            np.testing.assert_allclose(hd.alpha_prime[i], [x / sum(e) for x in e], rtol=1e-12)


def test_the_table_and_explain_write_the_formula(result):
    table = result.table(width=100)
    assert FORMULA in table.splitlines()[1], table
    from attnviz.views.explain import render_explain, render_matrices

    out = io.StringIO()
    render_explain(result.analysis, Console(file=out, width=100), 2, 1)
    assert f"4. scores   {FORMULA}" in out.getvalue(), out.getvalue()
    out = io.StringIO()
    render_matrices(result.analysis, Console(file=out, width=100), 0, columns=False)
    assert f"A = {NAME}(Q, K)" in out.getvalue(), out.getvalue()


def test_json_names_the_score_and_fits_the_schema(result):
    doc = json.loads(result.to_json())
    assert doc["config"]["score"] == NAME
    jsonschema.validate(doc, json.loads((ROOT / "docs" / "attnviz-1.schema.json").read_text()))
    np.testing.assert_allclose(doc["layers"][0]["heads"][0]["alpha"], result.layers[0].heads[0].alpha, rtol=1e-6)


def title(result) -> str:
    """The figure's title; the figure closed (pyplot keeps every figure open until then)."""
    import matplotlib.pyplot as plt

    fig = result.figure()
    plt.close(fig)
    return fig._suptitle.get_text()


def test_figures_and_the_page(result, tmp_path):
    assert FORMULA in title(result)
    paths = [tmp_path / f"f.{ext}" for ext in ("png", "svg", "pdf", "html")]
    result.save(*map(str, paths))
    from PIL import Image

    with Image.open(paths[0]) as im:
        assert im.format == "PNG" and im.size[0] > 200
    assert ET.parse(paths[1]).getroot().tag.endswith("svg")
    assert paths[2].read_bytes().startswith(b"%PDF") and b"%%EOF" in paths[2].read_bytes()[-64:]
    page = paths[3].read_text(encoding="utf-8")
    assert f'"score":"{NAME}"' in page.replace(" ", "") and FORMULA in page


def test_a_comparison_with_a_built_in(registered, tmp_path):
    c = attnviz.analyze(S, compare=f"score=dot,{registered}")
    table = c.table(width=100)
    assert f"score={NAME}" in table and f"dot | {NAME}" in table, table
    dot, mine = (s.analysis.layers[0].heads[0].alpha for s in c.settings)
    x = c.settings[1].analysis.layers[0].heads[0].q
    np.testing.assert_allclose(mine, neg_dist(x, x), rtol=1e-12)
    assert not np.allclose(dot, mine)
    c.save(str(tmp_path / "c.png"))
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_blockwise_path_takes_it_too(registered):
    long = attnviz.analyze(S, score=registered, top_k=2, window=2)
    dense = attnviz.analyze(S, score=registered, window=2)
    a = dense.layers[0].heads[0].alpha_prime
    assert [list(r[:1]) for r in long.heads[0].keys] == [[int(np.argmax(row))] for row in a]
    assert FORMULA in long.table(width=100)


def test_registering_again_replaces_and_unregistering_forgets(registered):
    attnviz.register_score(NAME, lambda q, k: q @ k.T * 2.0, formula="α_ij = 2 q·k", tex=r"$\alpha_{i,j} = 2\,q \cdot k$",
                           explain="α_i,j = 2 q^i·k^j {not a field}")
    again = attnviz.analyze(S, score=NAME)
    assert "α_ij = 2 q·k" in again.table() and r"$\alpha_{i,j} = 2\,q \cdot k$" in title(again)
    from attnviz.views.explain import render_explain

    out = io.StringIO()
    render_explain(again.analysis, Console(file=out, width=100), 0, 0)
    assert "4. scores   α_i,j = 2 q^i·k^j {not a field}" in out.getvalue()  # braces are the user's text, not a template
    registry.unregister_score(NAME)
    with pytest.raises(UsageError, match="`score` 'neg-dist' is not one of scaled-dot, dot, additive, cosine, linear$"):
        Options(score=NAME).validate()
    with pytest.raises(UsageError, match="choose one of scaled-dot, dot, additive, cosine, linear$"):
        registry.score(NAME)


@pytest.mark.parametrize("args, message", [
    (("dot", neg_dist, "x"), "'dot' is a built-in score"),
    (("", neg_dist, "x"), "non-empty word"),
    (("a,b", neg_dist, "x"), "without spaces, ',' or '='"),
    (("mine", "not a function", "x"), "fn must be a function"),
    (("mine", neg_dist, None), "formula must be a non-empty string"),
    (("mine", lambda q, k: q @ q.T, "x"), r"returned an array of shape \[3, 3\].*must return \[n_q, n_k\] = \[3, 2\]"),
    (("mine", lambda q, k: np.full((len(q), len(k)), np.inf), "x"), "not finite"),
    (("mine", lambda q, k: 1 / 0, "x"), "raised ZeroDivisionError"),
    (("mine", lambda q, k: np.full((len(q), len(k)), "a"), "x"), "must return real numbers"),
])
def test_a_wrong_registration_is_one_usage_error(args, message):
    with pytest.raises(UsageError, match=message):
        attnviz.register_score(*args)
    assert args[0] not in registry.SCORES or registry.SCORES[args[0]].builtin


def test_a_function_that_fails_later_names_the_score():
    attnviz.register_score("shaky", lambda q, k: (q @ k.T)[:, :2], formula="α_ij = shaky")  # right only for 2 keys
    try:
        with pytest.raises(AttnvizError, match=r"score 'shaky' returned an array of shape \[6, 2\]"):
            attnviz.analyze(S, score="shaky")
    finally:
        registry.unregister_score("shaky")


def test_the_api_lists_it():
    assert "register_score" in attnviz.__all__ and "register_score" in dir(attnviz)
    assert NAME not in registry.SCORES  # no test leaks its registration


def test_result_explain_is_the_command_s_view_and_writes_the_formula(result, runner):
    """Result.explain() from Python: the same walk `attnviz explain` prints (a built-in score, byte for
    byte at the CLI's 80 columns), and with a registered score its formula in step 4 and the matrix form."""
    from conftest import invoke

    walk = result.explain("sat", head=2)
    assert f"4. scores   {FORMULA}" in walk, walk
    assert f"A = {NAME}(Q, K)" in result.explain(matrices=True)
    with pytest.raises(UsageError, match="`head` 3: there are only 2 heads"):
        result.explain("sat", head=3)
    with pytest.raises(UsageError, match="explain follows one query"):
        result.explain()
    for bad, message in ((dict(head=0), "`head` must be at least 1"), (dict(head="2"), "`head` must be a whole number"),
                         (dict(dims=0), "`dims` must be at least 1")):
        with pytest.raises(UsageError, match=message):
            result.explain("sat", **bad)
    cli = invoke(runner, "explain", S, "--focus", "cat", "--heads", "2")
    assert cli.exit_code == 0, cli.output
    from attnviz.options import cli_reading  # the library's view as the CLI reads it: hints as --flags (#21 item 3)

    with cli_reading():
        assert attnviz.analyze(S, heads=2).explain("cat", width=80) == cli.stdout


def test_the_names_options_checks_use_are_the_entries_flags():
    """Options (at the bottom, no core) checks normalize sum and temperature against score_names' lists;
    they must say what the registry's entries say (Score.positive, Normalization.positive/.temperature)."""
    from attnviz import score_names

    assert score_names.POSITIVE_SCORES == [n for n, e in registry.SCORES.items() if e.positive]
    assert score_names.NEEDS_POSITIVE == tuple(n for n, e in registry.NORMALIZATIONS.items() if e.positive)
    assert score_names.TEMPERATURE == tuple(n for n, e in registry.NORMALIZATIONS.items() if e.temperature)


def test_a_positive_score_takes_normalize_sum_and_is_held_to_it():
    def exp_dot(q, k):  # e^(q·k / 50√d_k) > 0 for every pair
        return np.exp(q @ k.T / (50 * np.sqrt(q.shape[1])))

    attnviz.register_score("exp-dot", exp_dot, formula="α_ij = exp(q^i·k^j / 50√d_k)", positive=True)
    try:
        r = attnviz.analyze(S, score="exp-dot", normalize="sum")
        a = r.layers[0].heads[0].alpha
        np.testing.assert_allclose(r.alpha_prime[0, 0], a / a.sum(axis=1, keepdims=True), rtol=1e-6)
        with pytest.raises(UsageError, match="positive `score` linear or exp-dot keeps above 0"):
            Options(score="dot", normalize="sum").validate()
    finally:
        registry.unregister_score("exp-dot")
    assert "exp-dot" not in registry.SCORES and Options(score="linear", normalize="sum").validate()
    with pytest.raises(UsageError, match="`normalize` sum divides by the row sum, which only the positive `score` linear keeps"):
        Options(score="dot", normalize="sum").validate()
    with pytest.raises(UsageError, match="registered positive but returned -1"):
        attnviz.register_score("minus-one", lambda q, k: -np.ones((len(q), len(k))), formula="α_ij = −1", positive=True)
    assert "minus-one" not in registry.SCORES


def test_explain_has_no_empty_dot_column_and_no_minus_zero(registered):
    """A score that is not q·k has no q·k column in explain's step 4 (it was a header over empty
    cells), and the query's own distance, -0.0, is written 0 (also the table's α range)."""
    r = attnviz.analyze(S, score=registered)  # identity projections: α_ii = -0.0
    step = r.explain("cat").split("4. scores")[1].split("5. ")[0]
    assert "q·k" not in step and " -0\n" not in step and "\n2  cat" in step and step.split("\n2  cat")[1].split()[0] == "0"
    assert "… -0)" not in r.table() and "… 0)" in r.table()
    dot = attnviz.analyze(S).explain("cat").split("4. scores")[1]
    assert "q·k" in dot  # a dot product keeps it
