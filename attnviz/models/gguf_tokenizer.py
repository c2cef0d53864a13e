"""A tokenizer from a GGUF file's metadata (`tokenizer.ggml.*`), built with `tokenizers`.

Two kinds, as llama.cpp writes them: "gpt2", a byte-level BPE with merges (GPT-2, SmolLM2, Qwen,
Llama 3), and "llama", a SentencePiece-style BPE with scores and byte fallback (Llama 2, Mistral),
whose merges are recovered from the scores when the file lists none.  The result equals what
transformers builds from the same file (integrations/gguf/gguf_tokenizer_mapping.py): the same
pre-tokenizer split for the `tokenizer.ggml.pre` names listed below, control tokens as special
tokens, user-defined ones as added tokens, a BOS (EOS) token added when `add_bos_token`
(`add_eos_token`) says so.  The chat template is never read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import AttnvizError

KINDS = ("gpt2", "llama")
CONTROL, USER_DEFINED = 3, 4  # tokenizer.ggml.token_type values
_LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
           r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPLITS = {**dict.fromkeys(("llama3", "llama-v3", "llama-bpe", "falcon3", "smaug-bpe", "dbrx"), _LLAMA3),
          **dict.fromkeys(("qwen2", "deepseek-r1-qwen", "megrez"), _QWEN2)}  # tokenizer.ggml.pre -> its split; others: GPT-2's


def build_tokenizer(meta: dict, path: Path):
    """The tokenizers.Tokenizer the file's metadata describes (one error when it describes none)."""
    kind = meta.get("tokenizer.ggml.model")
    where = f"`model` {path}: the GGUF file's tokenizer"
    if kind is None:
        raise AttnvizError(f"`model` {path}: the GGUF file has no tokenizer (no tokenizer.ggml.model); attnviz needs the "
                           f"tokenizer in the file: use a GGUF converted with it (llama.cpp's convert_hf_to_gguf.py writes it)")
    if kind not in KINDS:
        raise AttnvizError(f"{where} is of kind {str(kind)[:40]!r}; attnviz builds {', '.join(KINDS)} (byte-level BPE, SentencePiece BPE)")
    tokens = meta.get("tokenizer.ggml.tokens")
    if not isinstance(tokens, list) or not tokens:
        raise AttnvizError(f"{where} has no tokenizer.ggml.tokens; the file cannot tokenize text")
    types = meta.get("tokenizer.ggml.token_type")
    types = list(types) if isinstance(types, np.ndarray) and len(types) == len(tokens) else [1] * len(tokens)
    tok = byte_level(meta, tokens, where) if kind == "gpt2" else sentencepiece(meta, tokens, where)
    add_special(tok, tokens, types, kind)
    add_bos_eos(tok, meta, tokens, where, default_bos=kind == "llama")
    tok.no_truncation()
    tok.no_padding()
    return tok


def byte_level(meta: dict, tokens: list[str], where: str):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

    merges = meta.get("tokenizer.ggml.merges")
    if not isinstance(merges, list) or not merges:
        raise AttnvizError(f"{where} is a byte-level BPE without tokenizer.ggml.merges; the file is incomplete (take it from its original source)")
    vocab = {t: i for i, t in enumerate(tokens)}
    pairs = [tuple(m.split(" ", 1)) for m in merges]
    if any(len(p) != 2 or p[0] + p[1] not in vocab for p in pairs[:1000]):
        raise AttnvizError(f"{where} has merges that are not pairs of its tokens (e.g. {merges[0][:40]!r}); the file is damaged")
    tok = Tokenizer(models.BPE(vocab, pairs, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False))
    split = SPLITS.get(meta.get("tokenizer.ggml.pre"))
    if split is None:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(split), behavior="isolated"),
                                                     pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    return tok


def sentencepiece(meta: dict, tokens: list[str], where: str):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    vocab = {t: i for i, t in enumerate(tokens)}
    merges = meta.get("tokenizer.ggml.merges")
    if isinstance(merges, list) and merges:
        pairs = [tuple(m.split(" ", 1)) for m in merges]
    else:
        scores = meta.get("tokenizer.ggml.scores")
        if not isinstance(scores, np.ndarray) or len(scores) != len(tokens) or not np.isfinite(scores).all():
            raise AttnvizError(f"{where} has neither tokenizer.ggml.merges nor one finite score per token; the file cannot tokenize text")
        pairs = merges_from_scores(vocab, dict(zip(tokens, scores.tolist())))
    unk = meta.get("tokenizer.ggml.unknown_token_id")
    unk_token = tokens[unk] if isinstance(unk, int) and 0 <= unk < len(tokens) else None
    tok = Tokenizer(models.BPE(vocab, pairs, unk_token=unk_token, fuse_unk=True, byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1)])
    return tok


def merges_from_scores(vocab: dict[str, int], scores: dict[str, float]) -> list[tuple[str, str]]:
    """The merges a SentencePiece vocabulary implies: every split of a token into two tokens, the
    best-scoring merged token first (transformers' generate_merges, so the tokens agree)."""
    merges = []
    for merge, score in scores.items():
        local = [(merge[:i], merge[i:], score) for i in range(1, len(merge)) if merge[:i] in vocab and merge[i:] in vocab]
        merges.extend(sorted(local, key=lambda x: (vocab[x[0]], vocab[x[1]])))
    merges.sort(key=lambda m: (m[2], len(m[0]), len(m[1])), reverse=True)
    return [(a, b) for a, b, _ in merges]


def add_special(tok, tokens: list[str], types: list[int], kind: str) -> None:
    """Control tokens (<|endoftext|>) as special tokens, user-defined ones (<think>) as added tokens,
    so that they are matched whole; a byte-level 'control' token outside the byte alphabet is a
    llama.cpp mislabel and is skipped (as transformers does)."""
    from tokenizers import AddedToken

    alphabet = byte_alphabet() if kind == "gpt2" else None
    control = [t for t, ty in zip(tokens, types) if ty == CONTROL and (alphabet is None or set(t) <= alphabet)]
    user = [t for t, ty in zip(tokens, types) if ty == USER_DEFINED]
    if control:
        tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in control])
    if user:
        tok.add_tokens([AddedToken(t, normalized=False, special=False) for t in user])


def add_bos_eos(tok, meta: dict, tokens: list[str], where: str, default_bos: bool) -> None:
    """A BOS (EOS) token around every text when tokenizer.ggml.add_bos_token (add_eos_token) says so
    (a SentencePiece vocabulary without the flag gets BOS, as llama.cpp gives it)."""
    from tokenizers import processors

    add = {"bos": meta.get("tokenizer.ggml.add_bos_token", default_bos), "eos": meta.get("tokenizer.ggml.add_eos_token", False)}
    ends = {}
    for end, wanted in add.items():
        if wanted is not True:
            continue
        tid = meta.get(f"tokenizer.ggml.{end}_token_id")
        if not isinstance(tid, int) or isinstance(tid, bool) or not 0 <= tid < len(tokens):
            raise AttnvizError(f"{where} asks for a {end.upper()} token, but tokenizer.ggml.{end}_token_id is {str(tid)[:20]}; the file is damaged")
        ends[end] = (tokens[tid], tid)
    if not ends:
        return
    around = lambda seq, type_id: [f"{ends[e][0]}:{type_id}" if e in ends else seq for e in ("bos", None, "eos") if e in ends or e is None]  # noqa: E731
    single = around("$A:0", 0)
    pair = single + around("$B:1", 1)
    tok.post_processor = processors.TemplateProcessing(single=single, pair=pair, special_tokens=list(set(ends.values())))


def byte_alphabet() -> set[str]:
    """The 256 characters byte-level BPE spells bytes with (GPT-2's bytes_to_unicode)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    n = sum(1 for b in range(256) if b not in bs)
    return {chr(b) for b in bs} | {chr(256 + i) for i in range(n)}
