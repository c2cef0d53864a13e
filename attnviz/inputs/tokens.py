"""Words from text.  A token is a run of letters/digits (with inner ' - ’ as in don't,
well-known), a number (3.5, 1,000), a word of CJK text, or a single punctuation mark.

CJK text is written without spaces.  A run of CJK characters (Han, Kana, Hangul) is split by
greedy longest match (forward maximum matching) against the vocabulary of the vectors in use:
at each position the longest run of at most MAX_WORD characters that the vocabulary knows is one
token, and a character no known word starts with is a token of its own.  So word-level vectors
(餐厅, 三明治) give words, character-level vectors give characters, with no segmenter to install.
Spaces the user typed are respected: no token spans one.  Without a vocabulary every CJK
character is a token.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

MAX_WORD = 8  # longest CJK word looked up (characters): idioms are 4, most words 1-3, names rarely > 8
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = r"\d+(?:[.,:]\d+)+|\w+(?:['’-]\w+)*"
_WORDS = re.compile(_WORD)  # without a branch for punctuation, findall simply skips it
_HAS_CJK = re.compile(f"[{_CJK}]")
_NOT_CJK = rf"[^\W{_CJK}]"  # a word character that is not CJK
# with CJK in the text: group 1 is a run of CJK word characters, anything else is a non-CJK token
_SPLIT = rf"((?:(?=\w)[{_CJK}])+)|\d+(?:[.,:]\d+)+|{_NOT_CJK}+(?:['’-]{_NOT_CJK}+)*"


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)  # compiled on first use: start-up pays only for what it needs


def tokenize(text: str, keep_punct: bool = False, vocabulary: Callable[[str], bool] | None = None) -> list[str]:
    """Split text into tokens (see the module docstring for the rule).

    text        the sentence; NFC-normalized first
    keep_punct  default False: standalone punctuation and symbols are dropped; True keeps each as a token
    vocabulary  default None: each CJK character is a token; else `known(word) -> bool` (e.g.
                Vectors.contains) and runs of CJK characters are split by longest known match
    """
    text = unicodedata.normalize("NFC", text)
    if not _HAS_CJK.search(text):  # no CJK: one regex pass, no per-token Python work
        return (_compiled(_WORD + r"|[^\w\s]") if keep_punct else _WORDS).findall(text)
    pattern = _compiled(_SPLIT + (r"|[^\w\s]" if keep_punct else ""))
    out: list[str] = []
    for m in pattern.finditer(text):
        run = m.group(1)
        if run is None:
            out.append(m.group())
        else:
            out.extend(segment(run, vocabulary))
    return out


def segment(run: str, vocabulary: Callable[[str], bool] | None = None, max_word: int = MAX_WORD) -> list[str]:
    """A run of CJK characters -> words by greedy longest match; characters as the fallback.

    run         CJK characters without spaces
    vocabulary  default None: every character is a word; else `known(word) -> bool`
    max_word    default MAX_WORD (8): the longest candidate tried, in characters
    """
    if vocabulary is None:
        return list(run)
    words, i, n = [], 0, len(run)
    while i < n:
        end = next((e for e in range(min(n, i + max_word), i + 1, -1) if vocabulary(run[i:e])), i + 1)
        words.append(run[i:end])
        i = end
    return words
