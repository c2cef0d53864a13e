"""Corpus benchmark for issue #16 (item 6), standalone (the lead folds it into bench/run.py).

    python bench/corpus_bench.py [--quick] [--count 1000]

1 000 sentences (scripts/make_corpus.py, seed 0) -> every head's summary (entropy; share on
[CLS], [SEP], self, previous, next, punctuation; mean over sentences), as a whole process:
  ours       `attnviz heads --model minilm --file corpus.txt --json > out.json`
  reference  transformers + torch, eager attention, output_attentions=True, batches of 64
             sentences sorted by length (padding + attention mask), the same summaries computed
             with torch ops, JSON written — imports and tokenization included.
Wall clock (median of 3, runs alternated), peak RSS (os.wait4's ru_maxrss).  The two results are
compared (max |difference| of the 72 × 7 means), so both really computed the same thing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: process.py, one measured process
import process  # noqa: E402  (bench/process.py: one measured process)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

TORCH = r"""
import json, sys, unicodedata
import torch
from transformers import AutoModel, AutoTokenizer

path, corpus, out = sys.argv[1:4]
tok = AutoTokenizer.from_pretrained(path)
model = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
lines = [l.strip() for l in open(corpus, encoding="utf-8") if l.strip()]
enc = tok(lines, add_special_tokens=True)
lengths = [len(ids) for ids in enc["input_ids"]]
order = sorted(range(len(lines)), key=lambda i: lengths[i])
punct_of = lambda t: all(unicodedata.category(c).startswith("P") for c in t)
L, H = model.config.num_hidden_layers, model.config.num_attention_heads
total = torch.zeros(L, H, 7, dtype=torch.float64)
with torch.inference_mode():
    for s in range(0, len(order), 64):
        idx = order[s : s + 64]
        batch = tok([lines[i] for i in idx], padding=True, return_tensors="pt", return_special_tokens_mask=True)
        special = batch.pop("special_tokens_mask").bool()
        mask = batch["attention_mask"].bool()
        n = mask.sum(1)  # [B]
        atts = model(**batch, output_attentions=True).attentions  # L × [B, H, T, T]
        toks = [tok.convert_ids_to_tokens(ids) for ids in batch["input_ids"]]
        punct = torch.tensor([[punct_of(t) and not sp for t, sp in zip(ts, sps)] for ts, sps in zip(toks, special.tolist())])
        sep = special & mask
        sep[:, 0] = False
        rows = mask.float()[:, None, :]  # [B, 1, T]
        rows1 = rows[..., 1:]
        mean = lambda x, w, c: (x * w).sum(-1) / c.clamp(min=1)[:, None]
        for li, a in enumerate(atts):
            a = a.double()
            ent = -(a * torch.log2(torch.where(a > 0, a, torch.ones_like(a)))).sum(-1)
            stats = [mean(ent, rows, n), mean(a[..., 0], rows, n) * special[:, :1].double(),
                     mean((a * sep[:, None, None, :]).sum(-1), rows, n), mean(torch.diagonal(a, 0, 2, 3), rows, n),
                     mean(torch.diagonal(a, -1, 2, 3), rows1, n - 1), mean(torch.diagonal(a, 1, 2, 3), rows1, n - 1),
                     mean((a * punct[:, None, None, :]).sum(-1), rows, n)]
            total[li] += torch.stack(stats, -1).sum(0)
json.dump({"mean": (total / len(lines)).tolist()}, open(out, "w"))
"""


def run(cmd: list[str], stdout=None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one process (bench/process.py)."""
    wall, rss, _ = process.run(cmd, stdout)
    return wall, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each instead of the median of 3")
    parser.add_argument("--count", type=int, default=1000, help="sentences")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from attnviz.models.files import resolve_model
    from scripts.make_corpus import corpus

    model_dir = str(resolve_model("minilm"))
    with tempfile.TemporaryDirectory() as tmp:
        text, ours_out, ref_out = Path(tmp) / "corpus.txt", Path(tmp) / "ours.json", Path(tmp) / "ref.json"
        text.write_text("\n".join(corpus(args.count)) + "\n", encoding="utf-8")
        ours_cmd = [PY, "-m", "attnviz", "heads", "--model", "minilm", "--file", str(text), "--json"]
        ref_cmd = [PY, "-c", TORCH, model_dir, str(text), str(ref_out)]
        ours, ref = [], []
        for _ in range(1 if args.quick else 3):
            with open(ours_out, "w") as f:
                ours.append(run(ours_cmd, f))
            ref.append(run(ref_cmd))
        doc, want = json.loads(ours_out.read_text()), json.loads(ref_out.read_text())["mean"]
        keys = ("entropy", "cls", "sep", "self", "prev", "next", "punct")
        diff = max(abs(h["summary"][k] - want[h["layer"]][h["head"]][i]) for h in doc["heads"] for i, k in enumerate(keys))
    wall, ref_wall = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in ref)
    rss, ref_rss = max(r for _, r in ours), max(r for _, r in ref)
    rows = [
        (f"{args.count} corpus sentences, MiniLM head summaries (wall)", f"{wall:.2f} s", f"{ref_wall:.2f} s torch",
         f"{ref_wall / wall:.2f}× faster" if wall <= ref_wall else f"{wall / ref_wall:.2f}× slower", "≥ 1× (as fast)", wall <= ref_wall),
        (f"{args.count} corpus sentences, same (peak RSS)", f"{rss:.0f} MB", f"{ref_rss:.0f} MB torch",
         f"{rss / ref_rss:.2f}×", "≤ 0.6×", rss <= 0.6 * ref_rss),
        ("same: max abs difference of the 72 × 7 mean summaries vs torch", f"{diff:.1e}", "–", "–", "≤ 1e-4", diff <= 1e-4),
    ]
    print("| figure | ours | reference | ratio | target | result |\n|---|---|---|---|---|---|")
    for name, a, b, ratio, target, ok in rows:
        print(f"| {name} | {a} | {b} | {ratio} | {target} | {'pass' if ok else 'FAIL'} |")


if __name__ == "__main__":
    main()
