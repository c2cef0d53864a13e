"""Inputs: each adapter turns its source into one Sequence, the set of vectors attention runs over.

Text + word vectors (inputs.text), a raw matrix file (inputs.matrix), and later audio frames and
image pixels.  The core never learns which kind it got; only the views draw time axes or pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Sequence:
    """n items as vectors: what self-attention takes.

    labels     [n] how each item is shown (a word, "a3", "1.25s", "(3,7)")
    vectors    [n, d] a^i, the input vectors (already normalized by the adapter; no positional encoding)
    positions  [n] or [n, 2] integer grid positions: token or frame index, or (row, col); masks
               (--window, --causal) and positional encodings use them
    kind       "text" | "matrix" | "audio" | "image"
    unknown    [n] True where the item had no vector (a word not in the vocabulary: a = 0)
    source     where the items came from (inputs/sources.py: TextSource, MatrixSource, AudioSource,
               ImageSource); source.to_dict() is the JSON `source`
    """

    labels: list[str]
    vectors: np.ndarray
    positions: np.ndarray
    kind: str
    unknown: np.ndarray
    source: object | None = None  # a record of inputs/sources.py
    lexicon: object | None = field(default=None, repr=False)  # word vectors b^i can be compared with (text)
    subword: np.ndarray | None = field(default=None, repr=False)  # [n] unknown words given a fastText subword vector
    media: np.ndarray | None = field(default=None, repr=False)  # what views draw along the items: a spectrogram
    #                                                             [n, bands] (audio), the picture [H, W, 3] (image)

    def __post_init__(self):
        n = len(self.labels)
        if self.vectors.ndim != 2 or len(self.vectors) != n or len(self.positions) != n or len(self.unknown) != n:
            raise ValueError(f"a Sequence needs n labels, [n, d] vectors, [n] positions and [n] unknown flags "
                             f"(got {n}, {self.vectors.shape}, {len(self.positions)}, {len(self.unknown)})")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])
