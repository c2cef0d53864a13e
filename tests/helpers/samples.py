"""Inputs more than one test file uses: a small corpus and a synthetic sound."""

import numpy as np

from conftest import SEED

SENTENCES = [
    SEED,
    "Colorless green ideas sleep furiously.",
    "a",
    "It is what it is!",
    "Attention is all you need; or is it?",
    "The cat sat on the mat, and then it slept for a very long time because it was tired.",
    "Why did the waiter refuse the restaurant's old menu?",
    "Tokenization splits unbelievable words into pieces.",
]


def signal(sr: int, seconds: float = 0.6, seed: int = 0) -> np.ndarray:
    """A chirp with harmonics, a click train and a little noise: energy across the whole band."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    f = 100 + (sr / 2.5 - 100) * t / seconds
    phase = 2 * np.pi * np.cumsum(f) / sr
    y = 0.4 * np.sin(phase) + 0.2 * np.sin(2 * phase) + 0.02 * rng.standard_normal(len(t))
    y[:: sr // 50] += 0.5
    return (y * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
