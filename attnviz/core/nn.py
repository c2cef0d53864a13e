"""The small layers of a transformer, in numpy: normalizations and activations (pure functions of arrays)."""

from __future__ import annotations

import math

import numpy as np


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


def erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1e-7 (Abramowitz & Stegun 7.1.26); numpy has none and scipy is slow to import."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


def activation(x: np.ndarray, kind: str) -> np.ndarray:
    if kind == "gelu":
        return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))
    if kind == "relu":
        return np.maximum(x, 0.0)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))  # gelu_new / tanh


def rms_norm(x: np.ndarray, gamma: np.ndarray, eps: float) -> np.ndarray:
    """[..., d] -> [..., d]: x / √(mean(x²) + eps) · γ (Llama's RMSNorm: no mean subtracted, no β)."""
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * gamma


def silu(x: np.ndarray) -> np.ndarray:
    """x·σ(x), with σ(x) = (1 + tanh(x/2))/2: no exp to overflow for large |x|."""
    return x * (0.5 + 0.5 * np.tanh(0.5 * x))


def swiglu(gate: np.ndarray, up: np.ndarray) -> np.ndarray:
    """[n, f], [n, f] -> [n, f]: silu(x·W_gate) ⊙ x·W_up, from the two projections (Llama's gated MLP)."""
    return silu(gate) * up


def rope_inv_freq(d_head: int, theta: float) -> np.ndarray:
    """[d_head/2] the rotary frequencies θ^(−2i/d_head) of pairs (i, i + d_head/2), float64."""
    return 1.0 / theta ** (np.arange(0, d_head, 2, dtype=np.float64) / d_head)


def rope_linear(inv_freq: np.ndarray, factor: float) -> np.ndarray:
    """Linear (position-interpolation) scaling: every frequency divided by factor."""
    return inv_freq / factor


def rope_llama3(inv_freq: np.ndarray, factor: float, low: float, high: float, original: int) -> np.ndarray:
    """Llama 3.1's scaling: wavelengths longer than original/low divided by factor, shorter than
    original/high kept, those between interpolated smoothly (as transformers' _compute_llama3_parameters)."""
    wavelen = 2 * math.pi / inv_freq
    scaled = np.where(wavelen > original / low, inv_freq / factor, inv_freq)
    smooth = (original / wavelen - low) / (high - low)
    medium = (wavelen >= original / high) & (wavelen <= original / low)
    return np.where(medium, (1 - smooth) * scaled / factor + smooth * scaled, scaled)


def rope_tables(positions: np.ndarray, inv_freq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[n] positions, [d_head/2] frequencies -> cos, sin [n, d_head] float32 (each angle twice: halves layout)."""
    angles = positions.astype(np.float64)[:, None] * inv_freq[None, :]  # [n, d_head/2]
    angles = np.concatenate([angles, angles], axis=1)  # [n, d_head]
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """[n_head, n, d_head] rotated by position: each pair (x_i, x_{i+d/2}) turned by its angle
    (the halves layout of Hugging Face checkpoints; cos, sin [n, d_head] from rope_tables)."""
    half = x.shape[-1] // 2
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)  # rotate_half
    return x * cos + rotated * sin
