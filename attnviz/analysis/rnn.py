"""`attnviz rnn`: an Elman RNN and self-attention over the same vectors, and how far each one reaches.

The input goes through the same adapters as `show` (text, a matrix, a sound, a picture); the RNN's
influence matrix (core.rnn) sits beside the α′ of one layer of self-attention with the default options.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.rnn import Elman, influence, random_elman
from ..errors import AttnvizError, UsageError
from ..inputs.load import Media, load_sequence, validate_early, with_window
from ..options import DENSE_MAX, Options
from .results import VectorSetAnalysis

MAX_HIDDEN = 1024
WEIGHTS_DOC = "W [hidden, d], U [hidden, hidden], optional c [hidden]; with `bidirectional` also Wb, Ub, cb"


@dataclass
class RnnAnalysis:
    attention: VectorSetAnalysis  # one layer of self-attention over the same vectors
    influence: np.ndarray  # [n, n] row i: ‖∂h^i/∂a^j‖ over its sum
    hidden: int
    bidirectional: bool
    seed: int
    weights: str | None  # the file, or None: drawn at random from `seed`

    tokens = property(lambda self: self.attention.tokens)
    source = property(lambda self: self.attention.source)

    @property
    def alpha_prime(self) -> np.ndarray:
        return self.attention.layers[0].heads[0].alpha_prime


HIDDEN = 16  # the default hidden size: small enough that the exact Jacobians of 600 audio frames take a second


def analyze_rnn(text: str | None, media: Media, opts: Options, hidden: int | None = None, bidirectional: bool = False,
                weights: str | None = None, seed: int = 0) -> RnnAnalysis:
    """The RNN's influence matrix and self-attention's α′ (opts: input and mask options; one head)."""
    from .vectorset import analyze_sequence

    if weights is not None and hidden is not None:
        raise UsageError("`hidden` is set by the shapes in `weights`; drop `hidden`", "hidden")
    hidden = HIDDEN if hidden is None else hidden
    if isinstance(hidden, bool) or not isinstance(hidden, int) or not 1 <= hidden <= MAX_HIDDEN:
        raise UsageError(f"`hidden` must be a whole number from 1 to {MAX_HIDDEN} (got {hidden!r})", "hidden")
    seq, input_norm = load_sequence(text, validate_early(opts), media)
    if len(seq) > DENSE_MAX:
        raise UsageError(f"`rnn` draws n × n matrices; this input has {len(seq):,} items (at most {DENSE_MAX:,}); "
                         "shorten it (`size` for pictures)", "input")
    attention = analyze_sequence(seq, with_window(opts, seq).validate(), input_norm, text)
    x = attention.x  # [n, d] the a^i self-attention read
    cells = load_cells(weights, x.shape[1], bidirectional) if weights else \
        (random_elman(x.shape[1], hidden, seed, 0), random_elman(x.shape[1], hidden, seed, 1) if bidirectional else None)
    return RnnAnalysis(attention, influence(x, *cells), cells[0].hidden, bidirectional, seed, weights)


def load_cells(path: str, d: int, bidirectional: bool) -> tuple[Elman, Elman | None]:
    """The RNN's weights from a .npz (pickle disabled), checked for shape against the vectors' size d."""
    from ..inputs.npzfile import read_arrays

    file = Path(path).expanduser()
    if not file.is_file():
        raise UsageError(f"`weights` {path}: no such file; give a .npz with {WEIGHTS_DOC}", "weights")
    try:
        arrays = read_arrays(str(file), ("W", "U", "c", "Wb", "Ub", "cb"), f"`weights` {path}")
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise AttnvizError(f"could not read `weights` {path} ({e}); give a .npz with {WEIGHTS_DOC}") from None
    forward = cell_of(arrays, "", d, path)
    backward = cell_of(arrays, "b", d, path) if bidirectional else None
    if backward is not None and backward.hidden != forward.hidden:
        raise UsageError(f"`weights` {path}: Wb has {backward.hidden} rows but W has {forward.hidden}; both directions "
                         "take the same hidden size", "weights")
    return forward, backward


def cell_of(arrays: dict, suffix: str, d: int, path: str) -> Elman:
    w, u, c = (arrays.get(name + suffix) for name in ("W", "U", "c"))
    if w is None or u is None:
        missing = f"W{suffix}" if w is None else f"U{suffix}"
        raise UsageError(f"`weights` {path} has no array {missing}; it needs {WEIGHTS_DOC}", "weights")
    w, u = np.asarray(w, dtype=np.float64), np.asarray(u, dtype=np.float64)
    hidden = w.shape[0] if w.ndim == 2 else -1
    c = np.zeros(max(hidden, 0)) if c is None else np.asarray(c, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != d or u.shape != (hidden, hidden) or c.shape != (hidden,):
        raise UsageError(f"`weights` {path}: W{suffix} {tuple(w.shape)}, U{suffix} {tuple(u.shape)}, c{suffix} {tuple(c.shape)} "
                         f"do not fit vectors of size {d}: W [hidden, {d}], U [hidden, hidden], c [hidden]", "weights")
    if not (np.isfinite(w).all() and np.isfinite(u).all() and np.isfinite(c).all()):
        raise UsageError(f"`weights` {path}: W{suffix}, U{suffix} or c{suffix} holds inf or NaN", "weights")
    return Elman(w, u, c)
