"""An independent, deliberately naive implementation of the notes' formulas, one number at a time."""

import math


def naive_head(x, wq, wk, wv, scaled=True, temperature=1.0, allowed=None):
    """x: list of token vectors (lists).  Returns alpha, alpha_prime, b as nested lists (None = masked)."""
    n = len(x)

    def matvec(w, a):  # row-vector convention: (a · W)_c = Σ_r a_r W[r][c]
        return [sum(a[r] * w[r][c] for r in range(len(a))) for c in range(len(w[0]))]

    q = [matvec(wq, a) for a in x]
    k = [matvec(wk, a) for a in x]
    v = [matvec(wv, a) for a in x]
    d_k = len(q[0])
    alpha, alpha_prime, b = [], [], []
    for i in range(n):
        row = []
        for j in range(n):
            if allowed is not None and not allowed[i][j]:
                row.append(None)
                continue
            s = sum(q[i][c] * k[j][c] for c in range(d_k))
            row.append(s / math.sqrt(d_k) if scaled else s)
        top = max(s for s in row if s is not None)
        ex = [0.0 if s is None else math.exp((s - top) / temperature) for s in row]
        total = sum(ex)
        weights = [e / total for e in ex]
        alpha.append(row)
        alpha_prime.append(weights)
        b.append([sum(weights[j] * v[j][c] for j in range(n)) for c in range(len(v[0]))])
    return alpha, alpha_prime, b
