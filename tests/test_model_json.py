"""A model's JSON at length (#16 item 3): streamed, numpy-formatted, the same document as jsondoc.document."""

import io
import json

import numpy as np
import pytest

from attnviz.errors import AttnvizError
from conftest import SEED, invoke
from test_model import minilm_dir


def test_numbers_match_python_formatting():
    """Each number is what Python's '%.6e' (7 significant digits) writes for the float32 value."""
    from attnviz.views.jsonstream import matrix_bytes

    rng = np.random.default_rng(0)
    x = (rng.normal(size=(200, 50)) * 10.0 ** rng.integers(-40, 38, size=(200, 50))).astype(np.float32)
    x[0, :8] = [0.0, 1.0, 10.0, 1e-3, 9.9999996, 0.99999994, 1e38, np.float32(1.4e-45)]
    got = np.array(json.loads(matrix_bytes(x)))
    want = np.array([[float(f"{float(v):.6e}") for v in row] for row in x])
    same = got == want
    assert same.mean() > 0.999  # the rest: a product rounded in float64 at an exact half, one unit off
    np.testing.assert_allclose(got, want, rtol=1.01e-6, atol=0)


def test_nan_is_null_inf_is_refused_and_empty_shapes():
    from attnviz.views.jsonstream import matrix_bytes

    assert json.loads(matrix_bytes(np.array([[np.nan, -1.5], [0.25, np.nan]]))) == [[None, -1.5], [0.25, None]]
    assert json.loads(matrix_bytes(np.zeros((2, 0)))) == [[], []] and json.loads(matrix_bytes(np.zeros((0, 3)))) == []
    with pytest.raises(AttnvizError, match="infinity"):
        matrix_bytes(np.array([[1.0, np.inf]]))
    with pytest.raises(AttnvizError, match="infinity"):
        matrix_bytes(np.array([[1e39]]))  # beyond float32


@pytest.fixture(scope="module")
def analyses():
    minilm_dir()
    from attnviz import analyze

    return {"tokens": analyze(SEED, model="minilm").analysis, "words": analyze(SEED, model="minilm", words=True).analysis,
            "one head": analyze(SEED, model="minilm", layer=4, head=2).analysis}


def same_document(want, got, path="$"):
    """Equal keys in the same order, equal strings/ints, numbers equal to 7 significant digits."""
    if isinstance(want, dict):
        assert list(want) == list(got), path
        for k in want:
            same_document(want[k], got[k], f"{path}.{k}")
    elif isinstance(want, list) and want and isinstance(want[0], list) and want[0] and isinstance(want[0][0], float):
        np.testing.assert_allclose(np.array(got, dtype=float), np.array(want, dtype=float), rtol=6e-7, atol=1e-37, err_msg=path)
    elif isinstance(want, list):
        assert len(want) == len(got), path
        for k, (a, b) in enumerate(zip(want, got)):
            same_document(a, b, f"{path}[{k}]")
    else:
        assert want == got, path


@pytest.mark.parametrize("kind", ["tokens", "words", "one head"])
@pytest.mark.parametrize("include_vectors", [False, True])
def test_streamed_document_equals_the_dict_document(analyses, kind, include_vectors):
    from attnviz.views.jsondoc import document
    from attnviz.views.present import write_json

    buffer = io.StringIO()
    write_json(analyses[kind], include_vectors, buffer)
    text = buffer.getvalue()
    assert text.endswith("}\n") and text.count("\n") == 1  # one line: JSON Lines can carry it
    same_document(document(analyses[kind], include_vectors), json.loads(text))


def test_cli_json_is_valid_strict_json_and_follows_the_schema(cli):
    minilm_dir()
    from test_cli import schema_validator

    out = cli("show", "--model", "minilm", SEED + " " + SEED, "--json").stdout
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    schema_validator().validate(doc)
    assert len(doc["tokens"]) == len(doc["layers"][0]["heads"][0]["alpha_prime"])


def fitting_text(tokens):
    from attnviz.inputs.model import open_model

    tok = open_model("minilm").tokenizer
    words = ("attention " * 600).split()
    return " ".join(words[: tokens - 2]) if len(tok.encode(" ".join(words[: tokens - 2])).ids) == tokens else pytest.fail("one token a word expected")


def test_the_position_limit_is_a_clear_refusal(runner):
    minilm_dir()
    from attnviz.analysis.model import analyze_model

    assert len(analyze_model(fitting_text(512), "minilm", layer=1, head=1).tokens) == 512  # 510 + [CLS] and [SEP] fit
    result = invoke(runner, "show", "--model", "minilm", fitting_text(512) + " attention", "--json")
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert "513 tokens long" in result.stderr and "512 positions" in result.stderr 
    assert f"character {510 * len('attention ') - 1}" in result.stderr  # where the 510th word ends: cut there
