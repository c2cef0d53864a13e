"""The analysis' estimates: the sizes of a scanned file or of a set of vectors, handed to attnviz.cost.

attnviz.cost holds the rates, the thresholds and the one place that warns or refuses (numbers in);
what needs core (block_size, the projections' own shape checks, the score's entry and its cost)
stays here, a layer above it.
"""

from __future__ import annotations

from .. import cost
from ..inputs.kinds import kind_of


def score_cost(opts, d_k: int) -> cost.ScoreCost:
    """What a cell of opts.score costs beyond scaled-dot's (its entry's Cost, core.scores), as the
    numbers attnviz.cost takes: the extra term's width is `d_a` (d_k when unset) or d_k."""
    from ..core.scores import score

    c = score(opts.score).cost
    width = (opts.d_a or d_k) if c.over == "d_a" else d_k
    return cost.ScoreCost(c.factor, c.rate, width, c.banded, c.cheaper, c.over == "d_a")


def check_stream(n: int, table_shape: tuple[int, int], proj, opts, top_k: int, err=None) -> None:
    """Before analysis.stream.attend over n tokens of a table [distinct, dim] through proj
    (core.attention.Projections): warn (one line; see cost.report) or refuse."""
    from ..core.blockwise import block_size

    distinct, dim = table_shape
    cost.check_stream(n, dim, distinct, proj.n_head, proj.d_k, proj.kind == "identity",
                      block_size(opts.window, 512, n), opts, score_cost(opts, proj.d_k), err)


def check_dense(n: int, heads: int, d_k: int, opts, err=None) -> None:
    """Before the dense path (vectorset.analyze_sequence): full matrices of n × n per head, each
    cell at the cost of opts.score's entry; warn (one line; see cost.report) or refuse."""
    cost.check_dense(n, heads, d_k, score_cost(opts, d_k), err)


def check_vectors(n: int, d: int, opts, kind: str | None = None, source: dict | None = None, err=None) -> None:
    """Before the projections are built (vectorset.resolve): the weights' shape checks first (as
    make_projections would give them), then warn (one line) or refuse n vectors of dimension d
    (cost.check_vectors, with the input kind's own tips: inputs.kinds)."""
    if opts.weights is not None:  # the weights' own shapes, checked where they are read
        return
    from ..core.attention import check_heads, check_size

    check_heads(opts.heads)
    if opts.projection == "random":
        d_k = opts.d_k or max(d // max(opts.heads, 1), 1)
        check_size(d, opts.heads * d_k, f"W^q, W^k, W^v ([d_model, heads·d_k], heads {opts.heads}, d_k {d_k})",
                   "use fewer `heads` or a smaller `d_k`", "d_k")
    own = kind_of(kind).cost_tips(source or {}) if kind is not None else []
    cost.check_vectors(n, d, opts, own, err)
