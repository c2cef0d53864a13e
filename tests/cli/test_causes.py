"""Errors name the real cause (issue #25, item 19) and no other program's lines reach the user
(item 20): lone surrogates in labels, samples near float32's limit, a text file named .mp3, the
memory a refusal compares."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import invoke


def one_error(result, code: int):
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("attnviz: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("extra", [[], ["--save", "p.html"]])
def test_a_lone_surrogate_in_a_label_is_named_not_the_output_encoding(runner, tmp_path, extra):
    path = tmp_path / "s.npz"
    np.savez(path, vectors=np.eye(3), labels=np.array(["a", "b\ud800", "c"]))
    line = one_error(invoke(runner, "show", "--input", path, *[str(tmp_path / e) if e.endswith(".html") else e for e in extra]), 1)
    assert "label 2 holds U+D800, a lone surrogate" in line and "PYTHONIOENCODING" not in line


def test_an_unwritable_surrogate_from_anywhere_is_not_blamed_on_the_encoding():
    from attnviz.cli import guarded

    def call():
        raise UnicodeEncodeError("utf-8", "x\udce9y", 1, 2, "surrogates not allowed")

    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert guarded(call) == 1
    assert "lone surrogate" in err.getvalue() and "PYTHONIOENCODING" not in err.getvalue()


def test_finite_stereo_samples_near_the_float32_limit_are_read(runner, tmp_path):
    import soundfile as sf

    y = np.full((1600, 2), 3.0e38, dtype=np.float32)
    y[::2] *= -1
    sf.write(tmp_path / "loud.wav", y, 16000, subtype="FLOAT")
    result = invoke(runner, "show", "--audio", tmp_path / "loud.wav", "--json")
    assert result.exit_code == 0 and "NaN or inf" not in result.stderr, result.output


def test_a_text_file_named_mp3_is_not_a_sound_and_libmpg123_stays_quiet(tmp_path):
    import subprocess
    import sys

    (tmp_path / "t.mp3").write_text("hello world, this is text and not a sound at all\n" * 3)
    r = subprocess.run([sys.executable, "-m", "attnviz", "show", "--audio", str(tmp_path / "t.mp3")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr  # no "Note: Illegal Audio-MPEG-Header"
    assert "not a sound format" in r.stderr and "not a regular file" not in r.stderr


def test_a_memory_refusal_names_what_it_compares(runner, monkeypatch):
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)

    monkeypatch.setattr(estimate, "available_bytes", lambda: int(7.4 * 2**30))
    text = " ".join(["ham", "sandwich", "restaurant", "food"] * 300)
    line = one_error(invoke(runner, "show", text, "-H", "50", "--json"), 2)
    assert "GB more memory, over the 5.9 GB a run may take (80% of the 7.4 GB free on this machine)" in line


def test_matplotlib_under_an_unwritable_home_prints_nothing(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
    env["HOME"] = "/proc/attnviz-no-home"  # not even root can make a folder there
    for args in (["--image", "demo"], ["--image", "demo", "--focus", "3,3", "--save", str(tmp_path / "f.png")]):
        r = subprocess.run([sys.executable, "-m", "attnviz", "show", *args], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "mkdir" not in r.stderr and "Matplotlib" not in r.stderr, r.stderr


def test_library_log_warnings_stay_off_the_cli_s_stderr():
    import contextlib
    import io
    import logging

    from attnviz.cli import guarded

    def call():
        logging.getLogger("matplotlib.mathtext").warning("Font 'default' does not have a glyph for '\\u2212' [U+2212]")
        return 0

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert guarded(call) == 0
    assert err.getvalue() == ""


def test_raw_frames_of_a_1_mhz_sound_need_no_identity_matrix(tmp_path):
    """25 ms frames at 1 MHz are 25 000 numbers: np.eye(25 000) was 2.5 GB; the identity is now a view."""
    import resource
    import subprocess
    import sys

    import soundfile as sf

    t = np.arange(200_000) / 1_000_000
    sf.write(tmp_path / "fast.wav", (0.5 * np.sin(2 * np.pi * 3000 * t) * np.linspace(0, 1, len(t))).astype(np.float32),
             1_000_000, subtype="FLOAT")
    cap = 1 << 30
    r = subprocess.run([sys.executable, "-m", "attnviz", "show", "--audio", str(tmp_path / "fast.wav"), "--features", "raw",
                        "--json"], capture_output=True, text=True, timeout=300,
                       preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
    assert r.returncode == 0, r.stderr
    assert '"dim": 25000' in r.stdout
