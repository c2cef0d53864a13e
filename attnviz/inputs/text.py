"""Text + word vectors (or one-hot vectors) -> a Sequence of a^i, one per word."""

from __future__ import annotations

import numpy as np

from . import Sequence
from ..errors import AttnvizError
from .sources import TextSource
from .tokens import tokenize
from .wordvectors import OneHot, Vectors, embed, open_vectors


def text_sequence(text: str, embedding: str = "vectors", vectors: str | None = None, input_norm: str | None = None,
                  punct: bool = False, trust_pickle: bool = False, tokens: list[str] | None = None) -> tuple[Sequence, str]:
    """Tokenize (unless given tokens) and embed text; returns the Sequence and the input
    normalization used (default: standard for word vectors, none for one-hot).

    The vectors are opened first: runs of CJK characters are split by longest match against
    their vocabulary (inputs.tokens); with one-hot vectors every CJK character is a token."""
    table: Vectors | None = None if embedding == "onehot" else open_vectors(vectors, trust_pickle)
    if tokens is None:
        tokens = tokenize(text, keep_punct=punct, vocabulary=None if table is None else table.contains)
    if table is None:
        input_norm = input_norm or "none"
        table = OneHot(tokens)
    else:
        input_norm = input_norm or "standard"
    emb = embed(tokens, table, input_norm)
    require_known_words(emb.oov, emb.subword, table)
    source = TextSource(table.name, table.dim, table.kind)
    seq = Sequence(tokens, emb.x, np.arange(len(tokens)), "text", np.array(emb.oov, dtype=bool), source,
                   lexicon=table, subword=np.array(emb.subword, dtype=bool))
    return seq, input_norm


def require_known_words(oov: list[bool], subword: list[bool], table: Vectors) -> None:
    if oov and all(o and not s for o, s in zip(oov, subword)):
        raise AttnvizError(f"none of the {len(oov)} words is in {table.name}, so there is nothing to compare; "
                           f"try English text, or `vectors` with vectors for this language")
