"""Reading a model's config.json: every setting a family uses checked, one clear error for a wrong one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import AttnvizError

ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "relu")  # the ones core.nn.activation computes
# settings that change the numbers and that the numpy encoder does not implement: key -> the only value it computes
FIXED = {"position_embedding_type": "absolute", "is_decoder": False, "add_cross_attention": False}
BROKEN = "a broken or hand-edited config: take it from the model's original files"


def read_json(path: Path) -> dict:
    """config.json as a dict (a JSON object), or one error saying why it is not one."""
    try:
        raw = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except RecursionError:
        raise AttnvizError(f"`model` {path}: config.json is nested too deeply to be a model config") from None
    except (OSError, ValueError) as e:
        raise AttnvizError(f"`model` {path}: config.json is not a model config ({type(e).__name__}: {e})") from None
    if not isinstance(raw, dict):
        raise AttnvizError(f"`model` {path}: config.json is not a model config (a JSON object expected, got {type(raw).__name__})")
    return raw


def config_int(raw: dict, key: str, path: Path, default: int | None = None) -> int:
    """raw[key] as an integer (default when absent; required when default is None); true, 12.5, "12" refused."""
    if key not in raw and default is not None:
        return default  # 0: absent and not needed
    if key not in raw:
        raise AttnvizError(f"`model` {path}: config.json has no {key} ({BROKEN})")
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise AttnvizError(f"`model` {path}: config.json has {key} {json.dumps(value)[:40]}; it must be an integer ({BROKEN})")
    if value < 1:
        raise AttnvizError(f"`model` {path}: config.json has {key} {value}; it must be at least 1 ({BROKEN})")
    return value


def config_eps(raw: dict, path: Path, key: str = "layer_norm_eps", default: float = 1e-12) -> float:
    """layer_norm_eps (default 1e-12; rms_norm_eps for Llama): a number between 0 and 1."""
    eps = raw.get(key, default)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise AttnvizError(f"`model` {path}: config.json has {key} {json.dumps(eps)[:40]}; "
                           f"it must be a small positive number such as 1e-12 ({BROKEN})")
    return float(eps)


def config_act(raw: dict, path: Path, key: str = "hidden_act", default: str = "gelu") -> str:
    """hidden_act (default gelu; GPT-2's activation_function): one of ACTIVATIONS."""
    act = raw.get(key, default)
    if act not in ACTIVATIONS:
        raise AttnvizError(f"`model` {path}: config.json has {key} {json.dumps(act)[:40]}, which attnviz does not "
                           f"implement (it computes {', '.join(ACTIVATIONS)}); the numbers would not be this model's")
    return act


def config_bool(raw: dict, key: str, path: Path, default: bool) -> bool:
    """raw[key] as true/false (default when absent or null); 1, "true" refused."""
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise AttnvizError(f"`model` {path}: config.json has {key} {json.dumps(value)[:40]}; it must be true or false ({BROKEN})")
    return value


def check_fixed(raw: dict, path: Path, fixed: dict | None = None) -> None:
    """Refuse a setting (FIXED, or a family's own table) whose other values the family does not
    compute: ignoring it would show numbers that are not this model's."""
    for key, only in (FIXED if fixed is None else fixed).items():
        if key in raw and raw[key] is not None and raw[key] != only:
            raise AttnvizError(f"`model` {path}: config.json has {key} {json.dumps(raw[key])[:40]}, which attnviz does not "
                               f"implement (only {json.dumps(only)}); the numbers would not be this model's")


LAYER_KEYS = ("num_hidden_layers", "n_layer", "n_layers")  # every family's layer count
# counts and sizes that size arrays: each is at most one dimension of some tensor (a head has ≥ 1 row of q)
SIZE_KEYS = ("num_attention_heads", "num_key_value_heads", "n_head", "n_heads", "hidden_size", "n_embd", "dim",
             "intermediate_size", "n_inner", "hidden_dim", "head_dim", "embedding_size", "vocab_size", "type_vocab_size")
LAYER_INDEX = re.compile(r"(?:^|\.)(?:layers|layer|h|blk)\.(\d+)\.")  # model.layers.3., encoder.layer.3., h.3., GGUF's blk.3.


def check_counts(raw: dict, shapes: dict, label: str, path: Path, said=lambda key: f"config.json's {key} says") -> None:
    """Refuse a layer count larger than the layers the file's tensors hold, and a head count or size
    larger than every tensor dimension, from the header alone: before anything is sized by them
    (a hand-edited num_hidden_layers 1e9 would otherwise allocate a list per layer)."""
    present = {int(m.group(1)) for k in shapes if (m := LAYER_INDEX.search(k))}
    fix = "a damaged GGUF file: download it again" if "GGUF" in label else BROKEN
    for key in LAYER_KEYS:
        value = raw.get(key)
        if _count(value) and value > len(present):
            raise AttnvizError(f"`model` {path}: {said(key)} {value:,} layer{'s' * (value != 1)}; {label} has {len(present):,} ({fix})")
    largest = max((int(d) for shape in shapes.values() for d in shape), default=0)
    for key in SIZE_KEYS:
        value = raw.get(key)
        if _count(value) and value > largest:
            raise AttnvizError(f"`model` {path}: {said(key)} {value:,}; no tensor of {label} has a dimension that large "
                               f"(the largest is {largest:,}), so the weights cannot be this config's ({fix})")


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
