"""Which adapter an input goes to: text, a matrix file, a sound or a picture -> one Sequence.

Media(...) holds the options of the audio and image adapters; the attention options stay in
options.Options.  Each kind's loader, options and focus/window syntax are one entry in
inputs/kinds.py.  A time-valued `window` ("150ms") is turned into frames here, once the hop is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import UsageError
from ..options import Options, default
from . import Sequence
from .kinds import KINDS, by_field, fields, window_positions


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
        return [name for name in fields() if getattr(self, name) is not None]

    def check(self) -> "Media":
        """Refuse audio options without audio, image options without an image, two inputs at once."""
        given = self.given()
        if len(given) > 1:
            raise UsageError(f"give one input: {' or '.join(f'`{g}`' for g in given)}", given[1])
        defaults = Media()
        for kind in KINDS.values():
            for name in kind.options:
                if getattr(self, name) != getattr(defaults, name) and getattr(self, kind.field) is None:
                    raise UsageError(f"`{name}` goes with `{kind.field}`", name)
        if (self.sample_rate is not None) != is_array(self.audio):
            raise UsageError("`sample_rate` (in Hz) goes with `audio` given as an array of samples" if self.sample_rate is not None
                             else "`audio` given as an array needs `sample_rate`, its samples per second (e.g. 16000)", "sample_rate")
        for name in given:
            check = by_field(name).check
            if check is not None:
                check(self)
        return self


def is_array(value) -> bool:
    """True for an input given as numbers (a numpy array, or anything with a shape) rather than a path."""
    return value is not None and not isinstance(value, (str, bytes)) and not hasattr(value, "__fspath__")


def text_free(opts: Options, what: str) -> None:
    """Word-vector options make no sense for a set of vectors that is not text."""
    if opts.embedding != "vectors" or opts.vectors is not None or opts.punct:
        raise UsageError(f"`{what}` is already a set of vectors: `vectors`, `embedding` and `punct` apply to text", what)


def load_sequence(text: str | None, opts: Options, media: Media, tokens: list[str] | None = None) -> tuple[Sequence, str]:
    """The input as a Sequence, and the input normalization used (the JSON config's input_norm):
    the text, or the one Media field given, goes to its kind's loader (inputs/kinds.py)."""
    given = media.check().given()
    if (text is None) == (not given):
        names = ", ".join(f"`{name}`" for name in fields())
        raise UsageError(f"give a text or one of {names}, not both" if text is not None
                         else f"give a text, or one of {names}", given[0] if given else "input")
    if text is not None:
        return by_field(None).load(text, media, opts, tokens)
    text_free(opts, given[0])
    return by_field(given[0]).load(getattr(media, given[0]), media, opts, tokens)


def resolve_window(window, seq: Sequence | None) -> int | None:
    """`window` as a count of positions.  An int stays; a string is a whole number, or what the
    input's kind takes (audio: a time, "150ms", "0.15s": the frames whose start is at most that far away)."""
    if window is None or isinstance(window, int):
        return window
    text = str(window).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return window_positions(text, seq)


def validate_early(opts: Options) -> Options:
    """Options.validate() before the input is read; a time-valued `window` is checked once the
    sequence is known (with_window)."""
    return (opts if not isinstance(opts.window, str) else replace(opts, window=None)).validate()


def with_window(opts: Options, seq: Sequence | None) -> Options:
    """opts with `window` resolved against the sequence (see resolve_window)."""
    window = resolve_window(opts.window, seq)
    return opts if window == opts.window else replace(opts, window=window)
