"""Where a model's tensors come from: one model.safetensors, sharded *.safetensors with their index,
or a GGUF file (models.gguf).  Every source answers in Hugging Face names and layouts, so a family's
forward pass cannot tell them apart:

- ``label``: how an error names the source ("model.safetensors")
- ``keys``: every tensor name, in the file's order
- ``shape(key)``: a tensor's shape from the header
- ``tensor(key)``: the whole tensor (float32 for GGUF; the stored dtype for safetensors)
- ``rows(key, unique)``: only the rows ``unique`` [m] (sorted, distinct) of a 2-D tensor -> [m, width]

Errors: a source raises AttnvizError for what it checks itself and lets a library's own exception
through otherwise; models.checkpoint.Model turns those into one line naming the tensor.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import AttnvizError
from .files import INDEX


class SafetensorsSource:
    """model.safetensors, read lazily (safetensors memory-maps it)."""

    def __init__(self, path: Path):
        from safetensors import safe_open  # imported here: the model path only

        self.label = "model.safetensors"
        try:
            handle = safe_open(str(path / "model.safetensors"), framework="np")
            self.keys = list(handle.keys())
        except Exception as e:
            raise AttnvizError(f"`model` {path}: model.safetensors cannot be read ({str(e).splitlines()[0]})") from None
        self._where = dict.fromkeys(self.keys, handle)

    def shape(self, key: str) -> tuple[int, ...]:
        return tuple(self._where[key].get_slice(key).get_shape())

    def tensor(self, key: str) -> np.ndarray:
        return self._where[key].get_tensor(key)

    def rows(self, key: str, unique: np.ndarray) -> np.ndarray:
        part = self._where[key].get_slice(key)
        return np.stack([part[int(i) : int(i) + 1][0] for i in unique])


class ShardedSource(SafetensorsSource):
    """Sharded weights: model.safetensors.index.json maps each tensor to one *.safetensors file of the directory."""

    def __init__(self, path: Path):
        from safetensors import safe_open

        self.label = "the sharded safetensors"
        weight_map = read_index(path)
        handles = {}
        for file in sorted(set(weight_map.values())):
            try:
                handles[file] = safe_open(str(path / file), framework="np")
                stored = set(handles[file].keys())
            except Exception as e:
                raise AttnvizError(f"`model` {path}: {file} cannot be read ({str(e).splitlines()[0]})") from None
            lacking = [k for k, f in weight_map.items() if f == file and k not in stored]
            if lacking:
                raise AttnvizError(f"`model` {path}: {INDEX} puts {lacking[0]} in {file}, which lacks it; "
                                   f"the index is not this model's (take both from the model's original files)")
        self.keys = list(weight_map)
        self._where = {k: handles[f] for k, f in weight_map.items()}


def read_index(path: Path) -> dict[str, str]:
    """model.safetensors.index.json's weight_map (tensor name -> a *.safetensors file of this directory)."""
    where = f"`model` {path}: {INDEX}"
    try:
        if (path / INDEX).stat().st_size > 64 << 20:
            raise ValueError("larger than 64 MiB")
        raw = json.loads((path / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as e:
        raise AttnvizError(f"{where} cannot be read ({type(e).__name__}: {e})") from None
    weight_map = raw.get("weight_map") if isinstance(raw, dict) else None
    if not isinstance(weight_map, dict) or not weight_map:
        raise AttnvizError(f"{where} has no weight_map (an object naming each tensor's file); take it from the model's original files")
    for key, file in weight_map.items():
        if not isinstance(file, str) or not file.endswith(".safetensors") or "/" in file or "\\" in file or file.startswith("."):
            raise AttnvizError(f"{where} puts {key} in {json.dumps(file)[:60]}; a *.safetensors file in the same directory expected")
        if not (path / file).is_file():
            raise AttnvizError(f"`model` {path}: missing {file} (named by {INDEX}); download the model again")
    return weight_map


def open_safetensors(path: Path):
    """The directory's weights: model.safetensors, else the shards its index names."""
    if not (path / "model.safetensors").exists() and (path / INDEX).exists():
        return ShardedSource(path)
    return SafetensorsSource(path)
