"""BERT (and MiniLM) in numpy: embeddings, then per layer Q/K/V, attention, output projection,
residual + LayerNorm and the feed-forward.

Each layer's self-attention goes through attention.attend_head — the same core as the vector-set
path — so α (pre-softmax scaled scores) and α′ come out for every layer and head.  The weights come
from a models.checkpoint.Model (.config, .path, .w(name, shape), .rows(name, index), .check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import attention as att
from ..core.nn import activation, layer_norm
from ..errors import AttnvizError
from .config import check_fixed, config_act, config_eps, config_int

ANCHOR = "embeddings.word_embeddings.weight"  # the tensor that finds the checkpoint's name prefix ("bert." or none)


@dataclass(frozen=True)
class BertConfig:
    hidden: int
    heads: int
    layers: int
    intermediate: int
    eps: float
    act: str
    max_positions: int
    vocab: int | None = None  # rows of the word and token-type tables, checked against the file
    type_vocab: int = 2

    causal = False  # an encoder: every query sees every key

    @property
    def kv_heads(self) -> int:
        return self.heads

    @classmethod
    def read(cls, raw: dict, path: Path) -> "BertConfig":
        """config.json, every setting the encoder uses checked: integers where sizes are meant (not
        true, not 12.5), settings it does not implement refused rather than ignored."""
        check_fixed(raw, path)
        size = lambda key, default=None: config_int(raw, key, path, default)  # noqa: E731
        cfg = cls(size("hidden_size"), size("num_attention_heads"), size("num_hidden_layers"), size("intermediate_size"),
                  config_eps(raw, path), config_act(raw, path), size("max_position_embeddings", 512),
                  size("vocab_size", 0) or None, size("type_vocab_size", 2))
        cfg.check(path)
        return cfg

    def check(self, path: Path) -> None:
        """Refuse a width the heads cannot share (each key's own range is checked as it is read)."""
        if self.hidden % self.heads:
            raise AttnvizError(f"`model` {path}: hidden_size {self.hidden} is not divisible by num_attention_heads {self.heads}")


def read_config(raw: dict, path: Path) -> BertConfig:
    return BertConfig.read(raw, path)


def check_tables(model) -> None:
    """The word, position and type tables have the rows config.json says (a mismatch means the
    config is not this file's, as transformers would refuse it too)."""
    c = model.config
    for name, key, rows in (("word_embeddings", "vocab_size", c.vocab), ("position_embeddings", "max_position_embeddings", c.max_positions),
                            ("token_type_embeddings", "type_vocab_size", c.type_vocab)):
        full = f"embeddings.{name}.weight"
        shape = model.shape(full)
        if rows is not None and shape is not None and shape[0] != rows:
            raise AttnvizError(f"`model` {model.path}: {model.prefix}{full} has {shape[0]} rows but config.json has {key} {rows}; "
                               f"the config is not this model's (take both from the model's original files)")


def embed(model, enc) -> np.ndarray:
    """[n] token ids -> the embeddings [n, hidden]: word + position + type, layer-normed."""
    c = model.config
    h, n = c.hidden, len(enc.ids)
    word = model.rows("embeddings.word_embeddings.weight", enc.ids)  # [n, h]
    if word.shape[1] != h:
        raise AttnvizError(f"`model` {model.path}: word embeddings have width {word.shape[1]}, config.json says {h}")
    pos = model.rows("embeddings.position_embeddings.weight", np.arange(n))
    types = model.rows("embeddings.token_type_embeddings.weight", enc.type_ids)
    if pos.shape[1] != h or types.shape[1] != h:
        raise AttnvizError(f"`model` {model.path}: position/type embeddings do not have width {h}")
    x = word + pos + types  # [n, h]
    return layer_norm(x, model.w("embeddings.LayerNorm.weight", (h,)), model.w("embeddings.LayerNorm.bias", (h,)), c.eps)


def forward_layers(model, enc):
    """[n] token ids -> an iterator of each layer's heads (α, α′, b) and output [n, hidden], computed
    one layer at a time as it is asked for (a caller can write layer L while L + 1 is computed).

    The embeddings are computed and every weight's shape is checked here, before the iterator is
    returned: a broken model is an error at once.  Each layer's weights are read when it runs (one
    layer in memory at a time).  A layer whose output is not finite (corrupt weights) is an error
    before it is yielded.
    """
    c = model.config
    x = embed(model, enc)
    for li in range(c.layers):
        for name, shape in layer_shapes(c).items():
            model.check(f"encoder.layer.{li}.{name}.weight", shape)
            model.check(f"encoder.layer.{li}.{name}.bias", shape[:1])
    return _layers(model, x)


def layer_shapes(c) -> dict[str, tuple[int, ...]]:
    """Each linear map of a layer -> its weight's shape [out, in] (torch Linear), each LayerNorm -> [hidden]."""
    h = c.hidden
    return {"attention.self.query": (h, h), "attention.self.key": (h, h), "attention.self.value": (h, h),
            "attention.output.dense": (h, h), "intermediate.dense": (c.intermediate, h), "output.dense": (h, c.intermediate),
            "attention.output.LayerNorm": (h,), "output.LayerNorm": (h,)}


def _layers(model, x: np.ndarray):
    """The layers of forward_layers from the embeddings x [n, hidden]."""
    c = model.config
    d_k = c.hidden // c.heads
    config = att.AttentionConfig(score="scaled-dot", normalize="softmax", temperature=1.0)
    for li in range(c.layers):
        p = f"encoder.layer.{li}."
        w = {name: (model.w(p + name + ".weight", shape), model.w(p + name + ".bias", shape[:1])) for name, shape in layer_shapes(c).items()}
        lin = lambda t, name: t @ w[name][0].T + w[name][1]  # noqa: E731  torch Linear: y = x·Wᵀ + b
        q, k, v = (lin(x, f"attention.self.{m}") for m in ("query", "key", "value"))  # [n, h]
        heads = [att.attend_head(q[:, s : s + d_k], k[:, s : s + d_k], v[:, s : s + d_k], None, config)
                 for s in range(0, c.hidden, d_k)]
        concat = np.concatenate([hd.b for hd in heads], axis=1)  # [n, h]
        wo, bo = w["attention.output.dense"]
        x = layer_norm(x + concat @ wo.T + bo, *w["attention.output.LayerNorm"], c.eps)
        ffn = lin(activation(lin(x, "intermediate.dense"), c.act), "output.dense")
        x = layer_norm(x + ffn, *w["output.LayerNorm"], c.eps)
        if not np.isfinite(x).all():
            raise AttnvizError(f"`model` {model.path}: the forward pass produced NaN or inf in layer {li + 1} (corrupt weights?)")
        yield att.LayerResult(heads, x)


def layer_weights(model) -> list[dict[str, np.ndarray]]:
    """Every layer's weights, read once (a corpus runs many batches through them); float32."""
    c = model.config
    h = c.hidden
    shapes = {"attention.self.query": (h, h), "attention.self.key": (h, h), "attention.self.value": (h, h),
              "attention.output.dense": (h, h), "intermediate.dense": (c.intermediate, h), "output.dense": (h, c.intermediate)}
    out = []
    for li in range(c.layers):
        p = f"encoder.layer.{li}."
        w = {}
        for name, shape in shapes.items():
            w[name] = (model.w(p + name + ".weight", shape).T.copy(), model.w(p + name + ".bias", shape[:1]))  # [in, out]: x·W
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[name] = (model.w(p + name + ".weight", (h,)), model.w(p + name + ".bias", (h,)))
        out.append(w)
    return out


def forward_batch(model, weights: list[dict], ids: np.ndarray, type_ids: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """B texts padded to L tokens -> every layer's α′ [B, n_head, L, L] (float32).

    ids, type_ids [B, L] (anything past lengths[b] is padding); weights from layer_weights(model).
    Padded keys get α′ = 0 (the attention mask): a text's own [n, n] block, α′[b, :, :n, :n], is what
    forward() gives for it alone, up to float rounding.  Rows past n are padding and mean nothing.
    """
    c = model.config
    b, n = ids.shape
    h, n_head = c.hidden, c.heads
    d_k = h // n_head
    word = model.rows("embeddings.word_embeddings.weight", ids.ravel()).reshape(b, n, -1)  # [B, L, h]
    pos = model.rows("embeddings.position_embeddings.weight", np.arange(n))  # [L, h]
    types = model.rows("embeddings.token_type_embeddings.weight", type_ids.ravel()).reshape(b, n, -1)
    x = (word + pos + types).reshape(b * n, h)  # [B·L, h]: 2-D and contiguous, so every x·W is one BLAS call
    x = layer_norm(x, model.w("embeddings.LayerNorm.weight", (h,)), model.w("embeddings.LayerNorm.bias", (h,)), c.eps)
    bias = np.where(np.arange(n)[None, :] < lengths[:, None], 0.0, -np.inf).astype(np.float32)[:, None, None, :]  # [B, 1, 1, L]
    split = lambda t: t.reshape(b, n, n_head, d_k).transpose(0, 2, 1, 3)  # noqa: E731  [B·L, h] -> [B, H, L, d_k]
    alphas = []
    for w in weights:
        lin = lambda t, name: t @ w[name][0] + w[name][1]  # noqa: E731  [B·L, in] -> [B·L, out]
        q, k, v = (split(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
        a = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / math.sqrt(d_k)) + bias  # [B, H, L, L]
        a -= a.max(axis=-1, keepdims=True)
        np.exp(a, out=a)
        a /= a.sum(axis=-1, keepdims=True)
        alphas.append(a)
        concat = np.ascontiguousarray((a @ v).transpose(0, 2, 1, 3)).reshape(b * n, h)  # [B·L, h]
        x = layer_norm(x + lin(concat, "attention.output.dense"), *w["attention.output.LayerNorm"], c.eps)
        ffn = lin(activation(lin(x, "intermediate.dense"), c.act), "output.dense")
        x = layer_norm(x + ffn, *w["output.LayerNorm"], c.eps)
    if not np.isfinite(x).all():
        raise AttnvizError(f"`model` {model.path}: the forward pass produced NaN or inf (corrupt weights?)")
    return alphas
