"""Text helpers for audio in the terminal: the strongest links between distant times, a time ruler.

Pure functions: arrays in, plain data or strings out (the terminal view prints them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TimeLink:
    """Query frame i gives weight alpha_prime to key frame j; t_query, t_key their start times (s)."""

    query: int
    key: int
    t_query: float
    t_key: float
    alpha_prime: float


def strongest_time_links(keys: np.ndarray, alpha_prime: np.ndarray, times: np.ndarray,
                         min_gap_s: float = 0.1, top: int = 10) -> list[TimeLink]:
    """The `top` strongest links i → j between times at least min_gap_s apart, strongest first.

    keys         [n, K] int, each query's top-k key frames (−1: none), as core.blockwise keeps them
    alpha_prime  [n, K] their weights;  times [n] frame start times in seconds
    min_gap_s    default 0.1: |t_i − t_j| ≥ 100 ms (a link to the same sound is not news)
    top          default 10
    Neighbouring frames repeat each other, so a link is left out when a stronger link already kept
    has both its query and its key less than min_gap_s away from this one's: one line per pair of
    places in the sound, not ten lines for ten adjacent frames.  Ties: lower query, then lower key."""
    keys = np.asarray(keys)
    weights = np.asarray(alpha_prime, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    q = np.broadcast_to(np.arange(len(keys))[:, None], keys.shape)
    safe = np.where(keys >= 0, keys, 0)
    ok = (keys >= 0) & np.isfinite(weights) & (np.abs(times[q] - times[safe]) >= min_gap_s - 1e-9)
    q, k, w = q[ok], keys[ok], weights[ok]  # [C] candidates
    order = np.lexsort((k, q, -w))  # strongest first; ties by query, then key
    q, k, w = q[order], k[order], w[order]
    tq, tk = times[q], times[k]
    alive = np.ones(len(w), dtype=bool)
    links: list[TimeLink] = []
    while len(links) < top and alive.any():
        c = int(np.argmax(alive))  # the strongest candidate not yet covered
        links.append(TimeLink(int(q[c]), int(k[c]), float(tq[c]), float(tk[c]), float(w[c])))
        alive &= (np.abs(tq - tq[c]) >= min_gap_s - 1e-9) | (np.abs(tk - tk[c]) >= min_gap_s - 1e-9)
    return links


def time_ruler(t0: float, t1: float, width: int, step: float | None = None) -> str:
    """A text axis `width` characters wide from t0 to t1 seconds: '0s    1s    2s …'.

    Character c stands for the time t0 + c·(t1 − t0)/width; a label starts at the character of its
    time.  step: seconds between labels (default 1, 2, 5, 10, 20, 30 or 60 s, whichever leaves ≥ 8
    characters per label)."""
    if width < 1 or not t1 > t0:
        return ""
    per_char = (t1 - t0) / width
    if step is None:
        step = next((s for s in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600) if s / per_char >= 8), 600)
    line = [" "] * width
    first = np.ceil(t0 / step - 1e-9) * step
    for t in np.arange(first, t1 + 1e-9, step) + 0.0:  # + 0.0: no "-0s"
        label = f"{t:g}s" if step >= 1 else f"{t:.1f}s"
        c = int(round((t - t0) / per_char))
        if c + len(label) <= width and all(ch == " " for ch in line[max(0, c - 1):c + len(label)]):
            line[c:c + len(label)] = label
    return "".join(line)
