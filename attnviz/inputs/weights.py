"""--weights FILE.npz: user projections, read with pickle disabled and checked for shape."""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import numpy as np

from ..core.attention import Projections
from ..errors import AttnvizError, UsageError

DOC = (
    "Wq, Wk [d_model, heads·d_k], Wv [d_model, heads·d_v], optional Wo [heads·d_v, d_model] "
    "(and W1, W2 [d_k, d_a], w [d_a] for `score` additive); row-vector convention Q = X·Wq"
)


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a .npz, pickle disabled.  Projections and additive parameters may come from
    the same file: it is read once (cached by path, size and modification time)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise UsageError(f"`weights` {path}: " + ("not a regular file; give a .npz file" if path.exists() else "no such file"))
    stat = path.stat()
    return _read_npz(str(path), stat.st_size, stat.st_mtime_ns)


SAVEZ = "numpy.savez('w.npz', Wq=Wq, Wk=Wk, Wv=Wv)"


def check_magic(path: str) -> None:
    """Refuse a file that is neither a zip (.npz) nor a .npy by its first bytes, before numpy
    reads it: numpy takes any other file for a pickle and advises loading it unsafely."""
    with open(path, "rb") as f:
        head = f.read(6)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06") or head == b"\x93NUMPY":
        return
    what = "the file is empty" if not head else f"it starts with {head[:4]!r}"
    raise AttnvizError(f"could not read `weights` {path}: not a .npz archive (a zip of .npy arrays expected; {what}); "
                       f"make one with {SAVEZ}")


USED = ("Wq", "Wk", "Wv", "Wo", "W1", "W2", "w")  # the only arrays read; any other is never inflated


@functools.lru_cache(maxsize=4)
def _read_npz(path: str, size: int, mtime_ns: int) -> dict[str, np.ndarray]:
    """The USED arrays of the file (inputs/npzfile.py: each one's size checked in the zip header first)."""
    from .npzfile import read_arrays

    check_magic(path)
    try:
        with open(path, "rb") as f:
            if f.read(6) == b"\x93NUMPY":  # a .npy: one array, no names (its header read, its data mapped, not read)
                np.load(path, mmap_mode="r", allow_pickle=False)
                raise UsageError(f"`weights` {path} is a .npy file (one array); save the matrices by name in one .npz, "
                                 f"e.g. {SAVEZ}")
        return read_arrays(path, USED, f"`weights` {path}")
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise AttnvizError(f"could not read `weights` {path} as a .npz of arrays ({e})") from None


def real(a: np.ndarray) -> bool:
    """Whether `a` holds real numbers (integers or floats; not complex, bool, strings or objects)."""
    return np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)


def load_additive(path: str | Path, d_k: int):
    """W1, W2 [d_k, d_a] and w [d_a] from the weights file, or None when it has none of them."""
    from ..core.attention import Additive

    arrays = read_npz(path)
    names = ("W1", "W2", "w")
    if not any(n in arrays for n in names):
        return None
    if not all(n in arrays for n in names):
        raise UsageError(f"`weights` {path}: the additive score needs all of W1, W2, w (has {', '.join(n for n in names if n in arrays)})")
    w1, w2, w = (arrays[n] for n in names)
    if w1.ndim != 2 or w1.shape[0] != d_k or w2.shape != w1.shape or w.shape != (w1.shape[1],):
        raise UsageError(
            f"`weights` {path}: additive parameters must be W1, W2 [d_k={d_k}, d_a] and w [d_a]; "
            f"got {w1.shape}, {w2.shape}, {w.shape}"
        )
    for name, a in zip(names, (w1, w2, w)):
        if not real(a) or a.size == 0 or not np.isfinite(a).all():
            raise AttnvizError(f"`weights` {path}: {name} must be finite real numbers, not empty (got {a.dtype}, shape {a.shape})")
    bound = float(np.abs(w.astype(np.float64)).sum())  # |α_ij| = |wᵀ tanh(…)| ≤ Σ|w|
    if not bound <= np.finfo(np.float32).max:
        raise AttnvizError(f"`weights` {path}: w is too large (Σ|w| = {bound:.3g}): scores wᵀtanh(…) could reach "
                           f"{bound:.3g}, past single precision (3.4e38, used for long inputs); scale w down")
    return Additive(w1.astype(np.float64), w2.astype(np.float64), w.astype(np.float64))


def load_weights(path: str | Path, d_model: int, n_head: int) -> Projections | None:
    from ..core.attention import check_heads

    check_heads(n_head)
    arrays = read_npz(path)
    if not any(n in arrays for n in ("Wq", "Wk", "Wv", "Wo")) and all(n in arrays for n in ("W1", "W2", "w")):
        return None  # only additive-score parameters: the projection comes from --projection
    missing = [n for n in ("Wq", "Wk", "Wv") if n not in arrays]
    if missing:
        from .npzfile import names_in

        raise UsageError(f"`weights` {path}: missing {', '.join(missing)} (has {', '.join(names_in(str(path))) or 'nothing'}); expected {DOC}")
    wq, wk, wv, wo = (arrays.get(n) for n in ("Wq", "Wk", "Wv", "Wo"))
    for name, w in (("Wq", wq), ("Wk", wk), ("Wv", wv), ("Wo", wo)):
        if w is None:
            continue
        if w.ndim != 2 or not real(w):
            raise UsageError(f"`weights` {path}: {name} must be a 2-D array of real numbers, got shape {w.shape} {w.dtype}"
                             + (" (attention needs real numbers: save W.real)" if np.iscomplexobj(w) else ""))
        if w.size == 0:
            raise UsageError(f"`weights` {path}: {name} has shape {w.shape}; every head needs at least one dimension")
        if not np.isfinite(w).all():
            raise AttnvizError(f"`weights` {path}: {name} contains NaN or inf")
    for name, w in (("Wq", wq), ("Wk", wk), ("Wv", wv)):
        if w.shape[0] != d_model:
            raise UsageError(f"`weights` {path}: {name} has {w.shape[0]} rows but the vectors have d_model={d_model}; expected {DOC}")
    if wq.shape != wk.shape:
        raise UsageError(f"`weights` {path}: Wq {wq.shape} and Wk {wk.shape} must have the same shape")
    for name, w in (("Wq/Wk", wq), ("Wv", wv)):
        if w.shape[1] % n_head:
            raise UsageError(f"`weights` {path}: {name} has {w.shape[1]} columns, not divisible by `heads` {n_head}")
    if wo is not None and wo.shape[0] != wv.shape[1]:
        raise UsageError(f"`weights` {path}: Wo has {wo.shape[0]} rows but Wv gives heads·d_v={wv.shape[1]}")
    f32 = lambda w: None if w is None else w.astype(np.float32)  # noqa: E731
    return Projections(f32(wq), f32(wk), f32(wv), f32(wo), n_head, "weights")
