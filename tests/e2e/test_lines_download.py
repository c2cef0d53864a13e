"""The page's lines view: "download SVG" and "download PNG" save what is on screen (issue #24, item 4), in headless Chromium."""

import time
import xml.etree.ElementTree as ET

import numpy as np

import attnviz
from browser import open_page
from browser import VISIBLE_LINES, choose, click, hover

TOKENS = ["[CLS]", "the", "cat", "sat", "on", "[SEP]"]
SVG = "{http://www.w3.org/2000/svg}"


def weights(*shape, seed=0):
    x = np.random.default_rng(seed).normal(size=shape) * 3
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def wait_for(path):
    for _ in range(100):
        if path.exists() and path.stat().st_size:
            return path
        time.sleep(0.05)
    raise AssertionError(f"{path.name} was not downloaded")


def shown_in_file(svg_text: str) -> set:
    """(q, k, h) of every line the saved SVG draws: no ancestor with display:none or visibility:hidden."""
    root = ET.fromstring(svg_text)
    out = set()

    def walk(e, visible):
        style = e.get("style", "")
        visible = visible and "display:none" not in style and "visibility:hidden" not in style
        if e.tag == SVG + "line" and visible:
            out.add((int(e.get("data-q")), int(e.get("data-k")), int(e.get("data-h"))))
        for c in e:
            walk(c, visible)

    walk(root, True)
    return out


def test_download_svg_and_png_save_what_is_on_screen(browser, tmp_path):
    from PIL import Image

    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(browser.downloads)})
    attnviz.view(weights(2, 3, 6, 6), TOKENS, name="tiny").save(tmp_path / "v.html")
    open_page(browser, tmp_path / "v.html")
    click(browser, '.av-tab[data-view="lines"]')
    choose(browser, "layer", 1)
    click(browser, 'input[data-head="1"]')  # head 2 off
    click(browser, '.av-tok[data-side="q"][data-i="2"]')  # "cat" pinned
    hover(browser, ".av-header")
    on_screen = {tuple(l[:3]) for l in browser.execute_script(VISIBLE_LINES)}
    assert on_screen and {h for _q, _k, h in on_screen} == {0, 2} and {q for q, _k, _h in on_screen} == {2}
    click(browser, ".av-fig-svg")
    saved = wait_for(browser.downloads / "attnviz-lines-layer2.svg").read_text(encoding="utf-8")
    assert shown_in_file(saved) == on_screen
    assert ">cat<" in saved and "font-family" in saved  # labels, with the page's styles written in
    click(browser, ".av-fig-png")
    png = Image.open(wait_for(browser.downloads / "attnviz-lines-layer2.png"))
    root = ET.fromstring(saved)
    assert png.size == (2 * int(float(root.get("width"))), 2 * int(float(root.get("height"))))
    pixels = np.asarray(png.convert("RGB"), dtype=int)
    assert (pixels.sum(axis=2) < 600).mean() > 0.001  # something drawn on the white
