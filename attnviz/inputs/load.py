"""Which adapter an input goes to: text, a matrix file, a sound or a picture -> one Sequence.

Media(...) holds the options of the audio and image adapters; the attention options stay in
options.Options.  A time-valued `window` ("150ms") is turned into frames here, once the hop is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import UsageError
from ..options import Options, default
from . import Sequence


@dataclass(frozen=True)
class Media:
    """The input that is not text: at most one of input (a matrix file or an [n, d] array), audio, image.

    audio     a sound file, "demo", or a waveform array with sample_rate (Hz);  frame_ms (default
              25), hop_ms (default 10), features (logmel | mfcc | raw, default logmel) shape its frames
    image     a picture file, "demo", or an [H, W, 3] array;  size (default 32: the long side in
              pixels), patch (default None: pixels; P: P × P patches) shape its items
    """

    input: str | None = None
    audio: str | None = None
    image: str | None = None
    frame_ms: float = default("frame_ms")
    hop_ms: float = default("hop_ms")
    features: str = default("features")
    size: int = default("size")
    patch: int | None = default("patch")
    sample_rate: int | None = None

    def given(self) -> list[str]:
        return [name for name in ("input", "audio", "image") if getattr(self, name) is not None]

    def check(self) -> "Media":
        """Refuse audio options without audio, image options without an image, two inputs at once."""
        given = self.given()
        if len(given) > 1:
            raise UsageError(f"give one input: {' or '.join(f'`{g}`' for g in given)}", given[1])
        defaults = Media()
        for name, owner in (("frame_ms", "audio"), ("hop_ms", "audio"), ("features", "audio"),
                            ("size", "image"), ("patch", "image")):
            if getattr(self, name) != getattr(defaults, name) and getattr(self, owner) is None:
                raise UsageError(f"`{name}` goes with `{owner}`", name)
        if (self.sample_rate is not None) != is_array(self.audio):
            raise UsageError("`sample_rate` (in Hz) goes with `audio` given as an array of samples" if self.sample_rate is not None
                             else "`audio` given as an array needs `sample_rate`, its samples per second (e.g. 16000)", "sample_rate")
        if self.audio is not None:
            from .audio import FEATURES

            if self.features not in FEATURES:
                raise UsageError(f"`features` {self.features!r} is not one of {', '.join(FEATURES)}", "features")
            for name in ("frame_ms", "hop_ms"):
                value = getattr(self, name)
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 10_000:
                    raise UsageError(f"`{name}` must be a positive number of milliseconds up to 10000 (got {value!r})", name)
        return self


def is_array(value) -> bool:
    """True for an input given as numbers (a numpy array, or anything with a shape) rather than a path."""
    return value is not None and not isinstance(value, (str, bytes)) and not hasattr(value, "__fspath__")


def text_free(opts: Options, what: str) -> None:
    """Word-vector options make no sense for a set of vectors that is not text."""
    if opts.embedding != "vectors" or opts.vectors is not None or opts.punct:
        raise UsageError(f"`{what}` is already a set of vectors: `vectors`, `embedding` and `punct` apply to text", what)


def load_sequence(text: str | None, opts: Options, media: Media, tokens: list[str] | None = None) -> tuple[Sequence, str]:
    """The input as a Sequence, and the input normalization used (the JSON config's input_norm)."""
    given = media.check().given()
    if (text is None) == (not given):
        raise UsageError("give a text or one of `input`, `audio`, `image`, not both" if text is not None
                         else "give a text, or one of `input`, `audio`, `image`", given[0] if given else "input")
    if text is not None:
        from .text import text_sequence

        return text_sequence(text, opts.embedding, opts.vectors, opts.input_norm, opts.punct, opts.trust_pickle, tokens)
    text_free(opts, given[0])
    if media.input is not None:
        from .matrix import matrix_sequence

        input_norm = opts.input_norm or "none"
        return matrix_sequence(media.input, input_norm), input_norm
    if media.image is not None:
        from .image import image_sequence

        input_norm = opts.input_norm or "standard"
        return image_sequence(media.image, media.size, media.patch, input_norm), input_norm
    return audio_sequence(media, opts.input_norm or "standard")


def audio_sequence(media: Media, input_norm: str) -> tuple[Sequence, str]:
    """Frames of a sound; input_norm standard = each feature standardized over the clip (mean 0,
    sd 1), center = mean 0 only, none = the features as computed."""
    from .audio import audio_sequence as frames_of

    seq = frames_of(media.audio, media.frame_ms, media.hop_ms, media.features, standardize=input_norm == "standard",
                    sample_rate=media.sample_rate)
    if input_norm == "center":
        seq.vectors = seq.vectors - seq.vectors.mean(axis=0, dtype="float64").astype(seq.vectors.dtype)
    return seq, input_norm


def resolve_window(window, seq: Sequence | None) -> int | None:
    """`window` as a count of positions.  An int stays; a string is a whole number, or for audio a
    time ("150ms", "0.15s": the frames whose start is at most that far away)."""
    if window is None or isinstance(window, int):
        return window
    text = str(window).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if seq is not None and seq.kind == "audio":
        from .audio import parse_window

        return parse_window(text, seq.source["hop_s"])
    if re.fullmatch(r"\s*(\d+(\.\d*)?|\.\d+)\s*(ms|s)\s*", text, re.IGNORECASE):
        raise UsageError(f"`window` {text}: a time applies to `audio`; for {'words' if seq is None or seq.kind == 'text' else 'these items'} "
                         "give a whole number of positions", "window")
    raise UsageError(f"`window` {text!r}: give a whole number of positions (audio also takes a time: 150ms, 0.15s)", "window")


def validate_early(opts: Options) -> Options:
    """Options.validate() before the input is read; a time-valued `window` is checked once the
    sequence is known (with_window)."""
    return (opts if not isinstance(opts.window, str) else replace(opts, window=None)).validate()


def with_window(opts: Options, seq: Sequence | None) -> Options:
    """opts with `window` resolved against the sequence (see resolve_window)."""
    window = resolve_window(opts.window, seq)
    return opts if window == opts.window else replace(opts, window=window)
