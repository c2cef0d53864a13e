"""The interactive HTML view (issue #15): one self-contained file, checked as text (the same pages in
a real browser: e2e/test_html_browser.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from html_docs import FORTY, SEED
from html_pages import XSS, docs, embedded, hand_doc, pages  # noqa: F401 (docs, pages: fixtures)
from attnviz.errors import AttnvizError
from attnviz.views import html

ROOT = Path(__file__).resolve().parents[2]


def inline(page: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)


# ---------------------------------------------------------------- the page as text

def test_every_page_is_one_offline_file(pages):
    for kind, page in pages.items():
        low = page.lower()
        assert "http://" not in low and "https://" not in low, kind
        assert not re.search(r"<(link|iframe|object|embed|base)\b", low), kind
        assert not re.search(r"\b(src|href)\s*=", page.split("<script", 1)[0]), kind  # no loaded markup
        style = inline(page, "style")[0].lower()
        assert "@import" not in style and "url(" not in style, kind
        assert page.count("<script") == 2, kind  # the JSON block and the one inline script


def test_csp_allows_only_the_inline_blocks(pages):
    for kind, page in pages.items():
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
        assert meta, kind
        policy = dict(p.strip().split(" ", 1) for p in meta.group(1).split(";"))
        assert policy["default-src"] == "'none'" and policy["connect-src" if "connect-src" in policy else "default-src"] == "'none'"
        digest = lambda text: "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"  # noqa: E731
        assert policy["script-src"] == digest(inline(page, "script")[0]), kind
        assert policy["style-src"] == digest(inline(page, "style")[0]), kind
        assert policy["img-src"] == "data: blob:"


def test_the_embedded_json_round_trips(docs, pages):
    for kind in ("vectors", "model", "audio", "image"):
        doc, view = docs[kind]
        page = embedded(pages[kind])
        for key in ("schema", "text", "tokens", "oov", "source", "config"):
            assert page[key] == doc[key], (kind, key)
        assert page["view"]["header"] and {k: page["view"][k] for k in (view or {})} == (view or {})
        for layer, mine in zip(doc["layers"], page["layers"], strict=True):
            for hd, got in zip(layer["heads"], mine["heads"], strict=True):
                for key in ("alpha", "alpha_prime"):
                    if key not in hd:
                        continue
                    want, have = np.array(hd[key], dtype=float), np.array(got[key], dtype=float)  # None -> nan
                    assert np.array_equal(np.isnan(want), np.isnan(have)), (kind, key)
                    ok = ~np.isnan(want)
                    assert np.abs(want[ok] - have[ok]).max() <= 5e-5 + 1e-12, (kind, key)
                    assert [f"{x:.3f}" for x in want[ok]] == [f"{x:.3f}" for x in have[ok]], (kind, key)


def test_the_long_page_embeds_summaries_not_n_by_n(docs, pages):
    doc, view = docs["long"]
    assert len(doc["tokens"]) > html.DENSE_MAX
    page = embedded(pages["long"])
    assert "layers" not in page and len(pages["long"].encode()) < 400_000
    m = len(view["long"]["heads"][0]["summary"])
    assert page["view"]["long"]["bins"][0] == 0 and page["view"]["long"]["bins"][-1] == len(doc["tokens"])
    assert len(page["view"]["long"]["bins"]) == m + 1


def test_model_page_for_six_layers_twelve_heads_forty_tokens_is_under_2_mb(docs, pages):
    doc = docs["model"][0]
    assert len(doc["tokens"]) == 40, FORTY
    attention = [l for l in doc["layers"] if l["kind"] == "attention"]
    assert len(attention) == 6 and all(len(l["heads"]) == 12 for l in attention)
    assert len(pages["model"].encode("utf-8")) <= 2_000_000


@pytest.mark.parametrize("x", [0.0625, 0.1875, 0.00049996, 0.12345, 0.9995, 0.0005, 1 / 3, 0.99949999, -0.0625,
                               -2.71828, 1e-7, 123.4565])
def test_trim_keeps_the_three_decimals(x):
    (y,), = html.trim([[x]])
    assert f"{y:.3f}" == f"{x:.3f}" and abs(y - x) <= 5e-5 + 1e-12


def test_trim_on_many_values_matches_a_loop():
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.random(20_000), (np.arange(2000) + 0.5) / 1000 + rng.normal(0, 3e-5, 2000)])
    got = html.trim([xs.tolist()])[0]
    assert all(f"{y:.3f}" == f"{x:.3f}" and abs(y - x) <= 5e-5 + 1e-12 for x, y in zip(xs.tolist(), got))


def test_token_text_cannot_break_out_of_the_page():
    doc = hand_doc(XSS + ["ok"], [[1 / 6] * 6 for _ in range(6)])
    doc["text"] = "</title><script>alert(3)</script>"
    page = html.html_page(doc)
    for bad in XSS[:2] + ["alert(3)</script>", "\u2028"]:
        assert bad not in page
    assert "&lt;/title&gt;" in page.split("<title>")[1].split("</title>")[0]
    assert embedded(page)["tokens"] == XSS + ["ok"] and embedded(page)["text"] == doc["text"]
    js = html._asset("attnviz.js")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js


def test_vectors_fields_are_left_out(docs):
    from attnviz.api import Options, analyze
    from attnviz.views.jsondoc import document

    full = document(analyze(SEED, Options()), include_vectors=True)
    page = embedded(html.html_page(full))
    assert set(page["layers"][0]["heads"][0]) == {"index", "alpha", "alpha_prime"}
    assert "input" not in page["layers"][0] and "output" not in page["layers"][0]


def test_the_page_document_validates_against_the_schema(docs, pages):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "attnviz-1.schema.json").read_text())
    for kind in ("vectors", "model"):
        page = embedded(pages[kind])
        page.pop("view")
        jsonschema.validate(page, schema)


def test_fragments_are_scoped_and_unique(docs):
    doc = docs["vectors"][0]
    a, b = html.html_fragment(doc), html.html_fragment(doc)
    ids = [re.search(r'class="attnviz-root" id="([^"]+)"', f).group(1) for f in (a, b)]
    assert ids[0] != ids[1] and all(re.fullmatch(r"attnviz-[0-9a-f]{12}", i) for i in ids)
    assert "Content-Security-Policy" not in a and "<html" not in a and "<body" not in a
    assert "trust the notebook" in a  # what an untrusted notebook shows instead of the view
    assert embedded(a, ids[0])["tokens"] == doc["tokens"]
    css = re.sub(r"/\*.*?\*/", "", html._asset("attnviz.css"), flags=re.S)
    css = re.sub(r"@keyframes attnviz-[\w-]+ \{([^{}]*\{[^{}]*\})*[^{}]*\}", "", css)  # its own names only
    assert "@keyframes" not in css
    css = re.sub(r"@media[^{]*\{", "", css)
    for selectors in re.findall(r"([^{}]+)\{[^{}]*\}", css):
        for sel in selectors.split(","):
            assert sel.strip().startswith((".attnviz-root", "body > .attnviz-root")), sel


def test_bad_documents_are_one_clear_error():
    n = 3
    flat = [[1 / n] * n for _ in range(n)]
    cases = [
        (hand_doc(["a"] * 2001, [[0.0]]), "2000 tokens"),
        (hand_doc(["a", "b", "c"], [[math.inf, 0, 0], [0, 1, 0], [0, 0, 1]]), "infinite"),
        ({**hand_doc(["a", "b", "c"], flat), "layers": None}, "neither layers"),
    ]
    for doc, words in cases:
        with pytest.raises(AttnvizError, match=words):
            html.html_page({k: v for k, v in doc.items() if v is not None})
    with pytest.raises(AttnvizError, match="row-major"):
        html.html_page(hand_doc(["a", "b", "c"], flat), {"image": {"rows": 2, "cols": 2, "width": 4, "height": 4, "png": ""}})
    with pytest.raises(AttnvizError, match="one per item"):
        html.html_page(hand_doc(["a", "b", "c"], flat), {"audio": html.audio_view([0, 1], np.ones((4, 3)))})
    with pytest.raises(AttnvizError, match="unknown keys"):
        html.html_page(hand_doc(["a", "b", "c"], flat), html.audio_view([0, 1, 2], np.ones((4, 3))))
    with pytest.raises(AttnvizError, match="view.image lacks png; build it with image_view"):
        html.html_page(hand_doc(["a", "b", "c"], flat), {"image": {"rows": 1, "cols": 3, "width": 4, "height": 4}})
    with pytest.raises(AttnvizError, match="finite"):
        html.audio_view([0, 1, 2], np.full((4, 3), np.nan))
    with pytest.raises(AttnvizError, match=r"\[H, W, 3\]"):
        html.image_view(np.zeros(5), 1, 1)


def test_views_shrink_what_they_embed():
    a = html.audio_view(np.arange(50) * 0.02, np.random.default_rng(0).normal(size=(5000, 300)), max_frames=100, max_bands=20)
    assert len(a["spectrogram"]) == 100 and len(a["spectrogram"][0]) == 20
    assert min(map(min, a["spectrogram"])) == 0 and max(map(max, a["spectrogram"])) == 255
    assert a["duration"] == pytest.approx(1.0)
    pic = (np.random.default_rng(0).random((900, 1200, 3)) * 255).astype(np.uint8)
    im = html.image_view(pic, 3, 4, max_side=300)
    assert (im["width"], im["height"]) == (300, 225) and base64.b64decode(im["png"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_save_page_is_atomic(tmp_path, docs):
    path = tmp_path / "view.html"
    html.save_page(html.html_page(docs["vectors"][0]), path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") and len(list(tmp_path.iterdir())) == 1
    import os

    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # like the figures: not the temporary file's 0600
    with pytest.raises(AttnvizError, match="cannot write"):
        html.save_page("x", tmp_path / "missing" / "view.html")


@pytest.mark.parametrize("focus", [-1, 15, "it", True, 1.0])
def test_a_view_focus_that_is_not_an_item_index_is_refused(focus):
    from attnviz.errors import AttnvizError
    from attnviz.views.html import check_view

    page = {"tokens": ["a", "b"], "layers": [], "view": {"header": "", "focus": focus}}
    with pytest.raises(AttnvizError, match="view.focus"):
        check_view(page)
    check_view({**page, "view": {"header": "", "focus": 1}})
