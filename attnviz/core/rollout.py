"""What a whole model's attention says: word pooling of subword weights, and attention rollout."""

from __future__ import annotations

import numpy as np


def pooling(units: list[list[int]], n: int, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Word units (each word's token indices) -> S [m, n] (1 on a word's pieces) and P [m, n] (S with
    rows divided by the piece count): S·x sums over a word's pieces, P·x averages them."""
    s = np.zeros((len(units), n), dtype=dtype)
    for w, u in enumerate(units):
        s[w, u] = 1.0
    return s, s / s.sum(axis=1, keepdims=True)


def pool_words(a: np.ndarray, units: list[list[int]]) -> np.ndarray:
    """[n, n] subword weights -> [m, m] word weights: sum over a word's key pieces, mean over
    its query pieces (P·a·Sᵀ), so every row still sums to 1."""
    s, p = pooling(units, a.shape[1], a.dtype)
    return p @ a @ s.T


def rollout(alpha_primes: list[np.ndarray]) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): per layer Â = (mean over heads of α′ + I), rows
    renormalized; the product Â_L ⋯ Â_1 says how much each input token flows into each output."""
    out = None
    for a in alpha_primes:  # a: [heads, n, n], an array or a list of [n, n] (float32 stays float32)
        out = rollout_step(out, a)
    return out


def rollout_step(out: np.ndarray | None, a) -> np.ndarray:
    """The rollout through one more layer: Â·out (Â alone for the first layer); a: its heads' α′ [heads, n, n]."""
    m = a[0].copy()
    for h in a[1:]:
        m += h
    m /= len(a)
    m.flat[:: m.shape[0] + 1] += 1.0  # + I
    m /= m.sum(axis=1, keepdims=True)
    return m if out is None else m @ out
