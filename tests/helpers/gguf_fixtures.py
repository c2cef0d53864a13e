"""GGUF files written in the test session with gguf's own writer (small tensors, any quantization),
and tiny random Hugging Face decoders converted the way llama.cpp's convert_hf_to_gguf.py does."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def byte_alphabet() -> list[str]:
    """GPT-2's bytes_to_unicode(), in byte order (an independent copy of the well-known table)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


BPE_MERGES = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "a t", "Ġ c", "Ġc at", "Ġ s", "Ġs at", "o n", "Ġ on", "Ġ m", "Ġm at"]


def bpe_vocab() -> tuple[list[str], list[str], list[int]]:
    """A small byte-level BPE: the byte alphabet, the merged tokens, two control tokens."""
    tokens = byte_alphabet()
    for m in BPE_MERGES:
        a, b = m.split(" ")
        if a + b not in tokens:
            tokens.append(a + b)
    tokens += ["<|endoftext|>", "<|im_start|>"]
    types = [1] * (len(tokens) - 2) + [3, 3]
    return tokens, BPE_MERGES, types


def spm_vocab() -> tuple[list[str], list[float], list[int]]:
    """A small SentencePiece-style vocabulary with scores and byte fallback (as Llama 2's)."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    pieces = ["▁", "t", "h", "e", "c", "a", "s", "o", "n", "m", "▁t", "he", "▁the", "at", "▁c", "▁cat", "▁s", "▁sat", "on", "▁on", "▁m", "▁mat"]
    tokens += pieces
    types += [1] * len(pieces)
    scores = [0.0] * (3 + 256) + [-float(i) for i in range(len(pieces))]
    return tokens, scores, types


def write_gguf(path: Path, arch: str, meta: dict, tensors: dict, tokenizer: str | None = "bpe") -> Path:
    """tensors: name -> float array (F32) or (array, quantization type name)."""
    import gguf
    from gguf import GGMLQuantizationType as Q
    from gguf import quants

    w = gguf.GGUFWriter(str(path), arch)
    if tokenizer == "bpe":
        tokens, merges, types = bpe_vocab()
        meta = {"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "gpt2", "tokenizer.ggml.tokens": tokens,
                "tokenizer.ggml.merges": merges, "tokenizer.ggml.token_type": types, "tokenizer.ggml.bos_token_id": len(tokens) - 2,
                "tokenizer.ggml.eos_token_id": len(tokens) - 2, "tokenizer.ggml.add_bos_token": False, **meta}
    elif tokenizer == "spm":
        tokens, scores, types = spm_vocab()
        meta = {"tokenizer.ggml.model": "llama", "tokenizer.ggml.tokens": tokens, "tokenizer.ggml.scores": scores,
                "tokenizer.ggml.token_type": types, "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2,
                "tokenizer.ggml.unknown_token_id": 0, **meta}
    for key, val in meta.items():
        if isinstance(val, bool):
            w.add_bool(key, val)
        elif isinstance(val, int):
            w.add_uint32(key, val)
        elif isinstance(val, float):
            w.add_float32(key, val)
        elif isinstance(val, str):
            w.add_string(key, val)
        else:
            w.add_array(key, list(val))
    for name, t in tensors.items():
        data, qtype = t if isinstance(t, tuple) else (t, "F32")
        q = Q[qtype]
        if isinstance(data, np.ndarray) and data.dtype == np.uint8:
            w.add_tensor(name, data, raw_dtype=q)  # raw blocks made by the test
        elif q == Q.F32:
            w.add_tensor(name, np.ascontiguousarray(data, dtype=np.float32))
        else:
            w.add_tensor(name, quants.quantize(np.asarray(data, dtype=np.float32), q), raw_dtype=q)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's LlamaModel.permute (convert_hf_to_gguf.py), applied to Q and K of llama models."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


LLAMA_TO_GGUF = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"}
LAYER_TO_GGUF = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
                 "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
                 "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
                 "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias", "self_attn.v_proj.bias": "attn_v.bias",
                 "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
                 "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"}


def decoder_to_gguf(state: dict[str, np.ndarray], config, arch: str, path: Path, qtype: str = "F32", extra: dict | None = None) -> Path:
    """A Hugging Face llama / qwen2 / qwen3 state dict written as llama.cpp would (Q/K permuted for llama)."""
    tensors = dict(extra or {})
    for name, w in state.items():
        if name in LLAMA_TO_GGUF:
            g = LLAMA_TO_GGUF[name]
        else:
            parts = name.split(".")  # model.layers.{i}.<rest>
            g = f"blk.{parts[2]}." + LAYER_TO_GGUF[".".join(parts[3:])]
        if arch == "llama" and g.endswith(("attn_q.weight", "attn_q.bias")):
            w = permute(w, config.num_attention_heads)
        elif arch == "llama" and g.endswith(("attn_k.weight", "attn_k.bias")):
            w = permute(w, config.num_key_value_heads)
        tensors[g] = (w, qtype if w.ndim == 2 else "F32")
    meta = {f"{arch}.block_count": config.num_hidden_layers, f"{arch}.context_length": config.max_position_embeddings,
            f"{arch}.embedding_length": config.hidden_size, f"{arch}.feed_forward_length": config.intermediate_size,
            f"{arch}.attention.head_count": config.num_attention_heads, f"{arch}.attention.head_count_kv": config.num_key_value_heads,
            f"{arch}.rope.freq_base": float(getattr(config, "rope_theta", None) or config.rope_parameters["rope_theta"]),
            f"{arch}.attention.layer_norm_rms_epsilon": float(config.rms_norm_eps), f"{arch}.vocab_size": config.vocab_size}
    if getattr(config, "head_dim", None) and arch == "qwen3":
        meta[f"{arch}.attention.key_length"] = config.head_dim
        meta[f"{arch}.attention.value_length"] = config.head_dim
    return write_gguf(path, arch, meta, tensors)


GPT2_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def gpt2_to_gguf(state: dict[str, np.ndarray], config, path: Path) -> Path:
    """A Hugging Face GPT-2 state dict written as llama.cpp would (Conv1D weights transposed to [out, in])."""
    top = {"transformer.wte.weight": "token_embd.weight", "transformer.wpe.weight": "position_embd.weight",
           "transformer.ln_f.weight": "output_norm.weight", "transformer.ln_f.bias": "output_norm.bias"}
    layer = {"ln_1": "attn_norm", "ln_2": "ffn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
             "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    tensors = {}
    for name, w in state.items():
        if name in top:
            tensors[top[name]] = w
            continue
        parts = name.split(".")  # transformer.h.{i}.<module>.<weight|bias>
        if parts[0] != "transformer" or parts[1] != "h":
            continue  # lm_head: tied
        module, kind = ".".join(parts[3:-1]), parts[-1]
        rest = ".".join(parts[3:])
        tensors[f"blk.{parts[2]}.{layer[module]}.{kind}"] = np.ascontiguousarray(w.T) if rest in GPT2_TRANSPOSED else w
    meta = {"gpt2.block_count": config.n_layer, "gpt2.context_length": config.n_positions, "gpt2.embedding_length": config.n_embd,
            "gpt2.feed_forward_length": 4 * config.n_embd, "gpt2.attention.head_count": config.n_head,
            "gpt2.attention.layer_norm_epsilon": float(config.layer_norm_epsilon)}
    return write_gguf(path, "gpt2", meta, tensors)
