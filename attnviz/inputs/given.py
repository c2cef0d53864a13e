"""Attention computed elsewhere (torch, JAX, TransformerLens, a saved run): the arrays as
[layers, heads, n_q, n_k] and the tokens as labels, each bad input one clear error.  numpy only:
a tensor is read through its own `.detach().cpu().numpy()` or `__array__`, torch is never imported."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import AttnvizError, UsageError

ROW_SUM_TOL = 1e-3  # |Σ_j α′_ij − 1| allowed: float16/bfloat16 weights are off by ~1e-3
MAX_ITEMS = 4096  # tokens along one side: the views hold full matrices (as options.DENSE_MAX)
SPECIAL = re.compile(r"^(\[[A-Z]+\]|<\/?s>|<\|[^|]*\|>|<pad>|<unk>|<mask>|<cls>|<sep>|<bos>|<eos>)$")


@dataclass
class Given:
    """What view() builds its analysis from."""

    attention: np.ndarray  # [layers, heads, n_q, n_k] α′ (or α with scores=True), float64
    queries: list[str]  # [n_q] row labels
    keys: list[str]  # [n_k] column labels (the queries' for self-attention)
    specials: list[bool]  # [n_q] [CLS]/[SEP]-like tokens
    causal: bool = False  # the upper triangle is all zero: shown as masked


def to_numpy(value, what: str = "`attention`") -> np.ndarray:
    """A numpy array from an array, a tensor (torch: .detach().cpu().numpy(); JAX: __array__) or nested lists."""
    if hasattr(value, "detach") and callable(value.detach):
        value = value.detach()
        value = value.cpu() if hasattr(value, "cpu") else value
        if str(getattr(value, "dtype", "")) == "torch.bfloat16":  # numpy has no bfloat16
            value = value.float()
        value = value.numpy()
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as e:
        raise UsageError(f"{what} must be an array of numbers, a tensor or a list of them ({e})", "attention") from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise UsageError(f"{what} holds {a.dtype} values; give real numbers (a float array or tensor)", "attention")
    return a


def as_stack(attention) -> np.ndarray:
    """[n_q, n_k], [heads, n_q, n_k], [layers, heads, n_q, n_k], or a list/tuple of per-layer
    [heads, n_q, n_k] or [1, heads, n_q, n_k] (transformers' outputs.attentions) -> [layers, heads, n_q, n_k]."""
    if isinstance(attention, (list, tuple)) and attention and not isinstance(attention[0], (int, float)):
        layers = [to_numpy(a, f"`attention`[{k}]") for k, a in enumerate(attention)]
        layers = [a[0] if a.ndim == 4 and a.shape[0] == 1 else a for a in layers]
        for k, a in enumerate(layers):
            if a.ndim != 3:
                raise UsageError(f"`attention`[{k}] has shape {a.shape}; each layer is [heads, n, n] "
                                 f"(or [1, heads, n, n]: a batch of one)", "attention")
            if a.shape != layers[0].shape:
                raise UsageError(f"`attention`[{k}] has shape {a.shape}, layer 0 {layers[0].shape}; every layer "
                                 f"must have the same heads and tokens", "attention")
        a = np.stack(layers)
    else:
        a = to_numpy(attention)
        if a.ndim == 5 and a.shape[1] == 1:
            a = a[:, 0]
        if not 2 <= a.ndim <= 4:
            raise UsageError(f"`attention` has shape {a.shape}; give [n, n], [heads, n, n], [layers, heads, n, n] "
                             f"or a list of per-layer [heads, n, n]", "attention")
        a = a.reshape((1,) * (4 - a.ndim) + a.shape)
    if 0 in a.shape:
        raise UsageError(f"`attention` has shape {a.shape}: nothing to show", "attention")
    if max(a.shape[2:]) > MAX_ITEMS:
        raise UsageError(f"`attention` has {max(a.shape[2:])} tokens along one side; the views hold full "
                         f"matrices of up to {MAX_ITEMS}: slice the tokens you want to see", "attention")
    return a.astype(np.float64)


def check_values(a: np.ndarray, scores: bool) -> bool:
    """NaN, negative weights, rows not summing to 1 -> one AttnvizError each; -> causal (upper triangle all 0)."""
    where = lambda m: "layer {}, head {}, row {}, column {}".format(*(int(x) + 1 for x in np.argwhere(m)[0]))  # noqa: E731
    if np.isnan(a).any():
        raise AttnvizError(f"`attention` holds NaN at {where(np.isnan(a))}; give finite numbers")
    if scores:
        if np.isposinf(a).any():
            raise AttnvizError(f"`attention` scores hold +inf at {where(np.isposinf(a))}; a masked score is -inf")
        whole = np.isneginf(a).all(axis=-1)
        if whole.any():
            l, h, i = (int(x) + 1 for x in np.argwhere(whole)[0])
            raise AttnvizError(f"`attention` scores: layer {l}, head {h}, row {i} is -inf everywhere (masked whole); "
                               f"every query needs a key")
        return causal_of(np.isneginf(a))
    if np.isinf(a).any():
        raise AttnvizError(f"`attention` holds inf at {where(np.isinf(a))}; weights are 0 … 1 "
                           f"(pass `scores` if these are raw scores)")
    if (a < 0).any():
        raise AttnvizError(f"`attention` holds a negative weight ({a.min():.3g} at {where(a < 0)}); weights are ≥ 0 "
                           f"(pass `scores` if these are raw scores, before softmax)")
    off = np.abs(a.sum(axis=-1) - 1.0)
    if (off > ROW_SUM_TOL).any():
        l, h, i = (int(x) for x in np.argwhere(off > ROW_SUM_TOL)[0])
        raise AttnvizError(f"`attention` layer {l + 1}, head {h + 1}, row {i + 1} sums to {a[l, h, i].sum():.4g}, not 1; "
                           f"give the weights after softmax, or pass `scores` if these are raw scores")
    return causal_of(a == 0)


def causal_of(zero: np.ndarray) -> bool:
    """True when every layer and head is zero (or -inf) strictly above the diagonal of a square n > 1."""
    n_q, n_k = zero.shape[-2:]
    return n_q == n_k > 1 and bool(zero[..., np.triu_indices(n_q, 1)[0], np.triu_indices(n_q, 1)[1]].all())


def labels_of(tokens, tokenizer=None) -> tuple[list[str], list[bool] | None]:
    """Labels from a list of strings, or a tokenizer's output (a dict/BatchEncoding with input_ids,
    named by `tokenizer`) -> labels and which are special (None: not known, guessed later)."""
    if hasattr(tokens, "keys") and "input_ids" in tokens:
        ids = to_numpy(tokens["input_ids"], "`tokens`['input_ids']").reshape(-1)  # a batch of one: [1, n] -> [n]
        if tokenizer is None:
            raise UsageError("`tokens` is a tokenizer's output (input_ids): give the tokenizer too, "
                             "view(attention, inputs, tokenizer=tokenizer), or the labels as a list", "tokens")
        ids = [int(i) for i in ids]
        labels = tokenizer.convert_ids_to_tokens(ids)
        special_ids = set(getattr(tokenizer, "all_special_ids", []) or [])
        specials = [i in special_ids for i in ids]
        return list(labels), specials
    if isinstance(tokens, str):
        raise UsageError(f"`tokens` is one string ({tokens[:30]!r}); give one label per token, e.g. text.split()", "tokens")
    try:
        labels = [str(t) for t in tokens]
    except TypeError:
        raise UsageError(f"`tokens` must be a list of labels or a tokenizer's output (got a {type(tokens).__name__})",
                         "tokens") from None
    return labels, None


def guess_specials(labels: list[str]) -> list[bool]:
    """[CLS], [SEP], <s>, </s>, <|endoftext|> … by their spelling."""
    return [bool(SPECIAL.match(t)) for t in labels]
