"""The input kinds (inputs/kinds.py) and the views table (views/registry.py): every kind has every
view, each renders for a tiny input of that kind, and an unknown kind is one clear error."""

import io
import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

import attnviz
from attnviz.analysis.results import LongAnalysis, VectorSetAnalysis
from attnviz.errors import UsageError
from attnviz.inputs.kinds import KINDS, kind_of
from attnviz.views.present import Request, figure, item_index, page_parts, present, write_json
from attnviz.views.registry import COMPARE, VIEWS, View, view_of


DATA = Path(__file__).resolve().parents[1] / "data"


def _sound() -> np.ndarray:
    t = np.arange(4000) / 16000  # 0.25 s at 16 kHz
    return (np.sin(2 * np.pi * 440 * t) + 0.1 * np.random.default_rng(0).standard_normal(t.size)).astype("float32")


TINY = {  # kind -> (analyze keywords, a focus written in the kind's own syntax)
    "text": (dict(text="the restaurant refused to serve me a ham sandwich", vectors=str(DATA / "tiny.vec")), "ham"),
    "matrix": (dict(input=np.random.default_rng(1).standard_normal((5, 4))), "a2"),
    "audio": (dict(audio=_sound(), sample_rate=16000), "0.1s"),
    "image": (dict(image=np.random.default_rng(2).integers(0, 255, (4, 5, 3)).astype("uint8")), "2,3"),
}
VIEW_NAMES = ("terminal", "json", "figure", "page_doc", "focus", "title", "header", "warnings")


def tiny(kind: str, **extra):
    keywords, _focus = TINY[kind]
    return attnviz.analyze(**keywords, **extra).analysis


def test_every_kind_has_a_tiny_input_here():
    assert set(TINY) == set(KINDS)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("result", [VectorSetAnalysis, LongAnalysis])
def test_every_kind_has_every_view(kind, result):
    view = VIEWS[result, kind]
    missing = [name for name in VIEW_NAMES if not callable(getattr(view, name))]
    assert not missing, f"{result.__name__} × {kind}: no {missing}"
    assert kind in COMPARE
    assert {f.name for f in fields(View)} >= set(VIEW_NAMES)


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_view_renders_a_tiny_input(kind):
    analysis = tiny(kind)
    assert analysis.sequence.kind == kind and view_of(analysis) is VIEWS[VectorSetAnalysis, kind]
    console = Console(file=io.StringIO(), width=100, color_system=None)
    present(analysis, Request(), console)
    assert console.file.getvalue().strip()
    out = io.StringIO()
    write_json(analysis, False, out)
    assert json.loads(out.getvalue())["source"]["kind"] == analysis.source.kind
    i = item_index(analysis, TINY[kind][1])
    assert 0 <= i < len(analysis.tokens)
    fig, _warning = figure(analysis, [i] if KINDS[kind].several else i)
    assert fig.axes
    import matplotlib.pyplot as plt

    plt.close(fig)
    doc, extension = page_parts(analysis)
    assert doc["tokens"] == analysis.tokens and extension["header"]
    assert (kind in extension) == (kind in ("audio", "image"))  # a sound's times, a picture's pixels


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_long_view_renders_a_tiny_input(kind):
    analysis = tiny(kind, top_k=2)
    assert isinstance(analysis, LongAnalysis)
    console = Console(file=io.StringIO(), width=100, color_system=None)
    present(analysis, Request(), console)
    assert console.file.getvalue().strip()
    out = io.StringIO()
    write_json(analysis, False, out)
    assert json.loads(out.getvalue().splitlines()[0])["format"] == "top-k lines"
    doc, extension = page_parts(analysis)
    assert "long" in extension and extension["header"]


def test_an_unknown_kind_is_one_clear_error():
    analysis = tiny("text")
    analysis.sequence.kind = "video"
    message = "input kind 'video' is not one of text, matrix, audio, image"
    with pytest.raises(UsageError, match=message):
        kind_of("video")
    with pytest.raises(UsageError, match=message):
        view_of(analysis)
    with pytest.raises(UsageError, match=message):
        present(analysis, Request(), Console(file=io.StringIO()))
