"""The interactive HTML view: one self-contained file (or a notebook fragment) that draws an
attnviz/1 JSON document in the browser.  Data in, text out: nothing here computes attention.

The page embeds the document (numbers trimmed, see `page_document`; α and α′ packed when they are
many, see views/pack.py) plus an optional `view`
extension object (docs/drafts/html.md):

    view = {"header": str,                                  # the terminal's configuration line(s)
            "audio": {"times", "duration", "spectrogram", "db_range", "bands"},   # audio_view()
            "image": {"width", "height", "rows", "cols", "png"},                  # image_view()
            "long": {"heads", "examples", "bins"}}                                # long_view()

Scripts and styles are read from html_assets/ and inlined; a Content-Security-Policy meta tag
(hashes of the two inline blocks, nothing remote) forbids every network load.
"""

from __future__ import annotations

import base64
import hashlib
import html as _html
import io
import json
import math
import uuid

import numpy as np

from ..errors import AttnvizError
from ..i18n import _, by_reader, language, pgettext
from .page_text import CONTEXT, page_strings

DENSE_MAX = 2000  # tokens: a page never embeds n × n matrices beyond this (long inputs: long_view)
VIEW_KEYS = ("header", "audio", "image", "long", "focus")  # the `view` extension's keys
VIEW_FIELDS = {"audio": ("times", "duration", "spectrogram", "db_range", "bands"),
               "image": ("width", "height", "rows", "cols", "png"), "long": ("bins", "heads", "examples")}
VECTOR_FIELDS = ("q", "k", "v", "b", "input", "output")  # --include-vectors fields: not drawn, not embedded
EXAMPLES = 64  # queries whose top keys a long input's page lists
SPEC_FRAMES, SPEC_BANDS = 600, 64  # an embedded spectrogram is averaged down to at most this
IMAGE_SIDE = 640  # an embedded picture is scaled down to at most this many pixels a side
# the page's lang attribute per language of the views: the zh catalog is Simplified Chinese (its terms are
# the mainland course notes', views/fonts.py tries the SC faces first), so the script is named, not a region
HTML_LANG = {"en": "en", "zh": "zh-Hans"}


# ---------------------------------------------------------------- numbers

def trim(m) -> list:
    """[n_q, n_k] (nested lists, None = masked) -> the same with 4 decimals, each number chosen so
    that its 3-decimal rounding equals the original's (the tooltips show 3 decimals)."""
    a = np.asarray([[np.nan if x is None else x for x in row] for row in m], dtype=np.float64)  # [n_q, n_k]
    if not np.isfinite(a[~np.isnan(a)]).all():
        raise AttnvizError("the attention matrices hold an infinite value; the page cannot show it "
                           "(check the inputs or `temperature`)")
    q = np.round(a, 4)
    # 3-decimal rounding can only differ where a lies within 5e-5 of a rounding boundary (k + ½)/1000
    near = np.abs(np.abs(a * 1000) % 1 - 0.5) < 0.06
    out = q.tolist()
    for i, j in zip(*np.nonzero(near & ~np.isnan(a))):
        out[i][j] = _consistent(float(a[i, j]))
    return [[None if x != x else (0 if x == 0 and math.copysign(1, x) > 0 else x) for x in row] for row in out]


def _consistent(x: float) -> float:
    """The shortest rounding of x (4 decimals or more) that prints like x with 3 decimals."""
    want = f"{x:.3f}"
    for d in range(4, 17):
        y = round(x, d)
        if f"{y:.3f}" == want:
            return y
    return x


def _trim_summary(s: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()}


def page_document(doc: dict, view: dict | None = None) -> dict:
    """The document the page embeds: `doc` with α and α′ trimmed to 4 decimals (3-decimal
    consistent), --include-vectors fields left out, and `view` (with a header) added."""
    layers = doc.get("layers")
    if layers is not None and len(doc["tokens"]) > DENSE_MAX:
        raise AttnvizError(f"a page embeds the n × n matrices only up to {DENSE_MAX} tokens (this input has "
                           f"{len(doc['tokens']):,}); use `top_k`, whose page shows the block summary")
    out = {k: v for k, v in doc.items() if k != "layers"}
    if doc.get("generated"):  # a decoder's own continuation, marked as the terminal marks it
        out["tokens"] = [t + "+" if g else t for t, g in zip(doc["tokens"], doc["generated"])]
    if layers is not None:
        out["layers"] = [_trim_layer(layer) for layer in layers]
    out["view"] = {**(view or {}), "header": (view or {}).get("header") or default_header(doc)}
    check_view(out)
    return out


def _trim_layer(layer: dict) -> dict:
    heads = []
    for hd in layer["heads"]:
        h = {k: v for k, v in hd.items() if k not in VECTOR_FIELDS}
        for key in ("alpha", "alpha_prime"):
            if isinstance(h.get(key), list):  # packed matrices (views/pack.py) are embedded as they are
                h[key] = trim(h[key])
        if "summary" in h:
            h["summary"] = _trim_summary(h["summary"])
        heads.append(h)
    return {**{k: v for k, v in layer.items() if k not in VECTOR_FIELDS}, "heads": heads}


# ---------------------------------------------------------------- the view extension

def default_header(doc: dict) -> str:
    """A one-line description when the caller gives none (the CLI passes the terminal's header)."""
    s, c, n = doc.get("source", {}), doc.get("config", {}), len(doc.get("tokens", []))
    from ..inputs.kinds import counted

    unit = counted(s)
    if n == 1:
        unit = "patch" if unit == "patches" else unit.removesuffix("s")  # 1 token, 1 frame, 1 pixel
    parts = [f"{s.get('name', '?')}" + (f" ({s['dim']}-d)" if s.get("dim") else ""), f"{n:,} {unit}"]
    if s.get("kind") == "model":
        parts.append(f"{c.get('layers', '?')} layers × {c.get('heads', '?')} heads")
    elif c.get("heads"):
        parts.append(f"{c['heads']} head{'s' if c['heads'] != 1 else ''}")
    if c.get("top_k"):
        parts.append(f"top {c['top_k']} key{'s' if c['top_k'] != 1 else ''}")
    return "attnviz · " + " · ".join(parts)


def check_view(page: dict) -> None:
    """The `view` extension must fit the document: one audio time or one image patch per token."""
    n, view = len(page["tokens"]), page["view"]
    unknown = set(view) - set(VIEW_KEYS)
    if unknown:
        raise AttnvizError(f"the view has unknown keys {', '.join(sorted(unknown))}; it takes {', '.join(VIEW_KEYS)} "
                           f"(e.g. {{'audio': audio_view(...)}})")
    for key, fields in VIEW_FIELDS.items():
        missing = [f for f in fields if key in view and f not in view[key]]
        if missing:
            raise AttnvizError(f"view.{key} lacks {', '.join(missing)}; build it with {key}_view()")
    focus = view.get("focus")
    if focus is not None and not (isinstance(focus, int) and not isinstance(focus, bool) and 0 <= focus < n):
        raise AttnvizError(f"view.focus is {focus!r}; give the 0-based index of one of the {n} items (the query the page opens on)")
    audio, image = view.get("audio"), view.get("image")
    if audio is not None:
        if len(audio["times"]) != n:
            raise AttnvizError(f"view.audio.times has {len(audio['times'])} times for {n} items; give one per item")
        if not audio["spectrogram"] or not audio["spectrogram"][0]:
            raise AttnvizError("view.audio.spectrogram is empty; give [frames][bands] values (audio_view())")
    if image is not None and image["rows"] * image["cols"] != n:
        raise AttnvizError(f"view.image is a {image['rows']} × {image['cols']} grid of patches but the document has "
                           f"{n} items; the items must be the patches in row-major order")
    if "layers" not in page and "long" not in view:
        raise AttnvizError("the document has neither layers nor view.long; give a dense document or long_view()")


def audio_view(times, spectrogram, duration: float | None = None, bands: str = "mel bands",
               max_frames: int = SPEC_FRAMES, max_bands: int = SPEC_BANDS) -> dict:
    """view.audio for an audio input.

    times        [n] the start time of each item (seconds, increasing)
    spectrogram  [frames, n_bands] in dB (or any level), low bands first, frames evenly spread over
                 0 … duration; may be the items' own [n, bands] media
    duration     seconds the spectrogram spans; default: times[-1] + the last step
    bands        the frequency axis's name (default "mel bands")
    max_frames, max_bands   it is averaged down to at most this size (default 600 × 64)
    Returns {"times", "duration", "spectrogram": [frames][bands] ints 0 … 255, "db_range": [lo, hi], "bands"}.
    """
    t = np.asarray(times, dtype=np.float64)  # [n]
    s = np.asarray(spectrogram, dtype=np.float64)  # [frames, n_bands]
    if s.ndim != 2 or not s.size or not np.isfinite(s).all():
        raise AttnvizError(f"the spectrogram must be a finite [frames, bands] array (got shape {s.shape})")
    if duration is None:
        duration = float(t[-1] + (t[-1] - t[-2] if len(t) > 1 else 1.0))
    s = _shrink(_shrink(s, max_frames, 0), max_bands, 1)
    lo, hi = float(s.min()), float(s.max())
    levels = np.rint((s - lo) / ((hi - lo) or 1.0) * 255).astype(int)  # [frames, bands]
    return {"times": [round(float(x), 4) for x in t], "duration": round(duration, 4),
            "spectrogram": levels.tolist(), "db_range": [round(lo, 2), round(hi, 2)], "bands": bands}


def _shrink(a: np.ndarray, most: int, axis: int) -> np.ndarray:
    """Average runs along `axis` so that it has at most `most` entries."""
    size = a.shape[axis]
    if size <= most:
        return a
    edges = np.linspace(0, size, most + 1).astype(int)
    return np.add.reduceat(a, edges[:-1], axis=axis) / np.diff(edges).reshape((-1, 1) if axis == 0 else (1, -1))


def image_view(picture, rows: int, cols: int, max_side: int = IMAGE_SIDE) -> dict:
    """view.image for an image input whose items are a rows × cols grid of patches, row-major.

    picture   [H, W, 3] (or [H, W]) uint8, or floats in 0 … 1
    rows, cols  the patch grid (n = rows · cols items)
    max_side  the embedded PNG is scaled down to at most this many pixels a side (default 640)
    Returns {"width", "height", "rows", "cols", "png": base64 PNG}.
    """
    from PIL import Image

    p = np.asarray(picture)
    if p.ndim not in (2, 3) or p.size == 0:
        raise AttnvizError(f"the picture must be an [H, W, 3] or [H, W] array (got shape {p.shape})")
    if p.dtype != np.uint8:
        p = np.rint(np.clip(np.nan_to_num(p.astype(np.float64)), 0, 1) * 255).astype(np.uint8)
    img = Image.fromarray(p[..., :3] if p.ndim == 3 else p).convert("RGB")
    scale = min(1.0, max_side / max(img.size))
    if scale < 1:
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return {"width": img.width, "height": img.height, "rows": int(rows), "cols": int(cols),
            "png": base64.b64encode(buf.getvalue()).decode("ascii")}


def long_view(result, examples: int = EXAMPLES) -> dict:
    """view.long for a long input (api.LongAnalysis): the terminal's summaries.

    result    tokens and heads[h].summary [m, m] (block means of α′), keys/alpha/alpha_prime [n, K]
    examples  how many queries, evenly spaced, list their top keys (default 64)
    Returns {"bins": [m + 1] first token of each block (and n), "heads": [{"summary": [[m × m]]}],
             "examples": [{"query": i, "heads": [{"keys", "alpha", "alpha_prime"}]}]}.
    """
    n = len(result.tokens)
    m = result.heads[0].summary.shape[0]
    queries = sorted(set(np.linspace(0, n - 1, min(examples, n)).astype(int).tolist()))
    rows = []
    for i in queries:
        entry = []
        for hd in result.heads:
            ok = hd.keys[i] >= 0
            entry.append({"keys": hd.keys[i][ok].tolist(), "alpha": trim([hd.alpha[i][ok].tolist()])[0],
                          "alpha_prime": trim([hd.alpha_prime[i][ok].tolist()])[0]})
        rows.append({"query": i, "heads": entry})
    bins = [int(-(-b * n // m)) for b in range(m)] + [n]  # first index of each bin: ceil(b·n/m)
    return {"bins": bins, "heads": [{"summary": trim(hd.summary.tolist())} for hd in result.heads], "examples": rows}


# ---------------------------------------------------------------- assembly

def _asset(name: str) -> str:
    from importlib.resources import files

    return files("attnviz.views").joinpath("html_assets", name).read_text(encoding="utf-8")


def embed_json(obj) -> str:
    """JSON safe inside <script type="application/json">: '<', '>' and '&' as \\u escapes (no
    '</script>' or '<!--' can end the block) and U+2028/2029 escaped; no NaN."""
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        raise AttnvizError("the document holds NaN or an infinite number; JSON cannot carry it") from None
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _parts(doc: dict, view: dict | None, root_id: str) -> tuple[str, str, str]:
    """(css, the data block and the words block, the script) for one mounted view."""
    data = embed_json(page_document(doc, view))
    js = _asset("attnviz.js")  # its one option hint (a long input's examples caption) as its reader writes it
    js = by_reader(js, js.replace('how: "--json"', 'how: "to_json()"'))
    script = "(function (ROOT_ID) {\n" + js + "\n})(" + json.dumps(root_id) + ");"
    block = f'<script type="application/json" id="{root_id}-data">{data}</script>'
    return _asset("attnviz.css"), block + words_block(js, root_id), script


def page_words(js: str) -> dict[str, str]:
    """{English: translation} of the strings a page script passes through t() and tf() (views/page_text.py),
    in the language in use: empty in English, and for a string the catalog leaves untranslated."""
    if language() == "en":
        return {}
    table = {s: pgettext(CONTEXT, s) for s in page_strings(js)}
    return {s: w for s, w in table.items() if w != s}


def words_block(js: str, root_id: str) -> str:
    """The page's words (page_words) as a JSON block after the data block; none in English (the
    script's own strings), so an English page is the script and its data alone."""
    words = page_words(js)
    return f'\n<script type="application/json" id="{root_id}-words">{embed_json(words)}</script>' if words else ""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def csp(css: str, script: str) -> str:
    """Nothing remote, no other script or style than the two inline blocks; pictures from data: only."""
    return (f"default-src 'none'; script-src {_sha256(script)}; style-src {_sha256(css)}; img-src data: blob:; "
            "base-uri 'none'; form-action 'none'")


def html_page(doc: dict, view: dict | None = None, title: str | None = None) -> str:
    """A complete self-contained page (works from file://, no network) drawing `doc`.

    doc    an attnviz/1 document (jsondoc.document(), or a top-k header with view["long"])
    view   the `view` extension (module docstring); default None: lines, matrix and, for models, model
    title  the <title>; default "attnviz · " + the start of the text
    """
    root_id = "attnviz-main"
    css, block, script = _parts(doc, view, root_id)
    text = doc.get("text") or " ".join(doc.get("tokens", [])[:12])
    title = title or f"attnviz · {text[:60]}{'…' if len(text) > 60 else ''}"
    return shell(title, css, block, script, root_id)


def shell(title: str, css: str, block: str, script: str, root_id: str) -> str:
    """The page around a view: its CSP, styles, the root it draws into, its data block and script;
    its lang the language of the views (the header and notes the terminal would print)."""
    return (
        f"<!DOCTYPE html>\n<html lang=\"{HTML_LANG[language()]}\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{csp(css, script)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html.escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f'<div class="attnviz-root" id="{root_id}"><noscript>'
        + _html.escape(_("This page is drawn by JavaScript, which is turned off; the data is in the JSON block at the end "
                         "of the file.")) + "</noscript></div>\n"
        f"{block}\n<script>{script}</script>\n</body>\n</html>\n"
    )


def html_fragment(doc: dict, view: dict | None = None) -> str:
    """The same view as an HTML fragment for a notebook's output (_repr_html_): styles scoped under
    .attnviz-root, a fresh element id per call, no CSP meta (the notebook's own policy applies)."""
    root_id = "attnviz-" + uuid.uuid4().hex[:12]
    css, block, script = _parts(doc, view, root_id)
    lang = "" if language() == "en" else f' lang="{HTML_LANG[language()]}"'  # English: the notebook's own lang
    fallback = _html.escape(_("attnviz: this view is drawn by JavaScript; run the cell again (or trust the notebook) to see it."))
    return (f'<div class="attnviz-root" id="{root_id}"{lang}><style>{css}</style><p class="av-fallback">{fallback}</p></div>\n'
            f"{block}\n<script>{script}</script>\n")


def save_page(page: str, path) -> None:
    """Write the page atomically (a temporary file in the same folder, then rename); an error or an
    interrupt (Ctrl-C, SIGTERM) on the way leaves neither a partial page nor the temporary file."""
    import os
    from pathlib import Path

    from .saving import create, temporary_name

    path, tmp = Path(path), None
    try:
        tmp = temporary_name(path, ".tmp")  # first the name, then the file: an interrupt in between leaves nothing
        with os.fdopen(create(tmp), "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise AttnvizError(f"cannot write {path}: {e.strerror}") from None
        raise
