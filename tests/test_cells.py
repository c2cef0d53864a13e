"""Terminal columns with double-width characters (#12): attnviz.views.cells measured against
unicodedata, and the terminal views checked for alignment at 80 columns."""

import re
import unicodedata
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
