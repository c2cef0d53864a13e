"""Results carry typed configs (analysis/config.py): fields for the views, to_dict() for the JSON.

The JSON `config` must stay byte-identical to the dicts written before the types, so each type's
to_dict() is checked against the dict built the old way; and no view or analysis module reads a
config or a source as a dict any more (except the files still PENDING)."""

import ast
import json
from dataclasses import asdict, fields, replace
from pathlib import Path
from types import SimpleNamespace

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


# --- sources (inputs/sources.py): to_dict() is the JSON `source`, as the builders wrote it before the types ---

def test_text_and_matrix_sources_are_the_old_dicts(tmp_path):
    from attnviz.inputs.matrix import matrix_sequence
    from attnviz.inputs.sources import MatrixSource, TextSource
    from attnviz.inputs.text import text_sequence

    np.save(tmp_path / "x.npy", np.ones((3, 2)))
    seq = matrix_sequence(tmp_path / "x.npy")
    assert isinstance(seq.source, MatrixSource) and seq.source.dim == 2
    assert json.dumps(seq.source.to_dict()) == json.dumps({"kind": "matrix", "name": "x.npy", "dim": 2, "format": "npy"})
    seq, _ = text_sequence("the cat sat", embedding="onehot")
    assert isinstance(seq.source, TextSource)
    assert json.dumps(seq.source.to_dict()) == json.dumps({"kind": "vectors", "name": seq.source.name, "dim": 3, "format": "onehot"})


def test_an_audio_source_keeps_its_keys_order_and_nested_padding():
    from attnviz.inputs.audio import PADDING_RULE, audio_sequence
    from attnviz.inputs.sources import AudioSource

    y = np.sin(np.arange(8000) / 5.0).astype(np.float32)  # 0.5 s at 16 kHz
    s = audio_sequence(y, sample_rate=16000).source
    assert isinstance(s, AudioSource) and s.hop_s == 0.01 and s.padding.rule == PADDING_RULE
    d = s.to_dict()
    assert list(d) == ["kind", "name", "dim", "format", "subtype", "channels", "sample_rate", "n_samples", "duration_s",
                       "frame_ms", "hop_ms", "frame_length", "hop_length", "frame_s", "hop_s", "n_frames", "padding",
                       "features", "feature_params", "standardized", "mono"]
    assert d["kind"] == "audio" and d["padding"] == {"end_samples": (50 - 1) * 160 + 400 - 8000, "rule": PADDING_RULE}


def test_an_image_source_has_items_in_the_middle_and_input_norm_last():
    from attnviz.inputs.image import image_sequence
    from attnviz.inputs.sources import ImageSource
    from attnviz.views.jsondoc import source_of

    seq = image_sequence(np.random.default_rng(0).random((6, 9, 3)), size=9, patch=2)
    s = seq.source
    assert isinstance(s, ImageSource) and (s.rows, s.cols, s.patch) == (3, 4, 2)
    d = s.to_dict()
    assert list(d) == ["kind", "name", "format", "mode", "frames", "original_width", "original_height", "width", "height",
                       "filter", "dim", "items", "patch", "rows", "cols", "resized_width", "resized_height", "cropped",
                       "input_norm"]
    assert (d["kind"], d["items"], d["width"], d["height"], d["cropped"]) == ("image", "patches", 8, 6, [0, 1])
    doc = source_of(SimpleNamespace(source=s, tokens=seq.labels))  # the JSON: `items` becomes the grid, in place
    assert list(doc) == list(d) and doc["items"] == {"row": [0] * 4 + [1] * 4 + [2] * 4, "col": [0, 1, 2, 3] * 3}


def test_a_model_and_given_attention_sources_are_the_old_dicts(tmp_path):
    from attnviz.inputs.given_file import read_saved
    from attnviz.inputs.sources import AttentionSource, ModelSource

    assert ModelSource("m", 8, "gguf").to_dict() == {"kind": "model", "name": "m", "dim": 8, "format": "gguf"}
    w = np.full((2, 2), 0.5)
    np.savez(tmp_path / "a.npz", attention=w, tokens=np.array(["a", "b"]))
    saved = read_saved(str(tmp_path / "a.npz"))
    src = view_analysis(saved.attention, saved.tokens, source=saved.source).source
    assert isinstance(src, AttentionSource)
    assert json.dumps(src.to_dict()) == json.dumps({"kind": "attention", "name": "attention", "dim": None, "format": "npz",
                                                    "path": str(tmp_path / "a.npz")})
    resaved = AttentionSource("n", "json", "p.json", saved=AttentionSource.of("x", {"saved": {"kind": "model", "name": "m"}}).saved)
    assert list(resaved.to_dict().items())[-2:] == [("path", "p.json"), ("saved", {"kind": "model", "name": "m"})]
    media = {"input": "image", "prefix": 1, "rows": 2, "cols": 3}  # a transformers picture model (models/hf_media.py)
    src = view_analysis(w, ["a", "b"], name="vit", source={"format": "transformers", "path": "m", **media}).source
    assert list(src.to_dict().items()) == [("kind", "attention"), ("name", "vit"), ("dim", None), ("format", "transformers"),
                                           ("path", "m"), *media.items()]
    assert src.input == "image" and src.grid() == (1, 2, 3) and view_analysis(w, ["a", "b"]).source.input is None


def test_result_source_is_the_typed_source():
    import attnviz
    from attnviz.inputs.sources import MatrixSource

    r = attnviz.analyze(input=np.eye(3))
    assert isinstance(r.source, MatrixSource) and r.source.name == "array" and json.loads(r.to_json())["source"] == r.source.to_dict()
