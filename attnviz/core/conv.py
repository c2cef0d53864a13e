"""A convolution computed as self-attention (Cordonnier, Loukas, Jaggi, ICLR 2020).  Pure numpy.

Theorem 1: a multi-head self-attention layer with K² heads and a relative positional encoding can
express any K × K convolution.  Head h has a shift Δ_h (one of the K² offsets of the kernel) and the
quadratic relative score

    α^h_{q,k} = −α ‖δ − Δ_h‖²,   δ = position(k) − position(q)

(the paper writes it −α(‖δ‖² − 2⟨δ, Δ_h⟩); the two differ by α‖Δ_h‖², the same for every key, which
softmax removes).  As α grows, softmax puts all of head h's weight on the key at q + Δ_h, so
b^q_h ≈ x^{q+Δ_h}; with values v = x and W^o_h = kernel[Δ_h] ([d_in, d_out]) the output
Σ_h b^q_h W^o_h is Σ_Δ x^{q+Δ} kernel[Δ]: a 2-D convolution (cross-correlation, as deep-learning
libraries compute conv2d).  Zero padding: the keys are the picture's pixels and a border of r = K // 2
pixels around it whose vectors are 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError

SIZES = (3, 5)  # K: odd (a centre pixel); 7 would be 49 heads
ALPHA = 20.0  # default α: a neighbour at distance 1 gets e^−20 ≈ 2e-9 of the weight, so |b − conv2d| < 1e-4
MAX_PIXELS = 4096  # queries: every head scores every (padded) key, n × n per head; 64 × 64 pixels at most


def shifts(k: int) -> np.ndarray:
    """[K², 2] the heads' shifts Δ_h = (Δrow, Δcol), row-major from (−r, −r) to (r, r); head h ↔ kernel[h // K, h % K]."""
    r = k // 2
    return np.array([(dr, dc) for dr in range(-r, r + 1) for dc in range(-r, r + 1)])


def check_kernel(kernel: np.ndarray, k: int, d_in: int, what: str) -> np.ndarray:
    """A kernel [K, K, d_in, d_out] of finite numbers, as float64."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 4 or kernel.shape[:3] != (k, k, d_in) or kernel.shape[3] < 1:
        raise UsageError(f"{what} has shape {list(kernel.shape)}; `conv` {k} over {d_in}-number pixels needs "
                         f"[{k}, {k}, {d_in}, d_out]", "kernel")
    if not np.issubdtype(kernel.dtype, np.number) or not np.isfinite(kernel).all():
        raise UsageError(f"{what} holds values that are not finite numbers", "kernel")
    return kernel.astype(np.float64)


def default_kernel(k: int, d: int) -> np.ndarray:
    """An edge detector per channel (d_out = d_in): the Laplacian (K = 3) or the 5 × 5 Laplacian of
    Gaussian (K = 5) on each channel alone.  [K, K, d, d]."""
    laplace = {3: [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
               5: [[0, 0, 1, 0, 0], [0, 1, 2, 1, 0], [1, 2, -16, 2, 1], [0, 1, 2, 1, 0], [0, 0, 1, 0, 0]]}[k]
    return np.asarray(laplace, dtype=np.float64)[:, :, None, None] * np.eye(d)[None, None]


def conv2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Direct 2-D convolution with zero padding (cross-correlation): [H, W, d_in], [K, K, d_in, d_out] ->
    [H, W, d_out], out[p] = Σ_Δ image[p + Δ] · kernel[Δ + r]."""
    k = kernel.shape[0]
    r = k // 2
    h, w, _ = image.shape
    padded = np.pad(image, ((r, r), (r, r), (0, 0)))
    out = np.zeros((h, w, kernel.shape[3]))
    for a in range(k):
        for b in range(k):
            out += padded[a:a + h, b:b + w] @ kernel[a, b]  # [H, W, d_in] @ [d_in, d_out]
    return out


@dataclass
class ConvAttention:
    """K² heads over a picture: each head's α′ for one focused pixel, the output b, and what it is compared with."""

    shifts: np.ndarray  # [K², 2]
    focus_weights: np.ndarray  # [K², H + 2r, W + 2r] each head's α′ for the focused pixel over the padded grid
    on_shift: np.ndarray  # [K²] the weight each head puts on the key at its shift, minimum over all pixels
    output: np.ndarray  # [H, W, d_out] Σ_h b_h W^o_h
    direct: np.ndarray  # [H, W, d_out] conv2d(x, kernel)
    alpha: float

    @property
    def error(self) -> float:
        """max |b − conv2d(x, kernel)| over every pixel and output channel."""
        return float(np.abs(self.output - self.direct).max())


def conv_attention(image: np.ndarray, kernel: np.ndarray, alpha: float = ALPHA, focus: tuple[int, int] = (0, 0)) -> ConvAttention:
    """[H, W, d_in] pixels, [K, K, d_in, d_out] kernel -> the K²-head layer of Cordonnier et al.'s construction."""
    k = kernel.shape[0]
    r = k // 2
    h, w, d = image.shape
    if h * w > MAX_PIXELS:
        raise UsageError(f"`conv` scores every pixel against every key in each of {k * k} heads; {h} × {w} = {h * w:,} "
                         f"pixels is over {MAX_PIXELS:,}: use `size` 64 or less", "size")
    values = np.pad(image, ((r, r), (r, r), (0, 0))).reshape(-1, d)  # [n_k, d_in] keys outside the picture are 0
    rows, cols = np.divmod(np.arange((h + 2 * r) * (w + 2 * r)), w + 2 * r)
    keys = np.stack([rows - r, cols - r], axis=1)  # [n_k, 2] key positions in picture coordinates
    qr, qc = np.divmod(np.arange(h * w), w)
    queries = np.stack([qr, qc], axis=1)  # [n_q, 2]
    delta = (keys[None, :, 0] - queries[:, None, 0]).astype(np.int32), (keys[None, :, 1] - queries[:, None, 1]).astype(np.int32)
    #        [n_q, n_k] δ = position(k) − position(q), its row and column parts
    out, focus_w, on_shift = np.zeros((h * w, kernel.shape[3])), [], []
    at = focus[0] * w + focus[1]
    for s in shifts(k):
        weights = head_weights(delta, s, alpha)  # [n_q, n_k]
        out += (weights @ values) @ kernel[s[0] + r, s[1] + r]  # b_h W^o_h
        target = (queries[:, 0] + s[0] + r) * (w + 2 * r) + queries[:, 1] + s[1] + r  # the key at q + Δ_h
        on_shift.append(float(weights[np.arange(h * w), target].min()))
        focus_w.append(weights[at].reshape(h + 2 * r, w + 2 * r))
    return ConvAttention(shifts(k), np.array(focus_w), np.array(on_shift), out.reshape(h, w, -1), conv2d(image, kernel), alpha)


def head_weights(delta: tuple[np.ndarray, np.ndarray], shift: np.ndarray, alpha: float) -> np.ndarray:
    """The offsets δ (rows [n_q, n_k], columns [n_q, n_k]) and the head's Δ [2] -> α′ [n_q, n_k] =
    softmax_k(−α‖δ − Δ‖²).  The row maximum of the scores is 0 (the key at the shift always exists in
    the padded grid), so exp never overflows."""
    d2 = ((delta[0] - shift[0]) ** 2 + (delta[1] - shift[1]) ** 2).astype(np.float64)  # [n_q, n_k] ‖δ − Δ‖²
    e = np.exp(-alpha * d2)
    return e / e.sum(axis=1, keepdims=True)
