"""Make tests/data/repeat_word.flac (+ .json): one word said twice with other words between.

    python scripts/make_test_audio.py            # needs espeak-ng, soundfile, scipy

One espeak-ng call speaks the whole phrase (so the two occurrences get different prosody: the last
word of a phrase falls in pitch), with SSML breaks of 250 ms between words so each word can be cut
out by energy.  The word spans go into repeat_word.json (found here once, by a frame-energy
threshold, and committed), so the test needs neither espeak-ng nor a segmenter.
16 kHz mono 16-bit FLAC.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_demo_audio import RATE, espeak_version, speak, to_rate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["apple", "river", "window", "table", "apple"]
BREAK_MS = 250


def word_spans(y: np.ndarray, sr: int, n_words: int, threshold_db: float = -35.0, min_gap_s: float = 0.12) -> list[tuple[float, float]]:
    """Runs of 10 ms frames louder than threshold_db below the peak, runs closer than min_gap_s merged."""
    hop = sr // 100
    n = len(y) // hop
    energy = np.array([np.mean(y[t * hop:(t + 1) * hop] ** 2) for t in range(n)])
    db = 10 * np.log10(np.maximum(energy, 1e-12) / energy.max())
    loud = np.flatnonzero(db > threshold_db)
    spans = [[loud[0], loud[0]]]
    for t in loud[1:]:
        if (t - spans[-1][1]) * hop / sr < min_gap_s:
            spans[-1][1] = t
        else:
            spans.append([t, t])
    if len(spans) != n_words:
        raise SystemExit(f"found {len(spans)} loud runs for {n_words} words; adjust threshold_db / BREAK_MS")
    return [(round(s * hop / sr, 3), round((e + 1) * hop / sr, 3)) for s, e in spans]


def main() -> None:
    import soundfile as sf

    ssml = "<speak>" + f' <break time="{BREAK_MS}ms"/> '.join(WORDS) + "</speak>"
    y, sr = speak(ssml, ssml=True)
    z = to_rate(y, sr)
    out = ROOT / "tests" / "data" / "repeat_word.flac"
    sf.write(out, z, RATE, subtype="PCM_16")
    z16, _ = sf.read(out, dtype="float64")  # the spans from what the test will read
    spans = word_spans(z16, RATE, len(WORDS))
    doc = {"words": [{"word": w, "start_s": s, "end_s": e} for w, (s, e) in zip(WORDS, spans)],
           "made_by": f"scripts/make_test_audio.py with {espeak_version()}, voice en-us", "ssml": ssml}
    (out.with_suffix(".json")).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(z) / RATE:.2f} s, {out.stat().st_size} bytes; {spans}", file=sys.stderr)


if __name__ == "__main__":
    main()
