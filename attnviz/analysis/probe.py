"""The atlas of a pretrained model: its heads run on a text and on a repeated random probe.

The probe is the model's own frame (what its tokenizer puts around a text: [CLS] … [SEP] for
BERT, a BOS for Llama, nothing for GPT-2) around T token ids drawn without repeats from its
vocabulary (seeded; special and added tokens left out), the same T ids twice.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .atlas import Atlas, layer_mask, probe_scores, text_scores

SEED_TEXT = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
MAX_PROBE = 4096  # T beyond this is a typo: the probe's 2T tokens go through every layer with full matrices
MAX_KEPT = 1 << 30  # bytes of α′ an atlas keeps (every head on the text and the probe, float32)


def run_atlas(model: str, text: str | None = None, probe_length: int = 50, seed: int = 0) -> Atlas:
    """Every head's scores on `text` (the seed sentence when None) and on the probe."""
    from ..models.checkpoint import encode, open_model

    probe_length, seed, model = check_arguments(model, text, probe_length, seed)
    text = SEED_TEXT if text is None else text
    if not text.strip():
        raise UsageError("there is no text to attend over; give a sentence (or none, for the seed sentence)")
    m = open_model(model)
    causal = bool(getattr(m.config, "causal", m.family.causal))
    enc = encode(m, text)
    probe, start = probe_encoding(m, probe_length, seed)
    check_kept(m, len(enc.ids), len(probe.ids), probe_length)
    specials = [w is None for w in enc.word_ids]
    text_alpha, text_parts = run_layers(m, enc, causal, lambda a, mask: text_scores(a, mask, specials))
    probe_alpha, probe_parts = run_layers(m, probe, causal, lambda a, mask: probe_scores(a, start, probe_length))
    scores = {name: np.stack([p[name] for p in text_parts]) for name in text_parts[0]}
    scores.update({name: np.stack([p[name] for p in probe_parts]) for name in probe_parts[0]})
    from ..models.pieces import readable

    return Atlas(m.name, m.family.name, causal, m.config.kv_heads, text, readable(m.tokenizer, enc.tokens, specials),
                 [int(i) for i in enc.ids], specials,
                 [int(i) for i in probe.ids], list(probe.tokens), probe_length, start, seed, scores, text_alpha, probe_alpha)


def check_arguments(model, text, probe_length, seed) -> tuple[int, int, str]:
    """The arguments as a Python user may give them (numpy integers, a Path), or a UsageError naming one."""
    import os

    whole = lambda x: not isinstance(x, bool) and isinstance(x, (int, np.integer))  # noqa: E731
    if not whole(probe_length) or not 2 <= probe_length <= MAX_PROBE:
        raise UsageError(f"`probe_length` {probe_length!r}: give a whole number of tokens from 2 to {MAX_PROBE} "
                         f"(50 is the usual)", "probe_length")
    if not whole(seed) or seed < 0:
        raise UsageError(f"`seed` {seed!r}: give a whole number 0 or more", "seed")
    if text is not None and not isinstance(text, str):
        raise UsageError(f"`text` must be a string, or None for the seed sentence (got a {type(text).__name__})", "text")
    if not isinstance(model, (str, os.PathLike)):
        raise UsageError(f"`model` must be a name (minilm, smollm2) or a path (got a {type(model).__name__})", "model")
    return int(probe_length), int(seed), os.fspath(model)


def check_kept(m, n: int, n_probe: int, probe_length: int) -> None:
    """Refuse, before any layer runs, an atlas whose kept α′ (layers × heads × (n² + N²) float32)
    passes MAX_KEPT, naming what to shorten."""
    heads = m.config.layers * m.config.heads
    kept = heads * (n * n + n_probe * n_probe) * 4
    if kept <= MAX_KEPT:
        return
    frame = n_probe - 2 * probe_length
    room = MAX_KEPT // (4 * heads) - n * n  # N² left for the probe once the text is kept
    most = (int(room ** 0.5) - frame) // 2 if room > 0 else 0
    fix = f"give `probe_length` {most} or less" if most >= 2 else "use a shorter text"
    raise UsageError(f"the atlas keeps every head's α′ on the text ({n} tokens) and the probe ({n_probe}): "
                     f"{m.config.layers} layers × {m.config.heads} heads × ({n}² + {n_probe}²) × 4 bytes = "
                     f"{kept / 2**30:.1f} GiB, more than {MAX_KEPT / 2**30:.0f} GiB; {fix}", "probe_length")


def run_layers(m, enc, causal: bool, score):
    """The model's layers over enc, one at a time: α′ [layers, heads, n, n] (float32) and each layer's
    score(a [H, n, n], mask [n, n]) -> dict of [H] arrays."""
    alphas, parts = [], []
    n = len(enc.ids)
    for layer in m.forward_layers(enc):
        a = np.stack([h.alpha_prime for h in layer.heads]).astype(np.float32, copy=False)  # [H, n, n]
        parts.append(score(a, layer_mask(layer, n, causal)))
        alphas.append(a)
    return np.stack(alphas), parts


def frame(m) -> tuple[list[int], list[int]]:
    """The special token ids the model's tokenizer puts before and after a text."""
    from ..models.checkpoint import encode

    enc = encode(m, "a")
    words = [i for i, w in enumerate(enc.word_ids) if w is not None]
    if not words:
        return [int(i) for i in enc.ids], []
    return [int(i) for i in enc.ids[: words[0]]], [int(i) for i in enc.ids[words[-1] + 1:]]


def probe_encoding(m, length: int, seed: int):
    """The probe as an Encoded (tokens, ids, type ids 0, word ids None for the frame) and P, the
    index of its first random token."""
    from ..models.checkpoint import Encoded

    before, after = frame(m)
    top = m.config.max_positions
    if len(before) + 2 * length + len(after) > top:
        most = (top - len(before) - len(after)) // 2
        raise UsageError(f"`probe_length` {length}: the probe is {len(before) + 2 * length + len(after)} tokens "
                         f"(twice {length} and the model's own {len(before) + len(after)}); {m.name} has {top} positions: "
                         f"give at most {most}", "probe_length")
    pool = candidates(m, set(before) | set(after))
    if len(pool) < length:
        raise UsageError(f"`probe_length` {length}: {m.name} has only {len(pool)} ordinary tokens to draw from; "
                         f"give at most {len(pool)}", "probe_length")
    drawn = np.random.default_rng(seed).choice(pool, size=length, replace=False)
    ids = np.array(before + drawn.tolist() * 2 + after, dtype=np.int64)
    tokens = probe_labels(m.tokenizer, ids)
    word_ids = [None] * len(before) + list(range(2 * length)) + [None] * len(after)
    return Encoded(tokens, ids, np.zeros(len(ids), dtype=np.int64), word_ids, [(0, 0)] * len(ids)), len(before)


def probe_labels(tok, ids) -> list[str]:
    """Each probe token as the views name it (models.pieces.readable: Ġit and ▁it as it)."""
    from ..models.pieces import readable

    tokens = [tok.id_to_token(int(i)) or f"#{int(i)}" for i in ids]
    return readable(tok, tokens, [False] * len(tokens))


def candidates(m, frame_ids: set[int]) -> np.ndarray:
    """Token ids the probe may use: the tokenizer's vocabulary that the embedding table has, without
    added or special tokens (nor the frame's)."""
    tok = m.tokenizer
    size = tok.get_vocab_size(with_added_tokens=True)
    vocab = getattr(m.config, "vocab", None)
    size = min(size, vocab) if vocab else size
    added = set(int(i) for i in tok.get_added_tokens_decoder()) | frame_ids
    keep = np.ones(size, dtype=bool)
    keep[[i for i in added if i < size]] = False
    return np.flatnonzero(keep)
