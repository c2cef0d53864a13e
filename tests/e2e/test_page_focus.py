"""A page saved with --focus opens on that query (view.focus), in headless Chromium: `show "$S" --focus it
--save it.html` opened on every line of every token.  Skips, with the reason, when Chromium is missing."""

from __future__ import annotations

import json
import re

import pytest

from browser import open_page
from conftest import DATA, SEED

TOKENS = SEED.replace(",", "").replace(".", "").split()


def embedded_view(page) -> dict:
    data = re.search(r'<script type="application/json" id="attnviz-main-data">(.*?)</script>', page.read_text("utf-8"), re.S)
    return json.loads(data.group(1))["view"]


def test_a_text_page_opens_with_its_focus_pinned(browser, cli, tmp_path):
    page = tmp_path / "it.html"
    cli("show", SEED, "--vectors", DATA / "tiny.w2v.txt", "--focus", "it", "--save", page)
    assert embedded_view(page)["focus"] == TOKENS.index("it")
    open_page(browser, page)
    shown = browser.execute_script("""return {pinned: document.querySelector('.attnviz-root').dataset.pinned,
      on: [...document.querySelectorAll('.av-tok.av-on')].map(t => [t.dataset.side, +t.dataset.i]),
      queries: [...new Set([...document.querySelectorAll('.av-focus line')].map(l => +l.dataset.q))]};""")
    assert shown == {"pinned": "true", "on": [["q", TOKENS.index("it")]], "queries": [TOKENS.index("it")]}, shown


def test_a_page_saved_without_focus_opens_on_every_line(browser, cli, tmp_path):
    page = tmp_path / "all.html"
    cli("show", SEED, "--vectors", DATA / "tiny.w2v.txt", "--save", page)
    assert "focus" not in embedded_view(page)
    open_page(browser, page)
    assert browser.execute_script("return document.querySelectorAll('.av-focus line').length") == 0


def test_a_sound_page_opens_on_its_focus_time(browser, cli, tmp_path):
    page = tmp_path / "a.html"
    cli("show", "--audio", "demo", "--window", "150ms", "--focus", "1.25s", "--save", page)
    focus = embedded_view(page)["focus"]
    open_page(browser, page)
    assert browser.execute_script("return document.querySelector('.av-curve').dataset.query") == str(focus)


@pytest.mark.parametrize("focus", [[], ["2,3"], ["2,3", "1,1"]])
def test_a_picture_page_opens_on_its_first_focus_patch(browser, cli, tmp_path, focus):
    page = tmp_path / "p.html"
    cli("show", "--image", "demo", "--size", "16", "--patch", "4", *[a for f in focus for a in ("--focus", f)], "--save", page)
    view = embedded_view(page)
    assert view.get("focus") == (None if not focus else 1 * 3 + 2)  # row 2, column 3 (from 1) of the 4 × 3 patches
    open_page(browser, page)
    assert browser.execute_script("return document.querySelector('canvas.av-overlay')?.dataset.query ?? null") == (
        None if not focus else "5")
