"""Words from text.  A token is a run of letters/digits (with inner ' - ’ as in don't,
well-known), a number (3.5, 1,000), a single CJK character, or a single punctuation mark."""

from __future__ import annotations

import re
import unicodedata

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = r"\d+(?:[.,:]\d+)+|\w+(?:['’-]\w+)*"
_WORDS = re.compile(_WORD)  # without a branch for punctuation, findall simply skips it
_TOKENS = re.compile(_WORD + r"|[^\w\s]")
_HAS_CJK = re.compile(f"[{_CJK}]")
_CJK_SPLIT = re.compile(f"[{_CJK}]|[^{_CJK}]+")  # a CJK character alone, or a run of anything else


def tokenize(text: str, keep_punct: bool = False) -> list[str]:
    """Split text into words; standalone punctuation and symbols are dropped unless keep_punct."""
    tokens = (_TOKENS if keep_punct else _WORDS).findall(unicodedata.normalize("NFC", text))
    if not _HAS_CJK.search(text):
        return tokens
    out = []
    for t in tokens:  # CJK is written without spaces: each character is a token
        if not _HAS_CJK.search(t):
            out.append(t)
            continue
        pieces = (p.strip("'’-") for p in _CJK_SPLIT.findall(t))
        out.extend(p for p in pieces if p)
    return out
