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
