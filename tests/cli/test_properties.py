"""Property-based: random text, sounds, pictures and files (any bytes, --lines, the streamed --top-k
path), with random option combinations, never crash the CLI; JSON output is strict JSON.

CI runs a quick sample; the long run (≥ 10 000 cases) is
    ATTNVIZ_PROPERTY_EXAMPLES=10000 .venv/bin/pytest tests/cli/test_properties.py -q
"""

import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import invoke

EXAMPLES = int(os.environ.get("ATTNVIZ_PROPERTY_EXAMPLES", "60"))

WORDS = st.sampled_from(["the", "restaurant", "ham", "sandwich", "it", "food", "cooks", "Vegetarian", "because", "a"])
ODD = st.sampled_from(list("abcxyz '-.,!?;:09\t\n") + ["自", "注意", "😀", "\x00", "\x1b", "\u202e", "مطعم", "é", "\u3000", "xqzzy"])
TEXT = st.lists(st.one_of(WORDS.map(lambda w: w + " "), WORDS.map(lambda w: w + " "), ODD), max_size=30).map("".join)

# mostly valid values, a few invalid ones (each option's last values)
OPTIONS = {
    "--heads": [1, 2, 3, 4, 7, 0],
    "--score": ["scaled-dot", "dot", "additive", "cosine", "bogus"],
    "--normalize": ["softmax", "softmax", "relu", "none"],
    "--temperature": [0.5, 2, 1e-9, 1e9, 0, -1],
    "--window": [0, 1, 3, 20, -1],
    "--projection": ["identity", "random"],
    "--pos": ["none", "sinusoidal"],
    "--embedding": ["vectors", "vectors", "onehot"],
    "--input-norm": ["standard", "center", "none"],
    "--top-k": [1, 5],
    "--edges": ["0-1", "1-0,2-3", "ham-food", "x"],
    "--focus": ["0", "1", "ham"],
    "--matrix": ["both", "alpha", "alpha-prime"],
    "--cells": ["numbers", "heat"],
}
RARE = {"--d-k": [3, 7, 150], "--d-a": [4], "--pos-scale": [0.5]}  # only valid with other options
FLAGS = ["--causal", "--no-self", "--punct", "--json", "--include-vectors", "--directed"]


@st.composite
def arguments(draw):
    args = ["show", draw(TEXT)]
    for option, values in OPTIONS.items():
        if draw(st.integers(0, 4)) == 0:  # each option present a fifth of the time
            args += [option, str(draw(st.sampled_from(values)))]
    for option, values in RARE.items():
        if draw(st.integers(0, 15)) == 0:
            args += [option, str(draw(st.sampled_from(values)))]
    args += [flag for flag in FLAGS if draw(st.integers(0, 5)) == 0]
    return args


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def check_run(runner, args):
    """One CLI run: exit 0, 1 or 2, never a traceback or an internal error; an error ends in one
    `attnviz: error:` line; JSON output (one document, or JSON Lines with --top-k or --lines) is
    strict JSON: no NaN or Infinity."""
    result = invoke(runner, *args)
    event(f"exit code {result.exit_code}" + (": " + result.stderr.strip().splitlines()[-1][16:50] if result.exit_code else ""))
    assert result.exit_code in (0, 1, 2), (args, result.output)
    assert "Traceback" not in result.output and "internal error" not in result.stderr, (args, result.output)
    if result.exit_code:
        assert result.stderr.strip().splitlines()[-1].startswith("attnviz: error:"), (args, result.stderr)
    elif "--json" in args:
        lines = result.stdout.strip().splitlines() if {"--top-k", "--lines"} & set(args) else [result.stdout]
        docs = [json.loads(line, parse_constant=_reject_constant) for line in lines if line.strip()]
        headers = docs if "--lines" in args else docs[:1]  # --top-k: a header line, then one line per query
        assert docs and all(doc["schema"] == "attnviz/1" for doc in headers), docs[:1]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(arguments())
def test_cli_never_crashes(runner, args):
    check_run(runner, args)


# ---- sounds and pictures: every input kind goes through the same property --------------------

def _media_files() -> dict[str, str]:
    """A short sound, a tiny picture, a 1-pixel picture, a silent clip, and a file that is neither."""
    import tempfile
    from pathlib import Path

    import numpy as np
    import soundfile as sf
    from PIL import Image

    folder = Path(tempfile.mkdtemp(prefix="attnviz-props-"))
    rng = np.random.default_rng(0)
    t = np.arange(4000) / 8000
    sf.write(folder / "tone.wav", (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.normal(size=t.size)).astype("float32"), 8000)
    sf.write(folder / "silence.flac", np.zeros(800, dtype="float32"), 8000)
    Image.fromarray(rng.integers(0, 255, (6, 9, 3), dtype=np.uint8)).save(folder / "small.png")
    Image.fromarray(np.zeros((1, 1, 4), dtype=np.uint8)).save(folder / "dot.png")
    (folder / "text.wav").write_text("not a sound")
    return {k: str(folder / k) for k in ("tone.wav", "silence.flac", "small.png", "dot.png", "text.wav")}


MEDIA = _media_files()
AUDIO_OPTIONS = {
    "--window": ["0", "3", "30ms", "0.05s", "1.5", "-2ms"],
    "--focus": ["0.1s", "100ms", "3", "9s", "x"],
    "--features": ["logmel", "mfcc", "raw"],
    "--frame-ms": ["25", "5", "0", "1000"],
    "--hop-ms": ["10", "2.5", "-1"],
    "--heads": ["1", "2", "3", "5"],
    "--pos": ["none", "sinusoidal"],
    "--top-k": ["1", "4"],
    "--score": ["scaled-dot", "dot", "cosine", "additive"],
}
IMAGE_OPTIONS = {
    "--size": ["3", "8", "32", "0"],
    "--patch": ["1", "2", "3", "50"],
    "--window": ["0", "1", "2", "1s"],
    "--focus": ["1,1", "2,3", "(3,2)", "0,0", "99,1", "a"],
    "--heads": ["1", "3", "2"],
    "--pos": ["none", "sinusoidal"],
    "--top-k": ["2"],
    "--input-norm": ["standard", "center", "none"],
}


@st.composite
def media_arguments(draw):
    audio = draw(st.booleans())
    files = ["tone.wav", "silence.flac", "text.wav"] if audio else ["small.png", "dot.png", "small.png"]
    args = ["show", "--audio" if audio else "--image", MEDIA[draw(st.sampled_from(files))]]
    for option, values in (AUDIO_OPTIONS if audio else IMAGE_OPTIONS).items():
        if draw(st.integers(0, 3)) == 0:
            args += [option, draw(st.sampled_from(values))]
    args += [flag for flag in ("--causal", "--no-self", "--json") if draw(st.integers(0, 5)) == 0]
    return args


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(media_arguments())
def test_cli_never_crashes_on_sounds_and_pictures(runner, args):
    check_run(runner, args)


# ---- files and corpora (#16): any bytes through --file, --lines and the streamed long path ----

LINE = st.lists(st.one_of(WORDS.map(lambda w: w + " "), WORDS.map(lambda w: w + " "), ODD), max_size=12).map("".join)
TEXT_FILE = st.lists(LINE, max_size=8).map(lambda lines: "\n".join(lines).encode("utf-8"))
FILE_BYTES = st.one_of(
    TEXT_FILE, TEXT_FILE, TEXT_FILE,
    st.binary(max_size=64),  # not text at all
    st.tuples(st.sampled_from([b"\xef\xbb\xbf", b"\x00", b"\r\n", b"\xff"]), st.lists(LINE, max_size=5)).map(
        lambda t: t[0] + "\r\n".join(t[1]).encode("utf-8")),  # a BOM, a NUL, Windows line ends, a bad byte
)
MODES = {  # what goes with what: one document, one per line (--lines), or the streamed long path (--top-k)
    "single": {"--window": ["1", "4", "0"], "--heads": ["1", "2"], "--score": ["scaled-dot", "additive", "cosine"],
               "--temperature": ["1e-40", "0.5", "1e30"], "--focus": ["1", "ham"]},
    "lines": {"--window": ["1", "3"], "--heads": ["1", "2"], "--score": ["scaled-dot", "dot"], "--temperature": ["1e-40", "2"]},
    "stream": {"--top-k": ["1", "3"], "--window": ["1", "4"], "--heads": ["1", "2"], "--score": ["scaled-dot", "additive"],
               "--temperature": ["1e-40", "0.5", "1e30"]},
}


@st.composite
def file_arguments(draw, folder):
    path = folder / f"f{draw(st.integers(0, 3))}.txt"
    path.write_bytes(draw(FILE_BYTES))
    mode = draw(st.sampled_from(sorted(MODES)))
    args = ["show", "--file", str(path)] + {"single": [], "lines": ["--lines", "--json"], "stream": ["--top-k", "2"]}[mode]
    for option, values in MODES[mode].items():
        if draw(st.integers(0, 3)) == 0:
            args += [option, draw(st.sampled_from(values))]
    args += [flag for flag in ("--json", "--causal", "--no-self") if flag not in args and draw(st.integers(0, 2)) == 0]
    return args


FOLDER = Path(tempfile.mkdtemp(prefix="attnviz-files-"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(file_arguments(FOLDER))
def test_cli_never_crashes_on_files_and_corpora(runner, args):
    check_run(runner, args)
