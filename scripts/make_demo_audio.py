"""Make data/demo_speech.flac: the seed sentence spoken by espeak-ng, 16 kHz mono 16-bit FLAC.

    python scripts/make_demo_audio.py            # needs espeak-ng (apt install espeak-ng), soundfile, scipy

espeak-ng writes 22 050 Hz 16-bit WAV; scipy.signal.resample_poly(160, 441) brings it to 16 kHz
(a polyphase low-pass resampler), and soundfile writes FLAC (lossless: every machine decodes the same
samples).  `attnviz show --audio demo` reads the result.  espeak-ng's output depends on its version
(this file was made with the version printed at the end and recorded in data/demo_speech.txt).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
RATE = 16000


def speak(text: str, voice: str = "en-us", speed: int = 150, ssml: bool = False) -> tuple[np.ndarray, int]:
    """espeak-ng -> (samples [N] float64 mono, sample rate)."""
    import soundfile as sf

    cmd = ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout"] + (["-m"] if ssml else []) + [text]
    wav = subprocess.run(cmd, check=True, capture_output=True).stdout
    y, sr = sf.read(io.BytesIO(wav), dtype="float64")
    return y, sr


def to_rate(y: np.ndarray, sr: int, rate: int = RATE) -> np.ndarray:
    """Resample with a polyphase filter; peak-normalize to 0.9 so 16-bit keeps the detail."""
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(rate, sr)
    z = resample_poly(y, rate // g, sr // g)
    return 0.9 * z / np.abs(z).max()


def espeak_version() -> str:
    out = subprocess.run(["espeak-ng", "--version"], check=True, capture_output=True, text=True).stdout
    return out.split("  Data at")[0].strip()  # "eSpeak NG text-to-speech: 1.51"


def main() -> None:
    import soundfile as sf

    y, sr = speak(SEED)
    z = to_rate(y, sr)
    out = ROOT / "data" / "demo_speech.flac"
    sf.write(out, z, RATE, subtype="PCM_16")
    (ROOT / "data" / "demo_speech.txt").write_text(
        f"demo_speech.flac: {SEED!r}\nspoken by {espeak_version()} (voice en-us, 150 words/min),\n"
        f"resampled to {RATE} Hz mono 16-bit FLAC by scripts/make_demo_audio.py.  {len(z) / RATE:.2f} s.\n",
        encoding="utf-8")
    print(f"{out}: {len(z) / RATE:.2f} s, {out.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
