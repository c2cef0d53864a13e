"""Model-at-length benchmark for issue #16 (item 3), standalone (the lead folds it into bench/run.py).

    python bench/model_bench.py [--quick] [--runs N]

A 512-token text (510 + [CLS] and [SEP]; sentences of scripts/make_corpus.py) through MiniLM:
  ours       `attnviz show --model minilm --file t.txt --json > out.json` (72 heads × α and α′,
             rollout: 38 M numbers, ~0.5 GB of JSON), and the same into /dev/null;
  reference  the forward pass alone as a whole process: import, open the model, tokenize, forward()
             (every layer's q, k, v, α, α′, b — what the JSON is written from), run twice: with
             BLAS's default threads and with one (OPENBLAS_NUM_THREADS=1); the faster median is the
             reference (on a busy 2-core machine a second BLAS thread spin-waits: 2-4 × slower);
  floor      `dd` writing as many bytes into a file in the same directory: what the file system
             alone costs, right after a file was deleted and after 3 s idle (this VM returns freed
             pages to its host after a while; taking fresh ones makes page-cache writes ~10 × slower).
Target: ≤ 2 × the reference's wall time and peak RSS.  Median of 5 alternated runs (spread
[min … max] shown); peak RSS is os.wait4's ru_maxrss; CPU time (user + system, every thread) is
shown too, as it varies less than wall time when other processes share the cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: process.py, one measured process
from process import run  # noqa: E402  (wall, RSS, CPU of one process)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

FORWARD = """
import sys
from attnviz.models.checkpoint import open_model, encode
from attnviz.models.checkpoint import forward
m = open_model("minilm")
layers, hidden = forward(m, encode(m, open(sys.argv[1], encoding="utf-8").read()))
"""



def text_of(tokens: int) -> str:
    """Sentences of the corpus generator, cut at a word boundary to exactly `tokens` model tokens."""
    from attnviz.models.checkpoint import open_model
    from scripts.make_corpus import corpus

    tok = open_model("minilm").tokenizer
    words = " ".join(corpus(200)).split()
    lo, hi = 0, len(words)
    while lo < hi:  # the most words that fit
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if len(tok.encode(" ".join(words[:mid])).ids) <= tokens else (lo, mid - 1)
    return " ".join(words[:lo])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each instead of the median of --runs")
    parser.add_argument("--runs", type=int, default=5, help="alternated runs of each process (default 5)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from attnviz.models.checkpoint import open_model

    text = text_of(512)
    n = len(open_model("minilm").tokenizer.encode(text).ids)
    runs = {"file": [], "null": [], "forward": [], "forward1": [], "dd": [], "dd cold": []}
    with tempfile.TemporaryDirectory() as tmp:
        path, out = Path(tmp) / "t.txt", Path(tmp) / "out.json"
        path.write_text(text, encoding="utf-8")
        show = [PY, "-m", "attnviz", "show", "--model", "minilm", "--file", str(path), "--json"]
        size = 0
        for _ in range(1 if args.quick else args.runs):
            runs["forward"].append(run([PY, "-c", FORWARD, str(path)]))
            runs["forward1"].append(run_with({"OPENBLAS_NUM_THREADS": "1"}, [PY, "-c", FORWARD, str(path)]))
            with open(out, "w") as f:
                runs["file"].append(run(show, f))
            size = out.stat().st_size
            out.unlink()
            with open(os.devnull, "w") as f:
                runs["null"].append(run(show, f))
            dd = ["dd", "if=/dev/zero", f"of={out}", "bs=1M", f"count={max(1, round(size / 2**20))}"]
            runs["dd"].append(run(dd))
            out.unlink()
            time.sleep(3)  # freed pages idle: this VM hands them back to its host, and taking them again is slow
            runs["dd cold"].append(run(dd))
            out.unlink()
    print(table(runs, n, size))


def run_with(env: dict, cmd: list[str]) -> tuple[float, float, float]:
    """process.run with these environment variables added."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return run(cmd)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def table(runs: dict, n: int, size: int) -> str:
    """The markdown table: wall and CPU time, peak RSS, each against the reference."""
    med = lambda key, i: statistics.median(r[i] for r in runs[key])  # noqa: E731
    spread = lambda key: f"[{min(r[0] for r in runs[key]):.2f} … {max(r[0] for r in runs[key]):.2f}]"  # noqa: E731
    ref = min(("forward", "forward1"), key=lambda k: med(k, 0))
    name = {"forward": "forward pass", "forward1": "forward pass, 1 BLAS thread"}[ref]
    rss_ref = max(r[1] for r in runs[ref])
    lines = ["| figure | ours | reference | ratio | target | result |", "|---|---|---|---|---|---|"]
    for key, where in (("file", f"to a file, {size / 1e6:.0f} MB"), ("null", "to /dev/null")):
        w, c, r = med(key, 0), med(key, 2), max(x[1] for x in runs[key])
        lines += [f"| show --model minilm --json, {n} tokens, {where} (wall) | {w:.2f} s {spread(key)} | {med(ref, 0):.2f} s {spread(ref)} {name} "
                  f"| {w / med(ref, 0):.2f}× | ≤ 2× | {'pass' if w <= 2 * med(ref, 0) else 'FAIL'} |",
                  f"| same, {where} (CPU time, all threads) | {c:.2f} s | {med(ref, 2):.2f} s | {c / med(ref, 2):.2f}× | – | – |",
                  f"| same, {where} (peak RSS) | {r:.0f} MB | {rss_ref:.0f} MB | {r / rss_ref:.2f}× | ≤ 2× | {'pass' if r <= 2 * rss_ref else 'FAIL'} |"]
    other = "forward1" if ref == "forward" else "forward"
    lines.append(f"| (the other forward pass: {'1 BLAS thread' if other == 'forward1' else 'default BLAS threads'}) | – | {med(other, 0):.2f} s {spread(other)} | – | – | – |")
    lines.append(f"| (floor: dd of {size / 1e6:.0f} MB into a file there, right after a file was deleted) | – | {med('dd', 0):.2f} s {spread('dd')}, CPU {med('dd', 2):.2f} s | – | – | – |")
    lines.append(f"| (the same dd after 3 s idle: fresh pages are slow on this VM) | – | {med('dd cold', 0):.2f} s {spread('dd cold')}, CPU {med('dd cold', 2):.2f} s | – | – | – |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
