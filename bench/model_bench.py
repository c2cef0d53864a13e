"""Model-at-length benchmark for issue #16 (item 3), standalone (the lead folds it into bench/run.py).

    python bench/model_bench.py [--quick]

A 512-token text (510 + [CLS] and [SEP]; sentences of scripts/make_corpus.py) through MiniLM:
  ours       `attnviz show --model minilm --file t.txt --json > out.json` (72 heads × α and α′,
             rollout: 38 M numbers, ~0.5 GB of JSON), and the same into /dev/null;
  reference  the forward pass alone as a whole process: import, open the model, tokenize, forward()
             (every layer's q, k, v, α, α′, b — what the JSON is written from).
Target: ≤ 2 × the reference's wall time and peak RSS.  Median of 3 alternated runs; peak RSS is
os.wait4's ru_maxrss; CPU time (user + system, every thread) is shown too, as it varies less than
wall time when other processes share the cores.  Writing ~0.5 GB to a file also measures the disk: the /dev/null row is the
program alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: process.py, one measured process
from process import run  # noqa: E402  (wall, RSS, CPU of one process)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

FORWARD = """
import sys
from attnviz.inputs.model import open_model, encode
from attnviz.core.encoder import forward
m = open_model("minilm")
layers, hidden = forward(m, encode(m, open(sys.argv[1], encoding="utf-8").read()))
"""



def text_of(tokens: int) -> str:
    """Sentences of the corpus generator, cut at a word boundary to exactly `tokens` model tokens."""
    from attnviz.inputs.model import open_model
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
    parser.add_argument("--quick", action="store_true", help="one run each instead of the median of 3")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from attnviz.inputs.model import open_model

    text = text_of(512)
    n = len(open_model("minilm").tokenizer.encode(text).ids)
    runs = {"file": [], "null": [], "forward": []}
    with tempfile.TemporaryDirectory() as tmp:
        path, out = Path(tmp) / "t.txt", Path(tmp) / "out.json"
        path.write_text(text, encoding="utf-8")
        show = [PY, "-m", "attnviz", "show", "--model", "minilm", "--file", str(path), "--json"]
        for _ in range(1 if args.quick else 3):
            runs["forward"].append(run([PY, "-c", FORWARD, str(path)]))
            with open(out, "w") as f:
                runs["file"].append(run(show, f))
            size = out.stat().st_size
            out.unlink()
            with open(os.devnull, "w") as f:
                runs["null"].append(run(show, f))
    wall = {k: statistics.median(w for w, _, _ in v) for k, v in runs.items()}
    rss = {k: max(r for _, r, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, _, c in v) for k, v in runs.items()}
    rows = []
    for key, where in (("file", f"to a file, {size / 1e6:.0f} MB"), ("null", "to /dev/null")):
        rows.append((f"show --model minilm --json, {n} tokens, {where} (wall)", f"{wall[key]:.2f} s",
                     f"{wall['forward']:.2f} s forward pass", f"{wall[key] / wall['forward']:.2f}×", "≤ 2×",
                     wall[key] <= 2 * wall["forward"]))
        rows.append((f"same, {where} (CPU time, all threads)", f"{cpu[key]:.2f} s", f"{cpu['forward']:.2f} s forward pass",
                     f"{cpu[key] / cpu['forward']:.2f}×", "–", True))
        rows.append((f"same, {where} (peak RSS)", f"{rss[key]:.0f} MB", f"{rss['forward']:.0f} MB forward pass",
                     f"{rss[key] / rss['forward']:.2f}×", "≤ 2×", rss[key] <= 2 * rss["forward"]))
    print("| figure | ours | reference | ratio | target | result |\n|---|---|---|---|---|---|")
    for name, a, b, ratio, target, ok in rows:
        print(f"| {name} | {a} | {b} | {ratio} | {target} | {'pass' if ok else 'FAIL'} |")


if __name__ == "__main__":
    main()
