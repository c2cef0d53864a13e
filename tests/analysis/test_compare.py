"""`show --compare OPTION=A,B` (issue #11, 2), and every claim docs/drafts/teaching.md makes about
what a student sees on the seed sentence."""

import json
import re

import numpy as np
import pytest

from attnviz.analysis.compare import compare_sequence, parse_spec
from attnviz.api import Options, analyze
from attnviz.errors import UsageError
from attnviz.views.cells import width
from conftest import SEED


def bits(p: np.ndarray) -> float:
    """Mean row entropy in bits, written out independently of attnviz's metrics."""
    return float(np.mean([-sum(x * np.log2(x) for x in row if x > 0) for row in p]))


def run(spec: str):
    return {s.value: s for s in analyze(SEED, compare=spec).analysis.settings}


def single(setting) -> np.ndarray:
    return setting.analysis.layer.heads[0].alpha_prime


# --- the README's claims (docs/drafts/teaching.md), one test each -----------------------------

def test_claim_dot_saturates_scaled_dot_does_not():
    s = run("score=dot,scaled-dot")
    assert bits(single(s["dot"])) < 0.1 and np.diag(single(s["dot"])).min() > 0.99
    assert bits(single(s["scaled-dot"])) > 2.0 and np.diag(single(s["scaled-dot"])).max() < 0.7
    assert s["dot"].analysis.config.temperature == s["scaled-dot"].analysis.config.temperature


def test_claim_relu_gives_exact_zeros_where_scores_are_negative():
    s = run("normalize=softmax,relu")
    relu, alpha = single(s["relu"]), s["relu"].analysis.layer.heads[0].alpha
    assert ((alpha < 0) == (relu == 0)).all() and (alpha < 0).sum() > 20
    assert (single(s["softmax"]) > 0).all()


def test_claim_onehot_knows_no_similarity():
    s = run("embedding=vectors,onehot")
    p = single(s["onehot"])
    off = p[~np.eye(len(p), dtype=bool)]
    assert np.ptp(off) < 1e-12  # every other word gets the same weight (the seed has no repeated word)
    assert s["onehot"].metrics.ties == len(p) * (len(p) - 1)
    vec = single(s["vectors"])
    t = s["vectors"].analysis.tokens
    assert vec[t.index("ham"), t.index("sandwich")] > 4 * vec[t.index("ham"), t.index("The")]


@pytest.mark.parametrize("w", [1, 2])
def test_claim_window_zeros_far_keys_and_sharpens(w):
    s = run(f"window=none,{w}")
    p = single(s[str(w)])
    far = np.abs(np.subtract.outer(np.arange(len(p)), np.arange(len(p)))) > w
    assert (p[far] == 0).all() and bits(p) < bits(single(s["none"]))
    assert np.diag(p).mean() > np.diag(single(s["none"])).mean()


def test_claim_four_heads_are_flatter_and_differ():
    s = run("heads=1,4")
    heads = [hd.alpha_prime for hd in s["4"].analysis.layer.heads]
    assert all(bits(h) > bits(single(s["1"])) for h in heads)
    assert min(np.abs(a - b).max() for k, a in enumerate(heads) for b in heads[k + 1:]) > 0.05


def test_claim_positions_lift_neighbours():
    s = run("pos=none,sinusoidal")
    def neighbours(p):
        i = np.arange(len(p) - 1)
        return (p[i, i + 1].mean() + p[i + 1, i].mean()) / 2
    assert neighbours(single(s["sinusoidal"])) > neighbours(single(s["none"]))


def test_claim_causal_sees_only_the_past():
    s = run("causal=false,true")
    p = single(s["true"])
    assert (np.triu(p, 1) == 0).all() and p[0, 0] == pytest.approx(1.0)


def test_claim_textbook_temperature_saturates_standard_vectors():
    s = run("temperature=auto,1")
    assert bits(single(s["1"])) < 0.1 < 2.0 < bits(single(s["auto"]))


def test_claim_cosine_is_nearly_uniform_at_the_same_temperature():
    s = run("score=scaled-dot,cosine")
    n = len(single(s["cosine"]))
    assert bits(single(s["cosine"])) > np.log2(n) - 0.05


# --- the comparison itself --------------------------------------------------------------------

def test_metrics_match_an_independent_computation():
    for s in run("score=dot,scaled-dot,cosine").values():
        p = single(s)
        assert s.metrics.entropy == pytest.approx(bits(p), abs=1e-9)
        assert s.metrics.self == pytest.approx(np.trace(p) / len(p))
        off = p - np.diag(np.diag(p))
        w, i, j, _ = s.metrics.link
        assert w == pytest.approx(off.max()) and off[i, j] == pytest.approx(off.max())


def test_compare_runs_on_any_sequence():
    from attnviz.inputs.load import Media, load_sequence

    seq, norm = load_sequence("ham sandwich food", Options(), Media())
    c = compare_sequence(seq, Options(), norm, "window", ["none", "0"])
    assert c.settings[1].metrics.self == pytest.approx(1.0) and c.settings[0].metrics.self < 1.0


def test_compare_on_a_vector_set(cli, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("1,0,2\n0,1,1\n3,1,0\n1,1,1\n")
    doc = json.loads(cli("show", "--input", path, "--compare", "window=none,1", "--json").stdout)
    assert doc["settings"][1]["heads"][0]["alpha_prime"][0][3] == 0 and doc["settings"][0]["heads"][0]["alpha_prime"][0][3] > 0


def test_terminal_compare_fits_80_columns_side_by_side(cli):
    out = cli("show", SEED, "--compare", "score=dot,scaled-dot").stdout
    lines = out.splitlines()
    assert max(width(l) for l in lines) <= 80
    assert "compare --score: dot | scaled-dot" in out and re.search(r"score=dot\s+score=scaled-dot", out)
    rows = [l for l in lines if l.startswith("score=")]
    assert len(rows) == 2 and "bits" in rows[0] and "self" in rows[0] and "top link" in rows[0]
    assert "0.00 bits" in rows[0] and "2.92 bits" in rows[1]


def test_terminal_compare_stacks_when_narrow(runner):
    from conftest import invoke

    runner.env = {"COLUMNS": "50"}
    out = invoke(runner, "show", SEED, "--compare", "window=none,1,3").stdout
    titles = [l for l in out.splitlines() if l.startswith("window=") and "bits" not in l]
    assert titles == ["window=none", "window=1", "window=3"]


def test_compare_json_is_strict_and_zero_based(cli):
    doc = json.loads(cli("show", SEED, "--compare", "heads=1,2", "--json").stdout)
    assert doc["schema"] == "attnviz-compare/1" and doc["option"] == "heads"
    assert [s["value"] for s in doc["settings"]] == ["1", "2"] and len(doc["settings"][1]["heads"]) == 2
    link = doc["settings"][0]["metrics"]["top_link"]
    p = np.array(doc["settings"][0]["heads"][0]["alpha_prime"])
    assert p[link["from"], link["to"]] == pytest.approx(link["alpha_prime"])
    assert doc["settings"][0]["config"]["temperature"] == doc["settings"][1]["config"]["temperature"]


def test_compare_figure_is_saved(cli, tmp_path):
    path = tmp_path / "c.png"
    result = cli("show", SEED, "--compare", "score=dot,scaled-dot", "--save", path)
    assert path.stat().st_size > 10_000 and "saved" in result.stderr


@pytest.mark.parametrize("spec,needle", [
    ("score", "OPTION=A,B"), ("colour=red,blue", "OPTION=A,B"), ("score=dot", "two or more"),
    ("score=dot,dot", "'dot' is given 2 times"), ("score=dot,cosine,dot", "'dot' is given 2 times; give each value once, e.g. score=dot,cosine"),
    ("heads=1,x", "not a value of --heads"), ("score=dot,bogus", "--score 'bogus'"),
    ("punct=false,true", "changes the items"),
])
def test_bad_compare_specs_are_one_clear_error(cli, spec, needle):
    result = cli("show", SEED, "--compare", spec, code=2)
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_a_second_compare_or_explain_focus_is_refused_not_dropped(cli):
    """Both are one value: click would keep the last one given and silently drop the others."""
    err = cli("show", SEED, "--compare", "score=dot,cosine", "--compare", "heads=1,4", code=2).stderr
    assert "--compare is given 2 times" in err and "score=dot,cosine" in err and len(err.strip().splitlines()) == 1
    err = cli("explain", SEED, "--focus", "it", "--focus", "food", code=2).stderr
    assert "--focus is given 2 times" in err and len(err.strip().splitlines()) == 1


def test_compare_refuses_what_it_cannot_show(cli):
    assert "--compare" in cli("show", SEED, "--compare", "score=dot,cosine", "--focus", "it", code=2).stderr
    assert "--compare" in cli("show", SEED, "--compare", "score=dot,cosine", "--top-k", "2", code=2).stderr


def test_parse_spec_accepts_flag_spelling():
    assert parse_spec("--no-self=false,true") == ("no_self", ["false", "true"])
    with pytest.raises(UsageError):
        parse_spec("trust-pickle=false,true")


def test_library_comparison_api():
    result = analyze(SEED, compare="window=none,1")
    assert result.is_comparison and [s.value for s in result.settings] == ["none", "1"]
    assert json.loads(result.to_json())["schema"] == "attnviz-compare/1" == result.to_dict()["schema"]
    assert "window=none" in result.table(width=80)
    with pytest.raises(UsageError, match="settings"):
        result.alpha_prime


@pytest.mark.parametrize("given", [{"heads": 2}, {"score": "additive"}, {"window": 2}])
def test_an_option_both_given_and_compared_is_refused(given, cli):
    """`--compare heads=1,4 --heads 2` ran both settings and dropped --heads 2 without a word."""
    (option, value), = given.items()
    with pytest.raises(UsageError, match=rf"^`compare` {option}=…: `{option}` is given too.*drop `{option}`"):
        analyze(SEED, compare=f"{option}={'1,4' if option == 'heads' else 'dot,scaled-dot' if option == 'score' else '1,3'}",
                **given)
    err = cli("show", SEED, "--compare", "heads=1,4", "--heads", "2", code=2).stderr
    assert err.startswith("attnviz: error: --compare heads=…: --heads is given too") and err.count("\n") == 1
    assert "compare --heads: 1 | 4" in cli("show", SEED, "--compare", "heads=1,4", "--heads", "1").stdout  # the default: not a conflict
