"""view() round-trips (issue #24): transformers' own MiniLM attentions given to attnviz.view produce
the JSON numbers and the terminal table of `show --model minilm`, whose numbers attnviz computes in numpy."""

import json

import numpy as np
import pytest

import attnviz
from conftest import SEED
from installed import minilm_dir

NAME = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def theirs():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    path = str(minilm_dir())
    tok = transformers.AutoTokenizer.from_pretrained(path)
    model = transformers.AutoModel.from_pretrained(path, attn_implementation="eager").eval()
    inputs = tok(SEED, return_tensors="pt")
    with torch.no_grad():
        out = model(**inputs, output_attentions=True)
    return attnviz.view(out.attentions, inputs, tokenizer=tok, name=NAME, text=SEED)


def test_same_json_numbers_as_show_model(cli, theirs):
    ours = json.loads(cli("show", "--model", "minilm", SEED, "--json").stdout)
    doc = theirs.to_dict()
    assert doc["tokens"] == ours["tokens"] and doc["special"] == ours["special"] and doc["text"] == ours["text"]
    assert len(doc["layers"]) == len(ours["layers"]) == 7  # 6 layers + rollout
    worst = {"alpha_prime": 0.0, "summary": 0.0, "alpha": 0.0}
    for mine, ref in zip(doc["layers"], ours["layers"]):
        assert mine["kind"] == ref["kind"] and mine["index"] == ref["index"]
        for h, r in zip(mine["heads"], ref["heads"]):
            worst["alpha_prime"] = max(worst["alpha_prime"], np.abs(np.array(h["alpha_prime"]) - r["alpha_prime"]).max())
            if "summary" in r:
                worst["summary"] = max(worst["summary"], max(abs(h["summary"][k] - v) for k, v in r["summary"].items()))
                a, b = np.array(h["alpha"], dtype=float), np.array(r["alpha"], dtype=float)
                a, b = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)  # ln α′ = α − a constant per row
                worst["alpha"] = max(worst["alpha"], np.abs(a - b).max())
    print("largest differences", worst)
    assert worst["alpha_prime"] < 1e-5 and worst["summary"] < 1e-5 and worst["alpha"] < 1e-3, worst
    assert max(np.abs(np.array(h["alpha_prime"])).max() for l in ours["layers"][:-1] for h in l["heads"]) > 0.9  # not flat


def test_same_terminal_table_as_show_model(cli, theirs):
    ours = cli("show", "--model", "minilm", SEED).stdout.splitlines()
    from attnviz.options import cli_reading  # the library's view as the CLI reads it: hints as --flags (#21 item 3)

    with cli_reading():
        mine = theirs.table(width=80).splitlines()
    assert mine[0] == ours[0]
    assert mine[1].startswith("α′ given (weights)") and ours[1].startswith("α_ij = q^i·k^j/√d_k")
    assert mine[2:] == ours[2:]


def test_same_head_table_as_show_model(cli, theirs):
    ours = cli("show", "--model", "minilm", SEED, "--layer", "5", "--head", "3", "--matrix", "alpha-prime").stdout.splitlines()
    one = attnviz.view(theirs.alpha_prime, theirs.tokens, specials=theirs.specials, name=NAME, text=SEED, layer=5, head=3)
    mine = one.table(width=80, matrix="alpha-prime").splitlines()
    assert "layer 5 · head 3/12" in mine[4] and mine[2:] == ours[2:]
