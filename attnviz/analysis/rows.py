"""Whole α′ rows of a few queries, from any analysis: a picture's heat map or a sound's focus curve
needs a query's weight on every key, which a long input (top-k per query) does not keep."""

from __future__ import annotations

import numpy as np

from .results import LongAnalysis


def focus_rows(analysis, index: list[int]) -> np.ndarray:
    """[H, m, n] α′ of the queries `index` (m of them, 0-based) over every key, per head kept.

    Dense analyses read their matrices; a LongAnalysis recomputes the m rows from its sequence with
    the same projections, scores, temperature and masks (core.blockwise.query_rows): O(m·n) memory.
    """
    index = [int(i) for i in index]
    if not isinstance(analysis, LongAnalysis):
        return np.stack([hd.alpha_prime[index] for hd in analysis.layers[0].heads])
    from ..core.attention import project
    from ..core.blockwise import query_rows
    from ..options import Options, option_names
    from .vectorset import resolve

    c = analysis.config
    opts = Options(**{k: getattr(c, k) for k in option_names() if k != "trust_pickle"})  # every field but this one
    r = resolve(analysis.sequence, opts, c.input_norm)
    Q, K, _ = project(r.x, r.proj)  # [n, H·d_k]
    d_k = r.proj.d_k
    return np.stack([query_rows(Q[:, h * d_k:(h + 1) * d_k], K[:, h * d_k:(h + 1) * d_k], r.config, np.array(index),
                                opts.window, opts.causal, opts.no_self, analysis.sequence.positions)
                     for h in range(r.proj.n_head)])
