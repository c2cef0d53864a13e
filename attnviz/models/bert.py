"""BERT (and MiniLM) in numpy: embeddings, then per layer Q/K/V, attention, output projection,
residual + LayerNorm and the feed-forward.

Each layer's self-attention goes through attention.attend_head — the same core as the vector-set
path — so α (pre-softmax scaled scores) and α′ come out for every layer and head.  The weights come
from a models.checkpoint.Model (.config, .path, .w(name, shape), .rows(name, index), .check).

The layer code here is the BERT family's: roberta, electra and distilbert compute the same post-LN
layer under their own tensor names (a `Names`) and differ in their embeddings only.
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
class Names:
    """A family's tensor names for one post-LN encoder layer (each + ".weight" / ".bias")."""

    layer: str  # the layer's prefix, formatted with its 0-based index
    q: str
    k: str
    v: str
    o: str  # the attention's output projection
    ln1: str  # LayerNorm after attention + residual
    ffn_in: str
    ffn_out: str
    ln2: str  # LayerNorm after the feed-forward + residual


NAMES = Names("encoder.layer.{}.", "attention.self.query", "attention.self.key", "attention.self.value",
              "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm")


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

    @property
    def width(self) -> int:
        """The embeddings' width (ELECTRA's are narrower than its layers)."""
        return self.hidden

    @classmethod
    def read(cls, raw: dict, path: Path, **extra) -> "BertConfig":
        """config.json, every setting the encoder uses checked: integers where sizes are meant (not
        true, not 12.5), settings it does not implement refused rather than ignored.  extra: a
        subclass's own fields, read by it."""
        check_fixed(raw, path)
        size = lambda key, default=None: config_int(raw, key, path, default)  # noqa: E731
        cfg = cls(size("hidden_size"), size("num_attention_heads"), size("num_hidden_layers"), size("intermediate_size"),
                  config_eps(raw, path), config_act(raw, path), size("max_position_embeddings", 512),
                  size("vocab_size", 0) or None, size("type_vocab_size", 2), **extra)
        cfg.check(path)
        return cfg

    def check(self, path: Path) -> None:
        """Refuse a width the heads cannot share (each key's own range is checked as it is read)."""
        if self.hidden % self.heads:
            raise AttnvizError(f"`model` {path}: hidden_size {self.hidden} is not divisible by num_attention_heads {self.heads}")

    def tables(self) -> tuple[tuple[str, str, int | None], ...]:
        """(embedding table, the config.json key that sizes it, its rows) for check_tables."""
        return (("word_embeddings", "vocab_size", self.vocab), ("position_embeddings", "max_position_embeddings", self.max_positions),
                ("token_type_embeddings", "type_vocab_size", self.type_vocab))


def read_config(raw: dict, path: Path) -> BertConfig:
    return BertConfig.read(raw, path)


def check_tables(model) -> None:
    """The word, position and type tables have the rows config.json says (a mismatch means the
    config is not this file's, as transformers would refuse it too)."""
    for name, key, rows in model.config.tables():
        full = f"embeddings.{name}.weight"
        shape = model.shape(full)
        if rows is not None and shape is not None and shape[0] != rows:
            raise AttnvizError(f"`model` {model.path}: {model.prefix}{full} has {shape[0]} rows but config.json has {key} {rows}; "
                               f"the config is not this model's (take both from the model's original files)")


def embed_sum(model, ids: np.ndarray, positions: np.ndarray, type_ids: np.ndarray | None) -> np.ndarray:
    """Token ids [...] -> LayerNorm(word + position + type) [..., width]; positions [...] (or broadcast
    to ids' shape), type_ids None for a family without token types."""
    h = model.config.width
    word = model.rows("embeddings.word_embeddings.weight", ids.ravel()).reshape(*ids.shape, -1)
    if word.shape[-1] != h:
        raise AttnvizError(f"`model` {model.path}: word embeddings have width {word.shape[-1]}, config.json says {h}")
    pos = model.rows("embeddings.position_embeddings.weight", positions.ravel()).reshape(*positions.shape, -1)
    types = None if type_ids is None else model.rows("embeddings.token_type_embeddings.weight", type_ids.ravel()).reshape(*type_ids.shape, -1)
    if pos.shape[-1] != h or (types is not None and types.shape[-1] != h):
        raise AttnvizError(f"`model` {model.path}: position/type embeddings do not have width {h}")
    x = word + pos if types is None else word + pos + types  # [..., h]
    return layer_norm(x, model.w("embeddings.LayerNorm.weight", (h,)), model.w("embeddings.LayerNorm.bias", (h,)), model.config.eps)


def embed(model, enc) -> np.ndarray:
    """[n] token ids -> the embeddings [n, hidden]: word + position + type, layer-normed."""
    return embed_sum(model, enc.ids, np.arange(len(enc.ids)), enc.type_ids)


def forward_layers(model, enc):
    """[n] token ids -> an iterator of each layer's heads (α, α′, b) and output [n, hidden], computed
    one layer at a time as it is asked for (a caller can write layer L while L + 1 is computed)."""
    return encoder_layers(model, embed(model, enc), NAMES)


def encoder_layers(model, x: np.ndarray, names: Names):
    """The embeddings x [n, hidden] -> forward_layers' iterator, through layers named by `names`.

    Every weight's shape is checked here, before the iterator is returned: a broken model is an
    error at once.  Each layer's weights are read when it runs (one layer in memory at a time).  A
    layer whose output is not finite (corrupt weights) is an error before it is yielded.
    """
    for li in range(model.config.layers):
        for name, shape in layer_shapes(model.config, names).values():
            model.check(f"{names.layer.format(li)}{name}.weight", shape)
            model.check(f"{names.layer.format(li)}{name}.bias", shape[:1])
    return _layers(model, x, names)


def layer_shapes(c, names: Names = NAMES) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Each role (q, k, v, o, ffn_in, ffn_out, ln1, ln2) -> its tensor name and its weight's shape:
    [out, in] for a linear map (torch Linear), [hidden] for a LayerNorm."""
    h = c.hidden
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "o": (h, h), "ffn_in": (c.intermediate, h), "ffn_out": (h, c.intermediate),
              "ln1": (h,), "ln2": (h,)}
    return {role: (getattr(names, role), shape) for role, shape in shapes.items()}


def _layers(model, x: np.ndarray, names: Names):
    """The layers of encoder_layers from the embeddings x [n, hidden]."""
    c = model.config
    d_k = c.hidden // c.heads
    config = att.AttentionConfig(score="scaled-dot", normalize="softmax", temperature=1.0)
    for li in range(c.layers):
        p = names.layer.format(li)
        w = {role: (model.w(p + name + ".weight", shape), model.w(p + name + ".bias", shape[:1]))
             for role, (name, shape) in layer_shapes(c, names).items()}
        lin = lambda t, role: t @ w[role][0].T + w[role][1]  # noqa: E731  torch Linear: y = x·Wᵀ + b
        q, k, v = (lin(x, role) for role in ("q", "k", "v"))  # [n, h]
        heads = [att.attend_head(q[:, s : s + d_k], k[:, s : s + d_k], v[:, s : s + d_k], None, config)
                 for s in range(0, c.hidden, d_k)]
        concat = np.concatenate([hd.b for hd in heads], axis=1)  # [n, h]
        wo, bo = w["o"]
        x = layer_norm(x + concat @ wo.T + bo, *w["ln1"], c.eps)  # (x + o) + b: the order BERT's outputs were pinned with
        ffn = lin(activation(lin(x, "ffn_in"), c.act), "ffn_out")
        x = layer_norm(x + ffn, *w["ln2"], c.eps)
        if not np.isfinite(x).all():
            raise AttnvizError(f"`model` {model.path}: the forward pass produced NaN or inf in layer {li + 1} (corrupt weights?)")
        yield att.LayerResult(heads, x)


def layer_weights(model, names: Names = NAMES) -> list[dict[str, np.ndarray]]:
    """Every layer's weights by role, read once (a corpus runs many batches through them); float32,
    linear maps as [in, out] (x·W)."""
    out = []
    for li in range(model.config.layers):
        p = names.layer.format(li)
        w = {}
        for role, (name, shape) in layer_shapes(model.config, names).items():
            weight = model.w(p + name + ".weight", shape)
            w[role] = (weight if len(shape) == 1 else weight.T.copy(), model.w(p + name + ".bias", shape[:1]))
        out.append(w)
    return out


def forward_batch(model, weights: list[dict], ids: np.ndarray, type_ids: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """B texts padded to L tokens -> every layer's α′ [B, n_head, L, L] (float32).

    ids, type_ids [B, L] (anything past lengths[b] is padding); weights from layer_weights(model).
    Padded keys get α′ = 0 (the attention mask): a text's own [n, n] block, α′[b, :, :n, :n], is what
    forward() gives for it alone, up to float rounding.  Rows past n are padding and mean nothing.
    """
    return encoder_batch(model, weights, embed_sum(model, ids, np.arange(ids.shape[1]), type_ids), lengths)


def encoder_batch(model, weights: list[dict], x: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """forward_batch from the embeddings x [B, L, hidden]."""
    c = model.config
    b, n, h = x.shape
    n_head = c.heads
    d_k = h // n_head
    x = x.reshape(b * n, h)  # [B·L, h]: 2-D and contiguous, so every x·W is one BLAS call
    bias = np.where(np.arange(n)[None, :] < lengths[:, None], 0.0, -np.inf).astype(np.float32)[:, None, None, :]  # [B, 1, 1, L]
    split = lambda t: t.reshape(b, n, n_head, d_k).transpose(0, 2, 1, 3)  # noqa: E731  [B·L, h] -> [B, H, L, d_k]
    alphas = []
    for w in weights:
        lin = lambda t, role: t @ w[role][0] + w[role][1]  # noqa: E731  [B·L, in] -> [B·L, out]
        q, k, v = (split(lin(x, role)) for role in ("q", "k", "v"))
        a = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / math.sqrt(d_k)) + bias  # [B, H, L, L]
        a -= a.max(axis=-1, keepdims=True)
        np.exp(a, out=a)
        a /= a.sum(axis=-1, keepdims=True)
        alphas.append(a)
        concat = np.ascontiguousarray((a @ v).transpose(0, 2, 1, 3)).reshape(b * n, h)  # [B·L, h]
        x = layer_norm(x + lin(concat, "o"), *w["ln1"], c.eps)
        ffn = lin(activation(lin(x, "ffn_in"), c.act), "ffn_out")
        x = layer_norm(x + ffn, *w["ln2"], c.eps)
    if not np.isfinite(x).all():
        raise AttnvizError(f"`model` {model.path}: the forward pass produced NaN or inf (corrupt weights?)")
    return alphas
