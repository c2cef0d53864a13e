"""Documents for the HTML view's tests, screenshots and bench: real ones from the library (word
vectors, MiniLM, a long text) and small synthetic audio and image ones built from the core.

The audio and image adapters are written elsewhere; these build the same kind of document by hand
(source.kind 'audio' / 'image', one item per frame / patch) plus the `view` extension.
"""

from __future__ import annotations

import numpy as np

from attnviz.core import attention as att
from attnviz.core import masks
from attnviz.views import html
from attnviz.views.jsondoc import SCHEMA, document, matrix

SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
# 38 word pieces + [CLS] + [SEP] = 40 MiniLM tokens (the 6 × 12 heads × 40 tokens page)
FORTY = ("The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food. The waiter "
         "apologized twice and offered hot tomato soup instead, which I happily accepted with fresh bread and butter.")


def vectors_doc(text: str = SEED, **options) -> dict:
    from attnviz.api import Options, analyze

    return analyze(text, Options(**options)).to_dict()


def model_doc(text: str = FORTY) -> dict:
    from attnviz.api import analyze_model

    return analyze_model(text, "minilm").to_dict()


def _doc(kind: str, labels: list[str], x: np.ndarray, heads: int, allowed, source: dict) -> dict:
    """One layer of self-attention over the items x [n, d], as an attnviz/1-like document."""
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)  # [n, d] standardized per dimension
    proj = att.identity_projections(x.shape[1], heads)
    cfg = att.AttentionConfig(temperature=float(np.sqrt(proj.d_k)) / 3)
    layer = att.self_attention(x, proj, cfg, allowed)
    return {"schema": SCHEMA, "text": source["name"], "tokens": labels, "oov": [False] * len(labels),
            "source": {"kind": kind, "dim": int(x.shape[1]), **source},
            "config": {"heads": heads, "d_k": proj.d_k, "score": "scaled-dot", "normalize": "softmax",
                       "masked": allowed is not None},
            "layers": [{"index": 0, "kind": "attention",
                        "heads": [{"index": h, "alpha": matrix(hd.alpha), "alpha_prime": matrix(hd.alpha_prime)}
                                  for h, hd in enumerate(layer.heads)]}]}


def audio_doc(frames: int = 90, window: int | None = 12) -> tuple[dict, dict]:
    """A 1.5 s synthetic sound (a rising chirp, then a tone, then noise): items are STFT frames."""
    sr, hop, size = 8000, 128, 256
    t = np.arange(frames * hop + size) / sr
    third = len(t) // 3
    signal = np.concatenate([np.sin(2 * np.pi * (300 + 1200 * t[:third]) * t[:third]),
                             0.8 * np.sin(2 * np.pi * 900 * t[third:2 * third]),
                             0.3 * np.random.default_rng(0).normal(size=len(t) - 2 * third)])
    win = np.hanning(size)
    spec = np.stack([np.abs(np.fft.rfft(win * signal[f * hop:f * hop + size])) for f in range(frames)])  # [frames, bins]
    db = 20 * np.log10(spec + 1e-6)  # [frames, bins]
    times = np.arange(frames) * hop / sr
    allowed = masks.mask(frames, window=window)
    doc = _doc("audio", [f"{s:.3f}s" for s in times], db[:, :64], 2, allowed,
               {"name": "synthetic chirp", "format": "wav", "sample_rate": sr, "hop": hop})
    return doc, {"audio": html.audio_view(times, db, duration=frames * hop / sr, bands="frequency bins")}


def picture(h: int = 160, w: int = 224) -> np.ndarray:
    """[h, w, 3] uint8: a sky, a sun and a green field (no file needed)."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3))
    img[...] = np.array([0.45, 0.7, 0.95]) * (1 - 0.4 * y[..., None] / h)  # sky
    img[y > 0.62 * h] = [0.25, 0.6, 0.2]  # field
    sun = (x - 0.75 * w) ** 2 + (y - 0.28 * h) ** 2 < (0.12 * h) ** 2
    img[sun] = [1.0, 0.85, 0.2]
    return (img * 255).astype(np.uint8)


def image_doc(rows: int = 10, cols: int = 14) -> tuple[dict, dict]:
    """Items are a rows × cols grid of patches (row-major): mean colour and texture as vectors."""
    pic = picture()
    h, w = pic.shape[0] // rows, pic.shape[1] // cols
    patches = pic[:rows * h, :cols * w].reshape(rows, h, cols, w, 3).transpose(0, 2, 1, 3, 4).astype(float) / 255
    x = np.concatenate([patches.mean(axis=(2, 3)), patches.std(axis=(2, 3))], axis=-1).reshape(rows * cols, 6)
    x = x + 0.02 * np.random.default_rng(1).normal(size=x.shape)
    labels = [f"({r},{c})" for r in range(rows) for c in range(cols)]
    doc = _doc("image", labels, x, 1, None, {"name": "synthetic landscape", "format": "png"})
    return doc, {"image": html.image_view(pic, rows, cols)}


def long_doc(repeat: int = 140) -> tuple[dict, dict]:
    """A text over the dense limit (top-k, blockwise): the header document and view.long."""
    from attnviz.api import Options, analyze_long

    result = analyze_long(" ".join([SEED] * repeat), Options(window=40), top_k=3)
    head = {"schema": SCHEMA, "format": "top-k lines", "tokens": result.tokens, "oov": result.oov,
            "source": result.source.to_dict(), "config": result.config.to_dict()}
    return head, {"long": html.long_view(result)}
