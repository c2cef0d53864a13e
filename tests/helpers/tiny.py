"""Tiny random decoders built with transformers in the test session, saved as a user's model folder
(config.json, model.safetensors, tokenizer.json): the references of tests/models/test_decoders.py.

Weights are drawn far from transformers' std-0.02 init (that makes every head flat): embeddings
std 1, q/k std 0.4, the rest 0.15, norms 1 ± 0.2, so attention is peaked and logits well apart.
"""

from __future__ import annotations

import json
from pathlib import Path

SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
TEXTS = [SEED, "Colorless green ideas sleep furiously.", "The animal didn't cross the street because it was too tired.",
         "Attention is all you need; the quick brown fox jumps over the lazy dog."]


def tokenizer(bos: bool):
    """A byte-level BPE of 300 tokens trained on TEXTS; <s> (id 0) added in front when bos."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<s>", "</s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(TEXTS * 3, trainer)
    if bos:
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 0)])
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok


def scale_weights(model, seed: int = 0) -> None:
    import torch

    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("norm.weight", "ln_1.weight", "ln_2.weight", "ln_f.weight")):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif "embed" in name or name.endswith(("wte.weight", "wpe.weight")):
                p.normal_(0, 1)
            elif any(part in name for part in ("q_proj", "k_proj", "c_attn")):
                p.normal_(0, 0.4)
            else:
                p.normal_(0, 0.15)


def build(path: Path, config, bos: bool = True, edit=None) -> Path:
    """Save a random causal LM of `config` (a transformers config) and its tokenizer under path;
    edit(raw) may rewrite config.json afterwards (another spelling of the same settings)."""
    import transformers

    tok = tokenizer(bos)
    config.vocab_size = tok.get_vocab_size()
    config.bos_token_id, config.eos_token_id = 0, 1
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager").eval()
    scale_weights(model)
    model.save_pretrained(path)
    transformers.PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>").save_pretrained(path)
    if edit is not None:
        raw = json.loads((path / "config.json").read_text())
        edit(raw)
        (path / "config.json").write_text(json.dumps(raw))
    return path
