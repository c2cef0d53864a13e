"""Positional encodings e^i (added to a^i before the projections)."""

from __future__ import annotations

import numpy as np


def sinusoidal(n: int, d: int) -> np.ndarray:
    """[n, d] the Transformer's encoding: PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(same)."""
    return encode(np.arange(n), d)


def encode(p: np.ndarray, d: int) -> np.ndarray:
    """[n] positions (any numbers) -> [n, d] sinusoidal encodings."""
    p = np.asarray(p, dtype=np.float64)[:, None]
    two_i = np.arange(0, d, 2)[None, :]
    angle = p / np.power(10000.0, two_i / d)  # [n, ceil(d/2)]
    pe = np.zeros((len(p), d))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d // 2])
    return pe


def sinusoidal_grid(positions: np.ndarray, d: int) -> np.ndarray:
    """[n] or [n, 2] grid positions -> [n, d].  One axis: the 1-D encoding.  Two axes (row, col):
    the first ⌈d/2⌉ dimensions encode the row, the other ⌊d/2⌋ the column, each with the 1-D formula
    for its own size (as in 2-D positional encodings for images)."""
    pos = np.asarray(positions)
    if pos.ndim == 1 or pos.shape[1] == 1:
        return encode(pos.reshape(-1), d)
    half = (d + 1) // 2
    return np.concatenate([encode(pos[:, 0], half), encode(pos[:, 1], d - half)], axis=1)
