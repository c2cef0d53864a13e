"""Which keys each query may see: masks as data.  One definition for the dense and the blockwise path.

A mask is a boolean array [n_q, n_k], True where query i may see key j (None: everything allowed).
Items have grid positions: [n] for a sequence (token or frame index), [n, 2] for a picture
(row, col).  A window of R keeps the keys within R along every axis (|Δi| ≤ R for a sequence,
|Δrow| ≤ R and |Δcol| ≤ R for a picture: a (2R+1)² receptive field).  Causal keeps the keys
at or before the query in item order; no-self removes the diagonal.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError


def grid(positions: np.ndarray | None, n: int) -> np.ndarray:
    """[n] or [n, g] positions -> [n, g] int64 (None: 0 … n−1 on one axis)."""
    if positions is None:
        return np.arange(n, dtype=np.int64)[:, None]
    p = np.asarray(positions, dtype=np.int64)
    return p[:, None] if p.ndim == 1 else p


def local(
    q_index: np.ndarray, k_index: np.ndarray, pos: np.ndarray,
    window: int | None = None, causal: bool = False, no_self: bool = False,
) -> np.ndarray | None:
    """[B], [K] item indices, pos [n, g] -> [B, K] the window/causal/no-self mask (None: all allowed)."""
    if window is None and not causal and not no_self:
        return None
    i, j = q_index[:, None], k_index[None, :]
    allowed = np.ones((len(q_index), len(k_index)), dtype=bool)
    if window is not None:
        for axis in range(pos.shape[1]):
            allowed &= np.abs(pos[q_index, axis][:, None] - pos[k_index, axis][None, :]) <= window
    if causal:
        allowed &= j <= i
    if no_self:
        allowed &= j != i
    return allowed


def graph(n: int, edges: list[tuple[int, int]], directed: bool = False, self_loops: bool = True) -> np.ndarray:
    """[n, n] True along the edges (i→j; both ways unless directed), and i→i when self_loops."""
    g = np.zeros((n, n), dtype=bool)
    for a, b in edges:
        g[a, b] = True
        if not directed:
            g[b, a] = True
    if self_loops:
        np.fill_diagonal(g, True)
    return g


def mask(
    n: int,
    window: int | None = None,
    causal: bool = False,
    edges: list[tuple[int, int]] | None = None,
    directed: bool = False,
    self_loops: bool = True,
    positions: np.ndarray | None = None,
) -> np.ndarray | None:
    """[n_q, n_k] True where query i may see key j; None when everything is allowed.

    window: within `window` along every axis of the positions (truncated self-attention).
    causal: j ≤ i.  edges: only along the graph's edges, plus i→i unless self_loops is False.
    self_loops=False also removes the diagonal from the other masks.  The masks combine (and).
    """
    index = np.arange(n)
    allowed = local(index, index, grid(positions, n), window, causal, not self_loops)
    if edges is not None:
        g = graph(n, edges, directed, self_loops)
        allowed = g if allowed is None else allowed & g
    return None if allowed is None or allowed.all() else allowed


def reach(window: int | None, positions: np.ndarray | None, n: int) -> int | None:
    """How far apart in item order a query and a key within the window can be (None: no window).
    A sequence: the window itself; a picture in row-major order: window rows and columns."""
    if window is None:
        return None
    pos = grid(positions, n)
    if pos.shape[1] == 1:
        return window
    width = int(pos[:, 1].max()) + 1
    return window * width + window


class EmptyRow(UsageError):
    """A query the masks leave without any key.  .query counts from 0; the message from 1, as
    every view does, with the query's label and what to change when the caller knows them (named)."""

    def __init__(self, query: int, label: str | None = None, hint: str | None = None):
        self.query = query
        name = f"query {query + 1}" + ("" if label is None else f" “{label}”")
        super().__init__(f"{name} may attend to no key: "
                         + (hint or "the masks leave its row empty; allow it more keys, or drop `no_self`"), "no_self")

    def named(self, labels: list[str], window: int | None, causal: bool, edges: str | None, no_self: bool) -> "EmptyRow":
        """The same error with the query's label and the masks that empty its row (edges: the
        option that gave the graph, `edges` or `graph`, or None)."""
        label = labels[self.query] if 0 <= self.query < len(labels) else None
        own = ", and `no_self` removes the query itself" if no_self else ""
        if window == 0:
            hint = f"`window` 0 leaves each query only itself{own}; use `window` 1 or more, or drop `no_self`"
        elif causal and self.query == 0:
            hint = f"under `causal` the first query sees only itself{own}; drop `no_self`"
        elif edges:
            hint = f"{edges} gives it no edge to another item within the other masks{own}; add an edge from it, or drop `no_self`"
        else:
            hint = f"the masks allow it only itself{own}; allow it more keys, or drop `no_self`"
        return EmptyRow(self.query, label, hint)


def empty_row(allowed: np.ndarray) -> int | None:
    """The first query whose row of the mask allows no key, or None."""
    rows = ~allowed.any(axis=1)
    return int(np.flatnonzero(rows)[0]) if rows.any() else None
