"""A page's controls in its language, in headless Chromium: `show --lang zh --save x.html` had a Chinese
header over English buttons, tabs and tooltips (views/page_text.py).  Skips, with the reason, when
Chromium, chromedriver or selenium is missing."""

from __future__ import annotations

import re

import pytest

from browser import at_offset, click, open_page, read_tip
from conftest import DATA

ZH = "餐厅拒绝给我一个火腿三明治，因为它只做素食。"  # Chinese tokens: no English word comes from the text

CONTROLS = """return {download: document.querySelector('.av-download').textContent,
  tabs: [...document.querySelectorAll('.av-tab[data-view]')].map(b => [b.dataset.view, b.textContent]),
  labels: [...document.querySelectorAll('.av-select .av-label, .av-checks .av-label')].map(e => e.textContent),
  figure: [...document.querySelectorAll('.av-figbar button')].map(b => b.textContent),
  stage: document.querySelector('.av-toolbar').innerText + '\\n' + document.querySelector('.av-stage').innerText};"""


@pytest.fixture
def saved(cli, tmp_path):
    """The same Chinese sentence's page in each language, two heads (so the heads' checkboxes show)."""
    out = {lang: tmp_path / f"{lang}.html" for lang in ("zh", "en")}
    for lang, path in out.items():
        cli("show", ZH, "--vectors", DATA / "tiny.zh.w2v.txt", "--heads", "2", "--lang", lang, "--save", path)
    return out


def english_words(text: str) -> set[str]:
    """Latin words of three letters or more (not the subscript of α′_ij), the file formats a button names aside."""
    return set(re.findall(r"[A-Za-z]{3,}", text)) - {"JSON", "SVG", "PNG"}


def test_a_chinese_page_s_controls_are_chinese(browser, saved):
    open_page(browser, saved["zh"])
    shown = browser.execute_script(CONTROLS)
    assert shown["download"] == "下载 JSON" and shown["figure"] == ["下载 SVG", "下载 PNG"]
    assert dict(shown["tabs"]) == {"lines": "连线", "matrix": "矩阵"}
    assert shown["labels"] == ["层", "头", "头"]  # the layer and head selectors, the heads' checkboxes
    assert english_words(shown["stage"]) == set(), shown["stage"]
    click(browser, '.av-tab[data-view="matrix"]')
    at_offset(browser, "canvas.av-matrix", *browser.execute_script(
        "const d = document.querySelector('canvas.av-matrix').dataset; return [+d.x0 + 1.5 * d.cell, +d.y0 + 0.5 * d.cell];"))
    assert set(read_tip(browser)) == {"查询", "键", "α", "α′"}
    shown = browser.execute_script(CONTROLS)
    assert english_words(shown["stage"]) == set(), shown["stage"]


def test_an_english_page_s_controls_are_english(browser, saved):
    open_page(browser, saved["en"])
    shown = browser.execute_script(CONTROLS)
    assert shown["download"] == "download JSON" and shown["figure"] == ["download SVG", "download PNG"]
    assert dict(shown["tabs"]) == {"lines": "lines", "matrix": "matrix"}
    assert shown["labels"] == ["layer", "head", "heads"]
    assert browser.execute_script("return document.getElementById('attnviz-main-words')") is None



HEADINGS = """const svg = document.querySelector('svg.av-lines').getBoundingClientRect();
return [...document.querySelectorAll('.av-colhead')].map(e => { const b = e.getBoundingClientRect();
  return [e.textContent, b.left - svg.left, svg.right - b.right]; });"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_lines_headings_are_not_cut_off_over_one_character_tokens(browser, cli, tmp_path, lang):
    """The token columns were as wide as the tokens: over one-character tokens "query i" showed as
    "ery i" (and 查询 i as 询 i), drawn left of the figure's edge."""
    page = tmp_path / f"{lang}.html"
    cli("show", "它给我做", "--vectors", DATA / "tiny.zh.w2v.txt", "--lang", lang, "--save", page)
    open_page(browser, page)
    shown = browser.execute_script(HEADINGS)
    assert [h[0] for h in shown] == (["查询 i", "键 j"] if lang == "zh" else ["query i", "key j"])
    assert all(left >= 0 and right >= 0 for _, left, right in shown), shown
