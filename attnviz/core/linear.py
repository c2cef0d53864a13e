"""Linear attention as an RNN (Katharopoulos et al., "Transformers are RNNs", ICML 2020).  Pure numpy.

With α_ij = φ(q^i)·φ(k^j) (φ = elu + 1) and α′ = α over its row sum, causal attention
b^i = Σ_{j≤i} φ(q^i)·φ(k^j) v^j / Σ_{j≤i} φ(q^i)·φ(k^j) is a recurrence with a fixed-size state:

    S_i = S_{i−1} + φ(k^i) v^iᵀ   [d_k, d_v]       z_i = z_{i−1} + φ(k^i)   [d_k]
    b^i = φ(q^i)ᵀ S_i / φ(q^i)ᵀ z_i

one step per token, as an RNN reads a sequence, yet the same numbers as the parallel form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .attention import phi


@dataclass
class Recurrent:
    """The recurrent form's states after every token and its outputs."""

    fq: np.ndarray  # [n, d_k] φ(q^i)
    fk: np.ndarray  # [n, d_k] φ(k^i)
    z: np.ndarray  # [n, d_k] z_i = Σ_{j≤i} φ(k^j)
    s_norm: np.ndarray  # [n] ‖S_i‖ (Frobenius): S itself is d_k × d_v per step
    b: np.ndarray  # [n, d_v]
    s_last: np.ndarray  # [d_k, d_v] S_n


def recurrent(q: np.ndarray, k: np.ndarray, v: np.ndarray, upto: int | None = None) -> Recurrent:
    """[n, d_k], [n, d_k], [n, d_v] -> the recurrence walked token by token (an explicit loop, as an
    RNN runs: no n × n matrix).  upto: stop after this many tokens (default all)."""
    n = len(q) if upto is None else upto
    fq, fk = phi(q[:n]), phi(k[:n])
    s = np.zeros((q.shape[1], v.shape[1]))  # [d_k, d_v]
    z = np.zeros(q.shape[1])  # [d_k]
    zs, norms, b = np.empty((n, q.shape[1])), np.empty(n), np.empty((n, v.shape[1]))
    for i in range(n):
        s = s + np.outer(fk[i], v[i])  # S_i = S_{i−1} + φ(k^i) v^iᵀ
        z = z + fk[i]  # z_i = z_{i−1} + φ(k^i)
        b[i] = (fq[i] @ s) / (fq[i] @ z)  # φ(q^i)ᵀS_i / φ(q^i)ᵀz_i
        zs[i], norms[i] = z, np.sqrt((s * s).sum())
    return Recurrent(fq, fk, zs, norms, b, s)
