"""Words from text.  A token is a run of letters/digits (with inner ' - ’ as in don't,
well-known), a number (3.5, 1,000), a single CJK character, or a single punctuation mark."""

from __future__ import annotations

import re
import unicodedata

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = rf"[{_CJK}]|\d+(?:[.,:]\d+)+|(?:(?![{_CJK}])\w)+(?:['’-](?:(?![{_CJK}])\w)+)*"
_WORDS = re.compile(_WORD)  # without a branch for punctuation, findall simply skips it
_TOKENS = re.compile(_WORD + r"|[^\w\s]")


def is_punct(token: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PS" for ch in token)


def tokenize(text: str, keep_punct: bool = False) -> list[str]:
    """Split text into words; standalone punctuation and symbols are dropped unless keep_punct."""
    return (_TOKENS if keep_punct else _WORDS).findall(unicodedata.normalize("NFC", text))
