"""A decoder in every view: causal header, masked future cells, the first-token sink, --generate
marked in the terminal and in JSON, heads --from/--to in the causal order (a tiny random Llama with
grouped-query attention, built with transformers in the session; tests/models/tiny.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import invoke
from tiny import SEED, build

LLAMA = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=128)


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    pytest.importorskip("transformers")
    import transformers

    return build(tmp_path_factory.mktemp("llama") / "tiny-llama", transformers.LlamaConfig(**LLAMA), bos=True)


def run(runner, *args, code=0):
    result = invoke(runner, *args)
    assert result.exit_code == code, result.output
    return result


def test_the_header_says_causal_and_names_the_shared_key_value_heads(runner, llama):
    out = run(runner, "show", "--model", llama, SEED).stdout
    assert "2 layers × 4 heads" in out and "· causal" in out
    assert "4 query heads, 2 key/value heads" in out
    assert "^ first token (sink)" in out and "attention sink: on average" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_future_cells_are_dots_in_the_table_and_null_in_json(runner, llama):
    out = run(runner, "show", "--model", llama, "the ham", "--layer", "2", "--head", "3", "--cells", "numbers").stdout
    lines = out.splitlines()
    start = next(k for k, line in enumerate(lines) if "α′ · row i = query" in line) + 2
    rows = [line.split() for line in lines[start:lines.index("", start)]]
    n = len(rows)
    assert n >= 3 and rows[0][:3] == ["1", "<s>", "1.0"] and rows[0][3:] == ["·"] * (n - 1)  # <s> sees only itself
    for i, row in enumerate(rows[:n]):  # α′ rows: query i + 1 sees keys 1 … i + 1
        assert row[2 + i + 1:] == ["·"] * (n - i - 1) and "·" not in row[2:2 + i + 1]
    doc = json.loads(run(runner, "show", "--model", llama, SEED, "--json").stdout)
    assert doc["config"]["causal"] is True and doc["config"]["kv_heads"] == 2 and doc["config"]["masked"] is True
    for layer in doc["layers"][:-1]:
        for head in layer["heads"]:
            a, w = head["alpha"], np.array(head["alpha_prime"])
            n = len(a)
            assert all(a[i][j] is None for i in range(n) for j in range(i + 1, n))
            assert all(a[i][j] is not None for i in range(n) for j in range(i + 1))
            assert np.all(np.triu(w, 1) == 0) and np.allclose(w.sum(axis=1), 1, atol=1e-5)
            assert head["summary"]["sink"] == pytest.approx(w[1:, 0].mean(), abs=1e-6)
    rollout = np.array(doc["layers"][-1]["heads"][0]["alpha_prime"])
    assert np.all(np.triu(rollout, 1) == 0) and np.allclose(rollout.sum(axis=1), 1, atol=1e-5)


def test_generated_tokens_are_marked_and_are_the_models_greedy_choice(runner, llama):
    import torch
    import transformers

    doc = json.loads(run(runner, "show", "--model", llama, SEED, "--generate", "5", "--json").stdout)
    gen = doc["generated"]
    k = sum(gen)
    assert 1 <= k <= 5 and gen == [False] * (len(gen) - k) + [True] * k and len(doc["tokens"]) == len(gen)
    ref = transformers.AutoModelForCausalLM.from_pretrained(llama, attn_implementation="eager").eval()
    tok = transformers.AutoTokenizer.from_pretrained(llama)
    ids = tok(SEED, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        want = ref.generate(ids, max_new_tokens=5, do_sample=False)[0, ids.shape[1]:].tolist()
    got = [tok.convert_tokens_to_ids(t) for t in tok.convert_ids_to_tokens(want)]
    assert len(want) >= k and want[:k] == got[:k]
    assert doc["text"].startswith(SEED) and len(doc["text"]) > len(SEED)
    out = run(runner, "show", "--model", llama, SEED, "--generate", "5", "--layer", "1", "--head", "1").stdout
    assert "+ written by the model (greedy" in out and "; RoPE)" in out
    from attnviz.views.style import label

    assert label(20, "restaurant+", False, 2).endswith("…+") and label(20, "to+", False, 2) == "21 to+"
    assert sum(1 for line in out.splitlines() if line[:3].strip().isdigit() and "+ " in line[3:20]) >= 2 * k  # α′ and α rows


def test_generate_needs_a_decoder(runner, llama):
    from attnviz.errors import UsageError

    result = invoke(runner, "show", SEED, "--generate", "3")
    assert result.exit_code == 2 and "--generate needs a decoder --model" in result.stderr, result.output
    from attnviz.api import analyze

    with pytest.raises(UsageError, match="`generate` -1"):
        analyze(SEED, model=str(llama), generate=-1)


def test_a_later_key_is_explained_not_ranked(runner, llama):
    ok = run(runner, "heads", "--model", llama, "the ham", "--from", "5", "--to", "2").stdout  # tokens by number
    assert "heads ranked by α′(5" in ok
    ranks = [line.split()[4] for line in ok.splitlines() if line[:3].strip().isdigit()]
    assert ranks and all(r.endswith("/5") for r in ranks), ranks  # query 5 of a decoder sees 5 keys
    result = invoke(runner, "heads", "--model", llama, "the ham", "--from", "2", "--to", "5")
    assert result.exit_code == 2 and "(token 5) comes after --from 2 (token 2)" in result.stderr, result.output
    assert "(--from 5 --to 2)" in result.stderr and result.stderr.count("\n") == 1


def test_the_head_grid_figure_draws_with_masks(runner, llama, tmp_path):
    png = tmp_path / "grid.png"
    run(runner, "show", "--model", llama, SEED, "--generate", "3", "--save", png)
    from PIL import Image

    with Image.open(png) as im:
        assert im.size[0] > 400 and im.size[1] > 300


def test_a_run_that_cannot_fit_is_refused_before_the_forward_pass(runner, llama, monkeypatch):
    from attnviz.analysis import estimate
    from attnviz.models import checkpoint

    ran = []
    monkeypatch.setattr(estimate, "available_bytes", lambda: 200 << 20)
    monkeypatch.setattr(estimate, "MAP_BYTES", 1 << 20)  # as if each kept map were huge
    monkeypatch.setattr(checkpoint.Model, "forward_layers", lambda self, enc: ran.append(1))
    result = invoke(runner, "show", "--model", llama, SEED)
    assert result.exit_code == 2 and not ran, result.output
    assert "α and α′ of 8 heads kept would need about" in result.stderr and "--layer L --head H" in result.stderr
    assert result.stderr.count("\n") == 1


def test_words_of_a_decoder_keep_the_causal_mask(runner, llama):
    """Pooled to words (the tiny vocabulary splits most words into pieces), a later word is masked
    and a word sees itself: α is the mean over the allowed piece pairs."""
    doc = json.loads(run(runner, "show", "--model", llama, SEED, "--words", "--json").stdout)
    n = len(doc["tokens"])
    assert n < 40  # words, not the ~50 pieces
    for layer in doc["layers"][:-1]:
        for head in layer["heads"]:
            a, w = head["alpha"], np.array(head["alpha_prime"])
            assert all(a[i][j] is None for i in range(n) for j in range(i + 1, n))
            assert all(a[i][j] is not None for i in range(n) for j in range(i + 1))
            assert np.all(np.triu(w, 1) == 0) and np.allclose(w.sum(axis=1), 1, atol=1e-5)


def test_a_decoders_document_with_generated_tokens_fits_the_schema(runner, llama):
    import jsonschema

    from conftest import DATA

    schema = json.loads((DATA.parent.parent / "docs" / "attnviz-1.schema.json").read_text())
    doc = json.loads(run(runner, "show", "--model", llama, "the ham", "--generate", "3", "--json").stdout)
    jsonschema.validate(doc, schema)
