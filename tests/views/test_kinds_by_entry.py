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
    "image")'); the parameter `text` compared with "text" is not one.  Also a table keyed by kind
    names looked up with a kind ('{"audio": "frames", "image": "patches"}.get(source["kind"])')."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        looked_up = (node.func.value, node.args[:1]) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "get" else (node.value, [node.slice]) if isinstance(node, ast.Subscript) else (None, [])
        table, key = looked_up
        if isinstance(table, ast.Dict) and any(isinstance(k, ast.Constant) and k.value in KINDS for k in table.keys) \
                and any("kind" in ast.unparse(k) for k in key):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(table)}")
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
    planted.write_text('def g(s):\n    return {"audio": "frames", "image": "patches"}.get(s.get("kind"), "tokens")\n')
    assert kind_tests(planted) == ["planted.py:2: {'audio': 'frames', 'image': 'patches'}"]


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


def test_a_documents_items_are_counted_by_its_kinds_entry():
    from attnviz.inputs.kinds import counted
    from attnviz.views.html import default_header

    assert [counted({"kind": k}) for k in ("vectors", "matrix", "audio", "model", "attention")] == \
        ["tokens", "tokens", "frames", "tokens", "tokens"]
    assert counted({"kind": "image", "patch": 4}) == "patches" and counted({"kind": "image", "patch": None}) == "pixels"
    doc = attnviz.analyze(image="demo", size=8).to_dict()
    assert f"{len(doc['tokens'])} pixels" in default_header(doc)  # said "patches" for a picture of pixels


@pytest.mark.parametrize("n, fix", [(15, "drop `top_k` (15 items fit in full matrices)"),
                                    (2_001, "save x.html for an interactive page, or shorten the input to 2,000 items")])
def test_a_top_k_refusal_gives_the_fix_that_fits_the_length(n, fix):
    """15 items with top_k were told to shorten the input to 2,000 items; past 2,000 the summary is automatic."""
    from attnviz.views.checks import check_long

    with pytest.raises(UsageError) as refused:
        check_long(n, True, Request(focus=["a2"]))
    assert str(refused.value).endswith(fix), refused.value


def test_a_page_header_counts_one_item_in_the_singular():
    from attnviz.views.html import default_header

    assert " · 1 pixel · " in default_header(attnviz.analyze(image="demo", size=1).to_dict())
    assert " · 1 patch · " in default_header(attnviz.analyze(image="demo", size=2, patch=2).to_dict())
    assert " · 1 token · " in default_header(attnviz.analyze("ham").to_dict())
    assert " · 2 tokens · " in default_header(attnviz.analyze("ham food").to_dict())
    doc = {"source": {"name": "v", "kind": "vectors"}, "config": {"heads": 1, "top_k": 1}, "tokens": ["a"] * 3}
    assert default_header(doc).endswith(" · 1 head · top 1 key")  # it said "top 1 keys"
    assert default_header({**doc, "config": {"heads": 2, "top_k": 5}}).endswith(" · 2 heads · top 5 keys")
