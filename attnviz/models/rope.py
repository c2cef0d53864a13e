"""A rotary family's RoPE settings from config.json, in either spelling: `rope_theta` + `rope_scaling`
(transformers 4) or `rope_parameters` (transformers 5).  The frequencies themselves are core.nn's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..core.nn import rope_inv_freq, rope_linear, rope_llama3
from ..errors import AttnvizError
from .config import BROKEN

ROPE_TYPES = ("default", "linear", "llama3")  # the scalings attnviz computes


def positive(params: dict, key: str, path: Path, default: float | None = None) -> float:
    """params[key] as a positive number (default when absent; required when default is None)."""
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        shown = "absent" if value is None else json.dumps(value)[:40]
        raise AttnvizError(f"`model` {path}: config.json's RoPE setting {key} is {shown}; it must be a positive number ({BROKEN})")
    return float(value)


def rope_settings(raw: dict, path: Path) -> dict:
    """The flat dict of RoPE settings: rope_scaling wins over rope_parameters (as in transformers),
    top-level rope_theta / partial_rotary_factor fill what it lacks."""
    params = raw.get("rope_scaling") or raw.get("rope_parameters") or {}
    if not isinstance(params, dict):
        raise AttnvizError(f"`model` {path}: config.json has rope_scaling/rope_parameters {json.dumps(params)[:40]}; "
                           f"a JSON object expected ({BROKEN})")
    if any(isinstance(v, dict) for v in params.values()):
        raise AttnvizError(f"`model` {path}: config.json gives RoPE settings per layer type ({', '.join(params)}), which attnviz "
                           f"does not implement; the numbers would not be this model's")
    params = dict(params)
    for key in ("rope_theta", "partial_rotary_factor"):
        if key not in params and key in raw:
            params[key] = raw[key]
    return params


def inv_freq(raw: dict, path: Path, d_head: int, max_positions: int) -> tuple[float, ...]:
    """[d_head/2] the rotary frequencies the model uses (θ from rope_theta, default 10 000; scaled as
    rope_type says); another rope type or a partial rotary factor is refused in one line."""
    params = rope_settings(raw, path)
    kind = params.get("rope_type", params.get("type", "default"))
    if kind not in ROPE_TYPES:
        raise AttnvizError(f"`model` {path}: config.json has RoPE type {json.dumps(kind)[:40]}, which attnviz does not implement "
                           f"(it computes {', '.join(ROPE_TYPES)}); the numbers would not be this model's")
    if positive(params, "partial_rotary_factor", path, 1.0) != 1.0:
        raise AttnvizError(f"`model` {path}: config.json has partial_rotary_factor {params['partial_rotary_factor']}, which attnviz "
                           f"does not implement (only 1: every dimension rotated); the numbers would not be this model's")
    freq = rope_inv_freq(d_head, positive(params, "rope_theta", path, 10_000.0))
    if kind == "linear":
        freq = rope_linear(freq, positive(params, "factor", path))
    elif kind == "llama3":
        low, high = positive(params, "low_freq_factor", path), positive(params, "high_freq_factor", path)
        if high <= low:
            raise AttnvizError(f"`model` {path}: config.json's llama3 RoPE has high_freq_factor {high} ≤ low_freq_factor {low} ({BROKEN})")
        freq = rope_llama3(freq, positive(params, "factor", path), low, high,
                           positive(params, "original_max_position_embeddings", path, max_positions))
    return tuple(np.asarray(freq, dtype=np.float64).tolist())
