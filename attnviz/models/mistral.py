"""Mistral: Llama's computation with a sliding window in every layer (`sliding_window` keys, itself
included; absent means 4096 as in transformers, null means none)."""

from __future__ import annotations

from pathlib import Path

from .config import config_int
from .llama import ANCHOR, LlamaConfig, block, check_tables, check_weights, embed, final_norm, forward_layers  # noqa: F401
from .llama import layer_weights, read_rotary, unembedding  # noqa: F401


def read_config(raw: dict, path: Path) -> LlamaConfig:
    window = None if raw.get("sliding_window", 4096) is None else config_int(raw, "sliding_window", path, 4096)
    return read_rotary(raw, path, windows=lambda layers: (window,) * layers, max_positions=131072)
