"""`--backend transformers` (issue #24): tiny random models built by transformers in the test session,
saved to a directory and read back by attnviz; the views' numbers are transformers' own attentions."""

import json
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import attnviz  # noqa: E402
from attnviz.errors import UsageError  # noqa: E402

WORDS = ["the", "cat", "sat", "on", "mat", "le", "chat", "est", "assis", "a", "dog"]


def save_tokenizer(directory):
    """A word-level tokenizer (tokenizer.json) any model directory can carry: [CLS] … [SEP] around a text."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                                cls_token="[CLS]", sep_token="[SEP]")
    fast.save_pretrained(directory)


def sharpen(model, std=0.8):
    """q/k weights at std 0.8: attention far from uniform (random init at 0.02 makes every head flat)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if any(k in name for k in ("query", "key", ".q.", ".k.", "q_proj", "k_proj")) and p.dim() == 2:
                p.normal_(0.0, std)
    return model


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-bert")
    config = transformers.BertConfig(vocab_size=len(WORDS) + 4, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=32)
    sharpen(transformers.BertModel(config)).save_pretrained(d)
    save_tokenizer(d)
    return d


@pytest.fixture(scope="module")
def bart_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-bart")
    config = transformers.BartConfig(vocab_size=len(WORDS) + 4, d_model=32, encoder_layers=2, decoder_layers=2,
                                     encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64,
                                     decoder_ffn_dim=64, max_position_embeddings=32, pad_token_id=0, bos_token_id=2,
                                     eos_token_id=3, decoder_start_token_id=2)
    sharpen(transformers.BartModel(config)).save_pretrained(d)
    save_tokenizer(d)
    return d


@pytest.fixture(scope="module")
def t5_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-t5")
    config = transformers.T5Config(vocab_size=len(WORDS) + 4, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
                                   num_heads=4, pad_token_id=0, eos_token_id=3, decoder_start_token_id=0)
    sharpen(transformers.T5Model(config)).save_pretrained(d)
    save_tokenizer(d)
    return d


def reference(directory, text, target=None):
    model = transformers.AutoModel.from_pretrained(str(directory), attn_implementation="eager").eval()
    tok = transformers.AutoTokenizer.from_pretrained(str(directory))
    inputs = tok(text, return_tensors="pt")
    kw = {"decoder_input_ids": tok(text_target=target, return_tensors="pt")["input_ids"]} if target else {}
    with torch.no_grad():
        return model(**inputs, **kw, output_attentions=True)


def stack(attentions):
    return np.stack([a[0].numpy() for a in attentions])


def test_an_encoder_equals_transformers_own_attentions(bert_dir):
    r = attnviz.analyze("the cat sat on the mat", model=str(bert_dir), backend="transformers")
    ref = stack(reference(bert_dir, "the cat sat on the mat").attentions)
    np.testing.assert_allclose(r.alpha_prime, ref, atol=1e-6)
    assert ref.max() > 0.6  # not flat
    assert r.tokens == ["[CLS]", "the", "cat", "sat", "on", "the", "mat", "[SEP]"]
    assert r.specials == [True] + [False] * 6 + [True] and r.source.format == "transformers"


@pytest.mark.parametrize("which", ["bart", "t5"])
def test_encoder_decoder_three_views(which, request):
    bart_dir = request.getfixturevalue(f"{which}_dir")
    out = reference(bart_dir, "the cat sat on the mat", "le chat est assis")
    cross = attnviz.analyze("the cat sat on the mat", model=str(bart_dir), backend="transformers", target="le chat est assis")
    assert cross.alpha_prime.shape == (2, 4, 6, 8)  # rectangular: target × source tokens
    np.testing.assert_allclose(cross.alpha_prime, stack(out.cross_attentions), atol=1e-6)
    assert stack(out.cross_attentions).max() > 0.5  # not flat
    assert cross.tokens[1:5] == ["le", "chat", "est", "assis"] and cross.keys[1:7] == "the cat sat on the mat".split()
    enc = attnviz.analyze("the cat sat on the mat", model=str(bart_dir), backend="transformers", target="le chat est assis",
                          part="encoder")
    np.testing.assert_allclose(enc.alpha_prime, stack(out.encoder_attentions), atol=1e-6)
    dec = attnviz.analyze("the cat sat on the mat", model=str(bart_dir), backend="transformers", target="le chat est assis",
                          part="decoder")
    np.testing.assert_allclose(dec.alpha_prime, stack(out.decoder_attentions), atol=1e-6)
    assert dec.config.causal is True and not enc.config.causal


def test_cli_backend_transformers(cli, bart_dir, bert_dir, tmp_path):
    doc = json.loads(cli("show", "--model", bart_dir, "--backend", "transformers", "the cat sat", "--target", "le chat",
                         "--json").stdout)
    assert doc["keys"] == ["[CLS]", "the", "cat", "sat", "[SEP]"] and doc["tokens"] == ["[CLS]", "le", "chat", "[SEP]"]
    out = cli("show", "--model", bert_dir, "--backend", "transformers", "the cat sat", "--layer", "2", "--head", "3").stdout
    assert "layer 2 · head 3/4" in out
    cli("show", "--model", bert_dir, "--backend", "transformers", "the cat sat", "--save", tmp_path / "v.html",
        "--save", tmp_path / "l.svg", "--view", "lines")


@pytest.mark.parametrize("args, needle", [
    (["--model", "{bart}", "--backend", "transformers", "the cat"], "is an encoder–decoder: give the decoder's text with --target"),
    (["--model", "{bert}", "--backend", "transformers", "the cat", "--target", "le"], "--target is for an encoder–decoder"),
    (["--model", "{tmp}", "--backend", "transformers", "the cat"], "give a local model directory"),
    (["--model", "{bert}", "--backend", "transformers", "the cat", "--heads", "2"], "does not apply with --backend transformers"),
    (["--model", "{bert}", "--backend", "transformers", "the cat", "--layer", "3"], "--layer 3: the attention has layers 1 … 2"),
    (["--backend", "transformers", "the cat"], "--backend transformers runs a --model"),
])
def test_backend_errors(runner, bert_dir, bart_dir, tmp_path, args, needle):
    from conftest import invoke

    result = invoke(runner, "show", *[a.format(bert=bert_dir, bart=bart_dir, tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and needle in result.output and len(result.output.strip().splitlines()) == 1, result.output


def test_without_the_extra_one_line_says_how_to_install(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    code = ("import sys; sys.modules['torch'] = None; import attnviz\n"
            "try:\n    attnviz.analyze('the cat', model=sys.argv[1], backend='transformers')\n"
            "except attnviz.errors.UsageError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True).stdout
    assert "pip install 'attnviz[transformers]'" in out and len(out.strip().splitlines()) == 1


def test_numpy_families_never_import_torch():
    code = ("import sys, attnviz; attnviz.analyze('the cat', model='minilm'); "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if "not installed" in run.stderr or run.returncode:
        pytest.skip("the MiniLM model is not installed")
    assert run.stdout.strip() == "[]"
