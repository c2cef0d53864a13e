"""The interactive HTML view (issue #15) in a real browser (headless Chromium through selenium): the
pages of views/test_html.py opened, hovered and clicked.  Every test skips, with the reason, when
Chromium, chromedriver or selenium is missing."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from browser import VISIBLE_LINES, at_offset, choose, click, hover, open_page, read_tip
from html_pages import XSS, docs, embedded, hand_doc, pages  # noqa: F401 (docs, pages: fixtures)
from attnviz.views import html


@pytest.fixture(scope="module")
def files(pages, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for kind, page in pages.items():
        out[kind] = folder / f"{kind}.html"
        out[kind].write_text(page, encoding="utf-8")
    return out


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


def test_the_picture_note_names_its_items_in_english(browser, files, docs):
    """The note above a picture says "patches" (not "patchs"), and "pixels" for a picture of pixels."""
    doc, view = docs["image"]
    open_page(browser, files["image"])
    note = browser.execute_script("return [...document.querySelectorAll('.av-note')].map(n => n.textContent).join(' ')")
    unit = "pixels" if "patch" in doc["source"] and doc["source"]["patch"] is None else "patches"  # this doc: patches
    assert f"{view['image']['rows']} × {view['image']['cols']} {unit}, one item each" in note, note
    assert f"Attended {unit} stay bright" in note and "patchs" not in note, note
