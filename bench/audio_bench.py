"""Audio benchmarks for issue #13, standalone (the lead folds them into bench/run.py).

    python bench/audio_bench.py [--quick]

(a) one minute of 16 kHz speech: our whole process (read, 80-band log-mel, standardize,
    --window 150ms attention blockwise with top-5 keys, JSON to a file) against librosa's log-mel
    of the same clip alone (import, read, melspectrogram, power_to_db) as a whole process;
(b) ten minutes (60 000 frames): peak RSS of the features alone and of features + the windowed
    top-k attention, against the 1 GB target.
The clips are the demo sentence repeated (16 kHz 16-bit WAV in a temporary folder).  Timings are
whole processes, wall clock, median of several runs; memory is the peak resident set size
(os.wait4's ru_maxrss).  Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: process.py, one measured process
import process  # noqa: E402  (bench/process.py: one measured process)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

OURS = """
import json, math, sys
import numpy as np
from attnviz.inputs.audio import audio_sequence, window_frames, source_times
from attnviz.core.blockwise import blockwise_head
from attnviz.core.attention import AttentionConfig
seq = audio_sequence(sys.argv[1])
x = seq.vectors
d = x.shape[1]
t = float(np.median(np.einsum("nd,nd->n", x, x) / math.sqrt(d))) / 3  # attnviz's default T
if sys.argv[2] == "attend":
    head = blockwise_head(x, x, x, AttentionConfig(temperature=t), 5, window=window_frames(0.15, seq.source.hop_s))
    start, end = source_times(seq.source)
    doc = {"source": {k: v for k, v in seq.source.items()}, "start": start.round(4).tolist(), "end": end.round(4).tolist(),
           "keys": head.keys.tolist(), "alpha_prime": head.alpha_prime.round(6).tolist()}
    with open(sys.argv[3], "w") as f:
        json.dump(doc, f, allow_nan=False)
"""

LIBROSA = """
import sys
import librosa, soundfile

y, sr = soundfile.read(sys.argv[1], dtype="float32")
S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=160, win_length=400, window="hann",
                                   n_mels=80, htk=False, norm="slaney")
db = librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)
"""


def run(code: str, args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one `python -c code args` process (bench/process.py)."""
    wall, rss, _ = process.run([PY, "-c", code, *args])
    return wall, rss


def median_run(code: str, args: list[str], repeat: int) -> tuple[float, float]:
    runs = [run(code, args) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), max(r for _, r in runs)


def make_clip(path: Path, seconds: float) -> None:
    """The demo sentence repeated to `seconds` (16 kHz, 16-bit WAV)."""
    import numpy as np
    import soundfile as sf

    y, sr = sf.read(ROOT / "data" / "demo_speech.flac", dtype="float32")
    reps = int(np.ceil(seconds * sr / len(y)))
    sf.write(path, np.tile(y, reps)[: int(seconds * sr)], sr, subtype="PCM_16")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each instead of the median of 5")
    repeat = 1 if parser.parse_args().quick else 5
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        one, ten, out = Path(tmp) / "1min.wav", Path(tmp) / "10min.wav", str(Path(tmp) / "out.json")
        make_clip(one, 60)
        make_clip(ten, 600)
        ours, ours_rss = median_run(OURS, [str(one), "attend", out], repeat)
        ref, ref_rss = median_run(LIBROSA, [str(one)], repeat)
        rows.append(("1 min 16 kHz, logmel, --window 150ms --top-k 5, JSON (wall)", f"{ours:.3f} s",
                     f"{ref:.3f} s librosa log-mel alone", f"{ref / ours:.1f}× faster", "faster", ours < ref))
        rows.append(("1 min 16 kHz, same (peak RSS)", f"{ours_rss:.0f} MB", f"{ref_rss:.0f} MB librosa", "–", "–", True))
        _, feat_rss = median_run(OURS, [str(ten), "features"], 1)
        wall, all_rss = median_run(OURS, [str(ten), "attend", out], 1)
        rows.append(("10 min (60 000 frames), features only (peak RSS)", f"{feat_rss:.0f} MB", "–", "–", "≤ 1024 MB", feat_rss <= 1024))
        rows.append((f"10 min, features + --window 150ms --top-k 5 + JSON (peak RSS; {wall:.1f} s)", f"{all_rss:.0f} MB",
                     "–", "–", "≤ 1024 MB", all_rss <= 1024))
    print("| figure | ours | reference | ratio | target | result |\n|---|---|---|---|---|---|")
    for name, a, b, ratio, target, ok in rows:
        print(f"| {name} | {a} | {b} | {ratio} | {target} | {'pass' if ok else 'FAIL'} |")


if __name__ == "__main__":
    main()
