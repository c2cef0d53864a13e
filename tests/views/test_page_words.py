"""The pages' own controls follow the language (views/page_text.py): `show --lang zh --save x.html` wrote a
Chinese header around English buttons, tabs and tooltips.  Every string the scripts (html_assets/*.js)
pass through t() / tf() has a translation under the catalogs' "page" context with the same
{placeholders}, so a new control without one fails here; a Chinese page embeds them, an English
page embeds nothing but its script and data."""

from __future__ import annotations

import json
import re
import string

import pytest

from html_pages import hand_doc
from test_i18n import CATALOGS, catalogs
from attnviz.i18n import using
from attnviz.views import html
from attnviz.views.page_text import ANY_CALL, ASSETS, CALL, CONTEXT, FOLDER, asset_strings, page_strings

DOC = hand_doc(["a", "b"], [[0.5, 0.5], [0.25, 0.75]])


def fields(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}


def words_of(page: str, root_id: str = "attnviz-main") -> dict | None:
    m = re.search(rf'<script type="application/json" id="{root_id}-words">(.*?)</script>', page, re.S)
    return json.loads(m.group(1)) if m else None


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_page_string_has_a_translation_with_the_same_placeholders(po):
    bc = catalogs()
    entries = {e["msgid"]: e for e in bc.parse_po(po.read_text(encoding="utf-8")) if e.get("msgctxt") == CONTEXT}
    strings = asset_strings()
    assert len(strings) > 60, "the extractor found too few page strings: is it reading the scripts?"
    for s in strings:
        assert s in entries, f"{s!r} (a page's t() / tf()) is not in {po}; run scripts/build_catalogs.py --extract"
        assert entries[s]["msgstr"], f"{s!r} has no translation in {po}"
        assert fields(entries[s]["msgstr"]) == fields(s), f"{s!r} -> {entries[s]['msgstr']!r}: placeholders differ"
    assert set(entries) <= set(strings), f"{po} keeps page strings no script uses: {sorted(set(entries) - set(strings))}"


@pytest.mark.parametrize("name", ASSETS)
def test_every_t_call_has_a_literal_the_catalog_can_see(name):
    js = (FOLDER / name).read_text(encoding="utf-8")
    calls = [js[m.start():m.start() + 40] for m in ANY_CALL.finditer(js)]
    assert len(calls) == len(list(CALL.finditer(js))), f"{name}: a t() / tf() call without a literal string: {calls}"


def test_the_extractor_reads_literals_joined_by_plus():
    js = 'a = t("download JSON"); b = tf("one {i} " +\n    "two", { i: 1 }); c = t("say \\"hi\\""); d = fit("no")'
    assert page_strings(js) == ["download JSON", "one {i} two", 'say "hi"']
    assert {"download JSON", "layers × heads", "no role", "{layers} layers × {heads} heads"} <= set(asset_strings())


def test_a_chinese_page_embeds_its_words_an_english_one_nothing():
    with using("zh"):
        zh = html.html_page(DOC)
        fragment = html.html_fragment(DOC)
    with using("en"):
        en = html.html_page(DOC)
    words = words_of(zh)
    assert words["download JSON"] == "下载 JSON" and words["lines"] == "连线" and words["head {h}"] == "头 {h}"
    assert set(words) == set(page_strings(html._asset("attnviz.js")))  # the show page's script's strings, not the atlas's
    assert words_of(fragment, re.search(r'id="(attnviz-[0-9a-f]+)"', fragment).group(1)) == words
    assert words_of(en) is None and 'id="attnviz-main-words"' not in en


def test_the_download_is_the_same_document_in_every_language():
    """The words are a block of their own: the data block (download JSON) does not change with the language."""
    from html_pages import embedded

    with using("zh"):
        zh = html.html_page(DOC)
    with using("en"):
        en = html.html_page(DOC)
    assert embedded(zh) == embedded(en)

