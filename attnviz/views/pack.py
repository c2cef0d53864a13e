"""What an interactive page embeds of its matrices, and how much it may embed.

Pages whose matrices hold more than PACK_CELLS cells in all embed α′ and α packed instead of as
JSON numbers (html_assets/attnviz.js inflates them before the first paint):

    α′  {"packed": "u16", "shape": [n_q, n_k], "scale": top, "data": base64}
        q · scale / 65535 with q a 16-bit integer; scale is 1 (α′ ≤ 1), or the largest value when
        one is above 1; each q chosen so that the value prints with 3 decimals as α′ does
    α   {"packed": "i32m", "shape": [n_q, n_k], "data": base64}
        α to 3 decimals, in thousandths (int32; −2³¹ = masked)

`data` is the little-endian integers byte-planed (every value's first byte, then every second
byte, …: neighbouring cells' high bytes sit together) and deflated (zlib), then base64.  A matrix
that does not fit a scheme (α′ below 0, |α| ≥ 2 000 000) stays a list of numbers.  The --json
output is never packed: it keeps full precision.

A page embeds at most PAGE_CELLS cells (maps × n_q × n_k): a longer or more-headed input is
refused before its attention is computed, naming what to keep (one head, one layer, a summary).
"""

from __future__ import annotations

import base64
import math
import zlib

import numpy as np

from ..errors import UsageError

PACK_CELLS = 200_000  # cells (maps × n²) above which a page embeds its matrices packed
PAGE_CELLS = 4_000_000  # cells a page embeds at most (2 000 tokens × 1 head; a model's 13 maps of 550 tokens)
STEPS = 65535  # α′'s levels: q in 0 … STEPS
MASKED = -(2 ** 31)  # α's masked cells
SCORE_MAX = 2_000_000  # |α| packed in thousandths must fit an int32


def planed(q: np.ndarray, dtype: str) -> str:
    """Integers -> base64 of their little-endian bytes, byte-planed and deflated."""
    raw = np.ascontiguousarray(q, dtype=dtype).view(np.uint8).reshape(-1, np.dtype(dtype).itemsize)  # [cells, width]
    return base64.b64encode(zlib.compress(raw.T.tobytes(), 6)).decode("ascii")


def pack_weights(a) -> dict | list:
    """α′ [n_q, n_k] (≥ 0, finite) as u16 (module docstring); else pack_scores."""
    a = np.asarray(a, dtype=np.float64)
    if not np.isfinite(a).all() or a.size == 0 or a.min() < 0:
        return pack_scores(a)
    top = max(float(a.max()), 1.0)  # 1 for weights (a row's weights sum to 1): absolute steps compress far better
    q = np.rint(a / top * STEPS).astype(np.int64)  # [n_q, n_k]
    step = 1000 * top / STEPS  # a level in thousandths: the decoded value is within half of it
    frac = np.abs(a * 1000) % 1
    for i, j in zip(*np.nonzero(np.abs(frac - 0.5) <= step)):  # where the 3-decimal rounding could differ
        q[i, j] = _consistent_level(float(a[i, j]), int(q[i, j]), top)
    return {"packed": "u16", "shape": list(a.shape), "scale": top, "data": planed(q, "<u2")}


def _consistent_level(x: float, q: int, top: float) -> int:
    """The level next to q whose value q · top / STEPS (as the page's script computes it) prints
    like x with 3 decimals."""
    want = f"{x:.3f}"
    for d in (0, -1, 1, -2, 2):
        if 0 <= q + d <= STEPS and f"{(q + d) * top / STEPS:.3f}" == want:
            return q + d
    return q


def pack_scores(a) -> dict | list:
    """α [n_q, n_k] (NaN = masked) in thousandths as i32m (module docstring), or nested lists
    (None = masked) when a value does not fit."""
    a = np.asarray(a, dtype=np.float64)
    masked = np.isnan(a)
    if not np.isfinite(a[~masked]).all() or (a.size and np.abs(np.where(masked, 0, a)).max() >= SCORE_MAX):
        return [[None if math.isnan(x) else x for x in row] for row in a.tolist()]
    milli = np.where(masked, 0, a) * 1000
    k = np.rint(milli).astype(np.int64)  # [n_q, n_k]
    for i, j in zip(*np.nonzero(np.abs(np.abs(milli) % 1 - 0.5) < 1e-6)):  # a tie in binary: Python's own rounding
        k[i, j] = round(float(f"{a[i, j]:.3f}") * 1000)
    k[masked] = MASKED
    return {"packed": "i32m", "shape": list(a.shape), "data": planed(k, "<i4")}


def unpack(m) -> np.ndarray:
    """A page's matrix, packed or nested lists (None = masked), as [n_q, n_k] float64 (NaN = masked)."""
    if not isinstance(m, dict):
        return np.array([[np.nan if x is None else x for x in row] for row in m], dtype=np.float64)
    width = {"u16": 2, "i32m": 4}[m["packed"]]
    raw = np.frombuffer(zlib.decompress(base64.b64decode(m["data"])), np.uint8).reshape(width, -1)  # [width, cells]
    q = np.ascontiguousarray(raw.T).view("<u2" if width == 2 else "<i4").reshape(m["shape"])
    if m["packed"] == "u16":
        return q.astype(np.int64) * m["scale"] / STEPS
    return np.where(q == MASKED, np.nan, q / 1000)


def cells(n: int, maps: int) -> int:
    return maps * n * n


def check_page(n: int, layers: int, heads: int, rollout: bool) -> None:
    """Refuse a page of n items whose layers × heads maps (and a model's rollout) would embed more
    than PAGE_CELLS cells, naming what to keep instead."""
    maps = layers * heads + (1 if rollout else 0)
    if cells(n, maps) <= PAGE_CELLS:
        return
    what = f"{layers} layers × {heads} heads + the rollout" if rollout else f"{heads} heads" if heads > 1 else "1 head"
    largest = math.isqrt(PAGE_CELLS // maps)
    if rollout:
        ways = "keep one layer with `layer` L or one head with `head` H, or a text of at most " \
               f"{largest:,} tokens"
    else:
        ways = ("keep one head with `head` H or use fewer `heads`, " if heads > 1 else "") + \
               "or `top_k` K for a summary page (any length)"
    raise UsageError(f"a page of {n:,} {'tokens' if rollout else 'items'} × {what} would embed {cells(n, maps) / 1e6:.1f} M attention weights, over the "
                     f"{PAGE_CELLS / 1e6:.0f} M a page holds; {ways}", "save")
