"""Results carry typed configs (analysis/config.py): fields for the views, to_dict() for the JSON.

The JSON `config` must stay byte-identical to the dicts written before the types, so each type's
to_dict() is checked against the dict built the old way; and no view or analysis module reads a
config or a source as a dict any more (except the files still PENDING)."""

import ast
import json
from dataclasses import asdict, fields, replace
from pathlib import Path

import numpy as np
import pytest

from attnviz.analysis.config import ModelConfig, VectorSetConfig
from attnviz.analysis.given import view_analysis
from attnviz.analysis.results import LongAnalysis, LongResult, LongSummary
from attnviz.options import Options, option_names

ROOT = Path(__file__).resolve().parents[2] / "attnviz"
PENDING: set[str] = set()
SOURCE_PENDING = False


def old_vector_cfg(opts: Options, **resolved) -> dict:
    """The JSON config as analysis.vectorset.resolve built it before the types."""
    cfg = {k: v for k, v in asdict(opts).items() if k != "trust_pickle"}
    cfg.update(**resolved)
    return cfg


def test_vector_set_config_fields_are_options_fields_in_order():
    ours = [f.name for f in fields(VectorSetConfig)]
    theirs = [n for n in option_names() if n != "trust_pickle"]
    assert ours[:len(theirs)] == theirs, "VectorSetConfig must list Options' fields first, in Options' order (the JSON order)"


@pytest.mark.parametrize("top_k", [None, 4])
def test_vector_set_config_round_trips_to_the_old_dict(top_k):
    opts = Options(heads=2, window=1, score="additive", temperature=0.5)
    extra = dict(projection="random", d_v=3, has_wo=True, temperature_auto=False, d_a=7)
    old = {**old_vector_cfg(opts, **extra), "masked": True, **({"top_k": top_k} if top_k else {})}
    typed = VectorSetConfig(**old_vector_cfg(opts, **extra), masked=True, top_k=top_k)
    assert json.dumps(typed.to_dict()) == json.dumps(old)  # same keys, same order, same omissions
    assert typed.heads == 2 and typed.window == 1 and typed.to_dict() == old and typed.score == "additive"


def test_a_dense_analysis_config_is_typed_and_its_json_has_no_top_k(seed_analysis):
    c = seed_analysis.config
    assert isinstance(c, VectorSetConfig) and "top_k" not in c.to_dict()
    assert list(c.to_dict())[-4:] == ["d_v", "has_wo", "temperature_auto", "masked"]


def test_model_config_omits_a_decoders_keys_for_an_encoder():
    base = dict(model="m", path="p", words=False, layer=None, head=None, layers=2, heads=4, d_k=8, score="scaled-dot",
                normalize="softmax", temperature=1.0, temperature_auto=False, input_norm="model", projection="model",
                seed=None, weights=None, has_wo=True, masked=False)
    assert ModelConfig(**base).to_dict() == base and list(ModelConfig(**base).to_dict()) == list(base)
    decoder = {**base, "masked": True, "family": "llama", "causal": True, "kv_heads": 2, "generate": 3, "prompt_chars": 9,
               "positions": "rotary"}
    typed = ModelConfig(**decoder)
    assert list(typed.to_dict().items()) == list(decoder.items()) and typed.kv_heads_or_heads == 2
    assert ModelConfig(**base).kv_heads_or_heads == 4


@pytest.mark.parametrize("scores,causal,cross", [(False, False, False), (True, True, False), (False, False, True)])
def test_given_attention_config_is_the_old_dict(scores, causal, cross):
    n = 3
    w = np.tril(np.ones((n, n))) if causal else np.ones((n, n))
    w = w / w.sum(axis=1, keepdims=True)
    a = np.where(w > 0, np.log(np.where(w > 0, w, 1)), -np.inf) if scores else w
    labels = dict(queries=["x", "y", "z"], keys=["p", "q", "r"]) if cross else dict(tokens=["a", "b", "c"])
    cfg = view_analysis(a, scores=scores, name="n", **labels).config
    old = {"model": "n", "path": None, "words": False, "layer": 1, "head": 1, "layers": 1, "heads": 1, "d_k": None,
           "score": "given" if scores else None, "normalize": "softmax" if scores else "given", "temperature": 1.0,
           "temperature_auto": False, "input_norm": None, "projection": None, "seed": None, "weights": None,
           "has_wo": False, "masked": causal, "given": "scores" if scores else "weights",
           **({"family": None, "causal": True, "kv_heads": 1, "generate": 0} if causal else {}),
           **({"cross": True} if cross else {})}
    assert json.dumps(cfg.to_dict()) == json.dumps(old)


def test_a_long_analysis_and_a_streamed_summary_are_one_long_result(long_analysis):
    """render_long reads the same fields of both: no hasattr, no conversion."""
    names = set(LongResult.__annotations__)
    summary = LongSummary(long_analysis.n, long_analysis.config, long_analysis.source, long_analysis.summaries,
                          long_analysis.examples)
    for result in (long_analysis, summary):
        assert all(hasattr(result, name) for name in names), names
    assert long_analysis.n == len(long_analysis.tokens) and long_analysis.config.top_k == 3
    assert len(long_analysis.examples) == min(8, long_analysis.n) and len(long_analysis.summaries) == 2


def dict_reads(tree: ast.AST) -> list[int]:
    """Lines that read a config (or, once sources are typed, a source) as a dict: x.config[…],
    x.config.get(…), or a name bound to x.config then subscripted / .get."""
    attrs = {"config"} if SOURCE_PENDING else {"config", "source"}
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = [t for tgt in node.targets for t in (tgt.elts if isinstance(tgt, ast.Tuple) else [tgt])]
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for t, v in zip(targets, values):
                if isinstance(t, ast.Name) and isinstance(v, ast.Attribute) and v.attr in attrs:
                    bound.add(t.id)
        if isinstance(node, ast.arg) and node.arg == "config":
            bound.add("config")

    def is_config(e):
        return (isinstance(e, ast.Attribute) and e.attr in attrs) or (isinstance(e, ast.Name) and e.id in bound)

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_config(node.value):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and is_config(node.func.value):
            lines.append(node.lineno)
    return lines


def test_no_view_or_analysis_module_reads_a_config_as_a_dict():
    found = {}
    for path in sorted((ROOT / "views").glob("*.py")) + sorted((ROOT / "analysis").glob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in PENDING:
            continue
        lines = dict_reads(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[rel] = lines
    assert not found, f"read the typed config's fields instead: {found}"


def test_the_dict_read_finder_finds_them():
    assert dict_reads(ast.parse("def f(a):\n    c = a.config\n    return c['heads']")) == [3]
    assert dict_reads(ast.parse("def f(a):\n    return a.config.get('causal')")) == [2]
    assert dict_reads(ast.parse("def f(config):\n    return config['x']")) == [2]
    assert dict_reads(ast.parse("def f(a):\n    return a.config.heads")) == []


@pytest.fixture(scope="module")
def seed_analysis():
    from attnviz.analysis.vectorset import analyze_sequence
    from attnviz.inputs.matrix import matrix_sequence

    seq = matrix_sequence(np.random.default_rng(0).normal(size=(5, 4)))
    return analyze_sequence(seq, Options(), "none")


@pytest.fixture(scope="module")
def long_analysis():
    from attnviz.analysis.vectorset import analyze_long
    from attnviz.inputs.matrix import matrix_sequence

    seq = matrix_sequence(np.random.default_rng(0).normal(size=(40, 4)))
    result = analyze_long(seq, Options(heads=2), "none", top_k=3)
    assert isinstance(result, LongAnalysis)
    return result
