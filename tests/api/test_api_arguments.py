"""The library's front door with the arguments a Python user has: arrays for inputs, wrong types
and out-of-range numbers refused as one UsageError naming the parameter (issue #25, item 22)."""

from __future__ import annotations

import numpy as np
import pytest

import attnviz
from attnviz.errors import UsageError

S = "The cat sat on the mat."


def test_an_array_is_a_vector_set_like_the_same_matrix_file(tmp_path):
    x = np.random.default_rng(0).normal(size=(3, 4))
    np.save(tmp_path / "x.npy", x)
    a, b = attnviz.analyze(input=x), attnviz.analyze(input=str(tmp_path / "x.npy"))
    assert a.tokens == b.tokens == ["a1", "a2", "a3"] and a.source.name == "array"
    assert np.array_equal(a.alpha_prime, b.alpha_prime)


def test_a_picture_array_is_its_pixels(tmp_path):
    from PIL import Image

    img = (np.random.default_rng(1).random((8, 10, 3)) * 255).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / "p.png")
    a, b = attnviz.analyze(image=img), attnviz.analyze(image=str(tmp_path / "p.png"))
    assert len(a.tokens) == 80 and a.source.rows == 8 and a.source.cols == 10
    assert np.allclose(a.alpha_prime, b.alpha_prime, atol=1e-6)
    floats = attnviz.analyze(image=img / 255.0)  # floats in 0 … 1: the same picture
    assert np.allclose(floats.alpha_prime, a.alpha_prime, atol=1e-5)
    assert attnviz.analyze(image=np.zeros((8, 8, 3))).alpha_prime.shape == (1, 1, 64, 64)


def test_a_waveform_with_its_sample_rate_is_its_frames(tmp_path):
    import soundfile as sf

    t = np.arange(8000) / 16000
    y = (0.5 * np.sin(2 * np.pi * 440 * t) * np.linspace(0, 1, len(t))).astype(np.float32)
    sf.write(tmp_path / "s.wav", y, 16000, subtype="FLOAT")
    a, b = attnviz.analyze(audio=y, sample_rate=16000), attnviz.analyze(audio=str(tmp_path / "s.wav"))
    assert a.tokens == b.tokens and len(a.tokens) == 50  # 0.5 s, a frame every 10 ms
    assert np.allclose(a.alpha_prime, b.alpha_prime, atol=1e-5)
    stereo = attnviz.analyze(audio=np.stack([y, y], axis=1), sample_rate=16000)
    assert stereo.source.channels == 2 and np.allclose(stereo.alpha_prime, a.alpha_prime, atol=1e-5)


@pytest.mark.parametrize("kw, names", [
    (dict(audio=np.zeros(1600)), "`sample_rate`"),
    (dict(audio=np.zeros(1600), sample_rate=0), "`sample_rate`"),
    (dict(audio="demo", sample_rate=16000), "`sample_rate`"),
    (dict(audio=np.full(1600, np.nan), sample_rate=16000), "NaN"),
    (dict(image=np.zeros((8, 8, 3)) + 2), "0 to 1"),
    (dict(image=np.zeros((8, 8, 5))), "[H, W, 3]"),
])
def test_bad_arrays_are_one_usage_error(kw, names):
    with pytest.raises(UsageError) as e:
        attnviz.analyze(**kw)
    assert names in str(e.value)


@pytest.mark.parametrize("kw, names", [
    (dict(compare=5), "`compare` takes a string"),
    (dict(options={"heads": 2}), "`options` must be an attnviz.Options"),
    (dict(headz=2), "no parameter `headz`"),
    (dict(top_k=0), "`top_k` must be at least 1"),
    (dict(heads=4, head=0), "`head` must be at least 1 (got 0)"),
    (dict(heads=4, head=-1), "`head` must be at least 1 (got -1)"),
    (dict(heads=4, head=1.5), "`head` must be a whole number"),
])
def test_wrong_types_and_numbers_are_one_usage_error(kw, names):
    with pytest.raises(UsageError) as e:
        attnviz.analyze(S, **kw)
    assert names in str(e.value)


def test_a_model_head_and_layer_count_from_1():
    for kw in (dict(head=0), dict(layer=-1)):
        with pytest.raises(UsageError, match="numbered from 1"):
            attnviz.analyze_model(S, "minilm", **kw)


def test_head_4_of_4_is_the_last_head():
    whole, last = attnviz.analyze(S, heads=4), attnviz.analyze(S, heads=4, head=4)
    assert np.array_equal(last.alpha_prime[0, 0], whole.alpha_prime[0, 3])


@pytest.mark.parametrize("kw, names", [
    (dict(generate=2), "atlas() has no parameter `generate`; its parameters are model, text, probe_length, seed"),
    (dict(probe_lenght=20, sed=1), "no parameter `probe_lenght`, `sed`"),
    (dict(probe_length="x"), "`probe_length` 'x'"),
    (dict(seed=1.5), "`seed` 1.5"),
    (dict(text=3), "`text` must be a string"),
    (dict(model=3), "`model` must be a name"),
])
def test_atlas_wrong_keywords_and_types_are_one_usage_error(kw, names, monkeypatch):
    """attnviz.atlas(model=…, generate=2) raised a raw TypeError; now as analyze(): one UsageError naming it."""
    with pytest.raises(UsageError) as e:
        attnviz.atlas(**kw)
    assert names in str(e.value) and e.value.option == names.split("`")[1]
