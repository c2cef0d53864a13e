"""Input kinds are looked up, never spelled: above inputs/, no module compares a kind's name (the
views table, views/registry.py, is keyed by it; that is where a kind's views are named).  What the
other layers ask of a kind is a field of its entry: `medium` (a long sound or picture still draws
figures and focus rows), `parse_window`, `source_kind` (the JSON's source.kind)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import attnviz
from attnviz.errors import UsageError
from attnviz.inputs.kinds import KINDS
from attnviz.views.jsondoc import SOURCE_KINDS
from attnviz.views.present import Request

PACKAGE = Path(attnviz.__file__).resolve().parent
SCANNED = ("analysis", "views", "api", "cli")
TABLE = PACKAGE / "views" / "registry.py"  # the views table: one row per (result type, kind)


def kind_tests(path: Path) -> list[str]:
    """Comparisons of a kind with an input kind's name ('seq.kind == "audio"', 'kind in ("audio",
    "image")'); the parameter `text` compared with "text" is not one."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        values = [e for side in sides for e in (side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side])]
        named = any(isinstance(v, ast.Constant) and v.value in KINDS for v in values)
        if named and any("kind" in ast.unparse(side) for side in sides if not isinstance(side, ast.Constant)):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_above_inputs_tests_a_kind_by_its_name():
    paths = [p for layer in SCANNED for p in sorted((PACKAGE / layer).rglob("*.py")) if p != TABLE]
    assert len(paths) > 50
    found = [line for p in paths for line in kind_tests(p)]
    assert not found, "\n".join(found)


def test_the_scan_finds_a_planted_kind_test(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('def f(seq, kind, name):\n    return seq.kind in ("audio", "image") or "text" == kind or kind == "model" '
                       'or name == "text"\n')
    assert kind_tests(planted) == ["planted.py:2: seq.kind in ('audio', 'image')", "planted.py:2: 'text' == kind"]


def test_the_json_source_kinds_are_the_kinds_records():
    assert [KINDS[k].source_kind for k in KINDS] == ["vectors", "matrix", "audio", "image"]
    assert set(SOURCE_KINDS) == {kind.source_kind for kind in KINDS.values()} | {"model", "attention"}


def test_a_long_medium_keeps_its_figures_and_focus_a_long_text_does_not():
    """api.analyze asks the kind's entry (medium) whether a long run may draw a focus row."""
    assert [k for k, kind in KINDS.items() if kind.medium] == ["audio", "image"]
    rng = np.random.default_rng(0)
    sound = rng.standard_normal(4000).astype("float32")
    long = attnviz.analyze(audio=sound, sample_rate=16000, top_k=2, request=Request(focus=["0.1s"]))
    assert long.analysis.top_k_given
    matrix = rng.standard_normal((6, 4))
    with pytest.raises(UsageError, match="show a summary: `focus`"):
        attnviz.analyze(input=matrix, top_k=2, request=Request(focus=["a2"]))
