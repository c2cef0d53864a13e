"""The BERT family beyond BERT — roberta, xlm-roberta, distilbert, electra — against transformers.

Each family is a tiny random model built with transformers in the test session (2 layers, hidden
48, its own tokenizer trained here with `tokenizers`), weights scaled so that attention is far from
uniform, saved with save_pretrained; attnviz reads it in numpy and must give transformers' eager α′,
tokens and last hidden state.  Skipped when torch or transformers is missing.
"""

import json

import numpy as np
import pytest

from attnviz.errors import AttnvizError
from conftest import SEED, invoke

TEXTS = [SEED, "Colorless green ideas sleep furiously.", "a"]
CORPUS = [SEED, "The food is good.", "It only cooks food, because the restaurant is vegetarian.", "A ham sandwich?",
          "Green ideas sleep.", "The restaurant refused it."]
HIDDEN, HEADS, LAYERS, FFN, POSITIONS = 48, 4, 2, 96, 40
FAMILIES = ("roberta", "xlm-roberta", "distilbert", "electra")


def wordpiece(root):
    """A BERT WordPiece tokenizer over the corpus's words (but two, split into pieces): [CLS] … [SEP],
    [UNK] for the rest.  A fixed vocabulary: tokenizers' WordPiece trainer is not deterministic."""
    import re
    import string

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    words = sorted({w for line in CORPUS for w in re.findall(r"\w+|[^\w\s]", line.lower())} - {"vegetarian", "sandwich"})
    chars = string.ascii_lowercase
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *("##" + c for c in chars), "##ian", "##wich"]
    vocab += [w for w in words if w not in vocab]
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
                                                       special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.decoder = decoders.WordPiece()
    return tok, dict(unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]", mask_token="[MASK]")


def byte_bpe(root):
    """A RoBERTa byte-level BPE tokenizer trained on the corpus: <s> … </s>, <pad> = 1."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=330, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True, add_prefix_space=False)
    return tok, dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>", cls_token="<s>", sep_token="</s>",
                     pad_token="<pad>", mask_token="<mask>")


def build(family: str, root, **extra):
    """family's tiny model and tokenizer saved in root (extra: more config settings); returns root."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tok, specials = (byte_bpe if "roberta" in family else wordpiece)(root)
    vocab = tok.get_vocab_size()
    common = dict(vocab_size=vocab, num_hidden_layers=LAYERS, num_attention_heads=HEADS, hidden_size=HIDDEN,
                  intermediate_size=FFN, hidden_act="gelu")
    if family == "roberta":
        model = transformers.RobertaForMaskedLM(transformers.RobertaConfig(**common, max_position_embeddings=POSITIONS + 2,
                                                                            type_vocab_size=1, pad_token_id=1))
    elif family == "xlm-roberta":
        model = transformers.XLMRobertaModel(transformers.XLMRobertaConfig(**common, max_position_embeddings=POSITIONS + 2,
                                                                            type_vocab_size=1, pad_token_id=1))
    elif family == "distilbert":
        model = transformers.DistilBertModel(transformers.DistilBertConfig(vocab_size=vocab, n_layers=LAYERS, n_heads=HEADS, dim=HIDDEN,
                                                                           hidden_dim=FFN, max_position_embeddings=POSITIONS, **extra))
    else:
        model = transformers.ElectraForPreTraining(transformers.ElectraConfig(**common, embedding_size=32,
                                                                              max_position_embeddings=POSITIONS))
    torch.manual_seed(sum(map(ord, family)))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if extra.get("sinusoidal_pos_embds") and "position_embeddings" in name:
                continue  # the fixed sinusoid transformers wrote, kept
            if name.endswith(("query.weight", "key.weight", "q_lin.weight", "k_lin.weight")):
                p.normal_(0.0, 0.25)  # sharp attention: random init at std 0.02 makes every head flat
            elif "LayerNorm" in name or "layer_norm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.3)
    model.eval().save_pretrained(root, safe_serialization=True)
    transformers.PreTrainedTokenizerFast(tokenizer_object=tok, **specials).save_pretrained(root)
    return root


@pytest.fixture(scope="module", params=FAMILIES)
def tiny(request, tmp_path_factory):
    return build(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope="module")
def reference(tiny):
    transformers = pytest.importorskip("transformers")
    return (transformers.AutoModel.from_pretrained(str(tiny), attn_implementation="eager").eval(),
            transformers.AutoTokenizer.from_pretrained(str(tiny)))


@pytest.mark.parametrize("text", TEXTS)
def test_parity_with_transformers(tiny, reference, text):
    """α′ of every layer and head, the tokens and the last hidden state, as transformers computes them."""
    import torch

    from attnviz.models.checkpoint import encode, forward, open_model

    ref, tok = reference
    m = open_model(str(tiny))
    enc = encode(m, text)
    theirs = tok(text)["input_ids"]
    assert enc.tokens == tok.convert_ids_to_tokens(theirs) and enc.ids.tolist() == theirs
    with torch.no_grad():
        out = ref(torch.tensor([theirs]), output_attentions=True)
    layers, hidden = forward(m, enc)
    ours = np.stack([[h.alpha_prime for h in layer.heads] for layer in layers])  # [layers, heads, n, n]
    np.testing.assert_allclose(ours, np.stack([a[0].numpy() for a in out.attentions]), atol=1e-4, rtol=0)
    np.testing.assert_allclose(hidden, out.last_hidden_state[0].numpy(), atol=1e-4, rtol=0)
    if len(theirs) > 3:
        assert ours.max() > 0.5 and (ours.max(axis=-1) < 0.5).any()  # far from uniform, and not all one-hot


def test_distilbert_with_sinusoidal_positions(tmp_path_factory):
    """sinusoidal_pos_embds: transformers stores the sinusoid as the position table, read like a learned one."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")

    from attnviz.models.checkpoint import encode, forward, open_model

    root = build("distilbert", tmp_path_factory.mktemp("distilbert-sin"), sinusoidal_pos_embds=True)
    m = open_model(str(root))
    table = m.w("embeddings.position_embeddings.weight")
    np.testing.assert_allclose(table[3, :2], [np.sin(3.0), np.cos(3.0)], atol=1e-6)  # position 3, frequency 1
    enc = encode(m, SEED)
    ref = transformers.AutoModel.from_pretrained(str(root), attn_implementation="eager").eval()
    with torch.no_grad():
        out = ref(torch.tensor(enc.ids[None]), output_attentions=True)
    layers, hidden = forward(m, enc)
    for layer, theirs in zip(layers, out.attentions):
        np.testing.assert_allclose(np.stack([h.alpha_prime for h in layer.heads]), theirs[0].numpy(), atol=1e-4, rtol=0)
    np.testing.assert_allclose(hidden, out.last_hidden_state[0].numpy(), atol=1e-4, rtol=0)


def test_json_end_to_end(tiny, cli):
    doc = json.loads(cli("show", "--model", tiny, SEED, "--json").stdout)
    first, last = ("<s>", "</s>") if "roberta" in tiny.name else ("[CLS]", "[SEP]")
    assert doc["tokens"][0] == first and doc["tokens"][-1] == last and doc["special"][0] and doc["special"][-1]
    attention = [layer for layer in doc["layers"] if layer["kind"] == "attention"]
    assert len(attention) == LAYERS and all(len(layer["heads"]) == HEADS for layer in attention)
    for layer in attention:
        for head in layer["heads"]:
            np.testing.assert_allclose(np.sum(head["alpha_prime"], axis=1), 1.0, atol=1e-5)


def test_heads_file_equals_sentence_by_sentence(tiny, cli, tmp_path, monkeypatch):
    """heads --file: the family's batched path (padding + mask) gives what one text at a time gives,
    and so does the path of a family without one (forward_layers, sentence by sentence)."""
    from attnviz.analysis.corpus import analyze_corpus, corpus_of
    from attnviz.models.checkpoint import open_model

    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    doc = json.loads(cli("heads", "--file", path, "--model", tiny, "--from", "it", "--to", "restaurant", "--json").stdout)
    assert doc["sentences"] == len(CORPUS) and len(doc["heads"]) == LAYERS * HEADS
    corpus = corpus_of(CORPUS)
    batched = analyze_corpus(corpus, str(tiny), "it", "restaurant")
    alone = analyze_corpus(corpus, str(tiny), "it", "restaurant", batch=False)
    monkeypatch.setattr(open_model(str(tiny)).family._mod(), "forward_batch", None)
    unbatched = analyze_corpus(corpus, str(tiny), "it", "restaurant")
    for other in (alone, unbatched):
        np.testing.assert_allclose(batched.mean, other.mean, atol=2e-6)
        np.testing.assert_allclose(batched.pair.mean, other.pair.mean, atol=2e-6)
    assert doc["heads"][0]["alpha_prime"] == pytest.approx(batched.pair.mean.max(), abs=1e-6)


def test_views_name_the_models_own_special_tokens_and_fit_80_columns(tiny, cli, tmp_path):
    """RoBERTa's <s> … </s> are named as such in the overview's legend and the heads tables' columns
    (BERT's stay [CLS]/[SEP], CLS and SEP); its Ġ tokens read as words, so --from it finds one."""
    roberta = "roberta" in tiny.name
    out = cli("show", "--model", tiny, SEED).stdout
    assert "strongest links" in out and max(len(line) for line in out.splitlines()) <= 80
    assert ("[ <s>/</s>   = self" if roberta else "[ [CLS]/[SEP]   = self") in out
    columns = "bits  <s>  </s>  self" if roberta else "bits  CLS  SEP  self"
    out = cli("heads", "--model", tiny, SEED, "--from", "it", "--to", "restaurant").stdout
    assert columns in out and ("α′(16 it → 3 restaurant)" if roberta else "α′(17 it → 3 restaurant)") in out
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(CORPUS), encoding="utf-8")
    assert columns in cli("heads", "--model", tiny, "--file", path).stdout


def test_readable_tokens():
    """Byte-level BPE and SentencePiece tokens as their text (a lone space as ␣, a newline as itself);
    WordPiece's and part of a character as they are."""
    from tokenizers import decoders

    from attnviz.models.pieces import readable

    class Tok:
        def __init__(self, decoder):
            self.decoder = decoder

    byte_level = Tok(decoders.ByteLevel())
    tokens = ["<s>", "Ġrestaurant", "Ġ", "Ã©", "ĠðŁ", "Ċ", "</s>"]  # ðŁ: the first two bytes of an emoji
    assert readable(byte_level, tokens, [True, False, False, False, False, False, True]) == [
        "<s>", "restaurant", "␣", "é", "ĠðŁ", "\n", "</s>"]
    assert readable(Tok(decoders.Metaspace()), ["<s>", "▁restaurant", "▁", "s"], [True, False, False, False]) == ["<s>", "restaurant", "␣", "s"]
    assert readable(Tok(decoders.WordPiece()), ["[CLS]", "ham", "##wich"], [True, False, False]) == ["[CLS]", "ham", "##wich"]


def config_with(tiny, tmp_path, **changes):
    """A copy of the tiny model whose config.json has `changes` (None deletes a key)."""
    dst = tmp_path / "model"
    dst.mkdir()
    for f in ("model.safetensors", "tokenizer.json"):
        (dst / f).symlink_to(tiny / f)
    config = json.loads((tiny / "config.json").read_text())
    config.update(changes)
    (dst / "config.json").write_text(json.dumps({k: v for k, v in config.items() if v is not None}))
    return dst


@pytest.mark.parametrize("change,needle", [
    ({"position_embedding_type": "relative_key"}, "position_embedding_type \"relative_key\", which attnviz does not implement"),
    ({"hidden_act": "swish", "activation": "swish"}, "\"swish\", which attnviz does not implement"),
    ({"is_decoder": True}, "is_decoder true, which attnviz does not implement"),
])
def test_settings_it_does_not_compute_are_refused_in_one_line(tiny, runner, tmp_path, change, needle):
    result = invoke(runner, "show", "--model", config_with(tiny, tmp_path, **change), SEED)
    assert result.exit_code == 1 and needle in result.stderr and result.stderr.count("\n") == 1, result.output


def test_config_errors_name_the_familys_own_keys(tiny, tmp_path):
    from attnviz.models.checkpoint import open_model

    keys = {"distilbert": ("dim", "n_heads")}.get(tiny.name.rstrip("0123456789"), ("hidden_size", "num_attention_heads"))
    with pytest.raises(AttnvizError, match=f"{keys[0]} 50 is not divisible by {keys[1]} 4"):
        open_model(str(config_with(tiny, tmp_path, **{keys[0]: 50})))


def test_position_table_of_another_size_is_refused(tiny, tmp_path):
    from attnviz.models.checkpoint import open_model

    with pytest.raises(AttnvizError, match="position_embeddings.weight has .* rows but config.json has max_position_embeddings"):
        open_model(str(config_with(tiny, tmp_path, max_position_embeddings=POSITIONS + 7)))


def test_roberta_positions_count_from_the_padding_id(tmp_path_factory):
    """A 42-row position table holds 40 tokens (ids 2 … 41); the 41st is refused before the table
    runs out, as transformers would index past it."""
    from attnviz.models.checkpoint import encode, open_model
    from attnviz.models.roberta import positions

    assert positions(np.array([[0, 5, 6, 2, 1, 1]]), 1).tolist() == [[2, 3, 4, 5, 1, 1]]
    m = open_model(str(build("roberta", tmp_path_factory.mktemp("roberta-long"))))
    assert m.config.max_positions == POSITIONS
    words = " ".join(["food"] * 60).split()
    fits = next(k for k in range(60, 0, -1) if len(m.tokenizer.encode(" ".join(words[:k])).ids) <= POSITIONS)
    assert len(list(m.forward_layers(encode(m, " ".join(words[:fits]))))) == LAYERS
    with pytest.raises(AttnvizError, match=f"has {POSITIONS} positions \\({POSITIONS - 2} tokens \\+ <s> and </s>\\)"):
        encode(m, " ".join(words[: fits + 1]))


def test_electra_without_its_projection_is_refused(tmp_path_factory):
    from safetensors.numpy import load_file, save_file

    from attnviz.models.checkpoint import encode, open_model

    root = build("electra", tmp_path_factory.mktemp("electra-broken"))
    tensors = {k: v for k, v in load_file(str(root / "model.safetensors")).items() if "embeddings_project" not in k}
    save_file(tensors, str(root / "model.safetensors"))
    m = open_model(str(root))
    with pytest.raises(AttnvizError, match="lacks electra.embeddings_project.weight"):
        m.forward_layers(encode(m, "a"))


def test_page_tooltips_name_the_models_special_tokens(tiny, cli, browser, tmp_path):
    """A thumbnail's tooltip in the HTML page: RoBERTa's shares on <s> and </s> under those names (BERT's
    stay cls and sep)."""
    from browser import open_page
    from browser import hover, read_tip

    page = tmp_path / "model.html"
    cli("show", "--model", tiny, SEED, "--save", page)
    doc = json.loads(cli("show", "--model", tiny, SEED, "--json").stdout)
    open_page(browser, page)
    hover(browser, '.av-thumb[data-layer="1"][data-head="2"]')
    tip, s = read_tip(browser), doc["layers"][1]["heads"][2]["summary"]
    names = ("<s>", "</s>") if "roberta" in tiny.name else ("cls", "sep")
    assert tip[names[0]] == f"{s['cls']:.3f}" and tip[names[1]] == f"{s['sep']:.3f}" and tip["self"] == f"{s['self']:.3f}"
