"""A raw set of vectors from a file: any n × d matrix becomes the Sequence.

.npy (a 2-D numeric array), .npz (an array `vectors`, optional `labels`), .csv and .tsv (one row
per item; an optional header row; an optional first column of labels).  Labels default to a1 … an.
Read with pickle disabled; a file over 1 GB is refused before it is read.
"""

from __future__ import annotations

import csv
import math
import zipfile
from pathlib import Path

import numpy as np

from . import Sequence
from ..errors import AttnvizError, UsageError
from .sources import MatrixSource

MAX_BYTES = 1 << 30
FORMATS = ("npy", "npz", "csv", "tsv")


def matrix_sequence(path, input_norm: str = "none") -> Sequence:
    """Read the file (or take an [n, d] array) and normalize its rows (input_norm: none | center |
    standard, on the set's own mean)."""
    if isinstance(path, (str, bytes)) or hasattr(path, "__fspath__"):
        path = Path(path).expanduser()
        labels, x = read_matrix(path)
        name, form = path.name, path.suffix.lower().lstrip(".")
    else:
        labels, x = check_matrix("`input` array", None, array_of(path))
        name, form = "array", "array"
    x = normalize_rows(x, input_norm)
    n, d = x.shape
    source = MatrixSource(name, d, form)
    return Sequence(labels, x, np.arange(n), "matrix", np.zeros(n, dtype=bool), source)


def read_matrix(path: Path) -> tuple[list[str], np.ndarray]:
    """-> labels [n] and vectors [n, d] (float64, finite), with one clear error for a bad file."""
    ext = path.suffix.lower().lstrip(".")
    if path.is_dir():
        raise UsageError(f"`input` {path}: is a directory; give a .npy, .npz, .csv or .tsv file", "input")
    if ext not in FORMATS:
        raise UsageError(f"`input` {path}: unknown format {path.suffix or '(no extension)'}; use .npy, .npz, .csv or .tsv", "input")
    if not path.is_file():
        raise UsageError(f"`input` {path}: no such file", "input")
    if path.stat().st_size > MAX_BYTES:
        raise AttnvizError(f"{path}: {path.stat().st_size / 2**30:.1f} GB is over the 1 GB limit for a vector set; "
                           f"take a sample of its rows")
    labels, x = _read_npy(path) if ext == "npy" else _read_npz(path) if ext == "npz" else _read_table(path, ext)
    return check_matrix(path, labels, x)


def array_of(value) -> np.ndarray:
    """An array given to the API as numbers (a numpy array, nested lists)."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as e:
        raise UsageError(f"`input` must be a file path or an [n, d] array of numbers ({e})", "input") from None


def check_matrix(path: Path | str, labels: list[str] | None, x: np.ndarray) -> tuple[list[str], np.ndarray]:
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating) or x.dtype == bool):
        fix = "np.save(path, X.astype(float))" if isinstance(path, Path) else "pass X.astype(float)"  # a file, or an array
        raise AttnvizError(f"{path}: the array holds {_kind_of(x.dtype)} (dtype {x.dtype}), not real numbers; a vector "
                           f"set is n × d numbers, e.g. {fix}")
    if x.ndim == 1:
        raise AttnvizError(f"{path}: a 1-D array of {x.size} numbers; a vector set is n × d (save one number per item as n × 1)")
    if x.ndim != 2:
        raise AttnvizError(f"{path}: an array of shape {x.shape}; a vector set is 2-D, n items × d dimensions")
    n, d = x.shape
    if n == 0 or d == 0:
        raise AttnvizError(f"{path}: {n} rows × {d} columns; a vector set needs at least one item and one dimension")
    x = x.astype(np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise AttnvizError(f"{path}: row {i + 1}, column {j + 1} is {x[i, j]} (NaN or inf); every value must be a finite number")
    if labels is None:
        labels = [f"a{i}" for i in range(1, n + 1)]
    if len(labels) != n:
        raise AttnvizError(f"{path}: {len(labels)} labels for {n} rows")
    labels = [str(l) for l in labels]
    for i, label in enumerate(labels):
        bad = next((ch for ch in label if 0xD800 <= ord(ch) <= 0xDFFF), None)
        if bad is not None:
            raise AttnvizError(f"{path}: label {i + 1} holds U+{ord(bad):04X}, a lone surrogate (half of a UTF-16 pair, not "
                               f"a character) that no file or terminal can write; save the labels as valid Unicode text")
    return labels, x


def _kind_of(dtype: np.dtype) -> str:
    return {"U": "strings", "S": "byte strings", "O": "Python objects", "c": "complex numbers", "M": "dates",
            "m": "time spans", "V": "raw records"}.get(dtype.kind, "values")


def _read_npy(path: Path):
    from .npzfile import read_npy

    return None, read_npy(path, str(path), "save numbers with np.save(path, X.astype(float))")


def _read_npz(path: Path):
    from .npzfile import names_in, numpy_reason, read_arrays

    try:
        arrays = read_arrays(str(path), ("vectors", "labels"), f"`input` {path}")  # only these two: each size checked first
        if "vectors" not in arrays:
            raise AttnvizError(f"{path}: no array named 'vectors' (has {', '.join(names_in(str(path))) or 'nothing'}); "
                               f"save it with np.savez(path, vectors=X, labels=names)")
        x = arrays["vectors"]
        labels = [str(l) for l in arrays["labels"].reshape(-1)] if "labels" in arrays else None
    except AttnvizError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise AttnvizError(f"could not read {path} as a .npz of arrays ({numpy_reason(e)})") from None
    return labels, x


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _read_table(path: Path, ext: str):
    """CSV/TSV: a header row when the first row's value cells are not all numbers; a label column
    when the first cell of the data rows is not a number."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [r for r in csv.reader(f, delimiter="," if ext == "csv" else "\t") if any(c.strip() for c in r)]
    except UnicodeDecodeError as e:
        raise AttnvizError(f"{path}: not UTF-8 text (byte {e.start})") from None
    except (OSError, csv.Error) as e:
        raise AttnvizError(f"could not read {path}: {e}") from None
    if not rows:
        raise AttnvizError(f"{path}: 0 rows × 0 columns; a vector set needs at least one item and one dimension")
    labelled = any(_number(r[0]) is None for r in rows[1:]) or (len(rows) == 1 and _number(rows[0][0]) is None and len(rows[0]) > 1)
    header = any(_number(c) is None for c in rows[0][1 if labelled else 0:])
    data = rows[1:] if header else rows
    if not data:
        raise AttnvizError(f"{path}: a header row and no data rows; a vector set needs at least one item (one row of numbers)")
    width = len(data[0]) if data else 0
    labels, values = [], []
    for line, r in enumerate(data, start=2 if header else 1):
        if len(r) != width:
            raise AttnvizError(f"{path}: line {line} has {len(r)} cells, the first data line {width}; every row needs the same number")
        cells = r[1:] if labelled else r
        numbers = [_number(c) for c in cells]
        if None in numbers:
            col = numbers.index(None)
            raise AttnvizError(f"{path}: line {line}, column {col + 1 + labelled}: {cells[col].strip()[:20]!r} is not a number")
        labels.append(r[0].strip() if labelled else None)
        values.append(numbers)
    x = np.array(values, dtype=np.float64).reshape(len(values), width - labelled)
    return (labels if labelled else None), x


def normalize_rows(x: np.ndarray, input_norm: str) -> np.ndarray:
    """none: as read; center: minus the set's mean row; standard: centered, each row scaled to length √d."""
    if input_norm == "none":
        return x
    c = x - x.mean(axis=0)
    if input_norm == "center":
        return c
    norms = np.sqrt(np.einsum("ij,ij->i", c, c))[:, None]
    return np.divide(c, norms, out=np.zeros_like(c), where=norms > 0) * math.sqrt(x.shape[1])
