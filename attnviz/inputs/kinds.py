"""The input kinds: one entry each (text, matrix, audio, image), looked up by name or by the Media field.

An entry says how its input is loaded into a Sequence, its default input normalization, how a
focus and a `window` are written for it, which Media options belong to it, whether it is a medium
(a sound, a picture) and its source record.  The views of a kind live in views/registry.py (inputs
sit below views and may not import them), keyed by the same name.  Adding a kind: an adapter module
in inputs/ and one entry in KINDS here; nothing else asks for a kind by its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields as record_fields
from typing import Callable

from ..errors import UsageError
from ..i18n import N_
from . import Sequence
from .sources import AudioSource, ImageSource, MatrixSource, TextSource


@dataclass(frozen=True)
class InputKind:
    """One kind of input.

    name        Sequence.kind and the views table's key
    field       the Media field that selects it (None: the text, given positionally)
    load        (value, media, opts, tokens) -> (Sequence, input_norm); value is the text or the field's
    input_norm  the default input normalization (a text's depends on its embedding: see inputs.text)
    focus       how a focus is written, for help and errors
    parse_focus (text, n, source, what) -> 0-based item; None: a token, by word or number (analysis.items)
    parse_window (text, source) -> positions, for a `window` that is not a whole number; None: none taken
    items       what the items are called in an error ("words", "these items")
    options     the Media options that go with this kind only (refused without it)
    several     True: `focus` may name several items at once (a picture's pixels)
    check       (media) -> None: refuse bad values of this kind's options before anything is read
    cost_tips   (source) -> this kind's own ways to cut the projections' cost (catalog messages), said
                before the general `d_k` tips when a long set of long vectors is estimated
    medium      a sound or a picture: its items lie along time or on a grid and its views draw the
                medium itself, so a long one (top-k) still draws figures and focus rows (block means)
    record      its source record (inputs.sources): the JSON's source.kind is the record's `kind`
    counted     (JSON source dict) -> what its items are called in a count ("tokens", "frames", …)
    """

    name: str
    field: str | None
    load: Callable
    input_norm: str
    focus: str
    parse_focus: Callable | None = None
    parse_window: Callable | None = None
    items: str = "these items"
    options: tuple[str, ...] = ()
    several: bool = False
    check: Callable | None = None  # (media) -> None: refuse this kind's option values before loading
    cost_tips: Callable[[object], list[str]] = lambda source: []  # noqa: E731
    medium: bool = False
    record: type | None = None
    counted: Callable[[dict], str] = lambda source: "tokens"  # noqa: E731

    @property
    def source_kind(self) -> str:
        """The JSON's source.kind of this kind's inputs (text's is "vectors"): its record's `kind`."""
        kinds = [f.default for f in record_fields(self.record) if f.name == "kind"] if self.record else []
        return kinds[0] if kinds else self.name


def _text(value, media, opts, tokens):
    from .text import text_sequence

    return text_sequence(value, opts.embedding, opts.vectors, opts.input_norm, opts.punct, opts.trust_pickle, tokens)


def _matrix(value, media, opts, tokens):
    from .matrix import matrix_sequence

    input_norm = opts.input_norm or "none"
    return matrix_sequence(value, input_norm), input_norm


def _image(value, media, opts, tokens):
    from .image import image_sequence

    input_norm = opts.input_norm or "standard"
    return image_sequence(value, media.size, media.patch, input_norm), input_norm


def _audio(value, media, opts, tokens):
    """Frames of a sound; input_norm standard = each feature standardized over the clip (mean 0,
    sd 1), center = mean 0 only, none = the features as computed."""
    from .audio import audio_sequence as frames_of

    input_norm = opts.input_norm or "standard"
    seq = frames_of(value, media.frame_ms, media.hop_ms, media.features, standardize=input_norm == "standard",
                    sample_rate=media.sample_rate)
    if input_norm == "center":
        seq.vectors = seq.vectors - seq.vectors.mean(axis=0, dtype="float64").astype(seq.vectors.dtype)
    return seq, input_norm


def _audio_check(media) -> None:
    from .audio import FEATURES

    if media.features not in FEATURES:
        raise UsageError(f"`features` {media.features!r} is not one of {', '.join(FEATURES)}", "features")
    for name in ("frame_ms", "hop_ms"):
        value = getattr(media, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 10_000:
            raise UsageError(f"`{name}` must be a positive number of milliseconds up to 10000 (got {value!r})", name)


def _audio_focus(text: str, n: int, source, what: str) -> int:  # an AudioSource, or a sound model's AttentionSource
    from .audio import time_index

    return time_index(text, n, source.hop_s, what)


def _audio_window(text: str, source: AudioSource) -> int:
    from .audio import parse_window

    return parse_window(text, source.hop_s)


def _image_focus(text: str, n: int, source: ImageSource, what: str) -> int:
    from .image import parse_cell

    return parse_cell(text, source.rows, source.cols, "patch" if source.patch else "pixel")


def _audio_tips(source: AudioSource) -> list[str]:
    if source.features != "raw":
        return []
    return [N_("`features` logmel (80 numbers a frame instead of every sample), or a smaller `frame_ms`")]


def _matrix_tips(source: MatrixSource) -> list[str]:
    return [N_("fewer columns (e.g. a PCA of the vectors)")]


KINDS: dict[str, InputKind] = {kind.name: kind for kind in (
    InputKind("text", None, _text, "standard", "a word, or its number when it repeats", items="words", record=TextSource),
    InputKind("matrix", "input", _matrix, "none", "a label, or the item's number", cost_tips=_matrix_tips, record=MatrixSource),
    InputKind("audio", "audio", _audio, "standard", "a time (1.25s, 1250ms) or a frame number",
              _audio_focus, _audio_window, options=("frame_ms", "hop_ms", "features"), check=_audio_check,
              cost_tips=_audio_tips, medium=True, record=AudioSource, counted=lambda source: "frames"),
    InputKind("image", "image", _image, "standard", "ROW,COL (several: one `focus` each)",
              _image_focus, options=("size", "patch"), several=True, medium=True, record=ImageSource,
              counted=lambda source: "patches" if source.get("patch") else "pixels"),
)}


def kind_of(name: str) -> InputKind:
    """The entry of an input kind (Sequence.kind); an unknown one is one clear error."""
    try:
        return KINDS[name]
    except KeyError:
        raise UsageError(f"input kind {name!r} is not one of {', '.join(KINDS)}") from None


def counted(source: dict) -> str:
    """What a JSON document's items are called in a count, by its source.kind ("tokens" for a model's)."""
    kind = next((k for k in KINDS.values() if k.source_kind == source.get("kind")), None)
    return kind.counted(source) if kind else "tokens"


def fields() -> list[str]:
    """The Media fields that select a kind other than text, in KINDS order: input, audio, image."""
    return [kind.field for kind in KINDS.values() if kind.field is not None]


def by_field(field: str | None) -> InputKind:
    """The kind a Media field selects (None: text)."""
    return next(kind for kind in KINDS.values() if kind.field == field)


def window_positions(text: str, seq: Sequence | None) -> int:
    """A `window` that is not a whole number, for this sequence: a time for a kind that takes one
    (audio), else one error saying what it takes."""
    kind = KINDS["text"] if seq is None else kind_of(seq.kind)
    if kind.parse_window is not None:
        return kind.parse_window(text, seq.source)
    if re.fullmatch(r"\s*(\d+(\.\d*)?|\.\d+)\s*(ms|s)\s*", text, re.IGNORECASE):
        raise UsageError(f"`window` {text}: a time applies to `audio`; for {kind.items} give a whole number of positions", "window")
    raise UsageError(f"`window` {text!r}: give a whole number of positions (audio also takes a time: 150ms, 0.15s)", "window")
