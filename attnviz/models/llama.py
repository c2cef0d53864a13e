"""Llama in numpy (Llama 2/3.x, SmolLM; Mistral, Qwen2 and Qwen3 are its variants): token embeddings,
then per layer RMSNorm → grouped-query attention with rotary positions → residual, RMSNorm →
SwiGLU → residual; a final RMSNorm, and lm_head (or the tied embedding table) for generation.

What the variants change is data, not flags: a bias is there or not (Qwen2's q/k/v, `attention_bias`,
`mlp_bias`), q/k norms are there or not (Qwen3), a layer has a sliding window or not (Mistral,
Qwen's `use_sliding_window`).  Shapes: n tokens, h hidden, H query heads, G key/value heads, d per head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.nn import rms_norm, rope, rope_tables, swiglu
from ..errors import AttnvizError
from . import decoder
from .config import BROKEN, check_fixed, config_bool, config_eps, config_int
from .rope import inv_freq

ANCHOR = "embed_tokens.weight"  # finds the prefix: "model." in a ForCausalLM checkpoint
FIXED = {"hidden_act": "silu"}  # settings whose other values change the numbers: the only value computed
forward_layers = decoder.forward_layers


@dataclass(frozen=True)
class LlamaConfig:
    hidden: int
    heads: int  # query heads H
    kv_heads: int  # key/value heads G (H a multiple of G)
    head_dim: int
    layers: int
    intermediate: int
    eps: float
    max_positions: int
    vocab: int
    inv_freq: tuple[float, ...]  # [d/2] rotary frequencies, scaling applied
    windows: tuple[int | None, ...]  # each layer's sliding window (keys seen, itself included), None: all earlier
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    qk_norm: bool = False  # Qwen3: RMSNorm over each head's q and k before RoPE
    tied: bool = False  # lm_head is the embedding table
    eos: tuple[int, ...] = field(default=())  # end-of-sequence ids (generation stops after one)

    causal = True


def read_rotary(raw: dict, path: Path, windows=lambda layers: (None,) * layers, max_positions: int = 2048,
                qkv_bias: bool | None = None, head_dim: int | None = None, **flags) -> LlamaConfig:
    """A Llama-type config.json, every used key checked; windows(layers) gives each layer's window.
    qkv_bias None: `attention_bias` decides (it also adds o_proj's bias); flags: o_bias, qk_norm, …"""
    check_fixed(raw, path, FIXED)
    size = lambda key, default=None: config_int(raw, key, path, default)  # noqa: E731
    hidden, heads, layers = size("hidden_size"), size("num_attention_heads"), size("num_hidden_layers")
    kv = size("num_key_value_heads", heads)
    if heads % kv:
        raise AttnvizError(f"`model` {path}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv} ({BROKEN})")
    if raw.get("head_dim") is None and head_dim is None and hidden % heads:
        raise AttnvizError(f"`model` {path}: hidden_size {hidden} is not divisible by num_attention_heads {heads} ({BROKEN})")
    d = size("head_dim") if raw.get("head_dim") is not None else head_dim or hidden // heads
    if d % 2:
        raise AttnvizError(f"`model` {path}: head_dim {d} is odd; rotary positions turn pairs of dimensions ({BROKEN})")
    top = size("max_position_embeddings", max_positions)
    bias = config_bool(raw, "attention_bias", path, False)
    flags = {"o_bias": bias, "mlp_bias": config_bool(raw, "mlp_bias", path, False), **flags}
    return LlamaConfig(hidden, heads, kv, d, layers, size("intermediate_size"), config_eps(raw, path, "rms_norm_eps", 1e-6), top,
                       size("vocab_size"), inv_freq(raw, path, d, top), windows(layers), bias if qkv_bias is None else qkv_bias,
                       tied=config_bool(raw, "tie_word_embeddings", path, False), eos=decoder.eos_ids(raw, path), **flags)


def read_config(raw: dict, path: Path) -> LlamaConfig:
    """Llama: no sliding window (transformers' Llama ignores one)."""
    return read_rotary(raw, path)


def layer_shapes(c: LlamaConfig) -> dict[str, tuple[int, ...]]:
    """Layer tensors (names under layers.L.) -> shapes; Linear weights [out, in], biases [out]."""
    h, q, kv, f, d = c.hidden, c.heads * c.head_dim, c.kv_heads * c.head_dim, c.intermediate, c.head_dim
    linear = {"self_attn.q_proj": (q, h), "self_attn.k_proj": (kv, h), "self_attn.v_proj": (kv, h), "self_attn.o_proj": (h, q),
              "mlp.gate_proj": (f, h), "mlp.up_proj": (f, h), "mlp.down_proj": (h, f)}
    shapes = {f"{name}.weight": shape for name, shape in linear.items()}
    biased = [*(("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj") if c.qkv_bias else ()),
              *(("self_attn.o_proj",) if c.o_bias else ()), *(("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj") if c.mlp_bias else ())]
    shapes.update({f"{name}.bias": linear[name][:1] for name in biased})
    shapes.update({"input_layernorm.weight": (h,), "post_attention_layernorm.weight": (h,)})
    if c.qk_norm:
        shapes.update({"self_attn.q_norm.weight": (d,), "self_attn.k_norm.weight": (d,)})
    return shapes


def check_tables(model) -> None:
    c = model.config
    model.check("embed_tokens.weight", (c.vocab, c.hidden))


def check_weights(model) -> None:
    """Every tensor's shape from the header, before any layer runs."""
    c = model.config
    for li in range(c.layers):
        for name, shape in layer_shapes(c).items():
            model.check(f"layers.{li}.{name}", shape)
    model.check("norm.weight", (c.hidden,))
    if not c.tied and model.top("lm_head.weight", (c.vocab, c.hidden), read=False) is None:
        raise AttnvizError(f"`model` {model.path}: model.safetensors lacks lm_head.weight and config.json does not tie it "
                           f"to the embeddings (tie_word_embeddings)")


def layer_weights(model, li: int) -> dict[str, np.ndarray | None]:
    """Layer li's weights, float32: Linear ones as [in, out] (views: x·W is one BLAS call), absent biases None."""
    shapes = layer_shapes(model.config)
    w: dict[str, np.ndarray | None] = {}
    for name, shape in shapes.items():
        array = model.w(f"layers.{li}.{name}", shape)
        w[name] = array.T if array.ndim == 2 else array
    for name in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                 "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"):
        w.setdefault(f"{name}.bias", None)
    return w


def linear(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    """[n, in] -> [n, out]: x·W (+ b when the checkpoint has one)."""
    y = x @ w[f"{name}.weight"]
    b = w[f"{name}.bias"]
    return y if b is None else y + b


def embed(model, ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """[n] ids -> [n, h] rows of the embedding table (positions enter through RoPE, in each layer)."""
    return model.rows("embed_tokens.weight", ids)


def qk_norm(q: np.ndarray, k: np.ndarray, w: dict, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Qwen3: [H, n, d], [G, n, d] each head's vector RMS-normed (weights [d]) before RoPE."""
    return rms_norm(q, w["self_attn.q_norm.weight"], eps), rms_norm(k, w["self_attn.k_norm.weight"], eps)


def attention(c: LlamaConfig, li: int, w: dict, x: np.ndarray, positions: np.ndarray, past):
    """[n, h] normed input -> heads, mask, the cache (k, v) and the attention's output [n, h]."""
    q = decoder.split_heads(linear(x, w, "self_attn.q_proj"), c.heads)  # [H, n, d]
    k = decoder.split_heads(linear(x, w, "self_attn.k_proj"), c.kv_heads)  # [G, n, d]
    v = decoder.split_heads(linear(x, w, "self_attn.v_proj"), c.kv_heads)  # [G, n, d]
    if c.qk_norm:
        q, k = qk_norm(q, k, w, c.eps)
    cos, sin = rope_tables(positions, np.array(c.inv_freq))  # [n, d]
    k, v = decoder.extend(past, rope(k, cos, sin), v)  # [G, n_k, d]
    mask = decoder.causal_mask(positions, np.arange(k.shape[1]), c.windows[li])  # [n, n_k]
    heads, b = decoder.attend(rope(q, cos, sin), k, v, mask)  # b [n, H·d]
    return heads, mask, (k, v), linear(b, w, "self_attn.o_proj")


def mlp(w: dict, x: np.ndarray) -> np.ndarray:
    """[n, h] normed -> [n, h]: down(silu(gate(x)) ⊙ up(x))."""
    return linear(swiglu(linear(x, w, "mlp.gate_proj"), linear(x, w, "mlp.up_proj")), w, "mlp.down_proj")


def block(model, li: int, w: dict, x: np.ndarray, positions: np.ndarray, past):
    """One layer over the new tokens x [n, h] after the cached ones: (x, heads, mask, (k, v))."""
    c = model.config
    heads, mask, kv, out = attention(c, li, w, rms_norm(x, w["input_layernorm.weight"], c.eps), positions, past)
    x = x + out
    x = x + mlp(w, rms_norm(x, w["post_attention_layernorm.weight"], c.eps))
    return x, heads, mask, kv


def final_norm(model, x: np.ndarray) -> np.ndarray:
    return rms_norm(x, model.w("norm.weight", (model.config.hidden,)), model.config.eps)


def unembedding(model) -> np.ndarray:
    """[vocab, h]: lm_head.weight, or the embedding table when tied."""
    c = model.config
    if c.tied:
        return model.w("embed_tokens.weight", (c.vocab, c.hidden))
    return model.top("lm_head.weight", (c.vocab, c.hidden))
