"""--weights FILE.npz: user projections, read with pickle disabled and checked for shape."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .attention import Projections
from .errors import AttnvizError, UsageError

DOC = (
    "Wq, Wk [d_model, heads·d_k], Wv [d_model, heads·d_v], optional Wo [heads·d_v, d_model]; "
    "row-vector convention Q = X·Wq"
)


def load_weights(path: str | Path, d_model: int, n_head: int) -> Projections:
    path = Path(path).expanduser()
    if not path.is_file():
        raise UsageError(f"--weights {path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: np.asarray(npz[name]) for name in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise AttnvizError(f"could not read --weights {path} as a .npz of arrays ({e})") from None
    missing = [n for n in ("Wq", "Wk", "Wv") if n not in arrays]
    if missing:
        raise UsageError(f"--weights {path}: missing {', '.join(missing)} (has {', '.join(arrays) or 'nothing'}); expected {DOC}")
    wq, wk, wv, wo = (arrays.get(n) for n in ("Wq", "Wk", "Wv", "Wo"))
    for name, w in (("Wq", wq), ("Wk", wk), ("Wv", wv), ("Wo", wo)):
        if w is None:
            continue
        if w.ndim != 2 or not np.issubdtype(w.dtype, np.number):
            raise UsageError(f"--weights {path}: {name} must be a 2-D numeric array, got shape {w.shape} {w.dtype}")
        if not np.isfinite(w).all():
            raise AttnvizError(f"--weights {path}: {name} contains NaN or inf")
    for name, w in (("Wq", wq), ("Wk", wk), ("Wv", wv)):
        if w.shape[0] != d_model:
            raise UsageError(f"--weights {path}: {name} has {w.shape[0]} rows but the vectors have d_model={d_model}; expected {DOC}")
    if wq.shape != wk.shape:
        raise UsageError(f"--weights {path}: Wq {wq.shape} and Wk {wk.shape} must have the same shape")
    for name, w in (("Wq/Wk", wq), ("Wv", wv)):
        if w.shape[1] % n_head:
            raise UsageError(f"--weights {path}: {name} has {w.shape[1]} columns, not divisible by --heads {n_head}")
    if wo is not None and wo.shape[0] != wv.shape[1]:
        raise UsageError(f"--weights {path}: Wo has {wo.shape[0]} rows but Wv gives heads·d_v={wv.shape[1]}")
    f32 = lambda w: None if w is None else w.astype(np.float32)  # noqa: E731
    return Projections(f32(wq), f32(wk), f32(wv), f32(wo), n_head, "weights")
