"""Every kind of interactive page, built through the library as a user builds it, drawn in a real
browser (headless Chromium; skips with the reason when it is missing): dense and summary pages of
text, a matrix, a model, a sound and a picture (issue #25, item 15)."""

from __future__ import annotations

import numpy as np
import pytest

from browser import open_page

SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."

KINDS = {  # page kind -> (analyze's arguments, the view the page opens on)
    "text": (dict(text=SEED, heads=2), "lines"),
    "matrix": (dict(input="VECTORS"), "lines"),
    "model": (dict(text="The cat sat on the mat.", model="minilm"), "model"),
    "audio": (dict(audio="demo"), "audio"),
    "image": (dict(image="demo", size=16), "image"),
    "text summary": (dict(text=" ".join([SEED] * 140), window=40, top_k=3), "summary"),
    "audio summary": (dict(audio="demo", top_k=5), "summary"),
    "image summary": (dict(image="demo", size=128), "summary"),
}


@pytest.fixture(scope="module")
def page_files(tmp_path_factory):
    from attnviz.api import analyze

    folder = tmp_path_factory.mktemp("kinds")
    vectors = folder / "vectors.npy"
    np.save(vectors, np.random.default_rng(0).normal(size=(12, 5)))
    out = {}
    for kind, (args, _view) in KINDS.items():
        args = {k: (str(vectors) if v == "VECTORS" else v) for k, v in args.items()}
        out[kind] = folder / f"{kind.replace(' ', '-')}.html"
        analyze(**args).save(str(out[kind]))
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_page_kind_draws_in_chromium(browser, page_files, kind):
    browser.get_log("browser")  # what earlier pages logged
    open_page(browser, page_files[kind])
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, (kind, errors)
    view = browser.execute_script("return document.querySelector('.av-stage').dataset.view")
    assert view == KINDS[kind][1], kind
    drawn = browser.execute_script("return document.querySelectorAll('.av-stage canvas, .av-stage svg').length")
    assert drawn > 0, kind
