"""A BERT-family encoder (BERT, MiniLM) in numpy: embeddings, then per layer Q/K/V, attention,
output projection, residual + LayerNorm and the feed-forward.

Each layer's self-attention goes through attention.attend_head — the same core as the vector-set
path — so α (pre-softmax scaled scores) and α′ come out for every layer and head.  The weights come
from an object with .config, .path, .w(name, shape) and .rows(name, index) (inputs.model.Model).
"""

from __future__ import annotations

import math

import numpy as np

from . import attention as att
from ..errors import AttnvizError


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


def erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1e-7 (Abramowitz & Stegun 7.1.26); numpy has none and scipy is slow to import."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


def activation(x: np.ndarray, kind: str) -> np.ndarray:
    if kind == "gelu":
        return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))
    if kind == "relu":
        return np.maximum(x, 0.0)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))  # gelu_new / tanh


def forward(model, enc) -> tuple[list[att.LayerResult], np.ndarray]:
    """[n] token ids -> every layer's heads (α, α′, b) and the last hidden state [n, hidden]."""
    layers = list(forward_layers(model, enc))
    return layers, layers[-1].output if layers else embed(model, enc)


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


def pooling(units: list[list[int]], n: int, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Word units (each word's token indices) -> S [m, n] (1 on a word's pieces) and P [m, n] (S with
    rows divided by the piece count): S·x sums over a word's pieces, P·x averages them."""
    s = np.zeros((len(units), n), dtype=dtype)
    for w, u in enumerate(units):
        s[w, u] = 1.0
    return s, s / s.sum(axis=1, keepdims=True)


def pool_words(a: np.ndarray, units: list[list[int]]) -> np.ndarray:
    """[n, n] subword weights -> [m, m] word weights: sum over a word's key pieces, mean over
    its query pieces (P·a·Sᵀ), so every row still sums to 1."""
    s, p = pooling(units, a.shape[1], a.dtype)
    return p @ a @ s.T


def rollout(alpha_primes: list[np.ndarray]) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): per layer Â = (mean over heads of α′ + I), rows
    renormalized; the product Â_L ⋯ Â_1 says how much each input token flows into each output."""
    out = None
    for a in alpha_primes:  # a: [heads, n, n], an array or a list of [n, n] (float32 stays float32)
        out = rollout_step(out, a)
    return out


def rollout_step(out: np.ndarray | None, a) -> np.ndarray:
    """The rollout through one more layer: Â·out (Â alone for the first layer); a: its heads' α′ [heads, n, n]."""
    m = a[0].copy()
    for h in a[1:]:
        m += h
    m /= len(a)
    m.flat[:: m.shape[0] + 1] += 1.0  # + I
    m /= m.sum(axis=1, keepdims=True)
    return m if out is None else m @ out


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
