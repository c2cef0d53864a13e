"""The atlas as a self-contained page: an "atlas" tab (each head's strongest role, with the legend of
the role letters and their thresholds) and one tab per score, both layers × heads grids; clicking a
head draws its α′ on the text and on the probe.

The attnviz-atlas/1 document is embedded with `legend` (title and entries, as the terminal's legend),
`probe_tokens` and `alpha`: every head's α′ as {"packed": "u8", "shape": [layers, heads, n, n],
"data": base64}, the bytes round(255 · α′) in that order, deflated (zlib) as views/pack.py packs the
show pages; html_assets/atlas.js inflates them (DecompressionStream) before the first paint.  A
decoder's masked half and its peaked heads deflate well: SmolLM2's 30 × 9 heads on a probe of 100
tokens are 2.7 MB of bytes, 0.5 MB deflated.  Same policy as views/html.py: nothing remote.
"""

from __future__ import annotations

import base64
import json
import zlib

import numpy as np

from .atlas import document, legend_parts
from .html import _asset, embed_json, shell, words_block


def as_bytes(a: np.ndarray) -> dict:
    """[layers, heads, n, n] α′ in 0 … 1 -> {"packed": "u8", "shape", "data"}: base64 of the deflated
    bytes round(255 · α′)."""
    q = np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)
    return {"packed": "u8", "shape": list(q.shape), "data": base64.b64encode(zlib.compress(q.tobytes(), 9)).decode("ascii")}


def unpack_bytes(m: dict) -> np.ndarray:
    """as_bytes' dict -> the uint8 array [layers, heads, n, n] (what the page's script inflates)."""
    return np.frombuffer(zlib.decompress(base64.b64decode(m["data"])), np.uint8).reshape(m["shape"])


def atlas_page(atlas) -> str:
    """The page for an analysis.atlas.Atlas."""
    root_id = "attnviz-atlas"
    doc = {**document(atlas), "probe_tokens": list(atlas.probe_tokens), "legend": dict(zip(("title", "items"), legend_parts())),
           "alpha": {"text": as_bytes(atlas.text_alpha), "probe": as_bytes(atlas.probe_alpha)}}
    css = _asset("attnviz.css") + _asset("atlas.css")
    js = _asset("atlas.js")
    script = "(function (ROOT_ID) {\n" + js + "\n})(" + json.dumps(root_id) + ");"
    title = f"attnviz atlas · {atlas.model.split('/')[-1]}"
    block = f'<script type="application/json" id="{root_id}-data">{embed_json(doc)}</script>' + words_block(js, root_id)
    return shell(title, css, block, script, root_id)
