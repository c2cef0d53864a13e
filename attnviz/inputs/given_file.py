"""`show --attention FILE`: attention saved elsewhere (.npz with arrays attention and tokens, .npy
with the tokens given apart) or attnviz's own --json output, read with every size checked first."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import AttnvizError, UsageError
from .npzfile import check_npy_header, numpy_reason
from .sources import AttentionSource, SavedFrom

MAX_BYTES = 1 << 30  # an attention file: 1 GB, as a vector set (inputs/matrix.py)
SAVEZ = "numpy.savez('a.npz', attention=A, tokens=np.array(labels))"


@dataclass
class Saved:
    """What a file holds: α′ (or α with scores), the labels, and what a saved run adds."""

    attention: np.ndarray  # [layers, heads, n, n] (or fewer axes: view() takes them)
    tokens: list[str] | None
    specials: list[bool] | None = None
    alpha: np.ndarray | None = None  # a saved run's own α (null -> NaN)
    numbers: tuple[list[int], list[int], int, int] | None = None  # a saved run's layers and heads kept (1-based), of how many
    text: str | None = None
    name: str | None = None
    source: AttentionSource = field(default_factory=AttentionSource)  # name: view_analysis sets it
    flow: np.ndarray | None = None  # a saved run's rollout
    keys: list[str] | None = None  # cross-attention: the columns' labels (tokens are then the rows')


def read_saved(path: str, tokens: str | None = None) -> Saved:
    """The file at `path` by its extension; tokens: "a,b,c" or a file of one label per line (a .npy needs them)."""
    p = Path(path).expanduser()
    ext = p.suffix.lower()
    if ext not in (".npz", ".npy", ".json"):
        raise UsageError(f"`attention` {path}: unknown format {p.suffix or '(no extension)'}; use .npz (arrays attention, "
                         f"tokens), .npy (with `tokens`) or a .json written by attnviz show `json`", "attention")
    if not p.is_file():
        raise UsageError(f"`attention` {path}: " + ("not a regular file" if p.exists() else "no such file"), "attention")
    if p.stat().st_size > MAX_BYTES:
        raise AttnvizError(f"`attention` {path}: {p.stat().st_size / 2**30:.1f} GB is over the 1 GB limit; keep the layers "
                           f"or heads you want to see")
    saved = {".npz": _npz, ".npy": _npy, ".json": _json}[ext](str(p))
    if tokens is not None:
        if ext == ".json":
            raise UsageError("`tokens` does not apply to a saved run (.json): it has its own", "tokens")
        saved.tokens = tokens_of(tokens)
    if saved.tokens is None:
        raise UsageError(f"`attention` {path} has no tokens: give them with `tokens` (a,b,c or a file, one a line)"
                         + (f", or save them in the .npz: {SAVEZ}" if ext == ".npz" else ""), "tokens")
    saved.source = replace(saved.source, format=ext[1:], path=str(p))
    return saved


def tokens_of(value: str) -> list[str]:
    """--tokens: a file of one label per line (when it exists), else labels separated by commas."""
    p = Path(value).expanduser()
    if p.is_file():
        if p.stat().st_size > 64 << 20:
            raise AttnvizError(f"`tokens` {value}: over 64 MB; one label per line is expected")
        try:
            return p.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as e:
            raise AttnvizError(f"`tokens` {value}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    return value.split(",")


def _npy(path: str) -> Saved:
    from .weights import check_magic

    try:
        check_magic(path)
        check_npy_header(path)
        a = np.load(path, allow_pickle=False)
    except AttnvizError:
        raise AttnvizError(f"could not read `attention` {path}: not a .npy array; save one with numpy.save") from None
    except (ValueError, OSError, EOFError) as e:
        raise AttnvizError(f"could not read `attention` {path} as a .npy array ({numpy_reason(e)})") from None
    return Saved(a, None)


def _npz(path: str) -> Saved:
    from .npzfile import names_in, read_arrays

    try:
        arrays = read_arrays(path, ("attention", "tokens", "specials", "queries", "keys"), f"`attention` {path}")
    except AttnvizError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise AttnvizError(f"could not read `attention` {path} as a .npz of arrays ({numpy_reason(e)})") from None
    if "attention" not in arrays:
        raise AttnvizError(f"`attention` {path}: no array named 'attention' (has {', '.join(names_in(path)) or 'nothing'}); "
                           f"save it with {SAVEZ}")
    rows = "queries" if "keys" in arrays else "tokens"  # cross-attention: arrays queries and keys
    tokens = [str(t) for t in arrays[rows].reshape(-1)] if rows in arrays else None
    specials = [bool(s) for s in arrays["specials"].reshape(-1)] if "specials" in arrays else None
    keys = [str(t) for t in arrays["keys"].reshape(-1)] if "keys" in arrays else None
    return Saved(arrays["attention"], tokens, specials, keys=keys)


def _json(path: str) -> Saved:
    """An attnviz/1 document with full matrices (show --json, not --top-k): its α′ and α, as saved."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AttnvizError(f"could not read `attention` {path} as JSON ({e}); give what attnviz show `json` wrote "
                           f"(one document, not `top_k`'s JSON Lines)") from None
    if not isinstance(doc, dict) or doc.get("schema") != "attnviz/1" or not isinstance(doc.get("layers"), list):
        schema = doc.get("schema") if isinstance(doc, dict) else None
        raise AttnvizError(f"`attention` {path}: not an attnviz/1 document with matrices (schema {schema!r}); give what "
                           f"attnviz show `json` wrote")
    try:
        return _document(doc)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise AttnvizError(f"`attention` {path}: an attnviz/1 document missing or mangling a field ({type(e).__name__}: "
                           f"{e}); give what attnviz show `json` wrote") from None


def _document(doc: dict) -> Saved:
    layers = [entry for entry in doc["layers"] if entry.get("kind", "attention") == "attention"]
    if not layers or not layers[0]["heads"]:
        raise ValueError("no attention layers")
    stack = lambda key: np.array([[_matrix(h[key]) for h in entry["heads"]] for entry in layers])  # noqa: E731
    weights, alpha = np.nan_to_num(stack("alpha_prime"), nan=0.0), stack("alpha")  # α′ null: masked, weight 0
    flows = [entry for entry in doc["layers"] if entry.get("kind") == "rollout"]
    cfg = doc.get("config", {})
    numbers = ([int(e["index"]) + 1 for e in layers], [int(h["index"]) + 1 for h in layers[0]["heads"]],
               int(cfg.get("layers") or len(layers)), int(cfg.get("heads") or len(layers[0]["heads"])))
    source = doc.get("source", {})
    name = cfg.get("model") or source.get("name") or "attention"
    return Saved(weights, [str(t) for t in doc["tokens"]], doc.get("special"), alpha, numbers, doc.get("text"), str(name),
                 AttentionSource(saved=SavedFrom(source.get("kind"), source.get("name"))),
                 _matrix(flows[0]["heads"][0]["alpha_prime"]) if flows else None,
                 [str(t) for t in doc["keys"]] if doc.get("keys") is not None else None)


def _matrix(rows) -> np.ndarray:
    """Nested lists with null (masked) -> [n, n] float64 with NaN."""
    return np.array([[np.nan if x is None else float(x) for x in row] for row in rows], dtype=np.float64)
