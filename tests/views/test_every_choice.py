"""Every value of every choice renders in every view: each built-in score with each normalization it
may go with (normalize sum only with score linear) gives a table, JSON, a figure, the HTML page and
explain, each naming its formulas.  The fragments below are written out here, not read from the
registry, so a view that drops a formula or a registry entry that loses one both fail."""

import io
import itertools
import json

import pytest
from rich.console import Console

import attnviz
from attnviz.core import scores as registry
from attnviz.errors import UsageError
from attnviz.options import CHOICES, Options

S = "The cat sat on mats"
TEXT = {"scaled-dot": "α_ij = q^i·k^j/√d_k (d_k = 300)", "dot": "α_ij = q^i·k^j ", "additive": "α_ij = wᵀtanh(W1ᵀq^i + W2ᵀk^j), d_a = 300",
        "cosine": "α_ij = cos(q^i, k^j)", "linear": "α_ij = φ(q^i)·φ(k^j), φ = elu + 1",
        "softmax": "α′_i· = softmax(α_i·/T), T = ", "relu": "α′_i· = relu(α_i·) / row sum", "none": "α′ = α (no normalization)",
        "sum": "α′_i· = α_i· / row sum"}
TEX = {"scaled-dot": r"q^i \cdot k^j / \sqrt{d_k}$ ($d_k$ = 300)", "dot": r"$\alpha_{i,j} = q^i \cdot k^j$",
       "additive": r"\tanh(W_1^\top q^i + W_2^\top k^j)", "cosine": r"\cos(q^i, k^j)", "linear": r"\phi = \mathrm{elu} + 1",
       "softmax": r"\mathrm{softmax}_j(\alpha_{i,j} / T)$, T = ", "relu": r"\mathrm{relu}(\alpha_{i,j}) / \sum_{j'}",
       "none": r"$\alpha' = \alpha$", "sum": r"\alpha_{i,j} / \sum_{j'} \alpha_{i,j'}$"}
EXPLAIN = {"scaled-dot": "α_3,j = q^3·k^j / √d_k = q·k / 17.32", "dot": "α_3,j = q^3·k^j", "additive": "α_3,j = wᵀ tanh(W1ᵀq^3 + W2ᵀk^j)",
           "cosine": "α_3,j = q^3·k^j / (‖q^3‖ ‖k^j‖)", "linear": "α_3,j = φ(q^3)·φ(k^j)",
           "softmax": "α′_3,j = exp(α_3,j/T) / Σ_j' exp(α_3,j'/T),  T = ", "relu": "α′_3,j = max(α_3,j, 0) / Σ_j' max(α_3,j', 0)",
           "none": "α′_3,j = α_3,j (no normalization)", "sum": "α′_3,j = α_3,j / Σ_j' α_3,j'"}


def allowed(score: str, normalize: str) -> bool:
    try:
        Options(score=score, normalize=normalize).validate()
        return True
    except UsageError:
        return False


PAIRS = [p for p in itertools.product(CHOICES["score"], CHOICES["normalize"]) if allowed(*p)]


def test_every_choice_is_covered():
    """A new built-in score or normalization must be added to the tables above (and pass below)."""
    assert set(TEXT) == set(TEX) == set(EXPLAIN) == set(registry.SCORES) | set(registry.NORMALIZATIONS)
    assert len(PAIRS) == 5 * 3 + 1  # the only conflict: sum needs the positive score linear


@pytest.mark.parametrize("score, normalize", PAIRS, ids=lambda v: v)
def test_every_view_renders_and_names_the_formulas(score, normalize):
    r = attnviz.analyze(S, score=score, normalize=normalize)
    formula = r.table(width=100).splitlines()[1]
    assert TEXT[score] in formula + " " and TEXT[normalize] in formula, formula
    doc = json.loads(r.to_json())
    assert (doc["config"]["score"], doc["config"]["normalize"]) == (score, normalize)
    fig = r.figure()
    title = fig._suptitle.get_text()
    assert TEX[score] in title and TEX[normalize] in title, title
    svg = io.BytesIO()
    try:
        fig.savefig(svg, format="svg")
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    assert svg.getvalue().lstrip().startswith(b"<?xml") and b"<svg" in svg.getvalue()
    page = r.html()
    assert TEXT[score].strip() in page and TEXT[normalize] in page
    from attnviz.views.explain import render_explain, render_matrices

    out = io.StringIO()
    render_explain(r.analysis, Console(file=out, width=120), 2, 0)
    render_matrices(r.analysis, Console(file=out, width=120), 0)
    assert EXPLAIN[score] in out.getvalue() and EXPLAIN[normalize] in out.getvalue(), out.getvalue()
