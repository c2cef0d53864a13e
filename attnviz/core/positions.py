"""Positional encodings e^i (added to a^i before the projections)."""

from __future__ import annotations

import numpy as np

from ..errors import UsageError

FLOAT32_MAX = float(np.finfo(np.float32).max)  # 3.4e38: a^i + e^i are single precision
SENSIBLE = "the term should be the size of the vectors' entries: use a scale near 1 (0.1 to 10 is the useful range)"


def scale_error(scale: float, what: str) -> UsageError:
    """The error that names `pos_scale` as the cause of an overflow, with its sensible range."""
    return UsageError(f"`pos_scale` {scale:g} {what}; {SENSIBLE}", "pos_scale")


def add_sinusoidal(x: np.ndarray, positions: np.ndarray, scale: float) -> np.ndarray:
    """[n, d] a^i -> [n, d] float32 a^i + scale·e^i (e^i = sinusoidal_grid(positions, d), default scale 1).
    A scale past single precision is refused: its term would be inf and every score NaN."""
    if not abs(scale) <= FLOAT32_MAX:
        raise scale_error(scale, f"is past single precision ({FLOAT32_MAX:.2g}): the positional term pos_scale·e^i (|e^i| ≤ 1) would be inf")
    return x + np.float32(scale) * sinusoidal_grid(positions, x.shape[1]).astype(np.float32)


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
