"""Words from text.  A token is a run of letters/digits (with inner ' - ’ as in don't,
well-known), a number (3.5, 1,000), a single CJK character, or a single punctuation mark."""

from __future__ import annotations

import functools
import re
import unicodedata

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = r"\d+(?:[.,:]\d+)+|\w+(?:['’-]\w+)*"
_WORDS = re.compile(_WORD)  # without a branch for punctuation, findall simply skips it
_HAS_CJK = re.compile(f"[{_CJK}]")


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)  # compiled on first use: start-up pays only for what it needs


def tokenize(text: str, keep_punct: bool = False) -> list[str]:
    """Split text into words; standalone punctuation and symbols are dropped unless keep_punct."""
    words = _compiled(_WORD + r"|[^\w\s]") if keep_punct else _WORDS
    tokens = words.findall(unicodedata.normalize("NFC", text))
    if not _HAS_CJK.search(text):
        return tokens
    out = []
    for t in tokens:  # CJK is written without spaces: each character is a token
        if not _HAS_CJK.search(t):
            out.append(t)
            continue
        pieces = (p.strip("'’-") for p in _compiled(f"[{_CJK}]|[^{_CJK}]+").findall(t))  # one CJK char, or a run
        out.extend(p for p in pieces if p)
    return out
