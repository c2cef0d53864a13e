"""The interactive HTML view (issue #15): one self-contained file, checked as text here and in a
real browser (headless Chromium through selenium) below.  The browser tests skip, with the reason,
when Chromium, chromedriver or selenium is missing."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest

from browser import at_offset, open_page
from html_docs import FORTY, SEED, audio_doc, image_doc, long_doc, model_doc, vectors_doc
from attnviz.errors import AttnvizError
from attnviz.views import html
from attnviz.views.jsondoc import SCHEMA

ROOT = Path(__file__).resolve().parent.parent
XSS = ["<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>", "a\u2028b", "&amp;", "<!--"]


def embedded(page: str, root_id: str = "attnviz-main") -> dict:
    m = re.search(rf'<script type="application/json" id="{root_id}-data">(.*?)</script>', page, re.S)
    assert m, "no embedded JSON block"
    return json.loads(m.group(1))


def inline(page: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)


def hand_doc(tokens: list[str], alpha_prime: list[list[float]], alpha=None) -> dict:
    """A minimal attnviz/1 document with one head, for cases the library does not produce."""
    return {"schema": SCHEMA, "text": " ".join(tokens), "tokens": tokens, "oov": [False] * len(tokens),
            "source": {"kind": "vectors", "name": "hand", "dim": 2}, "config": {"heads": 1},
            "layers": [{"index": 0, "kind": "attention",
                        "heads": [{"index": 0, "alpha": alpha or alpha_prime, "alpha_prime": alpha_prime}]}]}


@pytest.fixture(scope="module")
def docs():
    return {"vectors": (vectors_doc(heads=3, window=4), None), "model": (model_doc(), None),
            "audio": audio_doc(), "image": image_doc(), "long": long_doc()}


@pytest.fixture(scope="module")
def pages(docs):
    return {k: html.html_page(d, v) for k, (d, v) in docs.items()}


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


# ---------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def files(pages, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for kind, page in pages.items():
        out[kind] = folder / f"{kind}.html"
        out[kind].write_text(page, encoding="utf-8")
    return out


def hover(driver, css: str):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    ActionChains(driver).move_to_element(driver.find_element(By.CSS_SELECTOR, css)).perform()


def click(driver, css: str):
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, css).click()


def choose(driver, name: str, index: int):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.CSS_SELECTOR, f'select[name="{name}"]')).select_by_value(str(index))


VISIBLE_LINES = """const shown = (e) => { for (; e; e = e.parentElement) {
    const s = getComputedStyle(e); if (s.display === 'none' || s.visibility === 'hidden') return false; } return true; };
  return [...document.querySelectorAll('svg.av-lines line')].filter(shown)
  .map(l => [+l.dataset.q, +l.dataset.k, +l.dataset.h, +l.getAttribute('stroke-opacity')]);"""


def expected_lines(page_doc: dict, layer: int, heads, q=None, k=None) -> set:
    out = set()
    for h in heads:
        for i, row in enumerate(page_doc["layers"][layer]["heads"][h]["alpha_prime"]):
            for j, a in enumerate(row):
                if a >= 0.01 and (q is None or i == q) and (k is None or j == k):
                    out.add((i, j, h))
    return out


def test_no_request_leaves_the_page(browser, files):
    for kind in ("vectors", "model", "audio", "image", "long"):
        browser.get_log("performance")
        open_page(browser, files[kind])
        for tab in browser.execute_script("return [...document.querySelectorAll('.av-tab[data-view]')].map(b => b.dataset.view)"):
            click(browser, f'.av-tab[data-view="{tab}"]')
        assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0, kind
        sent = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
        urls = {m["params"]["request"]["url"] for m in sent if m["method"] == "Network.requestWillBeSent"}
        assert urls <= {files[kind].as_uri()} | {u for u in urls if u.startswith("data:")}, (kind, urls)


def test_the_policy_blocks_remote_loads(browser, files):
    open_page(browser, files["vectors"])
    blocked = browser.execute_async_script("""
      const done = arguments[0], seen = [];
      document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective + ' ' + e.blockedURI));
      const img = document.createElement('img'); img.src = 'http' + '://127.0.0.1:9/x.png'; document.body.append(img);
      fetch('http' + '://127.0.0.1:9/data').catch(() => seen.push('fetch rejected'));
      const s = document.createElement('script'); s.textContent = 'window.injected = 1'; document.body.append(s);
      setTimeout(() => done([seen, window.injected === undefined]), 400);""")
    seen, not_run = blocked
    assert any(v.startswith("img-src") for v in seen) and any(v.startswith("connect-src") for v in seen), seen
    assert "fetch rejected" in seen and not_run, seen


def test_hover_keeps_only_that_tokens_lines(browser, files, pages):
    page_doc = embedded(pages["vectors"])
    open_page(browser, files["vectors"])
    everything = expected_lines(page_doc, 0, range(3))
    assert {tuple(l[:3]) for l in browser.execute_script(VISIBLE_LINES)} == everything
    hover(browser, '.av-tok[data-side="q"][data-i="1"]')
    seen = browser.execute_script(VISIBLE_LINES)
    assert {tuple(l[:3]) for l in seen} == expected_lines(page_doc, 0, range(3), q=1) and len(seen) < len(everything)
    for i, j, h, opacity in seen:
        assert abs(opacity - min(page_doc["layers"][0]["heads"][h]["alpha_prime"][i][j], 1)) <= 5e-4 + 1e-9
    hover(browser, '.av-tok[data-side="k"][data-i="9"]')
    assert {tuple(l[:3]) for l in browser.execute_script(VISIBLE_LINES)} == expected_lines(page_doc, 0, range(3), k=9)
    hover(browser, ".av-header")
    assert {tuple(l[:3]) for l in browser.execute_script(VISIBLE_LINES)} == everything


def test_click_pins_a_token_and_heads_are_checkboxes(browser, files, pages):
    page_doc = embedded(pages["vectors"])
    open_page(browser, files["vectors"])
    click(browser, 'input[data-head="1"]')
    click(browser, '.av-tok[data-side="q"][data-i="4"]')
    hover(browser, ".av-header")
    assert {tuple(l[:3]) for l in browser.execute_script(VISIBLE_LINES)} == expected_lines(page_doc, 0, [0, 2], q=4)
    click(browser, '.av-tok[data-side="q"][data-i="4"]')
    hover(browser, ".av-header")
    assert {tuple(l[:3]) for l in browser.execute_script(VISIBLE_LINES)} == expected_lines(page_doc, 0, [0, 2])


LINE_GEOMETRY = """return [...document.querySelectorAll('svg.av-lines .av-all line')].map(l => ({
    q: +l.dataset.q, k: +l.dataset.k, h: +l.dataset.h, y1: +l.getAttribute('y1'), y2: +l.getAttribute('y2'),
    stroke: getComputedStyle(l).stroke, width: parseFloat(getComputedStyle(l).strokeWidth)}));"""
ROWS = """const r = [...document.querySelectorAll('.av-tok[data-side="q"] rect')].map(e => +e.getAttribute('y'));
  return [r[0], r[1] - r[0]];"""


@pytest.mark.parametrize("kind,heads", [("vectors", 3), ("model", 12)])
def test_every_head_keeps_its_own_colour_when_all_are_shown(browser, files, pages, kind, heads):
    """All heads checked: each head's lines run in their own lane of the rows (never on top of another
    head's, where the colours would mix into one), inside the row of their query and key, in the
    head's one colour, and as wide as they can be without covering the next lane (≥ 1.5 px)."""
    page_doc = embedded(pages[kind])
    open_page(browser, files[kind])
    if kind == "model":
        click(browser, '.av-tab[data-view="lines"]')
    lines, (top, row) = browser.execute_script(LINE_GEOMETRY), browser.execute_script(ROWS)
    assert {(l["q"], l["k"], l["h"]) for l in lines} == expected_lines(page_doc, 0, range(heads))
    colour = {}
    for l in lines:
        assert colour.setdefault(l["h"], l["stroke"]) == l["stroke"]
        assert top + l["q"] * row < l["y1"] < top + (l["q"] + 1) * row and top + l["k"] * row < l["y2"] < top + (l["k"] + 1) * row
        assert l["y1"] - (top + (l["q"] + 0.5) * row) == pytest.approx(l["y2"] - (top + (l["k"] + 0.5) * row))
        assert 1.5 <= l["width"] <= 2
    assert len(set(colour.values())) == heads
    lane = {}
    for l in lines:
        lane.setdefault(l["h"], []).append(l["y1"] - (top + (l["q"] + 0.5) * row))
    assert all(max(dy) - min(dy) < 1e-6 for dy in lane.values())  # one lane per head, the same in every row
    offsets = [lane[h][0] for h in range(heads)]
    assert offsets == sorted(offsets) and len(set(offsets)) == heads  # head 1 on top, one lane each
    gap = min(b - a for a, b in zip(offsets, offsets[1:]))
    click(browser, 'input[data-head="0"]')  # one head left of two … down to one: back in the middle
    for h in range(2, heads):
        click(browser, f'input[data-head="{h}"]')
    one = browser.execute_script(LINE_GEOMETRY)
    assert {l["h"] for l in one} == {1} and all(l["y1"] == top + (l["q"] + 0.5) * row for l in one)
    assert all(l["width"] == 2 for l in one) and gap > 0


def read_tip(driver) -> dict[str, str]:
    rows = driver.execute_script("""const t = document.querySelector('.av-tip');
      return t.hidden ? null : [...t.querySelectorAll('.av-tip-row')].map(r => [r.children[0].textContent, r.children[1].textContent]);""")
    assert rows, "no tooltip"
    return dict(rows)


def cell_centre(driver, i: int, j: int) -> tuple[float, float]:
    d = driver.execute_script("return {...document.querySelector('canvas.av-matrix').dataset}")
    c = float(d["cell"])  # a whole pixel inside the cell, however small the cell is
    return float(d["x0"]) + j * c + (c - 1) // 2 + 0.5, float(d["y0"]) + i * c + (c - 1) // 2 + 0.5


def check_tooltips(driver, doc: dict, layer: int, head: int, cells):
    hd = doc["layers"][layer]["heads"][head]
    for i, j in cells:
        at_offset(driver, "canvas.av-matrix", *cell_centre(driver, i, j))
        tip = read_tip(driver)
        assert tip["query"] == f"{i} {doc['tokens'][i]}" and tip["key"] == f"{j} {doc['tokens'][j]}"
        assert tip["α′"] == f"{hd['alpha_prime'][i][j]:.3f}", (layer, head, i, j)
        if "alpha" in hd:
            assert tip["α"] == ("masked" if hd["alpha"][i][j] is None else f"{hd['alpha'][i][j]:.3f}")


def test_tooltip_shows_the_json_values_to_three_decimals(browser, files, docs):
    doc = docs["model"][0]  # the full-precision document, not the page's copy
    open_page(browser, files["model"])
    click(browser, '.av-tab[data-view="matrix"]')
    check_tooltips(browser, doc, 0, 0, [(0, 0), (5, 7), (39, 1)])
    choose(browser, "layer", 3)
    choose(browser, "head", 10)
    check_tooltips(browser, doc, 3, 10, [(2, 3), (20, 21), (12, 0)])
    click(browser, '.av-which [data-which="alpha"]')
    check_tooltips(browser, doc, 3, 10, [(2, 3)])
    choose(browser, "layer", 6)  # the rollout: α′ only
    assert browser.execute_script("return document.querySelector('.av-which').hidden")
    check_tooltips(browser, doc, 6, 0, [(1, 2), (30, 0)])


def test_masked_cells_say_masked(browser, files, docs):
    doc = docs["vectors"][0]
    open_page(browser, files["vectors"])
    click(browser, '.av-tab[data-view="matrix"]')
    choose(browser, "head", 2)
    check_tooltips(browser, doc, 0, 2, [(0, 14), (14, 0), (3, 5)])
    assert read_tip(browser)["α′"] == f"{doc['layers'][0]['heads'][2]['alpha_prime'][3][5]:.3f}"


def test_a_thumbnail_opens_its_head(browser, files, docs):
    doc = docs["model"][0]
    open_page(browser, files["model"])
    assert browser.execute_script("return document.querySelector('.av-stage').dataset.view") == "model"
    assert browser.execute_script("return document.querySelectorAll('.av-thumb').length") == 6 * 12 + 1
    hover(browser, '.av-thumb[data-layer="1"][data-head="6"]')
    s = doc["layers"][1]["heads"][6]["summary"]
    assert read_tip(browser)["entropy"] == f"{s['entropy']:.2f} bits" and read_tip(browser)["self"] == f"{s['self']:.3f}"
    click(browser, '.av-thumb[data-layer="4"][data-head="2"]')
    assert browser.execute_script("return document.querySelector('.av-stage').dataset.view") == "matrix"
    check_tooltips(browser, doc, 4, 2, [(9, 10)])


def test_ties_round_like_python(browser, tmp_path):
    n = 16  # α′ = 1/16 = 0.0625 exactly: Python prints 0.062 (ties to even), JS toFixed says 0.063
    path = tmp_path / "ties.html"
    path.write_text(html.html_page(hand_doc([f"t{i}" for i in range(n)], [[1 / n] * n for _ in range(n)])))
    open_page(browser, path)
    click(browser, '.av-tab[data-view="matrix"]')
    at_offset(browser, "canvas.av-matrix", *cell_centre(browser, 3, 4))
    assert read_tip(browser)["α′"] == f"{1 / n:.3f}" == "0.062"


def test_clicking_a_pixel_overlays_its_map(browser, files, docs):
    doc, view = docs["image"]
    im = view["image"]
    open_page(browser, files["image"])
    w, h = browser.execute_script("const b = document.querySelector('canvas.av-overlay').getBoundingClientRect(); return [b.width, b.height];")
    r, c = 3, 8
    at_offset(browser, "canvas.av-overlay", (c + 0.5) * w / im["cols"], (r + 0.5) * h / im["rows"], do_click=True)
    i = r * im["cols"] + c
    assert browser.execute_script("return document.querySelector('canvas.av-overlay').dataset.query") == str(i)
    row = np.array(doc["layers"][0]["heads"][0]["alpha_prime"][i])
    shade = lambda j: browser.execute_script(  # noqa: E731  (the overlay's opacity at the centre of patch j)
        """const c = document.querySelector('canvas.av-overlay'), [j, cols, rows] = arguments;
           const x = Math.floor(((j % cols) + 0.5) * c.width / cols), y = Math.floor((Math.floor(j / cols) + 0.5) * c.height / rows);
           return c.getContext('2d').getImageData(x, y, 1, 1).data[3];""", j, im["cols"], im["rows"])
    strongest, weakest = int(row.argmax()), int(row.argmin())
    assert shade(strongest) < shade(weakest)  # attended patches stay bright: less dark overlay
    caption = browser.execute_script("return document.querySelector('.av-caption').textContent")
    assert f"patch {doc['tokens'][i]} (item {i + 1})" in caption and f"(item {strongest + 1})" in caption  # from 1


def test_clicking_a_time_shows_its_curve(browser, files, docs):
    doc, view = docs["audio"]
    a = view["audio"]
    open_page(browser, files["audio"])
    x0, w = browser.execute_script("return [48, document.querySelector('canvas.av-audiomat').getBoundingClientRect().width - 48]")
    i = 52
    t = (a["times"][i] + a["times"][i + 1]) / 2
    at_offset(browser, "canvas.av-spec", x0 + t / a["duration"] * w, 60, do_click=True)
    assert browser.execute_script("return document.querySelector('svg.av-curve').dataset.query") == str(i)
    pts = browser.execute_script("return document.querySelector('.av-curveline').getAttribute('points')").split()
    ys = [float(p.split(",")[1]) for p in pts]
    row = doc["layers"][0]["heads"][0]["alpha_prime"][i]
    assert len(pts) == len(doc["tokens"]) and int(np.argmin(ys)) == int(np.argmax(row))
    choose(browser, "head", 1)
    assert browser.execute_script("return document.querySelector('svg.av-curve').dataset.query") == str(i)


def test_user_text_is_shown_never_run(browser, tmp_path):
    tokens = XSS + ["ok"]
    path = tmp_path / "xss.html"
    path.write_text(html.html_page(hand_doc(tokens, [[1 / 6] * 6 for _ in range(6)])), encoding="utf-8")
    open_page(browser, path)
    shown = browser.execute_script("return [...document.querySelectorAll('.av-col-q .av-toktext')].map(t => t.textContent)")
    assert shown == [html_short(t) for t in tokens]
    assert browser.execute_script("return document.querySelectorAll('img, .av-stage script').length") == 0
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018


def html_short(token: str, most: int = 18) -> str:
    return token if len(token) <= most else token[: most - 1] + "…"


def test_download_gives_the_embedded_document(browser, files, pages):
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(browser.downloads)})
    open_page(browser, files["vectors"])
    click(browser, ".av-download")
    target = browser.downloads / "attnviz.json"
    for _ in range(100):
        if target.exists() and target.stat().st_size:
            break
        time.sleep(0.05)
    assert json.loads(target.read_text(encoding="utf-8")) == embedded(pages["vectors"])


def test_two_fragments_on_one_page_work_apart(browser, tmp_path, docs):
    a, b = html.html_fragment(docs["vectors"][0]), html.html_fragment(docs["model"][0])
    path = tmp_path / "notebook.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><h1>cells</h1>{a}<hr>{b}</body></html>",
                    encoding="utf-8")
    browser.get(path.as_uri())
    time.sleep(0.3)
    views = browser.execute_script("return [...document.querySelectorAll('.av-stage')].map(s => s.dataset.view)")
    assert views == ["lines", "model"]
    assert browser.execute_script("return document.querySelectorAll('.av-fallback').length") == 0  # drawn: no notice
    browser.execute_script("document.querySelectorAll('.attnviz-root')[0].querySelector('.av-tab[data-view=\"matrix\"]').click()")
    views = browser.execute_script("return [...document.querySelectorAll('.av-stage')].map(s => s.dataset.view)")
    assert views == ["matrix", "model"]
    assert browser.execute_script("return getComputedStyle(document.querySelector('h1')).fontFamily") != \
        browser.execute_script("return getComputedStyle(document.querySelector('.attnviz-root')).fontFamily")


def test_a_phone_screen_does_not_scroll_sideways(browser, files):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    try:
        for kind in ("model", "image", "audio"):
            open_page(browser, files[kind])
            for tab in browser.execute_script("return [...document.querySelectorAll('.av-tab[data-view]')].map(b => b.dataset.view)"):
                click(browser, f'.av-tab[data-view="{tab}"]')
                assert browser.execute_script("return document.documentElement.scrollWidth") <= 390, (kind, tab)
    finally:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})


def test_the_long_summary_reads_like_the_terminal(browser, files, docs):
    doc, view = docs["long"]
    lg = view["long"]
    open_page(browser, files["long"])
    assert browser.execute_script("return document.querySelector('.av-stage').dataset.view") == "summary"
    for r, c in [(0, 0), (5, 6), (20, 3)]:
        at_offset(browser, "canvas.av-matrix", *cell_centre(browser, r, c))
        tip = read_tip(browser)
        assert tip["queries"] == f"{lg['bins'][r]} … {lg['bins'][r + 1] - 1}"
        assert tip["mean α′"] == f"{lg['heads'][0]['summary'][r][c]:.3f}"
    rows = browser.execute_script("return [...document.querySelectorAll('.av-examples td.av-q')].map(t => t.textContent)")
    assert rows == [f"{e['query']} {doc['tokens'][e['query']]}" for e in lg["examples"]]


def test_a_few_hundred_tokens_draw_one_pixel_per_cell(browser, tmp_path):
    from attnviz.api import Options, analyze
    from attnviz.views.jsondoc import document

    words = "the cat sat on a mat while dogs ran across green fields near old houses".split()
    doc = document(analyze(" ".join(words[i % len(words)] for i in range(300)), Options(window=20)))
    path = tmp_path / "wide.html"
    path.write_text(html.html_page(doc), encoding="utf-8")
    open_page(browser, path)
    assert browser.execute_script("return document.querySelector('.av-stage').dataset.view") == "matrix"  # no lines
    assert int(browser.execute_script("return document.querySelector('canvas.av-matrix').dataset.cell")) < 6
    check_tooltips(browser, doc, 0, 0, [(10, 12), (150, 149), (299, 0), (0, 40)])


def test_an_untrusted_notebook_shows_a_notice_not_a_blank(browser, tmp_path, docs):
    path = tmp_path / "untrusted.html"
    path.write_text(f"<!DOCTYPE html><html><body>{html.html_fragment(docs['vectors'][0])}</body></html>", encoding="utf-8")
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(path.as_uri())
        visible = "return document.querySelector('.av-fallback').checkVisibility({visibilityProperty: true})"
        assert not browser.execute_script(visible)  # not at once: a view that draws never flashes it
        time.sleep(1.8)
        assert browser.execute_script(visible)
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
