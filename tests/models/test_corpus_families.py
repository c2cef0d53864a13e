"""heads --file with a family that has no batched path (a decoder: sentence by sentence through
forward_layers): the same summaries as one text at a time, and a decoder's own — the first-token
sink instead of [CLS]/[SEP] and the next token it cannot see."""

import json

import numpy as np
import pytest

from attnviz.analysis.summaries import head_summary
from conftest import invoke
from tiny import TEXTS, build

LINES = TEXTS + ["It rains.", "a"]


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("torch")
    config = transformers.LlamaConfig(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                                      num_key_value_heads=2, max_position_embeddings=128)
    return build(tmp_path_factory.mktemp("corpus") / "llama", config, bos=False)


def test_a_decoder_corpus_is_its_sentences_one_at_a_time(llama):
    from attnviz.analysis.corpus import analyze_corpus, corpus_of
    from attnviz.analysis.model import analyze_model

    result = analyze_corpus(corpus_of(LINES), str(llama))
    assert result.causal and result.keys[-1] == "sink" and result.mean.shape == (2, 4, 8)
    per = []
    for line in LINES:
        m = analyze_model(line, str(llama))
        per.append([[head_summary(h.alpha_prime, m.specials, causal=True) for h in layer.heads] for layer in m.layers])
    for key in ("entropy", "self", "prev", "next", "sink"):
        ours = np.array([[result.summary(ln, hn)[key] for hn in range(4)] for ln in range(2)])
        theirs = np.mean([[[s[key] for s in layer] for layer in sentence] for sentence in per], axis=0)
        np.testing.assert_allclose(ours, theirs, atol=2e-6, err_msg=key)
    sink = np.array([[result.summary(ln, hn)["sink"] for hn in range(4)] for ln in range(2)])
    assert sink.max() > 0.3 and (sink != sink.flat[0]).any()  # says something: not 0, not one value


def test_a_decoder_corpus_in_the_terminal_and_json(llama, runner, tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    result = invoke(runner, "heads", "--file", path, "--model", llama)
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if line.lstrip().startswith("#"))
    assert header.split() == ["#", "L", "H", "bits", "first", "self", "prev", "punct"]
    doc = json.loads(invoke(runner, "heads", "--file", path, "--model", llama, "--json").stdout)
    assert set(doc["heads"][0]["summary"]) == {"entropy", "cls", "sep", "self", "prev", "next", "punct", "sink"}


ORDERED = ["The restaurant was closed, so it was quiet.", "It was the restaurant.", "The restaurant, it said, and it left."]


def reference_pair(path, line: str, source: str, target: str) -> np.ndarray | None:
    """Word-level α′(source → target) of one line [layers, heads] from transformers' eager attentions;
    a word's pieces by the tokenizer's character offsets; only pairs with the target first (causal)."""
    import re

    import torch
    import transformers

    tok = transformers.AutoTokenizer.from_pretrained(path)
    model = transformers.AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager").eval()
    enc = tok(line, return_offsets_mapping=True, return_tensors="pt")
    with torch.no_grad():
        att = torch.stack(model(input_ids=enc["input_ids"], output_attentions=True).attentions)[:, 0].double().numpy()
    offsets = enc["offset_mapping"][0].tolist()

    def pieces(word):
        spans = [m.span() for m in re.finditer(rf"\b{word}\b", line, re.IGNORECASE)]
        return [[k for k, (a, b) in enumerate(offsets) if b > s and a < e] for s, e in spans]

    pairs = [(u, v) for u in pieces(source) for v in pieces(target) if v[0] < u[0]]
    if not pairs:
        return None
    return np.mean([att[:, :, u][:, :, :, v].sum(axis=-1).mean(axis=-1) for u, v in pairs], axis=0)


def test_a_decoder_pair_counts_only_sentences_with_the_target_first(llama, runner, tmp_path):
    """heads --file --from it --to restaurant on a decoder: a sentence with "restaurant" only after "it"
    gives every head 0 (masked), so it is left out of the mean and counted apart (ranked .00 before)."""
    from attnviz.analysis.corpus import analyze_corpus, corpus_of

    result = analyze_corpus(corpus_of(ORDERED), str(llama), "it", "restaurant")
    refs = [reference_pair(str(llama), line, "it", "restaurant") for line in ORDERED]
    kept = [r for r in refs if r is not None]
    assert result.pair.sentences == len(kept) == 2 and result.pair.unseen == 1
    np.testing.assert_allclose(result.pair.mean, np.mean(kept, axis=0), atol=2e-5)
    assert result.pair.mean.max() > 0.2  # the mean of the ordered pairs, not diluted by masked zeros
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(ORDERED) + "\n", encoding="utf-8")
    doc = json.loads(invoke(runner, "heads", "--file", path, "--model", llama, "--from", "it", "--to", "restaurant", "--json").stdout)
    assert doc["pair_sentences"] == 2 and doc["pair_sentences_skipped"] == 1
    table = invoke(runner, "heads", "--file", path, "--model", llama, "--from", "it", "--to", "restaurant")
    assert table.exit_code == 0 and "1 more sentence has both words but “restaurant” only after “it”" in table.stdout, table.output


def test_a_decoder_pair_never_in_order_is_explained(llama, runner, tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("It was the restaurant.\nIt was the restaurant.\n", encoding="utf-8")
    result = invoke(runner, "heads", "--file", path, "--model", llama, "--from", "it", "--to", "restaurant")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "--to 'restaurant' comes after --from 'it' in all 2 sentences" in result.stderr
    assert "attends only to itself and earlier tokens" in result.stderr and "(--from restaurant --to it)" in result.stderr
    assert invoke(runner, "heads", "--file", path, "--model", llama, "--from", "restaurant", "--to", "it").exit_code == 0
