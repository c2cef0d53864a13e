"""The atlas as a self-contained page: an "atlas" tab (each head's strongest role) and one tab per
score, both layers × heads grids; clicking a head draws its α′ on the text and on the probe.

The attnviz-atlas/1 document is embedded with `alpha` added: every head's α′ as base64 bytes,
round(255 · α′) in layers × heads × n × n order (a 30 × 9-head model's probe of 102 tokens is 2.8 MB
of bytes, not 14 MB of decimals), and `probe_tokens`.  Same policy as views/html.py: nothing remote.
"""

from __future__ import annotations

import base64
import html as _html
import json

import numpy as np

from .atlas import document
from .html import _asset, csp, embed_json


def as_bytes(a: np.ndarray) -> str:
    """[layers, heads, n, n] α′ in 0 … 1 -> base64 of round(255 · α′) as unsigned bytes."""
    return base64.b64encode(np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8).tobytes()).decode("ascii")


def atlas_page(atlas) -> str:
    """The page for an analysis.atlas.Atlas."""
    root_id = "attnviz-atlas"
    doc = {**document(atlas), "probe_tokens": list(atlas.probe_tokens),
           "alpha": {"text": as_bytes(atlas.text_alpha), "probe": as_bytes(atlas.probe_alpha)}}
    css = _asset("attnviz.css") + _asset("atlas.css")
    script = "(function (ROOT_ID) {\n" + _asset("atlas.js") + "\n})(" + json.dumps(root_id) + ");"
    title = f"attnviz atlas · {atlas.model.split('/')[-1]}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{csp(css, script)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html.escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f'<div class="attnviz-root" id="{root_id}"><noscript>This page is drawn by JavaScript, which is turned '
        "off; the data is in the JSON block at the end of the file.</noscript></div>\n"
        f'<script type="application/json" id="{root_id}-data">{embed_json(doc)}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )
