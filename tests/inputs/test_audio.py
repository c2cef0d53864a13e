"""Issue #13: audio frames as the set of vectors.

Features against librosa (test-only) with every parameter passed explicitly, the framing formula
against a naive slicing loop, reading and its errors, time parsing, the terminal links helper
against a naive greedy loop, the figure's axes, and the repeated-word property on a committed clip.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from attnviz.core import attention as att
from attnviz.errors import AttnvizError, UsageError
from attnviz.inputs import audio as A
from conftest import DATA
from samples import signal

ROOT = Path(__file__).resolve().parents[2]
CLIP = DATA / "repeat_word.flac"
RTOL = 1e-4


def write(path, y, sr, subtype="FLOAT"):
    import soundfile as sf

    sf.write(str(path), y, sr, subtype=subtype)
    return path



# ---- librosa parity ---------------------------------------------------------------------------------

def librosa_args(y, sr, frame_ms=25.0, hop_ms=10.0):
    """librosa's center=False frames start at t·hop and window the middle win_length of n_fft samples:
    prepend (n_fft − win_length)/2 zeros so its window covers exactly our frame t, and zero-pad the
    end like ours.  Returns (padded samples, keyword arguments)."""
    L, H = A.frame_sizes(sr, frame_ms, hop_ms)
    n_fft = 1 << (L - 1).bit_length()
    n = -(-len(y) // H)
    off = (n_fft - L) // 2
    padded = np.zeros((n - 1) * H + n_fft)
    padded[off:off + len(y)] = y
    kw = dict(sr=sr, n_fft=n_fft, hop_length=H, win_length=L, window="hann", center=False, power=2.0,
              n_mels=80, fmin=0.0, fmax=sr / 2, htk=False, norm="slaney", dtype=np.float64)
    return padded, kw, n


@pytest.mark.parametrize("sr,n_fft,n_mels", [(16000, 512, 80), (22050, 1024, 80), (44100, 2048, 40), (8000, 256, 64)])
def test_mel_filterbank_is_librosas(sr, n_fft, n_mels):
    librosa = pytest.importorskip("librosa")
    ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=0.0, fmax=sr / 2, htk=False, norm="slaney",
                              dtype=np.float64)
    np.testing.assert_allclose(A.mel_filterbank(sr, n_fft, n_mels), ref, rtol=1e-9, atol=1e-12)


def test_hann_is_the_periodic_window():
    scipy_signal = pytest.importorskip("scipy.signal")
    np.testing.assert_allclose(A.hann(400), scipy_signal.get_window("hann", 400, fftbins=True), atol=1e-12)


@pytest.mark.parametrize("sr,frame_ms,hop_ms", [(16000, 25, 10), (22050, 25, 10), (44100, 25, 10), (8000, 25, 10),
                                                (16000, 20, 5), (48000, 30, 15)])
def test_logmel_matches_librosa(tmp_path, sr, frame_ms, hop_ms):
    librosa = pytest.importorskip("librosa")
    path = write(tmp_path / "x.wav", signal(sr), sr)
    seq = A.audio_sequence(path, frame_ms, hop_ms, standardize=False)
    y, _ = A.read_audio(path)
    padded, kw, n = librosa_args(y.astype(np.float64), sr, frame_ms, hop_ms)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=padded, **kw), ref=1.0, amin=1e-10, top_db=80.0).T
    assert ref.shape == seq.vectors.shape == (n, 80)
    np.testing.assert_allclose(seq.vectors, ref, rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(seq.media, ref, rtol=RTOL, atol=RTOL)


def test_demo_logmel_matches_librosa():
    librosa = pytest.importorskip("librosa")
    y, sr = A.read_audio("demo")
    padded, kw, n = librosa_args(y.astype(np.float64), sr)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=padded, **kw), ref=1.0, amin=1e-10, top_db=80.0).T
    ours = A.audio_sequence("demo", standardize=False).vectors
    assert ours.shape == ref.shape
    assert np.max(np.abs(ours - ref)) / np.max(np.abs(ref)) < RTOL
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=RTOL)


@pytest.mark.parametrize("source", ["demo", "signal"])
def test_mfcc_and_deltas_match_librosa(tmp_path, source):
    librosa = pytest.importorskip("librosa")
    path = "demo" if source == "demo" else write(tmp_path / "x.wav", signal(22050, 1.0), 22050)
    y, sr = A.read_audio(path)
    padded, kw, n = librosa_args(y.astype(np.float64), sr)
    kw.pop("dtype")
    kw.pop("norm")  # mfcc's own norm is the DCT's; the mel filters keep librosa's default, norm='slaney'
    c = librosa.feature.mfcc(y=padded, n_mfcc=13, dct_type=2, norm="ortho", lifter=0, dtype=np.float64, **kw)
    ref = np.concatenate([c, librosa.feature.delta(c, width=9, order=1, mode="interp"),
                          librosa.feature.delta(c, width=9, order=2, mode="interp")]).T  # [n, 39]
    ours = A.audio_sequence(path, features="mfcc", standardize=False).vectors
    assert ours.shape == ref.shape == (n, 39)
    scale = np.abs(ref).max(axis=0)  # per coefficient: Δ values near 0 have no relative precision
    assert np.max(np.abs(ours - ref) / scale) < RTOL


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("width", [3, 5, 9])
def test_delta_matches_librosa_on_random_data(order, width):
    librosa = pytest.importorskip("librosa")
    x = np.random.default_rng(order * 10 + width).standard_normal((40, 6))
    ref = librosa.feature.delta(x.T, width=width, order=order, mode="interp").T
    np.testing.assert_allclose(A.delta(x, width, order), ref, rtol=1e-10, atol=1e-10)


def test_the_run_path_imports_neither_librosa_nor_scipy():
    code = ("import sys; from attnviz.inputs.audio import audio_sequence; s = audio_sequence('demo', features='mfcc'); "
            "bad = [m for m in ('librosa', 'scipy', 'numba') if m in sys.modules]; print(bad or 'clean')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "clean"


# ---- framing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("extra", [0, 1, 37, 1000])
def test_frame_count_times_and_padding_follow_the_formula(tmp_path, sr, extra):
    L, H = A.frame_sizes(sr)
    assert (L, H) == (math.floor(0.025 * sr + 0.5), math.floor(0.010 * sr + 0.5))
    y = np.random.default_rng(sr + extra).uniform(-0.5, 0.5, L + extra).astype(np.float32)
    seq = A.audio_sequence(write(tmp_path / "x.wav", y, sr), features="raw", standardize=False)
    n = math.ceil(len(y) / H)
    assert len(seq) == seq.source.n_frames == n
    # naive reference: frame t is y[t·H : t·H + L], zeros past the end
    for t in range(n):
        expected = np.zeros(L, dtype=np.float32)
        piece = y[t * H:t * H + L]
        expected[:len(piece)] = piece
        np.testing.assert_array_equal(seq.vectors[t], expected)
    start, end = A.source_times(seq.source)
    np.testing.assert_allclose(start, [t * H / sr for t in range(n)], rtol=0, atol=1e-12)
    np.testing.assert_allclose(end - start, L / sr, atol=1e-12)
    assert seq.labels == [f"{t * H / sr:.2f}s" for t in range(n)]
    assert seq.source.padding.end_samples == (n - 1) * H + L - len(y)
    assert list(seq.positions) == list(range(n))
    assert seq.source.duration_s == pytest.approx(len(y) / sr)


def test_one_second_is_100_frames(tmp_path):
    seq = A.audio_sequence(write(tmp_path / "one.wav", signal(16000, 1.0), 16000))
    assert len(seq) == 100
    assert seq.labels[0] == "0.00s" and seq.labels[-1] == "0.99s" and seq.labels[42] == "0.42s"
    assert seq.kind == "audio" and seq.dim == 80 and seq.media.shape == (100, 80)
    assert not seq.unknown.any()


def test_standardized_features_have_mean_0_and_sd_1():
    seq = A.audio_sequence("demo")
    np.testing.assert_allclose(seq.vectors.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(seq.vectors.std(axis=0), 1, atol=1e-3)
    raw = A.audio_sequence("demo", standardize=False)
    np.testing.assert_allclose(seq.media, raw.vectors)  # media stays the dB spectrogram


def test_mfcc_and_raw_keep_the_logmel_as_media():
    logmel = A.audio_sequence("demo", standardize=False).vectors
    for features, dim in (("mfcc", 39), ("raw", 400)):
        seq = A.audio_sequence("demo", features=features)
        assert seq.dim == dim and seq.source.features == features
        np.testing.assert_allclose(seq.media, logmel)


def test_source_describes_every_feature_parameter():
    s = A.audio_sequence("demo", features="mfcc").source.to_dict()
    assert (s["kind"], s["name"], s["sample_rate"], s["frame_length"], s["hop_length"]) == ("audio", "demo", 16000, 400, 160)
    p = s["feature_params"]
    assert (p["n_fft"], p["n_mels"], p["mel_scale"], p["mel_norm"], p["amin"], p["top_db"]) == (512, 80, "slaney", "slaney", 1e-10, 80.0)
    assert (p["n_mfcc"], p["dct_type"], p["dct_norm"], p["delta_width"], p["delta_mode"]) == (13, 2, "ortho", 9, "interp")
    json.dumps(s, allow_nan=False)


# ---- reading ---------------------------------------------------------------------------------------

def test_stereo_is_mixed_to_the_mean_of_the_channels(tmp_path):
    left, right = signal(16000, 0.3, 1), signal(16000, 0.3, 2)[::-1]
    path = write(tmp_path / "st.wav", np.stack([left, right], axis=1), 16000)
    y, sr = A.read_audio(path)
    assert sr == 16000 and y.dtype == np.float32 and y.ndim == 1
    np.testing.assert_allclose(y, (left + right) / 2, atol=1e-7)
    assert A.audio_sequence(path).source.channels == 2


@pytest.mark.parametrize("fmt", ["flac", "ogg"])
def test_other_formats_read(tmp_path, fmt):
    y = signal(16000, 0.5)
    path = write(tmp_path / f"x.{fmt}", y, 16000, subtype="PCM_16" if fmt == "flac" else "VORBIS")
    seq = A.audio_sequence(path)
    assert len(seq) == 50 and seq.source.format == fmt.upper()


def test_missing_file_and_folder_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        A.read_audio(tmp_path / "nope.wav")
    with pytest.raises(UsageError, match="is a folder"):
        A.read_audio(tmp_path)


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00\x00\x00WAVEjunk", b"\x00\xff" * 500, b"just some text\n" * 20])
def test_unreadable_files_are_one_clear_error(tmp_path, content):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AttnvizError, match="cannot read it as sound") as e:
        A.read_audio(path)
    assert "WAV, FLAC or OGG" in str(e.value)


def test_empty_audio(tmp_path):
    path = write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AttnvizError, match="empty"):
        A.read_audio(path)


def test_shorter_than_one_frame(tmp_path):
    path = write(tmp_path / "short.wav", np.ones(399, dtype=np.float32) * 0.1, 16000)
    with pytest.raises(AttnvizError, match="shorter than one frame"):
        A.audio_sequence(path)
    assert len(A.audio_sequence(write(tmp_path / "one.wav", np.ones(400, np.float32) * 0.1, 16000))) == 3


def test_over_an_hour_is_refused_from_the_header(tmp_path, monkeypatch):
    import soundfile as sf

    path = write(tmp_path / "long.wav", np.zeros(3601, dtype=np.float32), 1, subtype="PCM_16")  # 1 Hz: 1 h 1 s
    assert sf.info(str(path)).duration > 3600

    def no_reading(*args, **kwargs):
        raise AssertionError("the samples were read: the header check must come first")

    monkeypatch.setattr(sf.SoundFile, "blocks", no_reading)
    monkeypatch.setattr(sf.SoundFile, "read", no_reading)
    with pytest.raises(AttnvizError, match="longer than the 1 hour"):
        A.read_audio(path)


def test_nan_samples(tmp_path):
    y = signal(16000, 0.2)
    y[100] = np.nan
    with pytest.raises(AttnvizError, match="NaN"):
        A.read_audio(write(tmp_path / "nan.wav", y, 16000))


@pytest.mark.parametrize("kwargs,error,needle", [
    ({"features": "spectrogram"}, UsageError, "`features`"),
    ({"frame_ms": 0}, UsageError, "`frame_ms`"),
    ({"hop_ms": float("nan")}, UsageError, "`hop_ms`"),
    ({"hop_ms": 30}, UsageError, "skip audio"),
    ({"n_mels": 0}, UsageError, "`n_mels`"),
    ({"features": "mfcc", "n_mels": 8}, UsageError, "`n_mels`"),
    ({"frame_ms": 0.05, "hop_ms": 0.05}, UsageError, "at least 2 samples"),
    ({"hop_ms": 0.001}, UsageError, r"^`hop_ms` 0.001 at 16000 Hz is less than half a sample .*at least 1 sample"),  # it blamed frame_ms
])
def test_bad_parameters(kwargs, error, needle):
    with pytest.raises(error, match=needle):
        A.audio_sequence("demo", **kwargs)


def test_mfcc_deltas_need_nine_frames(tmp_path):
    path = write(tmp_path / "x.wav", signal(16000, 0.075), 16000)  # 1200 samples: 8 frames
    assert len(A.audio_sequence(path)) == 8
    with pytest.raises(AttnvizError, match="at least 9 frames"):
        A.audio_sequence(path, features="mfcc")


# ---- times -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,seconds", [("1.25s", 1.25), ("150ms", 0.15), ("0.15s", 0.15), ("150 ms", 0.15),
                                          ("2S", 2.0), (".5s", 0.5), ("0ms", 0.0), (" 1250MS ", 1.25)])
def test_parse_time(text, seconds):
    assert A.parse_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text,needle", [("1.25", "add a unit"), ("15", "add a unit"), ("-1s", "non-negative"),
                                         ("1.2.3s", "a time is"), ("1h", "a time is"), ("", "a time is"),
                                         ("nans", "a time is"), ("1e3ms", "a time is")])
def test_parse_time_errors(text, needle):
    with pytest.raises(UsageError, match=needle):
        A.parse_time(text, "--focus")


def test_window_in_time_units():
    assert A.window_frames(0.15, 0.01) == 15
    assert A.parse_window("150ms", 0.01) == A.parse_window("0.15s", 0.01) == 15
    assert A.parse_window("15", 0.01) == 15  # a plain integer counts frames, as it counts words
    assert A.parse_window("155ms", 0.01) == 15 and A.parse_window("9ms", 0.01) == 0
    assert A.window_frames(0.15, 221 / 22050) == 14  # 14 · 10.02 ms ≤ 150 ms < 15 · 10.02 ms


def test_focus_time_to_frame():
    assert A.time_index("1.25s", 613, 0.01) == 125
    assert A.time_index("1254ms", 613, 0.01) == 125 and A.time_index("1.256s", 613, 0.01) == 126
    assert A.time_index("7", 613, 0.01) == 6 and A.time_index("613", 613, 0.01) == 612  # numbers count from 1
    with pytest.raises(UsageError, match="past the last frame"):
        A.time_index("9s", 613, 0.01)
    with pytest.raises(UsageError, match="out of range"):
        A.time_index("614", 613, 0.01)


# ---- the repeated word -----------------------------------------------------------------------------

def word_frames(seq, doc):
    """Per word of the clip's JSON: the frames lying wholly inside that word's span."""
    start, end = A.source_times(seq.source)
    return [(w["word"], (start >= w["start_s"]) & (end <= w["end_s"])) for w in doc["words"]]


@pytest.mark.parametrize("features", ["logmel", "mfcc"])
def test_second_occurrence_attends_to_the_first(features):
    """'apple … river … window … table … apple' (espeak-ng, one phrase; tests/data/repeat_word.json
    has the word spans).  Identity projection, scaled-dot, softmax with attnviz's default temperature
    rule T = median self-score α_ii / 3.  From the frames of the second 'apple', the mean total α′ on
    the first 'apple' beats that on every word in between."""
    doc = json.loads((DATA / "repeat_word.json").read_text())
    seq = A.audio_sequence(CLIP, features=features)
    words = word_frames(seq, doc)
    assert [w for w, _ in words] == ["apple", "river", "window", "table", "apple"]
    assert all(m.sum() >= 25 for _, m in words)
    x = seq.vectors.astype(np.float64)
    d = x.shape[1]
    temperature = float(np.median(np.einsum("nd,nd->n", x, x) / math.sqrt(d))) / 3
    config = att.AttentionConfig("scaled-dot", "softmax", temperature)
    alpha_prime = att.self_attention(x, att.identity_projections(d, 1), config).heads[0].alpha_prime
    second = words[4][1]
    mass = [alpha_prime[second][:, m].sum(axis=1).mean() for _, m in words]  # mean over query frames
    assert mass[0] > max(mass[1:4]), dict(zip([w for w, _ in words], np.round(mass, 4)))
    first = words[0][1]  # and the other way round
    back = [alpha_prime[first][:, m].sum(axis=1).mean() for _, m in words]
    assert back[4] > max(back[1:4])


# ---- terminal helpers ------------------------------------------------------------------------------

def naive_links(keys, weights, times, gap, top):
    cands = sorted(((-float(weights[i, c]), i, int(keys[i, c])) for i in range(len(keys)) for c in range(keys.shape[1])
                    if keys[i, c] >= 0 and abs(times[i] - times[keys[i, c]]) >= gap - 1e-9))
    kept = []
    for w, i, j in cands:
        if len(kept) == top:
            break
        if all(abs(times[i] - times[a]) >= gap - 1e-9 or abs(times[j] - times[b]) >= gap - 1e-9 for a, b, _ in kept):
            kept.append((i, j, -w))
    return kept


@pytest.mark.parametrize("seed", range(5))
def test_strongest_time_links_match_a_naive_loop(seed):
    from attnviz.views.audio_links import strongest_time_links

    rng = np.random.default_rng(seed)
    n, k = 300, 5
    keys = rng.integers(0, n, (n, k))
    keys[rng.random((n, k)) < 0.1] = -1
    weights = rng.random((n, k)).round(2)  # rounding makes ties
    times = np.arange(n) * 0.01
    links = strongest_time_links(keys, weights, times, 0.1, 10)
    assert [(l.query, l.key, l.alpha_prime) for l in links] == naive_links(keys, weights, times, 0.1, 10)
    assert all(abs(l.t_query - l.t_key) >= 0.1 - 1e-9 for l in links)
    assert [l.alpha_prime for l in links] == sorted((l.alpha_prime for l in links), reverse=True)


def test_neighbouring_frames_give_one_link():
    from attnviz.views.audio_links import strongest_time_links

    n = 200
    times = np.arange(n) * 0.01
    keys = np.stack([np.arange(n), np.full(n, -1)], axis=1)  # every frame: itself
    weights = np.stack([np.full(n, 0.5), np.zeros(n)], axis=1)
    keys[100:105, 1] = 20  # frames 1.00 … 1.04 s link to 0.20 s
    weights[100:105, 1] = [0.3, 0.4, 0.35, 0.2, 0.1]
    keys[150, 1], weights[150, 1] = 30, 0.05  # a weaker link elsewhere
    links = strongest_time_links(keys, weights, times)
    assert [(l.query, l.key) for l in links] == [(101, 20), (150, 30)]  # self-links are < 100 ms apart


def test_time_ruler():
    from attnviz.views.audio_links import time_ruler

    ruler = time_ruler(0.0, 6.0, 60)
    assert len(ruler) == 60 and ruler.startswith("0s") and ruler[10:12] == "1s" and ruler[50:52] == "5s"
    long = time_ruler(0.0, 600.0, 80)
    assert long.startswith("0s") and "60s" in long and len(long) == 80
    assert time_ruler(1.0, 1.0, 10) == ""


# ---- the figure ------------------------------------------------------------------------------------

@pytest.mark.parametrize("window,focus", [(None, None), (15, None), (None, 272)])
def test_audio_figure_axes_are_seconds(tmp_path, window, focus):
    from attnviz.core import masks
    from attnviz.views.audio_figure import audio_figure
    from attnviz.views.figures import save

    seq = A.audio_sequence(CLIP)
    x = seq.vectors.astype(np.float64)
    mask = masks.mask(len(seq), window)
    alpha_prime = att.self_attention(x, att.identity_projections(seq.dim, 1), att.AttentionConfig(temperature=3.0),
                                     mask).heads[0].alpha_prime
    start, _ = A.source_times(seq.source)
    fig, warning = audio_figure(start, seq.media, alpha_prime, mask, "repeat_word", focus=focus,
                                hop_s=seq.source.hop_s)
    assert warning is None
    heat = next(a for a in fig.axes if a.get_xlabel() == "key time j (s)")
    end = len(seq) * seq.source.hop_s
    assert heat.get_xlim() == pytest.approx((0, end)) and heat.get_ylim() == pytest.approx((end, 0))
    assert (heat.patch.get_hatch() == "////") == (window is not None)
    assert len(fig.axes) == 4 + (focus is not None)  # heatmap, two spectrograms, colour bar (+ focus curve)
    if focus is not None:
        curve = next(a for a in fig.axes if a.get_ylabel() == "α′")
        assert "2.72s" in curve.get_title(loc="right")
    save(fig, tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 10_000


def test_audio_figure_takes_block_means_and_a_top_k_focus_row(tmp_path):
    from attnviz.core.blockwise import blockwise_head
    from attnviz.views.audio_figure import audio_figure
    from attnviz.views.figures import save

    seq = A.audio_sequence(CLIP)
    x = seq.vectors
    head = blockwise_head(x, x, x, att.AttentionConfig(temperature=3.0), 5, window=15, bins=50)
    row = np.zeros(len(seq))
    row[head.keys[272]] = head.alpha_prime[272]
    start, _ = A.source_times(seq.source)
    fig, _ = audio_figure(start, seq.media, head.summary, None, "long", focus=272, focus_row=row)
    heat = next(a for a in fig.axes if a.get_xlabel() == "key time j (s)")
    assert heat.get_xlim() == pytest.approx((0, len(seq) * seq.source.hop_s))
    assert heat.images[0].get_array().shape == (50, 50)
    save(fig, tmp_path / "long.png")


def test_a_header_that_undercounts_still_reads_every_sample(tmp_path, monkeypatch):
    """Some OGG/MP3 headers give a wrong length: the reader grows its buffer and keeps every sample."""
    y = signal(16000, 2.0)
    path = write(tmp_path / "x.wav", y, 16000)
    real = A.audio_info

    class Short:
        def __init__(self, info):
            self.samplerate, self.frames = info.samplerate, 1000
            self.format, self.subtype, self.channels = info.format, info.subtype, info.channels

    monkeypatch.setattr(A, "audio_info", lambda p: Short(real(p)))
    got, sr = A.read_audio(path)
    np.testing.assert_array_equal(got, y)
