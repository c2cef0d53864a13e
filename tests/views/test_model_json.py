"""A model's JSON at length (#16 item 3): streamed, numpy-formatted, the same document as jsondoc.document."""

import io
import json

import numpy as np
import pytest

from attnviz.errors import AttnvizError
from conftest import SEED, invoke
from installed import minilm_dir


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
    from schemas import schema_validator

    out = cli("show", "--model", "minilm", SEED + " " + SEED, "--json").stdout
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    schema_validator().validate(doc)
    assert len(doc["tokens"]) == len(doc["layers"][0]["heads"][0]["alpha_prime"])


def fitting_text(tokens):
    from attnviz.models.checkpoint import open_model

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


def test_layers_are_computed_in_order_as_read_and_equal_the_eager_forward():
    """analyze_model computes a layer when it is first read (the JSON writer overlaps the work);
    what it gives equals forward() + rollout() + head_summary() run at once."""
    minilm_dir()
    from attnviz.analysis.model import analyze_model
    from attnviz.analysis.summaries import head_summary
    from attnviz.core.rollout import rollout
    from attnviz.models.checkpoint import forward
    from attnviz.models.checkpoint import encode, open_model

    a = analyze_model(SEED, "minilm")
    assert a._run.computed == 0 and len(a.layers) == 6 and a._run.computed == 0
    first = a.layers[0]
    assert a._run.computed == 1 and a.summaries[(1, 3)] is a._run.summaries[(1, 3)] and a._run.computed == 1
    m = open_model("minilm")
    enc = encode(m, SEED)
    layers, hidden = forward(m, enc)
    for got, want in zip([first, *a.layers[1:]], layers):
        for g, w in zip(got.heads, want.heads):
            np.testing.assert_array_equal(g.alpha_prime, w.alpha_prime)
    np.testing.assert_array_equal(a.rollout, rollout([[h.alpha_prime for h in lr.heads] for lr in layers]))
    np.testing.assert_array_equal(a.hidden, hidden)
    specials = [w is None for w in enc.word_ids]
    assert dict(a.summaries) == {(l, h): head_summary(layers[l - 1].heads[h - 1].alpha_prime, specials)
                                 for l in range(1, 7) for h in range(1, 13)}
    one = analyze_model(SEED, "minilm", layer=4, head=2)
    assert one.layers[0].heads[0].alpha_prime.tobytes() == layers[3].heads[1].alpha_prime.tobytes()
    assert list(one.summaries) == [(4, 2)] and sorted(one._run.kept) == [4]  # other layers are not kept


def test_an_error_in_a_layer_is_raised_when_it_is_read_and_again_after():
    from attnviz.analysis.model import KeptLayers, LayerRun
    from attnviz.core.attention import HeadResult, LayerResult

    def source():
        a = np.full((2, 2), 0.5, dtype=np.float32)
        yield LayerResult([HeadResult(a, a, a, a, a, a)], a)
        raise AttnvizError("the forward pass produced NaN or inf in layer 2")

    run = LayerRun(source(), 3, [1, 2, 3], [1], [True, True])
    layers = KeptLayers(run)
    assert layers[0].output.shape == (2, 2)
    for _ in range(2):
        with pytest.raises(AttnvizError, match="layer 2"):
            layers[2]
    assert run.computed == 1


def test_stream_writes_in_order_and_raises_what_a_thread_raised():
    from attnviz.views.jsonstream import matrix_bytes, stream

    mats = [np.full((3, 4), float(i)) for i in range(40)]
    got: list[bytes] = []
    stream(iter([b"<"] + [p for m in mats for p in (m, b";")] + [b">"]), lambda b: got.append(bytes(b)), ahead=3)
    assert b"".join(got) == b"<" + b"".join(matrix_bytes(m) + b";" for m in mats) + b">"

    bad = [*mats[:5], np.array([[np.inf]]), *mats[5:]]
    taken = []

    def pieces():
        for m in bad:
            taken.append(m)
            yield m

    with pytest.raises(AttnvizError, match="infinity"):
        stream(pieces(), lambda b: None, ahead=2)
    assert len(taken) < len(bad)  # stopped taking pieces

    def full(b):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        stream(iter(mats), full, ahead=2)

    def broken():
        yield mats[0]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stream(broken(), lambda b: None)


def test_stream_stops_cleanly_with_many_matrices_left_and_few_buffers():
    """A failed write with dozens of matrices queued: every thread ends (no deadlock), the error is raised."""
    import threading

    from attnviz.views.jsonstream import stream

    calls = []

    def write(b):
        calls.append(len(b))
        if len(calls) == 3:
            raise BrokenPipeError(32, "Broken pipe")

    before = threading.active_count()
    with pytest.raises(BrokenPipeError):
        stream(iter([np.ones((50, 50))] * 60), write, ahead=50, buffers=2)
    assert threading.active_count() == before
