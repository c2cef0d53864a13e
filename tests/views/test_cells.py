"""Terminal columns with double-width characters (#12): attnviz.views.cells measured against
unicodedata, and the terminal views checked for alignment at 80 columns."""

import re
import string
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, strategies as st
from rich.console import Console

from attnviz.views import cells, terminal

ZH_TOKENS = ["餐厅", "拒绝", "给", "我", "一个", "火腿", "三明治", "因为", "它", "只", "做", "素食", "restaurant",
             "素食者素食者素食者素食者", "テレビ", "한국어", "ｃａｆé"]


def naive_width(text: str) -> int:
    """Cells by the Unicode East Asian Width property: W and F take 2, combining marks 0, others 1."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.mark.parametrize("text", ["abc", "餐厅", "三明治 sandwich", "テレビ", "한국어", "ｃａｆé", "cafe\u0301", ""])
def test_width_against_unicodedata(text):
    assert cells.width(text) == naive_width(text)


MIXED = st.text(alphabet="ab餐厅三明治テ한ｃ", max_size=20)


@given(text=MIXED, room=st.integers(0, 24))
def test_fit_cuts_to_the_room_and_never_splits_a_character(text, room):
    out = cells.fit(text, room)
    assert naive_width(out) <= room
    if naive_width(text) <= room:
        assert out == text
    elif out:
        kept = out[:-1]
        assert out.endswith("…") and text.startswith(kept)
        assert naive_width(kept) + 1 + naive_width(text[len(kept)]) > room  # the next character would not fit


@given(text=MIXED, room=st.integers(1, 24), align=st.sampled_from("<>"))
def test_pad_gives_exactly_the_room(text, room, align):
    out = cells.pad(text, room, align)
    assert naive_width(out) == room
    assert out.strip(" ") == cells.fit(text, room).strip(" ")


@pytest.mark.parametrize("token", ["it", "restaurant", "vegetarianism", "don't", "x" * 30])
def test_label_is_terminal_label_for_latin_tokens(token):
    for oov in (False, True):
        assert cells.label(4, token, oov, 2) == terminal.label(3, token, oov, 2)  # the view numbers index 3 as 4


def test_label_cuts_chinese_by_cells():
    assert cells.label(13, "素食者素食者素食者素食者", False, 2) == "13 素食者素…"  # 9 cells + …
    assert cells.label(0, "三明治", True, 1) == "0 三明治*"
    assert max(naive_width(cells.label(i, t, False, 2)) for i, t in enumerate(ZH_TOKENS)) <= 2 + 1 + cells.LABEL_CELLS


def _matrix_lines(tokens):
    n = len(tokens)
    m = np.random.default_rng(0).random((n, n))
    m /= m.sum(axis=1, keepdims=True)
    console = Console(width=80, color_system=None, record=True)
    console.print(terminal.matrix_view(m, tokens, [False] * n, "alpha-prime", 80, "numbers", False))
    return [line for line in console.export_text().splitlines() if line.strip()]


def test_matrix_view_alignment_check_works_on_latin_tokens():
    lines = _matrix_lines(["the", "restaurant", "refused", "vegetarianism", "it"])
    assert len({naive_width(line.rstrip()) for line in lines}) == 1


def test_matrix_view_stays_aligned_with_chinese_tokens():
    lines = _matrix_lines(ZH_TOKENS[:10])
    widths = {naive_width(line.rstrip()) for line in lines}
    assert len(widths) == 1 and max(widths) <= 80, widths


def test_summary_table_stays_aligned_with_chinese_tokens():
    tokens = ZH_TOKENS
    n = len(tokens)
    m = np.random.default_rng(1).random((n, n))
    m /= m.sum(axis=1, keepdims=True)
    analysis = SimpleNamespace(tokens=tokens, oov=[False] * n, layers=[SimpleNamespace(heads=[SimpleNamespace(alpha_prime=m)])])
    nearest = [[("餐厅", 0.9), ("三明治", 0.8), ("素食", 0.7)]] * n
    console = Console(width=80, color_system=None, record=True)
    console.print(terminal.summary_table(analysis, nearest, 3, 80))
    lines = console.export_text().splitlines()[1:]
    assert len(lines) == n and all(naive_width(line.rstrip()) <= 80 for line in lines)
    ends = set()  # where the right-aligned "self" column ends, in cells
    for i, line in enumerate(lines):
        assert line.startswith(f"{i + 1:>2} {tokens[i][:3]}")  # numbered from 1
        ends.add(naive_width(line[: re.search(r" {2,}\S+", line).end()]))  # the label, spaces, the self weight
    assert len(ends) == 1, ends


def test_cells_pad_aligns_a_label_column():
    """What matrix_view's label column becomes with cells: every row as wide as the widest label."""
    labels = [cells.label(i, t, i % 3 == 0, 2) for i, t in enumerate(ZH_TOKENS)]
    room = max(cells.width(s) for s in labels) + 1
    assert {naive_width(cells.pad(s, room)) for s in labels} == {room}


# --- every view, end to end at 80 columns: a Chinese run laid out like its ASCII twin ----------
#
# The twin replaces every wide character by its own two Latin letters (餐 -> qa): the same tokens
# (vectors file and model vocabulary rewritten alike, same numbers), each exactly as many cells
# wide.  A view that measures in cells prints the Chinese run as the twin, character for
# character once 餐 is read as qa; one that pads with len() is off by one space per wide character.

SENTENCE = "餐厅拒绝给我一个火腿三明治，因为它只做素食。"
ZH_VECTORS = Path(__file__).resolve().parents[1] / "data" / "tiny.zh.w2v.txt"
ZH_BERT = Path(__file__).resolve().parents[1] / "data" / "tiny-bert-zh"


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """(code, {kind: (zh path, ascii path)}): the vectors file and the model directory, each with
    an ASCII twin at a path of the same length (the headers name it)."""
    from tokenizers import BertWordPieceTokenizer

    vocab = (ZH_BERT / "vocab.txt").read_text(encoding="utf-8").split("\n")
    lines = ZH_VECTORS.read_text(encoding="utf-8").splitlines()
    wide = sorted({c for text in vocab + lines + [SENTENCE] for c in text if naive_width(c) == 2})
    codes = [p + q for p in "qxzj" for q in string.ascii_lowercase]
    assert len(wide) <= len(codes) and not set(codes) & set(vocab)
    table = dict(zip(wide, codes))
    code = lambda text: "".join(table.get(c, c) for c in text)  # noqa: E731
    root = tmp_path_factory.mktemp("twins")
    for side, rewrite in (("zh", lambda s: s), ("en", code)):
        (root / side / "m").mkdir(parents=True)
        (root / side / "v.txt").write_text("\n".join(rewrite(line) for line in lines) + "\n", encoding="utf-8")
        words = [rewrite(w) for w in vocab if w]
        tok = BertWordPieceTokenizer({w: i for i, w in enumerate(words)}, clean_text=True, handle_chinese_chars=True,
                                     strip_accents=False, lowercase=False)
        tok.save(str(root / side / "m" / "tokenizer.json"))
        for name in ("config.json", "model.safetensors"):
            (root / side / "m" / name).symlink_to(ZH_BERT / name)
    paths = {kind: (root / "zh" / kind, root / "en" / kind) for kind in ("v.txt", "m")}
    return code, paths


def _screen(cli, args) -> str:
    return cli(*[str(a) for a in args]).stdout


VECTOR_VIEWS = [["show"], ["show", "--focus", "它", "--heads", "2"], ["explain", "--focus", "它"],
                ["show", "--top-k", "2"], ["show", "--heads", "2", "--matrix", "alpha-prime", "--cells", "numbers"]]
MODEL_VIEWS = [["show"], ["show", "--words"], ["show", "--layer", "1", "--head", "2"],  # (heads without --from shows no token)
               ["show", "--layer", "2", "--head", "1", "--focus", "它"], ["heads", "--from", "它", "--to", "餐"]]


@pytest.mark.parametrize("view", VECTOR_VIEWS, ids=" ".join)
def test_vector_views_lay_chinese_out_like_the_ascii_twin(cli, twins, view):
    from attnviz.inputs.tokens import tokenize
    from attnviz.inputs.wordvectors import open_vectors

    code, paths = twins
    zh, en = paths["v.txt"]
    words = tokenize(SENTENCE, vocabulary=open_vectors(str(zh)).contains)
    assert "三明治" in words  # the twin is a test of the word-level run
    chinese = _screen(cli, [view[0], SENTENCE, *view[1:], "--vectors", zh])
    twin = _screen(cli, [view[0], " ".join(code(w) for w in words), *[code(a) for a in view[1:]], "--vectors", en])
    assert any(naive_width(c) == 2 for c in chinese) and max(map(naive_width, chinese.splitlines())) <= 80
    # the next-steps line differs on purpose: an English model is suggested for English text only
    keep = lambda text: "\n".join(line for line in text.splitlines() if not line.startswith(("next:", "下一步")))  # noqa: E731
    assert keep(code(chinese).replace("/zh/", "/en/")) == keep(twin)


@pytest.mark.parametrize("view", MODEL_VIEWS, ids=" ".join)
def test_model_views_lay_chinese_out_like_the_ascii_twin(cli, twins, view):
    code, paths = twins
    zh, en = paths["m"]
    chinese = _screen(cli, [view[0], SENTENCE, *view[1:], "--model", zh])
    twin = _screen(cli, [view[0], " ".join(code(c) for c in SENTENCE), *[code(a) for a in view[1:]], "--model", en])
    assert any(naive_width(c) == 2 for c in chinese) and max(map(naive_width, chinese.splitlines())) <= 80
    # the next-steps line differs on purpose: an English model is suggested for English text only
    keep = lambda text: "\n".join(line for line in text.splitlines() if not line.startswith(("next:", "下一步")))  # noqa: E731
    assert keep(code(chinese).replace("/zh/", "/en/")) == keep(twin)
