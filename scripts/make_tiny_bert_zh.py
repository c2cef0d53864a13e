"""Write tests/data/tiny-bert-zh/: a tiny, randomly initialised Chinese BERT in the layout of
bert-base-chinese (config.json with model_type bert, model.safetensors, tokenizer.json, vocab.txt,
tokenizer_config.json), including its weight names: `bert.` prefix, a masked-LM head, LayerNorm
gamma/beta.  Deterministic.  Needs torch and transformers (only this script does).

    python scripts/make_tiny_bert_zh.py

The tokenizer is a BertWordPiece from the `tokenizers` library, like bert-base-chinese's: every
CJK character is a word of its own (handle_chinese_chars), no lowercasing, ## continuations.
Its vocabulary holds the special tokens, the characters of a few sentences about the
restaurant, some ## pieces and a little ASCII.  鳕 (cod) and ☃ are deliberately left out, so
"鳕鱼三明治" has an [UNK].
"""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "tiny-bert-zh"
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SENTENCES = ["餐厅拒绝给我一个火腿三明治，因为它只做素食。", "自注意力把每个词和句子里的其他词联系起来。", "鱼很好吃！"]
ASCII = ["a", "b", "bert", "the", "it", "##s", "##t", ",", ".", "!", "?", "0", "1", "2", "3"]
SEED = 0


def vocabulary() -> list[str]:
    chars = list(dict.fromkeys(c for s in SENTENCES for c in s))
    return SPECIAL + chars + ["##" + c for c in chars[:10]] + ASCII


def write_tokenizer(vocab: list[str]) -> None:
    from tokenizers import BertWordPieceTokenizer

    tok = BertWordPieceTokenizer({w: i for i, w in enumerate(vocab)}, clean_text=True, handle_chinese_chars=True,
                                 strip_accents=False, lowercase=False)
    tok.save(str(OUT / "tokenizer.json"))
    (OUT / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    config = {"tokenizer_class": "BertTokenizer", "do_lower_case": False, "tokenize_chinese_chars": True,
              "strip_accents": False, "model_max_length": 64}
    (OUT / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def write_model(vocab_size: int) -> None:
    """model.safetensors as Hugging Face publishes bert-base-chinese (a BertForMaskedLM checkpoint
    converted from Google's TensorFlow one): every name under `bert.`, the masked-LM head `cls.`
    next to it, and LayerNorm parameters named gamma/beta, not weight/bias."""
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(SEED)
    config = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
                        initializer_range=0.3)  # not BERT's 0.02: a random model that attends unevenly
    config.architectures = ["BertForMaskedLM"]
    config.update({"directionality": "bidi", "pooler_fc_size": 32, "pooler_num_attention_heads": 4,
                   "pooler_num_fc_layers": 3, "pooler_size_per_head": 8, "pooler_type": "first_token_transform"})
    model = BertForMaskedLM(config).eval()
    with torch.no_grad():  # LayerNorm starts at gamma = 1, beta = 0: random ones, so a loader that skips them fails parity
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn_like(p))
    state = {old_name(k): v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(OUT / "model.safetensors"), metadata={"format": "pt"})
    config.to_json_file(str(OUT / "config.json"))


def old_name(key: str) -> str:
    """bert.embeddings.LayerNorm.weight -> bert.embeddings.LayerNorm.gamma (and bias -> beta)."""
    return key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    vocab = vocabulary()
    write_tokenizer(vocab)
    write_model(len(vocab))


if __name__ == "__main__":
    main()
