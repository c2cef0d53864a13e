"""The result types.  Views read their fields; nothing here prints or draws."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from ..core.attention import LayerResult, Projections
from ..core.blockwise import SparseHead
from ..inputs import Sequence
from ..options import Options
from .config import ModelConfig, VectorSetConfig


@dataclass
class VectorSetAnalysis:
    """One layer of (multi-head) self-attention over a set of vectors: text, a matrix, audio, an image."""

    sequence: Sequence
    options: Options  # as resolved: the automatic temperature, d_k and input_norm filled in
    config: VectorSetConfig
    x: np.ndarray  # [n, d] the a^i attention ran over (input vectors + positional encoding)
    projections: Projections = field(repr=False)
    layer: LayerResult = field(repr=False)
    head_numbers: list[int] = field(default_factory=list)  # 1-based numbers of the heads kept
    text: str | None = None

    def __post_init__(self):
        if not self.head_numbers:
            self.head_numbers = list(range(1, len(self.layer.heads) + 1))

    tokens = property(lambda self: self.sequence.labels)
    oov = property(lambda self: self.sequence.unknown.tolist())
    source = property(lambda self: self.sequence.source)
    layers = property(lambda self: [self.layer])
    layer_numbers = property(lambda self: [1])

    def only_head(self, h: int) -> "VectorSetAnalysis":
        """The same analysis showing only head h (0-based); the output stays the full layer's."""
        layer = LayerResult([self.layer.heads[h]], self.layer.output, self.layer.mask)
        return replace(self, layer=layer, head_numbers=[self.head_numbers[h]])

    @property
    def in_embedding_space(self) -> bool:
        """b^i can be compared with the word vectors (identity projection, real word vectors)."""
        lexicon = self.sequence.lexicon
        return self.projections.kind == "identity" and lexicon is not None and lexicon.kind != "onehot"


@dataclass
class ModelAnalysis:
    """A pretrained encoder's attention: the kept layers × heads, rollout and head summaries."""

    text: str
    tokens: list[str]
    specials: list[bool]  # [CLS]/[SEP]-like tokens
    source: dict
    config: ModelConfig
    layers: list[LayerResult] = field(repr=False)
    layer_numbers: list[int]
    head_numbers: list[int]
    rollout: np.ndarray = field(repr=False)  # [n, n] attention rollout over all layers
    summaries: dict = field(repr=False)  # (layer, head) 1-based -> head_summary()
    hidden: np.ndarray = field(repr=False)  # [n, hidden] the last hidden state
    unknown: list[str] = field(default_factory=list)  # input characters the tokenizer turned into [UNK]
    generated: list[bool] | None = None  # with `generate`: which tokens the model wrote (None: none were asked for)
    keys: list[str] | None = None  # cross-attention (view(queries=, keys=)): the columns' labels; None: `tokens`
    key_specials: list[bool] | None = None  # cross-attention: which keys are [CLS]/[SEP]-like

    @property
    def key_labels(self) -> list[str]:
        """The columns' labels: `keys` for cross-attention, else the tokens."""
        return self.tokens if self.keys is None else self.keys

    @property
    def oov(self) -> list[bool]:
        return [False] * len(self.tokens)


Example = tuple[int, str, list[tuple[int, str, float]]]  # (query, token, head 1's top (key, token, α′))


class LongResult(Protocol):
    """What every long-input result has (views.terminal.render_long reads these): a LongAnalysis
    (every query's top keys in memory) and a streamed file's LongSummary alike."""

    n: int
    config: VectorSetConfig  # with top_k
    source: dict
    summaries: list[np.ndarray]  # per head [m, m]: block means of α′
    examples: list[Example]  # a few evenly spaced queries


@dataclass
class LongSummary:
    """A long file streamed block by block (analysis.stream): per head the block means of α′, and
    head 1's top keys of a few queries; the queries' other rows went to the JSON Lines, or nowhere."""

    n: int
    config: VectorSetConfig
    source: dict
    summaries: list[np.ndarray]
    examples: list[Example]


@dataclass
class LongAnalysis:
    """A long input's attention: per head, each query's top-k keys and a block-mean summary."""

    sequence: Sequence
    config: VectorSetConfig  # with top_k
    heads: list[SparseHead] = field(repr=False)
    output: np.ndarray = field(repr=False)  # [n, d_out] = concat(b)·Wo
    top_k_given: bool = True  # False: the input was too long for full matrices and top-k was chosen for it

    tokens = property(lambda self: self.sequence.labels)
    oov = property(lambda self: self.sequence.unknown.tolist())
    source = property(lambda self: self.sequence.source)
    n = property(lambda self: len(self.sequence.labels))
    summaries = property(lambda self: [h.summary for h in self.heads])

    @property
    def examples(self) -> list[Example]:
        """Head 1's top keys of 8 evenly spaced queries (as a streamed file's Examples keeps)."""
        n, hd, tokens = self.n, self.heads[0], self.tokens
        return [(int(i), tokens[i], [(int(j), tokens[j], float(w)) for j, w in zip(hd.keys[i], hd.alpha_prime[i]) if j >= 0])
                for i in sorted(set(np.linspace(0, n - 1, min(8, n)).astype(int).tolist()))]


Analysis = VectorSetAnalysis | ModelAnalysis | LongAnalysis
