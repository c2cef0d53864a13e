"""Qwen2 and Qwen3: Llama's computation with biases on q, k and v (Qwen2) or RMSNorm on each head's
q and k before RoPE (Qwen3), and Qwen's per-layer sliding windows (`use_sliding_window`: the layers
from `max_window_layers` on, or those `layer_types` calls "sliding_attention")."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import AttnvizError
from .config import BROKEN, config_bool, config_int
from .llama import ANCHOR, LlamaConfig, block, check_tables, check_weights, embed, final_norm, forward_layers  # noqa: F401
from .llama import layer_weights, read_rotary, unembedding  # noqa: F401

LAYER_TYPES = ("full_attention", "sliding_attention")


def windows(raw: dict, path: Path, layers: int) -> tuple[int | None, ...]:
    """Each layer's window as transformers' Qwen2Config/Qwen3Config decide it."""
    if not config_bool(raw, "use_sliding_window", path, False):
        return (None,) * layers
    window = config_int(raw, "sliding_window", path, 4096)
    kinds = raw.get("layer_types")
    if kinds is None:
        first = config_int(raw, "max_window_layers", path, 28)
        kinds = ["sliding_attention" if i >= first else "full_attention" for i in range(layers)]
    if not isinstance(kinds, list) or len(kinds) != layers or any(k not in LAYER_TYPES for k in kinds):
        raise AttnvizError(f"`model` {path}: config.json has layer_types {json.dumps(kinds)[:60]}; {layers} of "
                           f"{' / '.join(LAYER_TYPES)} expected ({BROKEN})")
    return tuple(window if k == "sliding_attention" else None for k in kinds)


def read_qwen2(raw: dict, path: Path) -> LlamaConfig:
    """Qwen2: q, k and v always have biases, o_proj and the MLP none."""
    return read_rotary(raw, path, windows=lambda layers: windows(raw, path, layers), max_positions=32768,
                       qkv_bias=True, o_bias=False, mlp_bias=False)


def read_qwen3(raw: dict, path: Path) -> LlamaConfig:
    """Qwen3: q/k norms; `attention_bias` on all four projections; head_dim 128 unless given."""
    return read_rotary(raw, path, windows=lambda layers: windows(raw, path, layers), max_positions=32768,
                       head_dim=128, mlp_bias=False, qk_norm=True)
