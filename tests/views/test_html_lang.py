"""A page's language is the views' language: `show --lang zh --save x.html` said <html lang="en">
around a Chinese header."""

from __future__ import annotations

import re

from html_pages import hand_doc
from attnviz.i18n import using
from attnviz.views import html

DOC = hand_doc(["a", "b"], [[0.5, 0.5], [0.25, 0.75]])


def page_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)">', page).group(1)


def test_show_page_says_its_language(cli, tmp_path):
    cli("show", "The cat sat on the mat.", "--lang", "zh", "--save", tmp_path / "zh.html")
    cli("show", "The cat sat on the mat.", "--lang", "en", "--save", tmp_path / "en.html")
    zh, en = (tmp_path / "zh.html").read_text(encoding="utf-8"), (tmp_path / "en.html").read_text(encoding="utf-8")
    assert page_lang(zh) == "zh-Hans" and "个词元" in zh  # the header it carries is Chinese
    assert page_lang(en) == "en"
    assert "<noscript>此页面由 JavaScript 绘制" in zh and "<noscript>This page is drawn by JavaScript" in en


def test_shell_and_fragment_follow_the_language_in_use():
    with using("zh"):
        page, fragment = html.html_page(DOC), html.html_fragment(DOC)
    assert page_lang(page) == "zh-Hans"
    assert re.match(r'<div class="attnviz-root" id="attnviz-[0-9a-f]+" lang="zh-Hans">', fragment)
    assert "请重新运行该单元格" in fragment
    with using("en"):
        page, fragment = html.html_page(DOC), html.html_fragment(DOC)
    assert page_lang(page) == "en"
    assert " lang=" not in fragment.split(">", 1)[0]  # English: the notebook's own lang applies
