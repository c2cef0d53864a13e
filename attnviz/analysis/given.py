"""Attention computed elsewhere as a ModelAnalysis: every view of a model's heads (terminal overview,
JSON, figures, page, heads ranking) works on it.  There are no q, k, v or hidden states: those
fields are [n, 0]."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core import attention as att
from ..core.rollout import rollout
from ..errors import UsageError
from ..inputs.given import as_stack, check_values, guess_specials, labels_of
from ..inputs.sources import AttentionSource
from .config import ModelConfig
from .results import ModelAnalysis
from .summaries import cross_summary, head_summary


def view_analysis(attention, tokens=None, *, tokenizer=None, specials=None, scores: bool = False, name: str | None = None,
                  text: str | None = None, layer: int | None = None, head: int | None = None, queries=None, keys=None,
                  source: AttentionSource | dict | None = None, alpha=None, numbers=None, flow=None) -> ModelAnalysis:
    """attention: [n, n], [heads, n, n], [layers, heads, n, n] or a list of per-layer arrays (a batch
    of one allowed); α′ (rows sum to 1) or, with scores, the raw α before softmax (-inf: masked).
    queries, keys: the rows' and the columns' labels of cross-attention [n_q, n_k] (instead of tokens).
    alpha: a saved run's own α, same shape (NaN: masked).  numbers: a saved run's (layer numbers,
    head numbers, layers, heads) when it kept only some (1-based); layer, head then name one of them.
    flow: a saved run's rollout [n, n] (default: the rollout of the layers given).
    source: where the attention came from (its name is `name`), or the keys to add to the JSON source
    (a transformers model's format, path and media record)."""
    a = as_stack(attention)  # [layers, heads, n_q, n_k]
    causal = check_values(a, scores)
    labels, specials, cross = _labels(a.shape, tokens, tokenizer, specials, queries, keys)
    all_layers, all_heads, n_layers, n_heads = numbers or (list(range(1, a.shape[0] + 1)), list(range(1, a.shape[1] + 1)),
                                                           a.shape[0], a.shape[1])
    for what, value, kept in (("layer", layer, all_layers), ("head", head, all_heads)):
        if value is not None and value not in kept:
            has = f"only {what} {kept[0]}" if len(kept) == 1 else f"{what}s {_span(kept)}"
            raise UsageError(f"`{what}` {value}: the attention has {has} (numbered from 1)", what)
    layer_numbers, head_numbers = [layer] if layer else all_layers, [head] if head else all_heads
    derived, alpha_prime = _both(a, scores)
    given_alpha = alpha is not None
    alpha = derived if alpha is None else np.asarray(alpha, dtype=np.float64).reshape(a.shape)
    li, hi = {ln: k for k, ln in enumerate(all_layers)}, {hn: k for k, hn in enumerate(all_heads)}
    mask = np.tril(np.ones(a.shape[2:], dtype=bool)) if causal else None
    empty = np.zeros((a.shape[2], 0))
    layers = [att.LayerResult([att.HeadResult(empty, empty, empty, alpha[li[l], hi[h]], alpha_prime[li[l], hi[h]], empty)
                               for h in head_numbers], empty, mask) for l in layer_numbers]
    summary = (lambda w: cross_summary(w, cross[1])) if cross else (lambda w: head_summary(w, specials, causal))  # noqa: E731
    summaries = {(l, h): summary(alpha_prime[li[l], hi[h]]) for l in layer_numbers for h in head_numbers}
    src = replace(source, name=name or "attention") if isinstance(source, AttentionSource) \
        else AttentionSource.of(name or "attention", source or {})
    one = len(layer_numbers) == 1 and len(head_numbers) == 1  # one head: its matrices, not the overview
    cfg = replace(config_of(n_layers, n_heads, layer_numbers[0] if one else layer, head_numbers[0] if one else head, scores, causal),
                  model=src.name, cross=bool(cross), **({"given": "saved"} if given_alpha else {}))
    flow = None if cross else rollout(list(alpha_prime)) if flow is None else flow  # rollout: self-attention only
    return ModelAnalysis(text if text is not None else " ".join(labels), labels, specials, src, cfg, layers, layer_numbers,
                         head_numbers, flow, summaries, empty, keys=cross[0] if cross else None,
                         key_specials=cross[1] if cross else None)


def _labels(shape, tokens, tokenizer, specials, queries, keys):
    """-> the rows' labels, their specials, and for cross-attention (keys' labels, keys' specials), else None."""
    n_q, n_k = shape[2:]
    if queries is not None or keys is not None:
        if tokens is not None or queries is None or keys is None:
            raise UsageError("cross-attention takes `queries` and `keys` (the rows' and the columns' labels), "
                             "not `tokens`", "queries")
        q, k = (labels_of(x, tokenizer) for x in (queries, keys))
        for what, (got, known), n in (("queries", q, n_q), ("keys", k, n_k)):
            if len(got) != n:
                raise UsageError(f"`{what}` has {len(got)} labels but `attention` is {n_q} queries × {n_k} keys (shape "
                                 f"{tuple(shape)})", what)
        rows, columns = (_readable(got, known, tokenizer) for got, known in (q, k))
        return rows, _specials(specials, q[1], rows), (columns, k[1] if k[1] is not None else guess_specials(columns))
    if tokens is None:
        raise UsageError("`tokens` is missing: give one label per token (a list), or a tokenizer's output and "
                         "tokenizer=", "tokens")
    labels, known = labels_of(tokens, tokenizer)
    if n_q != n_k:
        raise UsageError(f"`attention` is {n_q} queries × {n_k} keys: give the rows' and the columns' labels as "
                         f"`queries` and `keys` (cross-attention), or a square matrix", "attention")
    if len(labels) != n_q:
        raise UsageError(f"`tokens` has {len(labels)} labels but `attention` is {n_q} × {n_k} (shape "
                         f"{tuple(shape)}); give one label per row", "tokens")
    labels = _readable(labels, known, tokenizer)
    return labels, _specials(specials, known, labels), None


def _readable(labels, known, tokenizer) -> list[str]:
    return [readable_piece(t, s) for t, s in zip(labels, known)] if tokenizer is not None and known is not None else labels


def _specials(given, known: list[bool] | None, labels: list[str]) -> list[bool]:
    if given is None:
        return known if known is not None else guess_specials(labels)
    given = [bool(s) for s in given]
    if len(given) != len(labels):
        raise UsageError(f"`specials` has {len(given)} flags for {len(labels)} tokens; give one per token", "specials")
    return given


def _both(a: np.ndarray, scores: bool) -> tuple[np.ndarray, np.ndarray]:
    """-> α (NaN where masked) and α′.  Given weights, α = ln α′: the scores up to a constant per row."""
    if scores:
        alpha = np.where(np.isneginf(a), np.nan, a)
        top = np.nanmax(alpha, axis=-1, keepdims=True)
        e = np.where(np.isnan(alpha), 0.0, np.exp(np.nan_to_num(alpha - top, nan=0.0)))  # stable: minus the row max
        return alpha, e / e.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.where(a > 0, np.log(np.where(a > 0, a, 1.0)), np.nan), a


def config_of(n_layers: int, n_heads: int, layer, head, scores: bool, causal: bool) -> ModelConfig:
    """The `config` of given attention (the fields a model's has; what was not given is None)."""
    cfg = ModelConfig(model=None, path=None, words=False, layer=layer, head=head, layers=n_layers, heads=n_heads, d_k=None,
                      score="given" if scores else None, normalize="softmax" if scores else "given", temperature=1.0,
                      temperature_auto=False, input_norm=None, projection=None, seed=None, weights=None, has_wo=False,
                      masked=causal, given="scores" if scores else "weights")
    return replace(cfg, causal=True, kv_heads=n_heads) if causal else cfg  # family None, generate 0: given, not run


def readable_piece(token: str, special: bool) -> str:
    """A tokenizer's piece as the views show a model's (models/pieces.py): Ġrestaurant, ▁restaurant -> restaurant."""
    from ..models.pieces import SPACE, _text

    if special:
        return token
    if token.startswith(SPACE):
        return _text(token, SPACE) or token
    if any(ch in token for ch in "ĠĊ"):
        return _text(token, "bytes") or token
    return token


def _span(numbers: list[int]) -> str:
    return f"{numbers[0]} … {numbers[-1]}" if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 1 \
        else ", ".join(map(str, numbers))
