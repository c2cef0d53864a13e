"""An Elman RNN over the same vectors as self-attention, and how far each input reaches.  Pure numpy.

    h^i = tanh(W a^i + U h^{i−1} + c),   h^0 = 0        W [H, d], U [H, H], c [H]

Its influence matrix: row i holds ‖∂h^i/∂a^j‖ (Frobenius norm of the exact Jacobian, H × d) for every
input j, divided by the row's sum.  The Jacobians follow the chain rule step by step:

    ∂h^i/∂a^i = D_i W,   ∂h^i/∂a^j = D_i U ∂h^{i−1}/∂a^j  (j < i),   D_i = diag(1 − (h^i)²)

so information from a^j reaches h^i only through i − j multiplications by D U: n sequential steps,
where self-attention's b^i sees every a^j in one.  Bidirectional: a second RNN (its own W, U, c)
reads right to left, h^i is both states stacked, and the norms add as squares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import AttnvizError, UsageError

RECURRENT_GAIN = 0.9  # U ~ N(0, gain²/H): spectral radius ≈ 0.9 < 1, so a signal fades step by step (as trained RNNs' do)
MAX_WORK = 4e10  # multiply-adds of the Jacobians (≈ 10 s on one core); beyond, a smaller `hidden` or a shorter input


@dataclass(frozen=True)
class Elman:
    """One direction's weights: W [H, d], U [H, H], c [H]."""

    w: np.ndarray
    u: np.ndarray
    c: np.ndarray

    @property
    def hidden(self) -> int:
        return int(self.u.shape[0])


def random_elman(d: int, hidden: int, seed: int, direction: int = 0) -> Elman:
    """W ~ N(0, 1/d) (h keeps the scale of a), U ~ N(0, RECURRENT_GAIN²/H), c = 0; each direction its own stream."""
    rng = np.random.default_rng([seed, 2, direction])
    return Elman(rng.normal(0.0, 1.0 / np.sqrt(d), (hidden, d)),
                 rng.normal(0.0, RECURRENT_GAIN / np.sqrt(hidden), (hidden, hidden)), np.zeros(hidden))


def states(x: np.ndarray, cell: Elman) -> np.ndarray:
    """[n, d] -> [n, H] hidden states, one step per item (each needs the one before)."""
    h, out = np.zeros(cell.hidden), np.empty((len(x), cell.hidden))
    for i in range(len(x)):
        h = np.tanh(cell.w @ x[i] + cell.u @ h + cell.c)
        out[i] = h
    return out


def jacobian_norms(x: np.ndarray, cell: Elman) -> np.ndarray:
    """[n, d] -> [n, n]: ‖∂h^i/∂a^j‖_F for j ≤ i, 0 above the diagonal (h^i has not seen a^j yet).
    Every ∂h^i/∂a^j is formed exactly, carried forward as one [H, i·d] block (one matrix product a step)."""
    n, d = x.shape
    check_work(n, d, cell.hidden)
    h = states(x, cell)
    out = np.zeros((n, n))
    block = np.zeros((cell.hidden, n * d))  # columns j·d … (j+1)·d: ∂h^i/∂a^j, updated in place step by step
    for i in range(n):
        deriv = 1.0 - h[i] ** 2  # [H] the diagonal of D_i
        seen = block[:, :i * d]
        seen[...] = (deriv[:, None] * cell.u) @ seen  # ∂h^i/∂a^j = D_i U ∂h^{i−1}/∂a^j for j < i
        block[:, i * d:(i + 1) * d] = deriv[:, None] * cell.w  # ∂h^i/∂a^i = D_i W
        part = block[:, :(i + 1) * d].reshape(cell.hidden, i + 1, d)
        out[i, :i + 1] = np.sqrt(np.einsum("hjd,hjd->j", part, part))
    return out


def check_work(n: int, d: int, hidden: int) -> None:
    work = hidden * hidden * d * n * n / 2
    if work > MAX_WORK:
        raise UsageError(f"the RNN's exact Jacobians over {n:,} items of {d:,} dimensions with `hidden` {hidden} are "
                         f"≈ {work:.2g} multiply-adds (at most {MAX_WORK:.0g}); use a smaller `hidden` or a shorter input", "hidden")


def influence(x: np.ndarray, forward: Elman, backward: Elman | None = None) -> np.ndarray:
    """[n, d] -> [n, n] row i: ‖∂h^i/∂a^j‖ over the row's sum (rows sum to 1).  backward: a second RNN
    reading right to left; its norms join the forward ones as squares (h^i = [h→^i; h←^i])."""
    norms = jacobian_norms(x, forward)
    if backward is not None:
        back = jacobian_norms(x[::-1], backward)[::-1, ::-1]  # reversed twice: row i, key j in the original order
        norms = np.sqrt(norms ** 2 + back ** 2)
    total = norms.sum(axis=1, keepdims=True)
    if not (total > 0).all() or not np.isfinite(total).all():
        row = int(np.flatnonzero(~(total[:, 0] > 0) | ~np.isfinite(total[:, 0]))[0])
        raise AttnvizError(f"h^{row + 1} does not move with any input (tanh saturated at ±1, or not finite): the RNN's "
                           "weights are too large for these vectors; use smaller weights")
    return norms / total
