"""attnviz.register_score: a score of your own, in every view.

    import numpy as np, attnviz
    attnviz.register_score("neg-dist", lambda q, k: -((q[:, None, :] - k[None, :, :]) ** 2).sum(-1),
                           formula="α_ij = −‖q^i − k^j‖²")
    attnviz.analyze("the cat sat on the mat", score="neg-dist").table()

The entry lives in core/scores.py with the built-ins; this module is its public face.
"""

from __future__ import annotations

from ..core.scores import register_score as _register, unregister_score

__all__ = ["register_score", "unregister_score"]


def register_score(name: str, fn, formula: str, tex: str | None = None, explain: str | None = None,
                   positive: bool = False, cost: float = 1.0) -> None:
    """Add a score α = fn(q, k) under `name`: q [n_q, d_k] and k [n_k, d_k] (numpy arrays, one
    row per query/key) -> α [n_q, n_k], finite.  Then analyze(…, score=name) and compare="score=dot,name"
    take it, and every view writes `formula` (the header's α_ij = …; tex: the figure's, in matplotlib
    mathtext, default the formula; explain: explain's scores step, default the formula).

    fn is tried once on a small q and k: a wrong shape, a value that is not finite or an error is one
    UsageError here.  Registering a name again replaces that score; built-in names cannot be taken.
    positive=True: every α > 0 (checked on each call), so normalize="sum" takes it as it takes linear.
    cost: how long a cell takes relative to scaled-dot's (default 1, a dot product's); the time
    estimates before long work scale by it, and over 1 they suggest scaled-dot.
    attnviz.api.registry.unregister_score(name) removes it.  The CLI's --score offers the built-ins only."""
    _register(name, fn, formula, tex=tex, explain=explain, positive=positive, cost=cost)
