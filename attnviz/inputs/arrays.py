"""Inputs given to the library as numbers instead of files: a picture as an [H, W, 3] array, a
waveform as an array of samples with its sample rate.  Checked as the file adapters check theirs
(inputs/image.py, inputs/audio.py take over from here); a vector set's array: inputs/matrix.py."""

from __future__ import annotations

import numpy as np

from ..errors import UsageError


def array_picture(value) -> np.ndarray:
    """A picture given to the API as numbers -> [h, w, 3] float32 in [0, 1]: [H, W, 3] (or [H, W, 4]:
    alpha laid onto white; [H, W]: grey), uint8 0 … 255 or floats 0 … 1."""
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as e:
        raise UsageError(f"`image` must be a file path or an [H, W, 3] array ({e})", "image") from None
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)) or 0 in a.shape:
        raise UsageError(f"`image` as an array must be [H, W, 3] (RGB), [H, W, 4] (RGBA) or [H, W] (grey); got shape "
                         f"{a.shape}", "image")
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / 255.0
    elif np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
        a = a.astype(np.float32)
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise UsageError("`image` as a float array takes values from 0 to 1 (or give uint8 values 0 … 255); "
                             f"this one spans {np.nanmin(a):g} … {np.nanmax(a):g}", "image")
    else:
        raise UsageError(f"`image` as an array holds numbers; got {a.dtype}", "image")
    if a.ndim == 2:
        return np.repeat(a[:, :, None], 3, axis=2)
    if a.shape[2] == 4:
        return a[:, :, :3] * a[:, :, 3:] + (1.0 - a[:, :, 3:])  # over white, as for files
    return a


class ArrayInfo:
    """What soundfile's info says of a file, for a waveform given as an array."""

    format, subtype = "array", "float32"

    def __init__(self, channels: int, samplerate: int, frames: int):
        self.channels, self.samplerate, self.frames = channels, samplerate, frames


def array_audio(samples, sample_rate, max_seconds: float) -> tuple[np.ndarray, int, ArrayInfo]:
    """A waveform given to the API -> (samples [N] float32 mono, sample rate, ArrayInfo), checked as a
    file's samples are: [N] or [N, channels] finite numbers, a positive whole sample rate, at most an hour."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise UsageError(f"`sample_rate` must be a positive whole number of samples per second (got {sample_rate!r})", "sample_rate")
    try:
        y = np.asarray(samples, dtype=np.float64)
    except (ValueError, TypeError) as e:
        raise UsageError(f"`audio` must be a file path or an array of samples ({e})", "audio") from None
    if y.ndim not in (1, 2) or y.shape[0] == 0:
        raise UsageError(f"`audio` as an array is [samples] or [samples, channels] (got shape {y.shape})", "audio")
    if not np.isfinite(y).all():
        raise UsageError("`audio` holds NaN or inf samples; every sample must be a finite number", "audio")
    if len(y) / sample_rate > max_seconds:
        raise UsageError(f"`audio` is {len(y) / sample_rate / 60:.1f} minutes, longer than the 1 hour attnviz reads; "
                         "give a shorter piece", "audio")
    channels = 1 if y.ndim == 1 else y.shape[1]
    mono = y if y.ndim == 1 else y.mean(axis=1)
    if np.abs(mono).max() > np.finfo(np.float32).max:
        raise UsageError("`audio` samples exceed float32's range (3.4e38); scale them, e.g. to −1 … 1", "audio")
    return mono.astype(np.float32), int(sample_rate), ArrayInfo(channels, int(sample_rate), len(mono))
