"""GPT-2 in numpy (picoGPT's shape): token + learned position embeddings, then per layer LayerNorm →
attention from one fused c_attn → residual, LayerNorm → GELU MLP → residual; a final LayerNorm, and
the (tied) embedding table for generation.  Its Conv1D weights are stored [in, out]: x·W as stored.
Shapes: n tokens, h hidden, H heads, d = h/H per head, f the MLP's width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.nn import activation, layer_norm
from ..errors import AttnvizError
from . import decoder
from .config import BROKEN, check_fixed, config_act, config_bool, config_eps, config_int

ANCHOR = "wte.weight"  # finds the prefix: "transformer." in a GPT2LMHeadModel checkpoint
FIXED = {"add_cross_attention": False}  # an encoder-decoder's cross-attention layers: not computed
forward_layers = decoder.forward_layers


@dataclass(frozen=True)
class GPT2Config:
    hidden: int
    heads: int
    layers: int
    intermediate: int
    eps: float
    act: str
    max_positions: int
    vocab: int
    scale: float = 1.0  # q·k is multiplied by this: 1/√d (scale_attn_weights), and 1/(layer+1) more by layer_scale
    layer_scale: bool = False  # scale_attn_by_inverse_layer_idx
    tied: bool = True
    eos: tuple[int, ...] = field(default=())

    causal = True

    @property
    def kv_heads(self) -> int:
        return self.heads

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


def read_config(raw: dict, path: Path) -> GPT2Config:
    """config.json (n_embd, n_head, n_layer, …), every used key checked.  reorder_and_upcast_attn is
    accepted: it reorders the same float32 arithmetic."""
    check_fixed(raw, path, FIXED)
    size = lambda key, default=None: config_int(raw, key, path, default)  # noqa: E731
    hidden, heads = size("n_embd", 768), size("n_head", 12)
    if hidden % heads:
        raise AttnvizError(f"`model` {path}: n_embd {hidden} is not divisible by n_head {heads} ({BROKEN})")
    inner = size("n_inner") if raw.get("n_inner") is not None else 4 * hidden
    scaled = config_bool(raw, "scale_attn_weights", path, True)
    config_bool(raw, "reorder_and_upcast_attn", path, False)
    return GPT2Config(hidden, heads, size("n_layer", 12), inner, config_eps(raw, path, "layer_norm_epsilon", 1e-5),
                      config_act(raw, path, "activation_function", "gelu_new"), size("n_positions", 1024), size("vocab_size", 50257),
                      1 / math.sqrt(hidden // heads) if scaled else 1.0, config_bool(raw, "scale_attn_by_inverse_layer_idx", path, False),
                      config_bool(raw, "tie_word_embeddings", path, True), decoder.eos_ids(raw, path))


def layer_shapes(c: GPT2Config) -> dict[str, tuple[int, ...]]:
    """Layer tensors (under h.L.) -> shapes; Conv1D weights [in, out]."""
    h, f = c.hidden, c.intermediate
    return {"ln_1.weight": (h,), "ln_1.bias": (h,), "attn.c_attn.weight": (h, 3 * h), "attn.c_attn.bias": (3 * h,),
            "attn.c_proj.weight": (h, h), "attn.c_proj.bias": (h,), "ln_2.weight": (h,), "ln_2.bias": (h,),
            "mlp.c_fc.weight": (h, f), "mlp.c_fc.bias": (f,), "mlp.c_proj.weight": (f, h), "mlp.c_proj.bias": (h,)}


def check_tables(model) -> None:
    c = model.config
    model.check("wte.weight", (c.vocab, c.hidden))
    model.check("wpe.weight", (c.max_positions, c.hidden))


def check_weights(model) -> None:
    c = model.config
    for li in range(c.layers):
        for name, shape in layer_shapes(c).items():
            model.check(f"h.{li}.{name}", shape)
    model.check("ln_f.weight", (c.hidden,))
    model.check("ln_f.bias", (c.hidden,))
    if not c.tied and model.top("lm_head.weight", (c.vocab, c.hidden), read=False) is None:
        raise AttnvizError(f"`model` {model.path}: model.safetensors lacks lm_head.weight and config.json does not tie it "
                           f"to the embeddings (tie_word_embeddings)")


def layer_weights(model, li: int) -> dict[str, np.ndarray]:
    return {name: model.w(f"h.{li}.{name}", shape) for name, shape in layer_shapes(model.config).items()}


def embed(model, ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """[n] ids at positions -> [n, h]: token + learned position embeddings."""
    return model.rows("wte.weight", ids) + model.rows("wpe.weight", positions)


def conv1d(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    """[n, in] -> [n, out]: x·W + b, W stored [in, out]."""
    return x @ w[f"{name}.weight"] + w[f"{name}.bias"]


def attention(c: GPT2Config, li: int, w: dict, x: np.ndarray, positions: np.ndarray, past):
    """[n, h] normed -> heads, mask, the cache (k, v) and the attention's output [n, h]."""
    q, k, v = np.split(conv1d(x, w, "attn.c_attn"), 3, axis=1)  # 3 × [n, h]
    factor = c.scale * math.sqrt(c.head_dim) / (li + 1 if c.layer_scale else 1)  # 1 unless the config rescales
    q = decoder.split_heads(q if factor == 1 else q * np.float32(factor), c.heads)  # [H, n, d]
    k, v = decoder.extend(past, decoder.split_heads(k, c.heads), decoder.split_heads(v, c.heads))  # [H, n_k, d]
    mask = decoder.causal_mask(positions, np.arange(k.shape[1]))
    heads, b = decoder.attend(q, k, v, mask, decoder.SCALED)  # α = the scaled q·k the model softmaxes
    return heads, mask, (k, v), conv1d(b, w, "attn.c_proj")


def block(model, li: int, w: dict, x: np.ndarray, positions: np.ndarray, past):
    c = model.config
    heads, mask, kv, out = attention(c, li, w, layer_norm(x, w["ln_1.weight"], w["ln_1.bias"], c.eps), positions, past)
    x = x + out
    hidden = activation(conv1d(layer_norm(x, w["ln_2.weight"], w["ln_2.bias"], c.eps), w, "mlp.c_fc"), c.act)  # [n, f]
    return x + conv1d(hidden, w, "mlp.c_proj"), heads, mask, kv


def final_norm(model, x: np.ndarray) -> np.ndarray:
    h, eps = model.config.hidden, model.config.eps
    return layer_norm(x, model.w("ln_f.weight", (h,)), model.w("ln_f.bias", (h,)), eps)


def unembedding(model) -> np.ndarray:
    """[vocab, h]: the token embedding table (GPT-2 ties it), or lm_head.weight when untied."""
    c = model.config
    return model.w("wte.weight", (c.vocab, c.hidden)) if c.tied else model.top("lm_head.weight", (c.vocab, c.hidden))

