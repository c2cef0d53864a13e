"""Long inputs (issue #16): streamed top-k attention at 100 000 and 1 000 000 tokens, wall time and
peak RSS of the whole process, and how memory grows with length.

    python bench/long_bench.py [--quick] [--out FILE.md]   (bench/run.py runs it too)

Same helpers as bench/run.py (whole processes, os.wait4's ru_maxrss).  References measured in
the same run: the interpreter with numpy (the floor any run pays) and this machine's GEMM rate
and load average, so a slow row on a busy machine can be told from a regression.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ATTNVIZ, PY, ROOT, document, gemm_rate, machine  # noqa: E402

os.environ["PYTHONPATH"] = str(ROOT)  # the command imports attnviz from this checkout

OPTIONS = ["--window", "64", "--heads", "4", "--top-k", "5", "--json"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100 000 and 200 000 tokens instead of 10⁵ and 10⁶")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = []

    def row(name, ours, ref, ratio, target, ok):
        rows.append(f"| {name} | {ours} | {ref} | {ratio} | {target} | {'pass' if ok else 'MISS'} |")
        print(rows[-1], flush=True)

    load = os.getloadavg()[0]
    t_np, _, rss_np = measure([PY, "-c", "import numpy"], args.repeat)
    rate = gemm_rate()
    big = 200_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for n, wall_max, rss_max in ((100_000, 2.5, 300), (big, 25.0, 500)):
            doc = Path(tmp) / f"doc{n}.txt"
            document(doc, n)
            measure(ATTNVIZ + ["show", "--file", str(doc)] + OPTIONS, 1)  # warm the page cache (vectors, file)
            wall, cpu, rss = measure(ATTNVIZ + ["show", "--file", str(doc)] + OPTIONS, args.repeat if n < big else 1)
            results[n] = (wall, cpu, rss)
            row(f"{n:,} tokens, --window 64 -H 4 --top-k 5 --json (wall; CPU)", f"{wall:.2f} s; {cpu:.2f} s",
                f"{t_np:.3f} s numpy", f"{wall / t_np:.0f}×", f"≤ {wall_max:g} s", wall <= wall_max)
            row(f"{n:,} tokens, --window 64 -H 4 --top-k 5 --json (RSS)", f"{rss:.0f} MB", f"{rss_np:.0f} MB numpy",
                f"{rss / rss_np:.1f}×", f"≤ {rss_max} MB", rss <= rss_max)
        (_, c1, r1), (_, c2, r2) = results[100_000], results[big]
        per_token = (r2 - r1) * 2**20 / (big - 100_000)
        row(f"memory growth 100,000 → {big:,} tokens (RSS per token)", f"{per_token:.0f} B", "3,600 B before #16", "–",
            "≤ 64 B (int32 id + header)", per_token <= 64)
        row(f"CPU time growth 100,000 → {big:,} tokens", f"{c2 / c1:.1f}×", f"{big / 100_000:.0f}× tokens",
            "–", "≤ 1.2 × linear", c2 / c1 <= 1.2 * big / 100_000)
        doc = Path(tmp) / "doc100000.txt"
        wall, cpu, rss = measure(ATTNVIZ + ["show", "--file", str(doc), "--score", "additive", "--window", "8", "--top-k", "2", "--json"], 1)
        row("100,000 tokens, --score additive --window 8 --top-k 2 --json (wall; CPU)", f"{wall:.2f} s; {cpu:.2f} s", "–", "–",
            "≤ 10 s", wall <= 10)
        small = Path(tmp) / "d1999.txt"
        small.write_text(" ".join(doc.read_text().split()[:1999]))
        wall, rss, _ = measure_refusal(ATTNVIZ + ["show", "--file", str(small), "-H", "300", "--json"])
        row("-H 300 on 1,999 tokens: refused with advice (wall)", f"{wall:.2f} s", "5.8 GB, MemoryError before", "–", "≤ 1 s", wall <= 1)
        wall, rss, _ = measure_refusal(ATTNVIZ + ["show", "--file", "/dev/zero"])
        row("--file /dev/zero: refused (wall, RSS)", f"{wall:.2f} s, {rss:.0f} MB", "2.7–4.2 GB before", "–", "≤ 1 s", wall <= 1)
    header = (f"Machine: {machine()}; load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
              f"GEMM {rate:.0f} GFLOP/s\n\n"
              "| figure | ours | reference | ratio | target | result |\n|---|---|---|---|---|---|")
    text = header + "\n" + "\n".join(rows) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)


def measure(cmd: list[str], repeat: int = 1) -> tuple[float, float, float]:
    """Median wall time, the CPU time (user + system) of that run, and the peak RSS (MB) over
    `repeat` runs, each in its own helper process.  CPU time shows what a busy machine hides:
    with 5 agents on 2 cores a run may get half a core."""
    import statistics
    import subprocess

    helper = [PY, "-c", (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
        "w = time.perf_counter() - t; r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(w, r.ru_utime + r.ru_stime, r.ru_maxrss / 1024, p.returncode); sys.stdout.write(p.stderr[-500:])")] + cmd
    runs = []
    for _ in range(repeat):
        p = subprocess.run(helper, capture_output=True, text=True, cwd=ROOT)
        first, _, err = p.stdout.partition("\n")
        wall, cpu, rss, code = first.split()
        if int(code) != 0:
            raise RuntimeError(f"{' '.join(cmd[:6])} … failed: {err.strip()}")
        runs.append((float(wall), float(cpu), float(rss)))
    wall = statistics.median(r[0] for r in runs)
    cpu = next(r[1] for r in runs if r[0] == wall)
    return wall, cpu, max(r[2] for r in runs)


def measure_refusal(cmd: list[str]) -> tuple[float, float, str]:
    """measure() for a run that must fail with exit 2 and one stderr line."""
    import subprocess

    helper = [PY, "-c", (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, p.returncode)\n"
        "sys.stdout.write(p.stderr)")] + cmd
    p = subprocess.run(helper, capture_output=True, text=True)
    first, _, err = p.stdout.partition("\n")
    wall, rss, code = first.split()
    if int(code) != 2 or len(err.strip().splitlines()) != 1:
        raise RuntimeError(f"{' '.join(cmd[:6])}: expected one error line and exit 2, got {code}: {err[-300:]}")
    return float(wall), float(rss), err


if __name__ == "__main__":
    main()
