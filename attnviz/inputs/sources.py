"""The typed `source` of each input: where the items came from, as fields for the views.

One frozen record per input kind (text, matrix, audio, image), one for a pretrained model's run and
one for attention given from elsewhere.  to_dict() gives exactly the JSON `source` attnviz/1
documents have always held (same keys, same order, same omissions): the views add only the
per-item `items` (views/jsondoc.py source_of).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar


class Fields:
    """to_dict(): the fields in their order, nested records as their dicts."""

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value):
    return value.to_dict() if isinstance(value, Fields) else value


@dataclass(frozen=True)
class TextSource(Fields):
    """Text embedded with word vectors (or one-hot vectors): the table's name, size and file format."""

    kind: str = field(default="vectors", init=False)  # the JSON's word: the items are word vectors
    name: str
    dim: int
    format: str  # embedded | word2vec | glove | fasttext | onehot | …


@dataclass(frozen=True)
class MatrixSource(Fields):
    """A raw set of vectors: a .npy/.npz/.csv/.tsv file, or an array given to the API."""

    kind: str = field(default="matrix", init=False)
    name: str
    dim: int
    format: str  # npy | npz | csv | tsv | array


@dataclass(frozen=True)
class Padding(Fields):
    """How the last frames run past the end of a sound."""

    end_samples: int
    rule: str


@dataclass(frozen=True)
class AudioSource(Fields):
    """A sound cut into frames: the file, the framing (lengths in samples and seconds) and the features."""

    kind: str = field(default="audio", init=False)
    name: str
    dim: int
    format: str
    subtype: str
    channels: int
    sample_rate: int
    n_samples: int
    duration_s: float
    frame_ms: float
    hop_ms: float
    frame_length: int
    hop_length: int
    frame_s: float
    hop_s: float
    n_frames: int
    padding: Padding
    features: str  # logmel | mfcc | raw
    feature_params: dict  # the feature extractor's parameters, as the JSON records them (they differ per features)
    standardized: bool
    mono: str


@dataclass(frozen=True)
class ImageSource(Fields):
    """A picture as pixels or P × P patches.  The first fields are what was read (inputs/image.py
    read_image's meta; width and height are the part the items cover); `items` says pixels or
    patches here, and becomes the items' rows and columns in the JSON."""

    kind: str = field(default="image", init=False)
    name: str
    format: str
    mode: str
    frames: int
    original_width: int
    original_height: int
    width: int
    height: int
    filter: str
    dim: int
    items: str  # pixels | patches
    patch: int | None
    rows: int
    cols: int
    resized_width: int
    resized_height: int
    cropped: list[int]  # [rows, columns] of pixels cut off at the bottom and the right
    input_norm: str


@dataclass(frozen=True)
class ModelSource(Fields):
    """A pretrained model's run: its name, hidden size and weights format."""

    kind: str = field(default="model", init=False)
    name: str
    dim: int
    format: str  # safetensors | gguf | …
    input: ClassVar[None] = None  # what the model read: text (a picture or sound model's is an AttentionSource)


@dataclass(frozen=True)
class SavedFrom(Fields):
    """What a re-read attnviz/1 document was run on (its own source's kind and name)."""

    kind: str | None
    name: str | None


@dataclass(frozen=True)
class AttentionSource(Fields):
    """Attention computed elsewhere: an array, a file (format and path), a re-read run (saved), or a
    transformers model (media: a picture or sound model's own record, models/hf_media.py)."""

    kind: str = field(default="attention", init=False)
    name: str = "attention"
    dim: None = field(default=None, init=False)  # no vectors: only the weights were given
    format: str = "array"
    path: str | None = None
    saved: SavedFrom | None = None
    media: dict = field(default_factory=dict)  # input (image | audio), rows, cols, prefix, hop_s, items, …

    @classmethod
    def of(cls, name: str, extra: dict) -> AttentionSource:
        """From the keys a caller adds to the source (api/given.py: format, path and a model's media record)."""
        extra = dict(extra)
        saved = extra.pop("saved", None)
        return cls(name, extra.pop("format", "array"), extra.pop("path", None),
                   SavedFrom(**saved) if isinstance(saved, dict) else saved, extra)

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "name": self.name, "dim": None, "format": self.format}
        d.update({k: v for k, v in (("path", self.path), ("saved", _plain(self.saved))) if v is not None})
        return {**d, **self.media}

    @property
    def input(self) -> str | None:
        """The kind of input a transformers model read: image, audio, or None (text)."""
        return self.media.get("input")

    def grid(self) -> tuple[int, int, int]:
        """A picture model's (prefix tokens, rows, cols) of patches."""
        return self.media["prefix"], self.media["rows"], self.media["cols"]

    @property
    def hop_s(self) -> float:
        """A sound model's step between positions, in seconds."""
        return self.media["hop_s"]
