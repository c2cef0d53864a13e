"""What every decoder family shares: the causal (optionally banded) mask, grouped-query attention
through the core's attend_head, the layer loop with its key/value cache, and greedy generation.

A decoder family module (llama.py, gpt2.py) provides, besides read_config and ANCHOR:

- ``check_weights(model)``: every tensor's shape from the header, before anything runs;
- ``embed(model, ids, positions) -> x [n, hidden]``;
- ``layer_weights(model, li) -> dict``: layer li's weights, float32, Linear ones as [in, out];
- ``block(model, li, w, x, positions, past) -> (x, heads, mask, (k, v))``: layer li (weights w)
  over the new tokens x [n_new, hidden] at `positions`, after the cached keys/values `past` of the
  earlier ones (None at the start); k, v [n_kv, n_k, d_head] are the layer's keys and values so far;
- ``final_norm(model, x)`` and ``unembedding(model) -> [vocab, hidden]`` (lm_head, or the tied
  embedding table).

The prompt's forward pass (prefill) and each generation step run the same ``block``: a step is a
prefill of one token after the cache.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import attention as att
from ..errors import AttnvizError, UsageError
from .config import BROKEN

SCALED = att.AttentionConfig(score="scaled-dot", normalize="softmax", temperature=1.0)


def causal_mask(q_pos: np.ndarray, k_pos: np.ndarray, window: int | None = None) -> np.ndarray:
    """[n_q], [n_k] positions -> [n_q, n_k] True where query i may see key j: j ≤ i, and with a
    sliding window W also j > i − W (W keys, itself included, as transformers' sliding_window)."""
    i, j = q_pos[:, None], k_pos[None, :]
    allowed = j <= i
    if window is not None:
        allowed &= j > i - window
    return allowed


def attend(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray,
           config: att.AttentionConfig = SCALED) -> tuple[list[att.HeadResult], np.ndarray]:
    """Grouped-query attention, one core head at a time.

    q [n_head, n_q, d_head], k, v [n_kv, n_k, d_head] -> every query head's HeadResult and the heads'
    outputs concatenated [n_q, n_head·d_head].  Query head h uses key/value head h // (n_head / n_kv)
    (transformers' repeat_kv), so its k and v are that shared head's.
    """
    group = q.shape[0] // k.shape[0]
    heads = [att.attend_head(q[h], k[h // group], v[h // group], mask, config) for h in range(q.shape[0])]
    return heads, np.concatenate([hd.b for hd in heads], axis=1)


def split_heads(x: np.ndarray, n_head: int) -> np.ndarray:
    """[n, n_head·d_head] -> [n_head, n, d_head]."""
    return x.reshape(x.shape[0], n_head, -1).transpose(1, 0, 2)


def extend(past: tuple[np.ndarray, np.ndarray] | None, k: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cache after the new tokens: [n_kv, n_past, d], [n_kv, n_new, d] -> [n_kv, n_past + n_new, d]."""
    if past is None:
        return k, v
    return np.concatenate([past[0], k], axis=1), np.concatenate([past[1], v], axis=1)


def eos_ids(raw: dict, path) -> tuple[int, ...]:
    """The end-of-sequence ids generation stops at: generation_config.json's eos_token_id when the
    folder has one (transformers' generate uses it), else config.json's; an id, a list, or none."""
    ids = token_ids(raw.get("eos_token_id"), path, "config.json")
    extra = Path(path) / "generation_config.json"
    if not extra.is_file():
        return ids
    try:
        gen = json.loads(extra.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as e:
        raise AttnvizError(f"`model` {path}: generation_config.json cannot be read ({type(e).__name__}: {e})") from None
    found = gen.get("eos_token_id") if isinstance(gen, dict) else None
    return ids if found is None else token_ids(found, path, "generation_config.json")


def token_ids(value, path, where: str) -> tuple[int, ...]:
    """eos_token_id's value (an id, a list of ids, or None) as a tuple; anything else refused."""
    ids = [] if value is None else value if isinstance(value, list) else [value]
    if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
        raise AttnvizError(f"`model` {path}: {where} has eos_token_id {json.dumps(value)[:40]}; token ids expected ({BROKEN})")
    return tuple(ids)


def family_module(model):
    return importlib.import_module(f"{__package__}.{model.family.module}")


def run_layers(model, x: np.ndarray, positions: np.ndarray, cache: list, weights=None):
    """The layers over x [n_new, hidden] at positions, one at a time: an iterator of LayerResult.

    cache: one (k, v) per layer of the tokens before (filled as each layer runs; a list of None
    for a first pass).  weights: li -> layer li's weights (default: read when the layer runs).
    The last layer's output is final-normed (transformers' last hidden state).
    """
    mod = family_module(model)
    c = model.config
    for li in range(c.layers):
        w = weights(li) if weights else mod.layer_weights(model, li)
        x, heads, mask, kv = mod.block(model, li, w, x, positions, cache[li])
        cache[li] = kv
        if li == c.layers - 1:
            x = mod.final_norm(model, x)
        if not np.isfinite(x).all():
            raise AttnvizError(f"`model` {model.path}: the forward pass produced NaN or inf in layer {li + 1} (corrupt weights?)")
        yield att.LayerResult(heads, x, mask)


def forward_layers(model, enc):
    """A decoder's forward_layers: weights checked and the embeddings computed first (errors at once),
    then each layer as it is asked for."""
    mod = family_module(model)
    mod.check_weights(model)
    positions = np.arange(len(enc.ids))
    x = mod.embed(model, np.asarray(enc.ids), positions)
    return run_layers(model, x, positions, [None] * model.config.layers)


@dataclass
class Generation:
    """Greedy continuation of a prompt of n tokens by m new ones.

    ids      [m] the new token ids (the end-of-sequence token included when it came)
    prompt   the prompt's layers (LayerResult: α, α′ [n, n] per head), from the prefill
    rows     [m] for new token t (at position n + t): its own query's α′ rows over keys 0 … n + t,
             [layers, heads, n + t + 1], computed in the cached step that fed it to the model.
             The rows that chose token t are the previous query's: rows[t − 1], or the prompt's last row.
    """

    ids: np.ndarray
    prompt: list
    rows: list[np.ndarray]


def generate(model, ids: np.ndarray, n: int, eos: int | tuple[int, ...] | None = None) -> Generation:
    """Greedy (argmax) continuation of the prompt ids [n_prompt] by up to n tokens, with a key/value
    cache: the prompt in one pass, then one token a step through the same layers.  Stops after an
    end-of-sequence token (eos: the config's eos_token_id when None; () for none)."""
    mod = family_module(model)
    c = model.config
    stop = set(c.eos if eos is None else (eos,) if isinstance(eos, int) else eos)
    if n < 0:
        raise UsageError(f"`n` {n}: the number of tokens to generate must be 0 or more")
    if len(ids) == 0:
        raise UsageError("the prompt has no tokens: give some text to continue")
    if len(ids) + n > c.max_positions:
        raise UsageError(f"the prompt ({len(ids)} tokens) and {n} new tokens make {len(ids) + n}; "
                         f"{model.name} has {c.max_positions} positions: generate fewer tokens")
    mod.check_weights(model)
    cache: list = [None] * c.layers
    kept = [mod.layer_weights(model, li) for li in range(c.layers)]  # read once for all the steps
    unembed = mod.unembedding(model)  # [vocab, hidden]
    positions = np.arange(len(ids))
    prompt = list(run_layers(model, mod.embed(model, np.asarray(ids), positions), positions, cache, kept.__getitem__))
    x, new, rows = prompt[-1].output[-1:], [], []
    while len(new) < n and not (new and new[-1] in stop):
        new.append(int(np.argmax(unembed @ x[-1])))  # greedy: the first of equal maxima, as torch.argmax
        pos = np.array([len(ids) + len(new) - 1])
        layers = list(run_layers(model, mod.embed(model, np.array(new[-1:]), pos), pos, cache, kept.__getitem__))
        rows.append(np.stack([np.stack([h.alpha_prime[0] for h in layer.heads]) for layer in layers]))
        x = layers[-1].output
    return Generation(np.array(new, dtype=np.int64), prompt, rows)
