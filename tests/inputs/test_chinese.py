"""Chinese end to end, the input side (#12): CJK text split by the vectors' own vocabulary, the
advice lines when the vectors or the model do not know the text, a Chinese BERT directory, and
CJK fonts in figures.  tests/data/tiny.zh.w2v.txt is scripts/make_test_vectors_zh.py (its
docstring says which words the vectors link); tests/data/tiny-bert-zh is scripts/make_tiny_bert_zh.py."""

import math
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from attnviz.core import attention as att
from attnviz.errors import AttnvizError
from attnviz.inputs.language import script_of, unk_advice, unknown_advice
from attnviz.inputs.tokens import MAX_WORD, segment, tokenize
from attnviz.inputs.wordvectors import EmbeddedVectors, OneHot, embed, open_vectors
from conftest import DATA, SEED
from reference import naive_head

ZH = DATA / "tiny.zh.w2v.txt"
BERT_ZH = DATA / "tiny-bert-zh"
SENTENCE = "餐厅拒绝给我一个火腿三明治，因为它只做素食。"  # the sentence


@pytest.fixture(scope="module")
def zh():
    return open_vectors(str(ZH))


def read_w2v_text(path) -> dict[str, list[float]]:
    """The file read by hand (no gensim): header line, then `word x1 … xd` per line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    n, d = map(int, lines[0].split())
    table = {parts[0]: [float(x) for x in parts[1:]] for parts in (line.split(" ") for line in lines[1:])}
    assert len(table) == n and all(len(v) == d for v in table.values())
    return table


# --- segmentation --------------------------------------------------------------------------


def test_the_vectors_words_are_single_tokens(zh):
    tokens = tokenize(SENTENCE, vocabulary=zh.contains)
    assert tokens == ["餐厅", "拒绝", "给", "我", "一个", "火腿", "三明治", "因为", "它", "只", "做", "素食"]
    assert "".join(tokens) == SENTENCE.replace("，", "").replace("。", "")


def test_without_a_vocabulary_every_character_is_a_token():
    assert tokenize(SENTENCE) == [c for c in SENTENCE if c not in "，。"]
    assert tokenize(SENTENCE, keep_punct=True) == list(SENTENCE)


@pytest.mark.parametrize("text,expected", [
    ("素食者", ["素食者"]),  # the longest known word, not 素食 + 者
    ("三明", ["三", "明"]),  # 三明 is not in the file: characters
    ("鳕鱼三明治", ["鳕", "鱼", "三明治"]),  # 鳕 and 鱼 unknown altogether: still one token each
    ("餐 厅", ["餐", "厅"]),  # a space the user typed is never crossed
    ("三明治 餐厅", ["三明治", "餐厅"]),
    ("我的BERT模型素食", ["我", "的", "BERT", "模", "型", "素食"]),
    ("it's 素食, OK", ["it's", "素食", "OK"]),
])
def test_longest_match_with_characters_as_fallback(zh, text, expected):
    assert tokenize(text, vocabulary=zh.contains) == expected


def test_matches_are_at_most_max_word_characters():
    nine = "一二三四五六七八九"
    known = {nine[:MAX_WORD], nine}.__contains__
    assert MAX_WORD == 8
    assert tokenize(nine, vocabulary=known) == [nine[:8], "九"]
    assert segment(nine, known, max_word=9) == [nine]


def test_text_without_cjk_never_consults_the_vocabulary():
    def boom(word):
        raise AssertionError(f"looked up {word!r}")

    assert tokenize(SEED, vocabulary=boom) == tokenize(SEED)
    assert tokenize(SEED, True, vocabulary=boom) == tokenize(SEED, True)


def test_kana_punctuation_is_not_part_of_a_run():
    assert tokenize("テレビ・ゲーム", keep_punct=True, vocabulary={"テレビ", "ゲーム"}.__contains__) == ["テレビ", "・", "ゲーム"]


def naive_segment(run: str, known) -> list[str]:
    """Forward maximum matching by its definition: the longest known prefix (≤ MAX_WORD), else a character."""
    if not run:
        return []
    prefixes = [run[:k] for k in range(1, min(len(run), MAX_WORD) + 1) if k == 1 or known(run[:k])]
    return [prefixes[-1]] + naive_segment(run[len(prefixes[-1]):], known)


ALPHABET = "餐厅三明治素食"


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_segmentation_against_its_definition(data):
    text = data.draw(st.text(alphabet=ALPHABET + " ", max_size=30))
    runs = text.split()
    pieces = sorted({r[i:j] for r in runs for i in range(len(r)) for j in range(i + 2, min(len(r), i + MAX_WORD + 1) + 1)})
    words = set(data.draw(st.lists(st.sampled_from(pieces), max_size=12))) if pieces else set()  # words the text has
    words |= data.draw(st.sets(st.text(alphabet=ALPHABET, min_size=2, max_size=4), max_size=4))  # and some it may not
    tokens = tokenize(text, vocabulary=words.__contains__)
    assert tokens == [t for run in text.split() for t in naive_segment(run, words.__contains__)]


@pytest.mark.parametrize("make", [lambda: open_vectors(str(ZH)), EmbeddedVectors, lambda: OneHot(["Restaurant", "餐厅"])])
def test_contains_agrees_with_lookup(make):
    vectors = make()
    for word in ["餐厅", "三明", "三明治", "restaurant", "Restaurant", "RESTAURANT", "the", "xyzzyq", "一", "鳕",
                 "内容", "更多", "、", "テレビ", "한국어", "ｃａｆé"]:
        assert vectors.contains(word) == (vectors.lookup(word) is not None), word


def test_bzip2_vectors_as_chinese_word_vectors_ships_them(tmp_path, zh):
    import bz2

    packed = tmp_path / "sgns.tiny.word.bz2"
    packed.write_bytes(bz2.compress(ZH.read_bytes()))
    vectors = open_vectors(str(packed))
    assert tokenize(SENTENCE, vocabulary=vectors.contains) == tokenize(SENTENCE, vocabulary=zh.contains)
    np.testing.assert_array_equal(vectors.lookup("三明治"), zh.lookup("三明治"))
    unnamed = tmp_path / "sgns.tiny.word"
    unnamed.write_bytes(packed.read_bytes())
    with pytest.raises(AttnvizError, match=r"bzip2-compressed; name it sgns.tiny.word.bz2 or decompress it"):
        open_vectors(str(unnamed))


def test_embedded_cjk_keys_are_every_cjk_key_of_the_table():
    vectors = EmbeddedVectors()
    keys = (vectors.root / "words.txt").read_bytes().split(b"\n")
    expected = {k for k in keys if k and "\u3000" <= k.decode("utf-8")[0] <= "\ud7ff"}
    assert vectors._cjk_keys == expected and len(expected) > 10
    assert all(vectors.contains(k.decode("utf-8")) for k in expected)


# --- α′ links: the ones the vectors imply, against a naive reference -----------------------


def naive_alpha_prime(tokens: list[str], temperature: float = 1.0) -> np.ndarray:
    """α′ by hand: the file read without gensim, standard input norm (center on the file's mean,
    scale to length √d) written out, identity W^q = W^k = W^v, reference.naive_head."""
    table = read_w2v_text(ZH)
    d = len(next(iter(table.values())))
    mu = [sum(v[c] for v in table.values()) / len(table) for c in range(d)]
    x = []
    for t in tokens:
        centered = [a - m for a, m in zip(table[t], mu)]
        length = math.sqrt(sum(a * a for a in centered))
        x.append([math.sqrt(d) * a / length for a in centered])
    eye = [[float(r == c) for c in range(d)] for r in range(d)]
    _, alpha_prime, _ = naive_head(x, eye, eye, eye, temperature=temperature)
    return np.array(alpha_prime)


def top_key(tokens: list[str], alpha_prime: np.ndarray, word: str) -> str:
    i = tokens.index(word)
    row = alpha_prime[i].copy()
    row[i] = -1.0
    return tokens[int(row.argmax())]


def test_alpha_prime_links_are_the_ones_the_vectors_imply(zh):
    tokens = tokenize(SENTENCE, vocabulary=zh.contains)
    emb = embed(tokens, zh, "standard")
    assert not any(emb.oov)
    layer = att.self_attention(emb.x.astype(np.float64), att.identity_projections(zh.dim, 1), att.AttentionConfig())
    ours = layer.heads[0].alpha_prime
    np.testing.assert_allclose(ours, naive_alpha_prime(tokens), rtol=1e-5, atol=1e-7)
    # the links scripts/make_test_vectors_zh.py builds in
    assert top_key(tokens, ours, "它") == "餐厅" and top_key(tokens, ours, "餐厅") == "它"
    assert top_key(tokens, ours, "三明治") == "火腿" and top_key(tokens, ours, "火腿") == "三明治"
    assert top_key(tokens, ours, "素食") == "餐厅"


# --- the text path: the vectors are opened first and segment the text ----------------------


def test_analyze_segments_by_the_vectors_it_is_given():
    import attnviz

    result = attnviz.analyze(SENTENCE, vectors=str(ZH), temperature=1.0)
    assert result.tokens == ["餐厅", "拒绝", "给", "我", "一个", "火腿", "三明治", "因为", "它", "只", "做", "素食"]
    assert not any(result.oov)
    ours = result.alpha_prime[0, 0]
    np.testing.assert_allclose(ours, naive_alpha_prime(result.tokens), rtol=1e-5, atol=1e-7)
    assert top_key(result.tokens, ours, "它") == "餐厅" and top_key(result.tokens, ours, "三明治") == "火腿"


def test_typed_spaces_and_the_default_temperature_go_through_the_same_path():
    import attnviz

    result = attnviz.analyze("三明治 餐 厅 素食者", vectors=str(ZH))
    assert result.tokens == ["三明治", "餐", "厅", "素食者"]
    t = result.config.temperature
    np.testing.assert_allclose(result.alpha_prime[0, 0], naive_alpha_prime(result.tokens, t), rtol=1e-5, atol=1e-7)


def test_onehot_and_given_tokens_keep_their_own_split():
    import attnviz

    assert attnviz.analyze("三明治 餐厅", embedding="onehot").tokens == ["三", "明", "治", "餐", "厅"]
    assert attnviz.analyze("ignored", vectors=str(ZH), tokens=["三", "明治"]).tokens == ["三", "明治"]


def test_english_text_never_consults_the_vocabulary(monkeypatch):
    import attnviz
    from attnviz.inputs import wordvectors

    def boom(self, word):
        raise AssertionError(f"looked up {word!r} while tokenizing")

    monkeypatch.setattr(wordvectors.Vectors, "contains", boom)
    assert attnviz.analyze(SEED).tokens[:3] == ["The", "restaurant", "refused"]


def test_a_long_file_is_segmented_the_same_way(cli, tmp_path):
    import json

    path = tmp_path / "zh.txt"
    path.write_text((SENTENCE + "\n") * 40, encoding="utf-8")
    result = cli("show", "--file", path, "--vectors", ZH, "--top-k", "2", "--json")
    header = json.loads(result.stdout.splitlines()[0])
    words = ["餐厅", "拒绝", "给", "我", "一个", "火腿", "三明治", "因为", "它", "只", "做", "素食"]
    assert header["tokens"] == words * 40 and result.stderr == ""


def test_cli_json_has_the_words(cli):
    import json

    result = cli("show", SENTENCE, "--vectors", ZH, "--json")
    doc = json.loads(result.stdout)
    assert doc["tokens"][:2] == ["餐厅", "拒绝"] and "三明治" in doc["tokens"] and "素食" in doc["tokens"]
    assert result.stderr == ""


def test_character_tokens_do_not_reach_the_words(zh):
    tokens = tokenize(SENTENCE)
    emb = embed(tokens, zh, "standard")
    assert "三明治" not in tokens and "餐厅" not in tokens
    assert not any(emb.oov)  # every character has a (character-level) vector, yet none of the words is looked up


# --- what to do when the vectors do not know the text --------------------------------------


@pytest.mark.parametrize("words,script", [
    (["餐厅", "三明治"], "Han"), (["テレビ", "日本語"], "Kana"), (["日本", "東京", "大阪", "は"], "Kana"),
    (["한국어"], "Hangul"), (["привет", "мир"], "Cyrillic"), (["γεια"], "Greek"), (["café", "ok"], "Latin"),
    (["123", "!"], None), ([], None),
])
def test_script_of(words, script):
    assert script_of(words) == script


def test_script_of_reads_only_the_first_letters():
    words = ["ab"] + ["餐厅"] * 3
    assert script_of(words) == "Han" and script_of(words, letters=2) == "Latin"
    assert script_of(iter(["ab"] * 10**6 + ["餐"] * 10**6)) == "Latin"  # a sample; the rest is never read


def test_unknown_advice_only_when_most_is_unknown():
    assert unknown_advice(10, 20, EmbeddedVectors.name, "Han") is None
    assert unknown_advice(0, 0, EmbeddedVectors.name, None) is None
    assert unknown_advice(11, 20, EmbeddedVectors.name, "Han") is not None


def test_unknown_advice_for_chinese_with_the_embedded_vectors():
    vectors = EmbeddedVectors()
    tokens = tokenize(SENTENCE, vocabulary=vectors.contains)
    emb = embed(tokens, vectors)
    unknown = [t for t, o in zip(tokens, emb.oov) if o]
    line = unknown_advice(len(unknown), len(tokens), vectors.name, script_of(unknown))
    assert line is not None and "\n" not in line
    assert line.startswith(f"{len(unknown)} of {len(tokens)} tokens (Han script) are not in {vectors.name}, which covers English")
    for way in ("`vectors` FILE with Chinese word vectors in any gensim format", "Chinese-Word-Vectors",
                "`embedding` onehot", "`model` DIR with a Chinese BERT-family model"):
        assert way in line


def test_unknown_advice_for_a_users_file_and_an_unnamed_language():
    line = unknown_advice(5, 6, "my.vec", "Cyrillic")
    assert "covers" not in line and "(Cyrillic script)" in line
    assert "word vectors for the text's language" in line and "`embedding` onehot" in line
    assert unknown_advice(3, 4, EmbeddedVectors.name, "Latin").startswith(
        f"3 of 4 tokens are not in {EmbeddedVectors.name}, which covers English: ")


def test_cli_says_what_to_do_in_one_line(cli):
    result = cli("show", SENTENCE)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("attnviz: warning: 17 of 20 tokens (Han script) are not in ")
    for way in ("which covers English", "--vectors FILE with Chinese word vectors in any gensim format",
                "--embedding onehot", "--model DIR with a Chinese BERT-family model"):
        assert way in lines[0]
    assert "`" not in lines[0]  # the library's `option` names written as flags
    explained = cli("explain", "--focus", "它", SENTENCE)
    assert explained.stderr == result.stderr


def test_the_advice_also_for_long_inputs_and_json(cli):
    long = cli("show", SENTENCE, "--top-k", "2", "--json")
    assert len(long.stderr.strip().splitlines()) == 1 and "--embedding onehot" in long.stderr
    dense = cli("show", SENTENCE, "--json")
    assert dense.stderr == long.stderr and dense.stdout.startswith("{")


def test_mostly_known_text_keeps_the_short_warning(cli):
    result = cli("show", "The restaurant refused the 三明治 sandwich")  # the English vectors lack 三明治: characters
    assert result.stderr.strip() == ("attnviz: warning: 3 of 8 words not in en_core_web_md-3.7.1: 三, 明, 治; "
                                     "they get a = 0 (no information)")


def test_no_advice_when_the_chinese_vectors_know_the_text(cli):
    assert cli("show", SENTENCE, "--vectors", ZH).stderr == ""
    partly = cli("show", "鳕鱼三明治", "--vectors", ZH)  # 鳕 and 鱼 unknown: 2 of 3, most of it
    assert "2 of 3 tokens (Han script) are not in" in partly.stderr and "which covers" not in partly.stderr


# --- a Chinese BERT-family directory -------------------------------------------------------


def test_unk_pieces_recovers_the_original_text():
    from attnviz.models.checkpoint import unk_pieces

    text = "café☃ ok 鳕"
    tokens = ["[CLS]", "[UNK]", "ok", "[UNK]", "[SEP]"]
    offsets = [(0, 0), (0, 5), (6, 8), (9, 10), (0, 0)]
    assert unk_pieces(tokens, offsets, text) == ["café☃", "鳕"]
    assert unk_pieces(["<s>", "<unk>", "</s>"], [(0, 0), (0, 1), (0, 0)], "☃", unk_token="<unk>") == ["☃"]
    assert unk_pieces(tokens, offsets, text, unk_token="<unk>") == []


def test_tiny_chinese_bert_names_its_unk_pieces():
    from attnviz.models.checkpoint import encode, open_model, unk_pieces

    model = open_model(str(BERT_ZH))
    text = "鳕鱼三明治 ☃ 餐厅"
    enc = encode(model, text)
    assert enc.tokens[1:-1] == ["[UNK]", "鱼", "三", "明", "治", "[UNK]", "餐", "厅"]  # one token per character
    pieces = unk_pieces(enc.tokens, enc.offsets, text)
    assert pieces == ["鳕", "☃"]
    line = unk_advice(pieces, len(enc.tokens) - 2, model.name)
    assert line.startswith("2 of 8 tokens became [UNK]") and "鳕 ☃" in line
    assert unk_advice([], 8, model.name) is None


def test_unk_advice_suggests_a_chinese_model_for_chinese_pieces():
    line = unk_advice(["餐", "厅", "餐"], 20, "minilm")
    assert line.startswith("3 of 20 tokens became [UNK]") and ": 餐 厅 (" in line  # counted 3, named once each
    assert line.endswith("; for Chinese text give `model` DIR with a Chinese BERT-family model (e.g. bert-base-chinese)")
    assert unk_advice(["餐", "厅", "餐"], 20, "minilm", known=["一", "我", "the", "a", "b"]) == line  # 2 Han known < 3 unknown


def test_unk_advice_when_the_model_reads_the_language():
    line = unk_advice(["鳕"], 6, "bert-zh", known=["鱼", "三", "明", "治", "."])
    assert line.endswith("; bert-zh reads other Chinese text, so these are rare to it: a model with a larger vocabulary may know them")
    assert "BERT-family" not in unk_advice(["鳕", "☃"], 4, "bert-zh", known=["鱼", "三", "明"])


def test_tiny_chinese_bert_matches_transformers():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from attnviz.models.checkpoint import forward
    from attnviz.models.checkpoint import encode, open_model

    model = open_model(str(BERT_ZH))
    enc = encode(model, SENTENCE)
    slow = transformers.BertTokenizer(str(BERT_ZH / "vocab.txt"), do_lower_case=False)  # the Python tokenizer
    assert enc.tokens[1:-1] == slow.tokenize(SENTENCE)
    ref = transformers.AutoModel.from_pretrained(str(BERT_ZH), attn_implementation="eager").eval()
    with torch.no_grad():
        out = ref(torch.tensor(enc.ids[None]), output_attentions=True)
    layers, hidden = forward(model, enc)
    assert len(layers) == len(out.attentions) == 2
    for layer, theirs in zip(layers, out.attentions):
        ours = np.stack([h.alpha_prime for h in layer.heads])
        np.testing.assert_allclose(ours, theirs[0].numpy(), atol=1e-5)
        assert ours.max(axis=-1).mean() > 2.0 / len(enc.ids)  # not uniform: the parity says something
    np.testing.assert_allclose(hidden, out.last_hidden_state[0].numpy(), atol=1e-4)


def transformers_attentions(text: str) -> tuple[list[str], list[np.ndarray]]:
    """The tiny Chinese BERT run by transformers (its own tokenizer, from vocab.txt): tokens and
    [layers] × [heads, n, n] attention weights."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tok = transformers.BertTokenizer(str(BERT_ZH / "vocab.txt"), do_lower_case=False)
    ids = tok(text)["input_ids"]
    ref = transformers.AutoModel.from_pretrained(str(BERT_ZH), attn_implementation="eager").eval()
    with torch.no_grad():
        out = ref(torch.tensor([ids]), output_attentions=True)
    return tok.convert_ids_to_tokens(ids), [a[0].numpy() for a in out.attentions]


def test_the_tiny_bert_has_the_published_weight_names():
    from safetensors import safe_open

    with safe_open(str(BERT_ZH / "model.safetensors"), framework="np") as f:
        keys = set(f.keys())
    assert "bert.embeddings.LayerNorm.gamma" in keys and "bert.encoder.layer.1.output.LayerNorm.beta" in keys
    assert not any(k.endswith("LayerNorm.weight") for k in keys) and any(k.startswith("cls.") for k in keys)
    with safe_open(str(BERT_ZH / "model.safetensors"), framework="np") as f:
        assert abs(f.get_tensor("bert.embeddings.LayerNorm.gamma") - 1).max() > 0.1  # not the default 1: parity sees it


def test_cli_show_with_a_chinese_bert_directory_matches_transformers(cli):
    import json

    text = "鳕鱼三明治，因为它只做素食。"
    tokens, attentions = transformers_attentions(text)
    result = cli("show", text, "--model", BERT_ZH, "--layer", "2", "--head", "3", "--json")
    doc = json.loads(result.stdout)
    assert doc["tokens"] == tokens and tokens[1] == "[UNK]"
    np.testing.assert_allclose(np.array(doc["layers"][0]["heads"][0]["alpha_prime"]), attentions[1][2], atol=1e-5)
    lines = result.stderr.strip().splitlines()
    assert lines == [f"attnviz: warning: 1 of {len(tokens) - 2} tokens became [UNK] in {BERT_ZH}'s vocabulary: 鳕 "
                     "(all share the one [UNK] embedding, so the model cannot tell them apart); "
                     f"{BERT_ZH} reads other Chinese text, so these are rare to it: a model with a larger vocabulary may know them"]
    assert "tiny-bert-zh · 2 layers × 4 heads" in cli("show", text, "--model", BERT_ZH).stdout


def test_cli_heads_with_a_chinese_bert_directory(cli):
    import json

    text = "鳕鱼三明治 ☃ 餐厅"
    tokens, attentions = transformers_attentions(text)
    result = cli("heads", text, "--model", BERT_ZH, "--from", "鱼", "--to", "餐", "--json")
    doc = json.loads(result.stdout)
    i, j = tokens.index("鱼"), tokens.index("餐")
    expected = sorted(((float(attentions[l][h, i, j]), l, h) for l in range(2) for h in range(4)), reverse=True)
    got = [(r["alpha_prime"], r["layer"], r["head"]) for r in doc["heads"]]
    assert [(l, h) for _, l, h in got] == [(l, h) for _, l, h in expected]
    np.testing.assert_allclose([a for a, _, _ in got], [a for a, _, _ in expected], atol=1e-5)
    assert "2 of 8 tokens became [UNK]" in result.stderr and ": 鳕 ☃ (" in result.stderr
    table = cli("heads", text, "--model", BERT_ZH)
    assert len(table.stderr.strip().splitlines()) == 1 and "tiny-bert-zh · 2 layers × 4 heads" in table.stdout
    words = cli("heads", text, "--model", BERT_ZH, "--words", "--from", "鱼", "--to", "餐")
    assert "2 of 8 tokens became [UNK]" in words.stderr


def test_no_unk_line_when_the_model_knows_every_character(cli):
    assert cli("show", SENTENCE, "--model", BERT_ZH).stderr == ""


def test_model_analysis_names_the_unk_pieces_like_the_slow_tokenizer():
    import attnviz

    text = "鳕鱼 café☃ 三明治"
    result = attnviz.analyze(text, model=str(BERT_ZH))
    tokens, _ = transformers_attentions(text)
    assert result.tokens == tokens and result.unknown == ["鳕", "café☃"]
    assert result.tokens.count("[UNK]") == len(result.unknown)


# --- figures: a CJK font, the system's or the [cjk] extra's --------------------------------


def _glyph_warnings(fig) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


def _chinese_figure(tmp_path, name):
    from attnviz.views import figures

    tokens = tokenize(SENTENCE, vocabulary=open_vectors(str(ZH)).contains)
    n = len(tokens)
    alpha = np.linspace(-1, 1, n * n).reshape(n, n)
    fig, warning = figures.pair_figure(tokens, alpha, np.full((n, n), 1.0 / n), "餐厅 · 三明治 · 素食")
    try:
        missing = _glyph_warnings(fig)
        figures.save(fig, tmp_path / name)
    finally:
        figures._pyplot().close(fig)
    return warning, missing


@pytest.fixture
def no_system_cjk(monkeypatch):
    """matplotlib as on a machine without CJK fonts (the entries are hidden, not removed)."""
    from matplotlib import font_manager

    fm = font_manager.fontManager
    source = _a_cjk_font_file()
    monkeypatch.setattr(fm, "ttflist", [f for f in fm.ttflist if "CJK" not in f.name and not f.name.startswith(
        ("WenQuanYi", "Droid Sans Fallback", "AR PL", "Source Han", "Noto Sans SC"))])
    fm._findfont_cached.cache_clear()
    yield source  # a CJK font file the machine has, to stand in for a package's
    fm._findfont_cached.cache_clear()


def _a_cjk_font_file():
    """A Noto Sans CJK file: the system's, else the [cjk] extra's; None when the machine has neither."""
    import importlib.util
    from pathlib import Path

    from matplotlib import font_manager

    from attnviz.views import fonts

    found = [f.fname for f in font_manager.fontManager.ttflist if f.name == "Noto Sans CJK SC" and "Regular" in f.fname]
    spec = importlib.util.find_spec(fonts.CJK_PACKAGE[0])
    if spec and spec.origin:
        found.append(str(Path(spec.origin).parent / fonts.CJK_PACKAGE[1]))
    return found[0] if found else None


def test_system_cjk_font_draws_chinese_labels(tmp_path):
    from matplotlib import font_manager

    from attnviz.views import figures

    if not any(f.name == "Noto Sans CJK SC" for f in font_manager.fontManager.ttflist):
        pytest.skip("no system CJK font (Debian: apt install fonts-noto-cjk)")
    families, warning = figures.font_for(["餐厅", "三明治", "素食", "テレビ", "한국어"])
    assert warning is None and families[1] == "Noto Sans CJK SC"  # the Simplified Chinese face first
    warning, missing = _chinese_figure(tmp_path, "zh.png")
    assert warning is None and missing == []
    assert (tmp_path / "zh.png").stat().st_size > 0


def test_the_cjk_extras_font_is_found_without_importing_it(tmp_path, monkeypatch, no_system_cjk):
    from attnviz.views import fonts

    source = no_system_cjk
    if source is None:
        pytest.skip("no Noto Sans CJK file on this machine (system or [cjk] extra) to stand in for a package's")
    package = tmp_path / "site" / "fake_cjk_fonts"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n")
    (package / "NotoSansCJK-Regular.ttc").symlink_to(source)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(fonts, "CJK_PACKAGE", ("fake_cjk_fonts", "NotoSansCJK-Regular.ttc"))
    families, warning = fonts.font_for(["餐厅", "三明治"])
    assert warning is None and "Noto Sans CJK SC" in families
    assert "fake_cjk_fonts" not in sys.modules
    warning, missing = _chinese_figure(tmp_path, "zh-packaged.png")
    assert warning is None and missing == []


def test_the_real_cjk_extra(no_system_cjk, tmp_path):
    import importlib.util

    from attnviz.views import fonts

    if importlib.util.find_spec(fonts.CJK_PACKAGE[0]) is None:
        pytest.skip('the [cjk] extra is not installed (pip install "attnviz[cjk]")')
    families, warning = fonts.font_for(["餐厅", "三明治"])
    assert warning is None and "Noto Sans CJK SC" in families
    warning, missing = _chinese_figure(tmp_path, "zh-extra.png")
    assert warning is None and missing == []


def test_without_a_cjk_font_the_warning_names_both_ways(monkeypatch, no_system_cjk):
    from attnviz.views import fonts

    monkeypatch.setattr(fonts, "CJK_PACKAGE", ("attnviz_no_such_font_package", "x.ttc"))
    families, warning = fonts.font_for(["餐厅", "cafe"])
    assert families == ["DejaVu Sans"]
    assert warning.startswith("no installed font can draw 厅餐 in figure labels")
    assert 'pip install "attnviz[cjk]"' in warning and "apt install fonts-noto-cjk" in warning


def test_cli_without_a_cjk_font_warns_once_for_every_figure(cli, monkeypatch, no_system_cjk, tmp_path):
    from attnviz.views import fonts

    monkeypatch.setattr(fonts, "CJK_PACKAGE", ("attnviz_no_such_font_package", "x.ttc"))
    png, svg = tmp_path / "zh.png", tmp_path / "zh.svg"
    result = cli("show", SENTENCE, "--vectors", ZH, "--save", png, "--save", svg)
    lines = result.stderr.strip().splitlines()
    font = [line for line in lines if "no installed font" in line]
    assert len(font) == 1 and font[0].startswith("attnviz: warning: no installed font can draw ")
    assert 'pip install "attnviz[cjk]"' in font[0] and "apt install fonts-noto-cjk" in font[0]
    assert lines[1:] == [f"attnviz: saved {png}", f"attnviz: saved {svg}"] and png.stat().st_size > 0
