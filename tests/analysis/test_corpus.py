"""Corpora (#16 item 6): head summaries over sentences, batched through the numpy encoder.

References: a naive loop over one α′ matrix, one-at-a-time runs through the unbatched encoder
(attention.attend_head + summaries.head_summary), and transformers + torch (output_attentions=True)."""

import io
import json
import unicodedata

import numpy as np
import pytest

from attnviz.errors import UsageError
from conftest import SEED, invoke
from installed import minilm_dir
from samples import SENTENCES

KEYS = ("entropy", "cls", "sep", "self", "prev", "next", "punct")


def loop_summary(a, specials, punct):
    """One α′ [n, n] in numbers, as the docs say, by loops: mean over rows (prev/next over n − 1 rows)."""
    n = len(a)
    ent = sum(-sum(x * np.log2(x) for x in row if x > 0) for row in a) / n
    cls = sum(a[i][0] for i in range(n)) / n if specials[0] else 0.0
    sep = sum(a[i][j] for i in range(n) for j in range(1, n) if specials[j]) / n
    self_ = sum(a[i][i] for i in range(n)) / n
    prev = sum(a[i][i - 1] for i in range(1, n)) / (n - 1) if n > 1 else 0.0
    nxt = sum(a[i][i + 1] for i in range(n - 1)) / (n - 1) if n > 1 else 0.0
    pun = sum(a[i][j] for i in range(n) for j in range(n) if punct[j]) / n
    return [ent, cls, sep, self_, prev, nxt, pun]


def is_punct(token):
    return all(unicodedata.category(c).startswith("P") for c in token)


def test_batch_summaries_against_a_loop():
    from attnviz.analysis.corpus import batch_summaries

    rng = np.random.default_rng(3)
    lengths = np.array([5, 1, 3, 7])
    L, H = 7, 2
    a = np.zeros((4, H, L, L), dtype=np.float32)
    specials, puncts = [], []
    for b, n in enumerate(lengths):
        a[b, :, :n, :n] = rng.dirichlet(np.ones(n), size=(H, n))
        a[b, :, n:, :n] = rng.dirichlet(np.ones(n), size=(H, L - n))  # padded query rows: must not count
        specials.append([True] + [False] * (n - 2) + [True] if n > 1 else [True])
        puncts.append([False] + list(rng.random(n - 1) < 0.3) if n > 1 else [False])
    sep = np.zeros((4, L), bool)
    punct = np.zeros((4, L), bool)
    for b, n in enumerate(lengths):
        sep[b, 1:n] = specials[b][1:]
        punct[b, :n] = puncts[b]
    got = batch_summaries(a, lengths, np.array([s[0] for s in specials]), sep, punct)
    for b, n in enumerate(lengths):
        for h in range(H):
            np.testing.assert_allclose(got[b, h], loop_summary(a[b, h, :n, :n].astype(float), specials[b], puncts[b]), atol=1e-6)


def test_batches_cover_every_text_once_in_length_order():
    from attnviz.analysis.corpus import BATCH_CELLS, BATCH_MAX, batches

    lengths = np.random.default_rng(0).integers(3, 512, 300)
    groups = batches(lengths)
    flat = np.concatenate(groups)
    assert sorted(flat.tolist()) == list(range(300))
    assert np.all(np.diff(lengths[flat]) >= 0)
    for g in groups:
        assert len(g) <= BATCH_MAX and (len(g) == 1 or len(g) * lengths[g].max() ** 2 <= BATCH_CELLS)


@pytest.fixture(scope="module")
def corpus_runs():
    minilm_dir()
    from attnviz.analysis.corpus import analyze_corpus, corpus_of

    corpus = corpus_of(SENTENCES)
    return (analyze_corpus(corpus, source="it", target="is"),
            analyze_corpus(corpus, source="it", target="is", batch=False))


def test_batched_equals_one_at_a_time(corpus_runs):
    batched, single = corpus_runs
    np.testing.assert_allclose(batched.mean, single.mean, atol=2e-6)
    np.testing.assert_allclose(batched.sd, single.sd, atol=2e-6)
    np.testing.assert_allclose(batched.pair.mean, single.pair.mean, atol=2e-6)
    assert (batched.pair.sentences, batched.pair.source_sentences, batched.pair.target_sentences) == (2, 4, 2)
    assert batched.tokens == single.tokens


def test_chunks_do_not_change_the_result(corpus_runs, monkeypatch):
    """The corpus is read CHUNK sentences at a time (bounded memory); sums over chunks are the same
    (up to float32 rounding: other chunks make other batches, padded to other lengths)."""
    from attnviz.analysis import corpus as module

    monkeypatch.setattr(module, "CHUNK", 3)
    chunked = module.analyze_corpus(module.corpus_of(SENTENCES), source="it", target="is")
    np.testing.assert_allclose(chunked.mean, corpus_runs[0].mean, atol=2e-6)
    np.testing.assert_allclose(chunked.sd, corpus_runs[0].sd, atol=2e-6)
    np.testing.assert_allclose(chunked.pair.mean, corpus_runs[0].pair.mean, atol=2e-6)
    assert (chunked.pair.sentences, chunked.pair.source_sentences, chunked.tokens) == (2, 4, corpus_runs[0].tokens)


def test_batched_equals_the_unbatched_encoder_and_a_loop(corpus_runs):
    """Mean over sentences of summaries computed from analyze_model (attend_head, one text at a time)."""
    from attnviz.analysis.model import analyze_model

    per = []
    for s in SENTENCES:
        m = analyze_model(s, "minilm")
        punct = [not sp and is_punct(t) for t, sp in zip(m.tokens, m.specials)]
        per.append([[loop_summary(h.alpha_prime.astype(float), m.specials, punct) for h in layer.heads] for layer in m.layers])
        for (ln, hn), s_ in m.summaries.items():  # and the single-text head_summary agrees on the shared keys
            np.testing.assert_allclose([s_[k] for k in KEYS[:6]], per[-1][ln - 1][hn - 1][:6], atol=1e-5)
    np.testing.assert_allclose(corpus_runs[0].mean, np.mean(per, axis=0), atol=2e-6)


def test_parity_of_aggregates_with_transformers(corpus_runs):
    torch = pytest.importorskip("torch", reason="transformers + torch are the parity reference")
    transformers = pytest.importorskip("transformers", reason="transformers + torch are the parity reference")
    path = str(minilm_dir())
    tok = transformers.AutoTokenizer.from_pretrained(path)
    ref = transformers.AutoModel.from_pretrained(path, attn_implementation="eager").eval()
    per, pair = [], []
    for s in SENTENCES:
        enc = tok(s, return_tensors="pt", return_special_tokens_mask=True)
        specials = enc.pop("special_tokens_mask")[0].bool().tolist()
        tokens = tok.convert_ids_to_tokens(enc["input_ids"][0])
        with torch.no_grad():
            att = [a[0].double().numpy() for a in ref(**enc, output_attentions=True).attentions]
        punct = [not sp and is_punct(t) for t, sp in zip(tokens, specials)]
        per.append([[loop_summary(h, specials, punct) for h in layer] for layer in att])
        it = [i for i, t in enumerate(tokens) if t == "it"]
        is_ = [j for j, t in enumerate(tokens) if t == "is"]
        if it and is_:  # one-piece words: word α′ is the token α′, mean over occurrence pairs
            pair.append([[np.mean([h[i, j] for i in it for j in is_]) for h in layer] for layer in att])
    np.testing.assert_allclose(corpus_runs[0].mean, np.mean(per, axis=0), atol=1e-4)
    np.testing.assert_allclose(corpus_runs[0].pair.mean, np.mean(pair, axis=0), atol=1e-4)


def test_pair_pools_word_pieces():
    """Word-level α′: summed over the key word's pieces, averaged over the query word's."""
    from attnviz.analysis.corpus import pair_value

    a = np.random.default_rng(1).dirichlet(np.ones(6), size=(2, 6))
    got = pair_value(a, [[1, 2]], [[4], [0, 5]])
    want = [np.mean([(a[h, 1, 4] + a[h, 2, 4]) / 2, (a[h, 1, 0] + a[h, 1, 5] + a[h, 2, 0] + a[h, 2, 5]) / 2]) for h in range(2)]
    np.testing.assert_allclose(got, want)
    assert pair_value(a, [[3]], [[3]]) is None  # a word is not its own partner


def test_progress_writes_plain_lines_when_stderr_is_not_a_terminal():
    from attnviz.views.corpus import Progress

    err = io.StringIO()
    with Progress(err, "sentences", every=0.0) as advance:
        for _ in range(4):
            advance(25, 100)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("attnviz: 25/100 sentences (25%)") and len(lines) == 3  # none at 100/100


def write(tmp_path, text, name="corpus.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


def test_heads_file_json_and_table(cli, tmp_path):
    minilm_dir()
    path = write(tmp_path, "\n".join(SENTENCES[:4]) + "\n\n   \n" + SEED + "\n")
    doc = json.loads(cli("heads", "--file", path, "--from", "it", "--to", "restaurant", "--json").stdout)
    assert doc["schema"] == "attnviz-corpus-heads/1" and doc["sentences"] == 5 and doc["blank_lines"] == 2
    assert doc["pair_sentences"] == 2 and doc["from_sentences"] == 3 and doc["to_sentences"] == 2
    ranked = [h["alpha_prime"] for h in doc["heads"]]
    assert len(ranked) == 72 and ranked == sorted(ranked, reverse=True)
    assert set(doc["heads"][0]["summary"]) == set(KEYS)
    out = cli("heads", "--file", path, "--from", "it", "--to", "restaurant").stdout
    assert "ranked by mean α′(it → restaurant)" in " ".join(out.split()) and max(len(l) for l in out.splitlines()) <= 80
    plain = cli("heads", "--file", path).stdout
    assert "punct" in plain and len([l for l in plain.splitlines() if l.strip()[:1].isdigit()]) == 72


@pytest.mark.parametrize("content,args,needle", [
    ("\n  \n\n", [], "has no sentences"),
    ("", [], "has no sentences"),
    (b"caf\xe9\n", [], "not UTF-8"),
    ("It rains.\n" + "word " * 600 + "\nOK.\n", [], "line 2 is 602 tokens long"),
    ("It rains.\nThe sun.\n", ["--from", "zebra", "--to", "sun"], "'zebra' occurs in none of the 2 sentences"),
    ("It rains.\nThe sun.\n", ["--from", "it", "--to", "sun"], "never occur in the same sentence"),
    ("It rains.\n", ["--from", "it"], "give both --from and --to"),
    ("It rains.\n", ["--words"], "--words goes with one text"),
])
def test_corpus_errors(runner, tmp_path, content, args, needle):
    minilm_dir()
    result = invoke(runner, "heads", "--file", write(tmp_path, content), *args)
    assert result.exit_code == 2 and needle in result.stderr and result.stderr.count("\n") == 1, result.output


def test_heads_needs_a_text_or_a_file(runner, tmp_path):
    result = invoke(runner, "heads")
    assert result.exit_code == 2 and "--file" in result.stderr
    result = invoke(runner, "heads", "x", "--file", write(tmp_path, "x\n"))
    assert result.exit_code == 2 and "not both" in result.stderr
    result = invoke(runner, "heads", "--file", str(tmp_path / "missing.txt"))
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_show_lines_writes_one_document_per_sentence(cli, tmp_path):
    minilm_dir()
    from schemas import schema_validator

    path = write(tmp_path, SENTENCES[1] + "\n\n" + SENTENCES[3] + "\n")
    result = cli("show", "--model", "minilm", "--file", path, "--lines", "--json")
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["text"] for d in docs] == [SENTENCES[1], SENTENCES[3]] and "1 blank line skipped" in result.stderr
    alone = json.loads(cli("show", "--model", "minilm", SENTENCES[3], "--json").stdout)
    assert docs[1] == alone
    for d in docs:
        schema_validator().validate(d)
    words = [json.loads(line) for line in cli("show", "--file", path, "--lines", "--json").stdout.splitlines()]
    assert [d["source"]["kind"] for d in words] == ["vectors", "vectors"]


@pytest.mark.parametrize("args,needle", [
    (["--lines"], "add --json"),
    (["--lines", "--json", "--top-k", "2"], "--top-k does not go with --lines"),
])
def test_show_lines_errors(runner, tmp_path, args, needle):
    result = invoke(runner, "show", "--model", "minilm", "--file", write(tmp_path, "It rains.\n"), *args)
    assert result.exit_code == 2 and needle in result.stderr, result.output
    result = invoke(runner, "show", "--model", "minilm", "It rains.", "--lines", "--json")
    assert result.exit_code == 2 and "give --file" in result.stderr


def test_show_lines_refuses_an_over_long_line_before_writing(runner, tmp_path):
    minilm_dir()
    result = invoke(runner, "show", "--model", "minilm", "--file", write(tmp_path, "Fine.\n" + "word " * 600 + "\n"), "--lines", "--json")
    assert result.exit_code == 2 and "line 2 is 602 tokens" in result.stderr and result.stdout == ""


def test_empty_corpus_in_the_library():
    from attnviz.analysis.corpus import corpus_of

    with pytest.raises(UsageError, match="no sentences"):
        corpus_of(["", "  "])


@pytest.mark.parametrize("command", [["heads"], ["show", "--lines", "--json"]])
@pytest.mark.parametrize("content,needle", [
    (b"It rains.\nThe s\x00un.\n", "a NUL byte at byte 15: this is not a text file"),
    (b"It rains.\n" * 500, "over 4,096 bytes, the most one run reads"),
])
def test_corpus_files_are_read_as_show_reads_them(runner, tmp_path, monkeypatch, command, content, needle):
    """A corpus goes through stream.text_chunks: NUL bytes (a binary file, /dev/zero) and files over
    the cap (pipes and devices too) are one line, before the model runs."""
    from attnviz.analysis import corpus
    from attnviz.inputs import textfile  # the reader of stream.text_chunks and its cap

    monkeypatch.setattr(textfile, "MAX_LINES_BYTES", 4096)
    monkeypatch.setattr(corpus, "analyze_corpus", lambda *a, **k: pytest.fail("the model ran"))
    result = invoke(runner, *command, "--file", write(tmp_path, content))
    assert result.exit_code == 2 and needle in result.stderr and result.stderr.count("\n") == 1, result.output


@pytest.mark.parametrize("line,message", [
    ("yes 'the cat sat' | {attnviz} heads --file /dev/stdin", "--file /dev/stdin: over {cap} MB, the most one run reads; split the text into parts"),
    ("{attnviz} heads --file /dev/zero", "--file /dev/zero: a NUL byte at byte 0: this is not a text file"),
    ("{attnviz} show --file /dev/zero --lines --json", "--file /dev/zero: a NUL byte at byte 0: this is not a text file"),
])
def test_endless_corpus_files_end_in_one_line(line, message):
    """Files with no end (a pipe, /dev/zero) end with the cap's or the NUL byte's message; in a
    subprocess whose memory is limited (ulimit -v 4 GB), so a regression fails instead of filling the machine."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from attnviz.inputs.textfile import MAX_LINES_BYTES

    root = Path(__file__).resolve().parents[2]
    command = "ulimit -v 4000000; " + line.format(attnviz=f"{sys.executable} -m attnviz")
    p = subprocess.run(["bash", "-c", command], capture_output=True, cwd=root, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(root)})
    assert p.returncode == 2, p.stderr
    assert p.stderr.decode().strip().splitlines() == ["attnviz: error: " + message.format(cap=MAX_LINES_BYTES >> 20)]


def test_a_byte_order_mark_is_not_part_of_the_first_sentence(tmp_path):
    from attnviz.analysis.corpus import read_corpus

    c = read_corpus(write(tmp_path, "\ufeffIt rains.\r\nThe sun.\r\n".encode()))
    assert c.lines == ["It rains.", "The sun."] and c.numbers == [1, 2]


@pytest.mark.parametrize("chunk", [4096, 2])
@pytest.mark.parametrize("pair,needle", [
    (["--from", "zzzz", "--to", "qqqq"], "'zzzz' occurs in none of the 5 sentences"),
    (["--from", "it", "--to", "qqqq"], "'qqqq' occurs in none of the 5 sentences"),
    (["--from", "it", "--to", "sun"], "'it' (2 sentences) and 'sun' (1 sentences) never occur in the same sentence"),
])
def test_pair_words_are_found_before_the_model_runs(runner, tmp_path, monkeypatch, chunk, pair, needle):
    """`heads --file corpus_1000.txt --from zzzz --to qqqq` ran the model over the whole corpus (12 s)
    before saying so: the words are looked up by the tokenizer first, in every chunk."""
    minilm_dir()
    from attnviz.analysis import corpus
    from attnviz.models import bert as encoder

    monkeypatch.setattr(corpus, "CHUNK", chunk)
    monkeypatch.setattr(encoder, "forward_batch", lambda *a, **k: pytest.fail("the model ran"))
    path = write(tmp_path, "It rains.\nThe sun.\nRain again.\nAnd it stops.\nFine.\n")
    result = invoke(runner, "heads", "--file", path, *pair)
    assert result.exit_code == 2 and needle in result.stderr and result.stderr.count("\n") == 1, result.output


def test_a_word_is_found_whatever_space_its_token_covers():
    """Byte-level BPE tokenizers without trim_offsets (GPT-2's, SmolLM2's) give “ restaurant” the
    offsets of its leading space: the word is still found (heads --file --model smollm2 --to restaurant)."""
    from attnviz.analysis.corpus import occurrences
    from attnviz.models.checkpoint import Encoded

    text = "The restaurant, it"
    enc = Encoded(["The", "Ġrestaurant", ",", "Ġit"], np.arange(4), np.zeros(4, dtype=int), [0, 1, 2, 3],
                  [(0, 3), (3, 14), (14, 15), (15, 18)])
    assert occurrences(enc, text, "restaurant") == [[1]] and occurrences(enc, text, "it") == [[3]]
