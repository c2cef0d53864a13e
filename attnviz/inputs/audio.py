"""Audio: a sound cut into frames, one vector per frame (the notes: a 25 ms window moved by 10 ms).

Everything on the run path is numpy: soundfile reads the file, and framing, the Hann window, the
power spectrum, the mel filter bank, the log, the DCT and the deltas are written out here, so a run
never imports librosa or scipy.  Each step equals a librosa call with the parameters below
(tests/inputs/test_audio.py checks it):

  frames     frame_length = round(frame_ms·sr/1000), hop_length = round(hop_ms·sr/1000) samples
             (halves round up).  Frame t covers samples [t·hop, t·hop + frame_length).  A frame
             starts every hop while its start is inside the audio: n = ceil(N / hop) frames for N
             samples, and the last frames run past the end, into zeros (end padding; no padding
             at the start, so frame t starts at exactly t·hop/sr seconds).  N < frame_length is an
             error: not one whole frame.
  window     Hann, periodic (scipy.signal.get_window('hann', frame_length, fftbins=True)).
  spectrum   |rfft(window · frame, n_fft)|², n_fft = the next power of two ≥ frame_length
             (400 samples → 512 at 16 kHz): librosa.stft(..., n_fft, hop_length, win_length=
             frame_length, window='hann', center=False), power=2.0.
  mel        librosa.filters.mel(sr, n_fft, n_mels=80, fmin=0, fmax=sr/2, htk=False,
             norm='slaney'): Slaney's mel scale (linear below 1 kHz, logarithmic above),
             n_mels + 2 band edges evenly spaced in mel from fmin to fmax, triangles of unit area.
  log        dB: 10·log10(max(S, 1e-10)), then floored at (the clip's maximum − 80 dB):
             librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0).
  mfcc       DCT-II, orthonormal, over the 80 log-mel bands, first 13 (c0 … c12; no liftering):
             librosa.feature.mfcc(S=log_mel, n_mfcc=13, dct_type=2, norm='ortho', lifter=0);
             + Δ and ΔΔ: librosa.feature.delta(mfcc, width=9, order=1 | 2, mode='interp')
             (a Savitzky–Golay fit of a line / a parabola over 9 frames; the first and last 4
             frames take the value of the nearest full window).  39 numbers a frame.
  raw        the frame's samples themselves (no window): frame_length numbers a frame.
  standardize  each feature (column) to mean 0, standard deviation 1 over the clip's frames
             (a constant column becomes 0).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from . import Sequence
from .quiet import quiet_decoder
from .sources import AudioSource, Padding
from ..errors import AttnvizError, UsageError

FEATURES = ("logmel", "mfcc", "raw")
MAX_SECONDS = 3600.0  # one hour: longer audio is refused before it is read
AMIN = 1e-10  # log floor in power (−100 dB)
TOP_DB = 80.0  # and at most 80 dB below the clip's loudest cell
N_MFCC = 13
DELTA_WIDTH = 9  # frames in the Δ / ΔΔ fit (librosa.feature.delta's default)
CHUNK = 2048  # frames per FFT block: memory stays O(CHUNK · n_fft) whatever the length
PADDING_RULE = ("a frame starts every hop while its start is inside the audio; "
                "the last frames run past the end and are zero-padded there")


# ---- reading -------------------------------------------------------------------------------------

def demo_path() -> Path:
    """data/demo_speech.flac inside the installed package, else in the source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "data", package.parent / "data"):
        if (candidate / "demo_speech.flac").is_file():
            return candidate / "demo_speech.flac"
    raise AttnvizError(f"the demo clip is missing (looked in {package / 'data'}); reinstall attnviz")


def resolve_path(path) -> Path:
    """'demo' -> the shipped clip; anything else must be an existing file (UsageError if not)."""
    if str(path) == "demo":
        return demo_path()
    p = Path(path).expanduser()
    if not p.exists():
        raise UsageError(f"`audio` {path}: no such file (give a WAV, FLAC or OGG file, or 'demo')")
    if p.is_dir():
        raise UsageError(f"`audio` {path}: is a folder; give a sound file (WAV, FLAC, OGG)")
    return p


def audio_info(path: Path):
    """soundfile's header info, read before any sample: unreadable or > 1 h is an error here."""
    import soundfile as sf

    try:
        with quiet_decoder():
            info = sf.info(str(path))
    except (RuntimeError, OSError, TypeError) as e:  # sf.LibsndfileError is a RuntimeError
        reason = (str(e).split(": ", 1)[-1] if ": " in str(e) else str(e)).rstrip(".")
        if "not a regular file" in reason and path.is_file():  # libsndfile's words for any stream it cannot decode
            reason = "its bytes are not a sound format libsndfile decodes"
        raise AttnvizError(f"`audio` {path}: cannot read it as sound ({reason}); "
                           f"give a WAV, FLAC or OGG file") from None
    if info.samplerate <= 0:
        raise AttnvizError(f"`audio` {path}: the file gives no sample rate; re-encode it as WAV or FLAC")
    if info.frames / info.samplerate > MAX_SECONDS:
        raise AttnvizError(f"`audio` {path}: {info.frames / info.samplerate / 60:.1f} minutes is longer than "
                           f"the 1 hour attnviz reads; cut a shorter piece (e.g. sox in.wav out.wav trim 0 600)")
    return info


def read_audio(path) -> tuple[np.ndarray, int]:
    """A sound file (or 'demo') -> (samples [N] float32 mono, sample rate in Hz); see load_audio."""
    y, sr, _ = load_audio(path)
    return y, sr


def load_audio(path):
    """A sound file (or 'demo') -> (samples [N] float32 in −1 … 1, mixed to mono; sample rate in Hz;
    soundfile's info: format, subtype, channels).

    Read a block at a time and mixed down as it comes (the mean of the channels), so a stereo file
    never exists twice in memory.  Errors: no such file (UsageError); unreadable, empty, longer than
    one hour, NaN/inf samples (AttnvizError)."""
    import soundfile as sf

    if not isinstance(path, (str, bytes)) and not hasattr(path, "__fspath__"):
        raise UsageError("`audio` given as an array needs `sample_rate`, its samples per second (e.g. 16000)", "sample_rate")
    p = resolve_path(path)
    info = audio_info(p)
    cap = int(MAX_SECONDS * info.samplerate)
    out = np.empty(min(max(info.frames, 0), cap), dtype=np.float32)
    n = 0
    try:
        with quiet_decoder(), sf.SoundFile(str(p)) as f:
            for block in f.blocks(blocksize=1 << 16, dtype="float32", always_2d=True):
                mono = mix(block)
                if n + len(mono) > len(out):  # the header undercounted (some OGG/MP3): grow, within the cap
                    if n + len(mono) > cap:
                        raise AttnvizError(f"`audio` {p}: longer than the 1 hour attnviz reads; cut a shorter piece")
                    out = np.resize(out, min(cap, max(2 * len(out), n + len(mono))))
                out[n:n + len(mono)] = mono
                n += len(mono)
    except (RuntimeError, OSError) as e:
        raise AttnvizError(f"`audio` {p}: the sound data is damaged ({e}); re-encode it as WAV or FLAC") from None
    if n == 0:
        raise AttnvizError(f"`audio` {p}: the file holds no samples (empty audio); give a recording")
    y = out[:n]
    if not np.isfinite(y).all():
        raise AttnvizError(f"`audio` {p}: the samples contain NaN or inf; re-encode it as 16-bit WAV or FLAC")
    return y, int(info.samplerate), info


def mix(block: np.ndarray) -> np.ndarray:
    """[samples, channels] -> [samples] float32: the mean of the channels, summed in float64 (two
    finite float32 samples near 3e38 overflow a float32 sum)."""
    if block.shape[1] == 1:
        return block[:, 0].astype(np.float32, copy=False)
    return block.mean(axis=1, dtype=np.float64).astype(np.float32)


# ---- framing ---------------------------------------------------------------------------------------

def frame_sizes(sample_rate: int, frame_ms: float = 25.0, hop_ms: float = 10.0) -> tuple[int, int]:
    """Milliseconds -> (frame_length, hop_length) in samples, halves rounded up.
    16 kHz: (400, 160); 22.05 kHz: (551, 221); 44.1 kHz: (1103, 441); 8 kHz: (200, 80)."""
    for name, ms in (("`frame_ms`", frame_ms), ("`hop_ms`", hop_ms)):
        if not (isinstance(ms, (int, float)) and math.isfinite(ms) and ms > 0):
            raise UsageError(f"{name} must be a positive number of milliseconds (got {ms})")
    if hop_ms > frame_ms:
        raise UsageError(f"`hop_ms` {hop_ms:g} is longer than `frame_ms` {frame_ms:g}: the frames would skip audio; "
                         f"use a hop at most the frame length (default 10 ms hop, 25 ms frames)")
    frame_length = int(math.floor(frame_ms * sample_rate / 1000 + 0.5))
    hop_length = int(math.floor(hop_ms * sample_rate / 1000 + 0.5))
    if frame_length < 2:
        raise UsageError(f"`frame_ms` {frame_ms:g} at {sample_rate} Hz is {frame_length} sample(s); "
                         f"a frame needs at least 2 samples: use longer frames")
    if hop_length < 1:
        raise UsageError(f"`hop_ms` {hop_ms:g} at {sample_rate} Hz is less than half a sample (one sample is {1000 / sample_rate:g} ms); "
                         f"a hop needs at least 1 sample: use a longer hop")
    return frame_length, hop_length


def count_frames(n_samples: int, frame_length: int, hop_length: int) -> int:
    """n = ceil(N / hop): a frame starts at every hop inside the audio (1 s at 10 ms: 100 frames)."""
    if n_samples < frame_length:
        raise AttnvizError(f"the audio is {n_samples} samples long, shorter than one frame ({frame_length} samples); "
                           f"give a longer recording or a shorter `frame_ms`")
    return -(-n_samples // hop_length)


def frame_times(n: int, hop_length: int, frame_length: int, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """[n] start and [n] end times in seconds: start_t = t·hop/sr, end_t = start_t + frame_length/sr.
    The last frames' ends pass the end of the audio (they are zero-padded there)."""
    start = np.arange(n, dtype=np.float64) * hop_length / sample_rate
    return start, start + frame_length / sample_rate


def source_times(source: AudioSource) -> tuple[np.ndarray, np.ndarray]:
    """An audio Sequence's source -> [n] frame start and end times in seconds (for JSON)."""
    return frame_times(source.n_frames, source.hop_length, source.frame_length, source.sample_rate)


def frames(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """[N] samples -> [n, frame_length] frames (a strided view of a zero-padded copy; no per-frame copy)."""
    n = count_frames(len(y), frame_length, hop_length)
    padded = np.zeros((n - 1) * hop_length + frame_length, dtype=y.dtype)
    padded[:len(y)] = y
    return np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop_length]


# ---- spectra ---------------------------------------------------------------------------------------

def fft_size(frame_length: int) -> int:
    """The next power of two ≥ frame_length (400 → 512)."""
    return 1 << (frame_length - 1).bit_length()


def hann(length: int) -> np.ndarray:
    """[length] the periodic Hann window 0.5 − 0.5·cos(2πm/length), m = 0 … length−1."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(length) / length)


def hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: f/(200/3) below 1 kHz (15 mel at 1 kHz), then 27 mel per factor 6.4."""
    f = np.asarray(f, dtype=np.float64)
    log_part = 15.0 + np.log(np.maximum(f, 1e-300) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, log_part, f / (200.0 / 3.0))


def mel_to_hz(m: np.ndarray) -> np.ndarray:
    """The inverse of hz_to_mel."""
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3.0))


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int = 80, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """[n_mels, 1 + n_fft/2] triangular filters, Slaney mel scale and Slaney (unit area) norm.

    n_mels + 2 edges evenly spaced in mel between fmin and fmax (default sr/2); band i rises from
    edge i to edge i+1 and falls to edge i+2, scaled by 2/(edge_{i+2} − edge_i) in Hz."""
    fmax = sample_rate / 2.0 if fmax is None else fmax
    freqs = np.arange(1 + n_fft // 2) * (sample_rate / n_fft)  # [bins] Hz
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))  # [n_mels + 2] Hz
    width = np.diff(edges)  # [n_mels + 1]
    ramps = edges[:, None] - freqs[None, :]  # [n_mels + 2, bins]
    rise = -ramps[:-2] / width[:-1, None]
    fall = ramps[2:] / width[1:, None]
    weights = np.maximum(0.0, np.minimum(rise, fall))  # [n_mels, bins]
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def power_spectrum(frame_block: np.ndarray, window: np.ndarray, n_fft: int) -> np.ndarray:
    """[B, frame_length] -> [B, 1 + n_fft/2] |rfft(window · frame, n_fft)|² (float64)."""
    spec = np.fft.rfft(frame_block * window, n=n_fft, axis=1)
    return spec.real ** 2 + spec.imag ** 2


def mel_power(y: np.ndarray, sample_rate: int, frame_length: int, hop_length: int, n_mels: int = 80) -> np.ndarray:
    """[N] samples -> [n, n_mels] mel power spectrogram (float64), CHUNK frames at a time."""
    n_fft = fft_size(frame_length)
    window = hann(frame_length)
    fb_t = mel_filterbank(sample_rate, n_fft, n_mels).T  # [bins, n_mels]
    x = frames(y, frame_length, hop_length)  # [n, frame_length] view
    out = np.empty((len(x), n_mels))
    for s in range(0, len(x), CHUNK):
        out[s:s + CHUNK] = power_spectrum(x[s:s + CHUNK], window, n_fft) @ fb_t
    return out


def power_to_db(s: np.ndarray, amin: float = AMIN, top_db: float | None = TOP_DB) -> np.ndarray:
    """Power -> dB: 10·log10(max(S, amin)), floored at max − top_db (in place on a float64 copy)."""
    db = 10.0 * np.log10(np.maximum(s, amin))
    if top_db is not None:
        np.maximum(db, db.max() - top_db, out=db)
    return db


def log_mel(y: np.ndarray, sample_rate: int, frame_length: int, hop_length: int, n_mels: int = 80) -> np.ndarray:
    """[N] samples -> [n, n_mels] log-mel spectrogram in dB (float64)."""
    return power_to_db(mel_power(y, sample_rate, frame_length, hop_length, n_mels))


def dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    """[n_out, n_in] orthonormal DCT-II: row k = √(2/n_in)·cos(πk(2m+1)/(2·n_in)), row 0 × 1/√2."""
    k = np.arange(n_out)[:, None]
    m = np.arange(n_in)[None, :]
    d = np.sqrt(2.0 / n_in) * np.cos(np.pi * k * (2 * m + 1) / (2 * n_in))
    d[0] /= np.sqrt(2.0)
    return d


def mfcc(log_mel_db: np.ndarray, n_mfcc: int = N_MFCC) -> np.ndarray:
    """[n, n_mels] log-mel (dB) -> [n, n_mfcc] cepstral coefficients c0 … c_{n_mfcc−1}."""
    return log_mel_db @ dct_matrix(log_mel_db.shape[1], n_mfcc).T


def delta(x: np.ndarray, width: int = DELTA_WIDTH, order: int = 1) -> np.ndarray:
    """[n, c] -> [n, c] the order-th time derivative (1: Δ, 2: ΔΔ) by a least-squares fit of a
    polynomial of that order over `width` frames (odd, ≥ 3; default 9), per frame step.

    Δ_t = Σ_k k·x_{t+k} / Σ_k k²;  ΔΔ_t = 2·Σ_k (k² − mean k²)·x_{t+k} / Σ_k (k² − mean k²)²,
    k = −h … h (h = width // 2).  The first and last h frames take the nearest full window's value,
    which is what a polynomial fitted to the edge window gives (librosa's mode='interp')."""
    n, h = len(x), width // 2
    if width < 3 or width % 2 == 0 or order not in (1, 2):
        raise UsageError(f"delta: width must be odd and ≥ 3, order 1 or 2 (got {width}, {order})")
    if n < width:
        raise AttnvizError(f"Δ features need at least {width} frames (got {n}); use a longer clip or `features` logmel")
    k = np.arange(-h, h + 1, dtype=np.float64)
    c = k if order == 1 else k ** 2 - np.mean(k ** 2)
    c = c / np.sum(c * k ** order) * (1.0 if order == 1 else 2.0)  # Σ c_k k^order = order!
    windows = np.lib.stride_tricks.sliding_window_view(x, width, axis=0)  # [n − 2h, c, width]
    inner = windows @ c  # [n − 2h, c]
    return np.concatenate([np.repeat(inner[:1], h, axis=0), inner, np.repeat(inner[-1:], h, axis=0)])


def standardize_columns(x: np.ndarray) -> np.ndarray:
    """[n, d] -> [n, d] float32, each column to mean 0 and standard deviation 1 (constant → 0)."""
    mean = x.mean(axis=0, dtype=np.float64)
    std = x.std(axis=0, dtype=np.float64)
    return ((x - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)


# ---- the Sequence ----------------------------------------------------------------------------------

def features_of(y: np.ndarray, sample_rate: int, frame_length: int, hop_length: int, features: str = "logmel",
                n_mels: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """[N] samples -> (vectors [n, d] before standardizing, log-mel dB [n, n_mels] float32 for drawing).
    d: n_mels (logmel), 39 (mfcc: 13 + Δ + ΔΔ), frame_length (raw)."""
    if features not in FEATURES:
        raise UsageError(f"unknown `features` {features!r}; choose one of {', '.join(FEATURES)}")
    if not (isinstance(n_mels, int) and 1 <= n_mels <= 512):
        raise UsageError(f"`n_mels` must be a whole number from 1 to 512 (got {n_mels})")
    db = log_mel(y, sample_rate, frame_length, hop_length, n_mels)  # [n, n_mels]
    if features == "logmel":
        vectors = db
    elif features == "mfcc":
        if n_mels < N_MFCC:
            raise UsageError(f"`features` mfcc takes {N_MFCC} coefficients from the mel bands: `n_mels` must be ≥ {N_MFCC}")
        c = mfcc(db)  # [n, 13]
        vectors = np.concatenate([c, delta(c, order=1), delta(c, order=2)], axis=1)  # [n, 39]
    else:
        vectors = frames(y, frame_length, hop_length)  # [n, frame_length] view
    return vectors, db.astype(np.float32)


def feature_params(features: str, sample_rate: int, frame_length: int, n_mels: int) -> dict:
    """Every parameter of the features, as JSON `source.feature_params` (see the module docstring)."""
    p = {"window": "hann (periodic)", "n_fft": fft_size(frame_length), "power": 2.0, "n_mels": n_mels,
         "fmin": 0.0, "fmax": sample_rate / 2.0, "mel_scale": "slaney", "mel_norm": "slaney",
         "log": "10*log10(max(S, amin)), floored at max - top_db", "amin": AMIN, "top_db": TOP_DB}
    if features == "mfcc":
        p.update(n_mfcc=N_MFCC, dct_type=2, dct_norm="ortho", lifter=0, delta_width=DELTA_WIDTH,
                 delta_mode="interp", layout="13 mfcc, 13 delta, 13 delta-delta")
    if features == "raw":
        p = {"window": "none (the frame's samples)", "samples": frame_length}
    return p


def time_label(seconds: float, decimals: int = 2) -> str:
    """1.25 -> '1.25s'."""
    return f"{seconds:.{decimals}f}s"


def audio_sequence(path, frame_ms: float = 25.0, hop_ms: float = 10.0, features: str = "logmel",
                   n_mels: int = 80, standardize: bool = True, sample_rate: int | None = None) -> Sequence:
    """A sound file (or 'demo') -> the Sequence of its frames: one vector per frame.

    path        a file soundfile reads (WAV, FLAC, OGG, …), 'demo' (the shipped sentence), or an
                array of samples ([N] or [N, channels]) with sample_rate in Hz
    frame_ms    window length, default 25 ms;  hop_ms  step between frame starts, default 10 ms
    features    'logmel' (default, n_mels numbers), 'mfcc' (39) or 'raw' (frame_length samples)
    n_mels      mel bands, default 80;  standardize  each feature to mean 0, sd 1 (default True)
    Labels are frame start times ('1.25s'; 3 decimals when the hop is under 10 ms), positions the
    frame indices, media the log-mel spectrogram in dB [n, n_mels] whatever the features."""
    from .arrays import array_audio

    y, sr, info = load_audio(path) if sample_rate is None else array_audio(path, sample_rate, MAX_SECONDS)
    frame_length, hop_length = frame_sizes(sr, frame_ms, hop_ms)
    n = count_frames(len(y), frame_length, hop_length)
    from ..cost import check_audio

    check_audio(n, len(y), fft_size(frame_length), frame_length if features == "raw" else 39 if features == "mfcc" else n_mels, n_mels)
    vectors, db = features_of(y, sr, frame_length, hop_length, features, n_mels)
    vectors = standardize_columns(vectors) if standardize else np.asarray(vectors, dtype=np.float32)
    start, _ = frame_times(n, hop_length, frame_length, sr)
    decimals = 2 if hop_length / sr >= 0.00999 else 3
    name = "array" if sample_rate is not None else "demo" if str(path) == "demo" else Path(path).name
    source = AudioSource(
        name=name, dim=int(vectors.shape[1]), format=info.format, subtype=info.subtype, channels=info.channels,
        sample_rate=sr, n_samples=len(y), duration_s=len(y) / sr, frame_ms=frame_ms, hop_ms=hop_ms,
        frame_length=frame_length, hop_length=hop_length, frame_s=frame_length / sr, hop_s=hop_length / sr, n_frames=n,
        padding=Padding((n - 1) * hop_length + frame_length - len(y), PADDING_RULE),
        features=features, feature_params=feature_params(features, sr, frame_length, n_mels),
        standardized=bool(standardize), mono="mean of the channels" if info.channels > 1 else "mono")
    return Sequence([time_label(t, decimals) for t in start], vectors, np.arange(n), "audio",
                    np.zeros(n, dtype=bool), source, media=db)


# ---- times on the command line ---------------------------------------------------------------------

TIME = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)\s*", re.IGNORECASE)


def parse_time(text: str, what: str = "time") -> float:
    """'1.25s', '0.15s', '150ms', '150 ms' -> seconds.  A unit is required: a plain number is
    not a time (for --focus and --window a plain integer is a frame index / count, as for words)."""
    m = TIME.fullmatch(str(text))
    if m is None:
        plain = re.fullmatch(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*", str(text)) is not None
        hint = "add a unit: 1.25s or 150ms" if plain else "a time is a non-negative number with a unit s or ms, e.g. 1.25s or 150ms"
        raise UsageError(f"{what} {text!r}: {hint}")
    value = float(m.group(1))
    return value / 1000.0 if m.group(2).lower() == "ms" else value


def window_frames(seconds: float, hop_s: float) -> int:
    """A --window in seconds -> R frames: keys whose start is at most `seconds` from the query's,
    |i − j|·hop ≤ seconds, so R = floor(seconds / hop) (150 ms at a 10 ms hop: 15)."""
    return int(math.floor(seconds / hop_s + 1e-9))


def parse_window(text: str, hop_s: float) -> int:
    """--window for audio: '150ms' / '0.15s' (a time) or a plain integer (frames, as for words)."""
    text = str(text).strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    return window_frames(parse_time(text, "`window`"), hop_s)


def time_index(text: str, n_frames: int, hop_s: float, what: str = "`focus`") -> int:
    """--focus for audio: '1.25s' / '1250ms' -> the 0-based index of the frame whose start is
    nearest that time; a plain integer is a frame number counted from 1, like tokens.  Out of the
    clip: UsageError."""
    text = str(text).strip()
    last = (n_frames - 1) * hop_s
    if re.fullmatch(r"-?\d+", text):
        number = int(text)
        if not 1 <= number <= n_frames:
            raise UsageError(f"{what} {text}: frame number out of range (1 … {n_frames}; or a time such as 1.25s)")
        return number - 1
    t = parse_time(text, what)
    if t > last + hop_s / 2:
        raise UsageError(f"{what} {text}: past the last frame, which starts at {last:.2f}s")
    return min(int(math.floor(t / hop_s + 0.5)), n_frames - 1)
