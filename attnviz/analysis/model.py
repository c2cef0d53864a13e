"""A pretrained encoder's attention: every layer and head, at subword level or pooled to words."""

from __future__ import annotations

import numpy as np

from ..core import attention as att
from ..errors import UsageError
from .results import ModelAnalysis
from .summaries import head_summary


def analyze_model(text: str, model: str, words: bool = False, layer: int | None = None, head: int | None = None) -> ModelAnalysis:
    """Every layer and head (or the layer/head chosen, 1-based), plus attention rollout over all layers."""
    from ..core.encoder import forward, rollout
    from ..inputs.model import encode, open_model, unk_pieces

    if not text.strip():
        raise UsageError("there is no text to attend over; give a sentence")
    m = open_model(model)
    c = m.config
    for name, value, top in (("layer", layer, c.layers), ("head", head, c.heads)):
        if value is not None and not 1 <= value <= top:
            raise UsageError(f"`{name}` {value}: {m.name} has {top} ({name}s are numbered 1 … {top})", name)
    enc = encode(m, text)
    unknown = unk_pieces(enc.tokens, enc.offsets, text, getattr(m.tokenizer.model, "unk_token", None) or "[UNK]")
    layers, hidden = forward(m, enc)
    specials = [w is None for w in enc.word_ids]
    tokens = list(enc.tokens)
    flow = rollout([[h.alpha_prime for h in lr.heads] for lr in layers])
    if words:
        tokens, specials, layers, hidden, flow = to_words(enc, text, layers, hidden, flow)
    layer_numbers = [layer] if layer else list(range(1, c.layers + 1))
    head_numbers = [head] if head else list(range(1, c.heads + 1))
    summaries = {(l, h): head_summary(layers[l - 1].heads[h - 1].alpha_prime, specials) for l in layer_numbers for h in head_numbers}
    kept = [att.LayerResult([layers[l - 1].heads[h - 1] for h in head_numbers], layers[l - 1].output) for l in layer_numbers]
    cfg = {"model": m.name, "path": str(m.path), "words": words, "layer": layer, "head": head, "layers": c.layers,
           "heads": c.heads, "d_k": c.hidden // c.heads, "score": "scaled-dot", "normalize": "softmax",
           "temperature": 1.0, "temperature_auto": False, "input_norm": "model", "projection": "model",
           "seed": None, "weights": None, "has_wo": True, "masked": False}
    source = {"kind": "model", "name": m.name, "dim": c.hidden, "format": "safetensors"}
    return ModelAnalysis(text, tokens, specials, source, cfg, kept, layer_numbers, head_numbers, flow, summaries, hidden, unknown)


def to_words(enc, text: str, layers: list[att.LayerResult], hidden: np.ndarray, flow: np.ndarray):
    """Pool subword tokens to words: α′ summed over a key word's pieces and averaged over the query
    word's pieces (rows still sum to 1); α and the vectors are means over the pieces."""
    from ..core.encoder import pool_words, pooling
    from ..inputs.model import words_of

    tokens, units = words_of(enc, text)
    specials = [len(u) == 1 and enc.word_ids[u[0]] is None for u in units]
    _, p = pooling(units, len(enc.ids))  # [m, n] mean over a word's pieces
    mean_mean = lambda a: p @ a @ p.T  # noqa: E731  (α: mean over the query's and the key's pieces)
    rows = lambda x: p @ x  # noqa: E731  (vectors: mean over pieces)
    layers = [att.LayerResult([att.HeadResult(rows(h.q), rows(h.k), rows(h.v), mean_mean(h.alpha),
                                              pool_words(h.alpha_prime, units), rows(h.b)) for h in lr.heads],
                              rows(lr.output)) for lr in layers]
    return tokens, specials, layers, rows(hidden), pool_words(flow, units)
