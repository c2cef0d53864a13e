"""The pages the HTML view's tests share: checked as text in views/test_html.py and in a real browser
in e2e/test_html_browser.py.  `docs` holds a MiniLM page, so it skips (never errors) where the
MiniLM wheel is absent; a module that uses the fixtures imports them (`from html_pages import docs, pages`)."""

from __future__ import annotations

import json
import re

import pytest

from html_docs import audio_doc, image_doc, long_doc, model_doc, vectors_doc
from installed import minilm_dir

XSS = ["<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>", "a\u2028b", "&amp;", "<!--"]


def embedded(page: str, root_id: str = "attnviz-main") -> dict:
    m = re.search(rf'<script type="application/json" id="{root_id}-data">(.*?)</script>', page, re.S)
    assert m, "no embedded JSON block"
    return json.loads(m.group(1))


def hand_doc(tokens: list[str], alpha_prime: list[list[float]], alpha=None) -> dict:
    """A minimal attnviz/1 document with one head, for cases the library does not produce."""
    from attnviz.views.jsondoc import SCHEMA

    return {"schema": SCHEMA, "text": " ".join(tokens), "tokens": tokens, "oov": [False] * len(tokens),
            "source": {"kind": "vectors", "name": "hand", "dim": 2}, "config": {"heads": 1},
            "layers": [{"index": 0, "kind": "attention",
                        "heads": [{"index": 0, "alpha": alpha or alpha_prime, "alpha_prime": alpha_prime}]}]}


@pytest.fixture(scope="module")
def docs():
    minilm_dir()  # the model page needs the MiniLM wheel: skip without it
    return {"vectors": (vectors_doc(heads=3, window=4), None), "model": (model_doc(), None),
            "audio": audio_doc(), "image": image_doc(), "long": long_doc()}


@pytest.fixture(scope="module")
def pages(docs):
    from attnviz.views import html

    return {k: html.html_page(d, v) for k, (d, v) in docs.items()}
