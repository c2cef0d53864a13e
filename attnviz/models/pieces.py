"""How a model's token reads in the views: byte-level BPE tokens (RoBERTa, GPT-2: `Ġrestaurant`,
bytes written as characters) and SentencePiece ones (XLM-RoBERTa: `▁restaurant`) as their text
(`restaurant`), so that `--from restaurant` finds them; WordPiece's (BERT: `##wich`) as they are."""

from __future__ import annotations

import functools

SPACE = "▁"  # SentencePiece's word-start marker


@functools.lru_cache(maxsize=1)
def byte_of_char() -> dict[str, int]:
    """GPT-2's bytes_to_unicode, inverted: the character byte-level BPE writes for each byte -> the byte."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    shifted = [b for b in range(256) if b not in printable]
    return {**{chr(b): b for b in printable}, **{chr(256 + k): b for k, b in enumerate(shifted)}}


def marker(tokenizer) -> str | None:
    """"bytes" for a byte-level BPE tokenizer, "▁" for a SentencePiece-style one, else None (by its decoder)."""
    kind = type(getattr(tokenizer, "decoder", None)).__name__
    return {"ByteLevel": "bytes", "Metaspace": SPACE}.get(kind)


def readable(tokenizer, tokens: list[str], specials: list[bool]) -> list[str]:
    """The tokens as the views show them: each non-special token's text without its space marker (a
    token of spaces as ␣); part of a character (a byte-level piece of 鳕) stays as it is."""
    kind = marker(tokenizer)
    if kind is None:
        return list(tokens)
    return [t if special else _text(t, kind) or t for t, special in zip(tokens, specials)]


def _text(token: str, kind: str) -> str:
    if kind == SPACE:
        return shown(token.replace(SPACE, " "))
    table = byte_of_char()
    try:
        return shown(bytes(table[ch] for ch in token).decode("utf-8"))
    except (KeyError, UnicodeDecodeError):
        return ""


def shown(text: str) -> str:
    """A token's text without its leading space; a token of spaces only as ␣ (one a space), a newline
    as itself (the views print it as \\n)."""
    if text.strip():
        return text.strip()
    return "␣" * len(text) if text.strip(" ") == "" else text
