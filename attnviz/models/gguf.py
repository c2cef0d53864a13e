"""GGUF files (llama.cpp, Ollama, LM Studio) as a model: the header (models.gguf_file) turned into
the config.json dict a family reads, the tensors presented under their Hugging Face names and
layouts, dequantized with gguf.quants one tensor at a time when asked for, and the tokenizer
(models.gguf_tokenizer).  A model opens it through models.gguf_cache (which calls open_uncached
here): a warm run memory-maps the tensors dequantized by a first one.

Layouts undone so a family cannot tell a GGUF from the safetensors it came from:
- llama (and Mistral, written as llama): llama.cpp's converter permutes the rows of Q and K
  (LlamaModel.permute: each head's rotary halves interleaved); unpermute() undoes it, as
  transformers' GGUF loader does (LlamaTensorProcessor._reverse_permute_weights).
- gpt2: the converter stores Conv1D weights [in, out] transposed; they are transposed back.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import AttnvizError
from . import gguf_architectures, gguf_family, gguf_spec
from .config import check_counts
from .gguf_file import Header, TensorInfo, read_header

QTYPES = ("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K")
DECODER_NAMES = {  # GGUF name -> Hugging Face name (llama, mistral, qwen2, qwen3); {i} the layer
    "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight", "output.weight": "lm_head.weight",
    "blk.{i}.attn_norm.weight": "model.layers.{i}.input_layernorm.weight",
    "blk.{i}.ffn_norm.weight": "model.layers.{i}.post_attention_layernorm.weight",
    **{f"blk.{{i}}.attn_{g}.{p}": f"model.layers.{{i}}.self_attn.{h}_proj.{p}"
       for g, h in (("q", "q"), ("k", "k"), ("v", "v"), ("output", "o")) for p in ("weight", "bias")},
    "blk.{i}.attn_q_norm.weight": "model.layers.{i}.self_attn.q_norm.weight",
    "blk.{i}.attn_k_norm.weight": "model.layers.{i}.self_attn.k_norm.weight",
    **{f"blk.{{i}}.ffn_{g}.weight": f"model.layers.{{i}}.mlp.{g}_proj.weight" for g in ("gate", "up", "down")},
}
GPT2_NAMES = {
    "token_embd.weight": "transformer.wte.weight", "position_embd.weight": "transformer.wpe.weight", "output.weight": "lm_head.weight",
    **{f"output_norm.{p}": f"transformer.ln_f.{p}" for p in ("weight", "bias")},
    **{f"blk.{{i}}.{g}.{p}": f"transformer.h.{{i}}.{h}.{p}" for g, h in (
        ("attn_norm", "ln_1"), ("ffn_norm", "ln_2"), ("attn_qkv", "attn.c_attn"), ("attn_output", "attn.c_proj"),
        ("ffn_up", "mlp.c_fc"), ("ffn_down", "mlp.c_proj")) for p in ("weight", "bias")},
}
GGUF_KEYS = {  # config.json key -> the GGUF metadata key (after "{arch}.") it is read from, to name it in errors
    "hidden_size": "embedding_length", "n_embd": "embedding_length", "num_attention_heads": "attention.head_count",
    "n_head": "attention.head_count", "num_key_value_heads": "attention.head_count_kv", "num_hidden_layers": "block_count",
    "n_layer": "block_count", "intermediate_size": "feed_forward_length", "n_inner": "feed_forward_length",
    "max_position_embeddings": "context_length", "n_positions": "context_length", "head_dim": "attention.key_length",
    "rms_norm_eps": "attention.layer_norm_rms_epsilon", "layer_norm_epsilon": "attention.layer_norm_epsilon",
    "rope_theta": "rope.freq_base", "vocab_size": "vocab_size", "sliding_window": "attention.sliding_window",
}
GPT2_TRANSPOSED = ("attn_qkv.weight", "attn_output.weight", "ffn_up.weight", "ffn_down.weight")  # Conv1D [in, out] in HF


def architecture(header: Header) -> str:
    """general.architecture, refused in one line unless a registered family reads it (Family.gguf)."""
    arch = header.meta.get("general.architecture")
    archs = gguf_architectures()
    if arch not in archs:
        raise AttnvizError(f"`model` {header.path}: the GGUF file's architecture {str(arch)[:40]!r} is not supported; "
                           f"attnviz reads GGUF files of {', '.join(archs)}")
    return arch


def hf_names(header: Header, arch: str) -> dict[str, str]:
    """GGUF tensor name -> Hugging Face name (names it does not know keep their GGUF name)."""
    table = GPT2_NAMES if gguf_spec(arch).writer == "gpt2" else DECODER_NAMES
    patterns = {re.compile(re.escape(g).replace(r"\{i\}", r"(\d+)") + "$"): h for g, h in table.items()}
    out = {}
    for name in header.tensors:
        for pattern, hf in patterns.items():
            m = pattern.match(name)
            if m:
                out[name] = hf.replace("{i}", m.group(1)) if m.groups() else hf
                break
        else:
            out[name] = name
    return out


def _meta(header: Header, arch: str, key: str, kind, default=None, required=True):
    """{arch}.{key} of the given Python type (int also for float keys), or default; one error when required and absent or wrong."""
    full = f"{arch}.{key}"
    value = header.meta.get(full, default)
    if value is None and not required:
        return None
    ok = not isinstance(value, bool) and isinstance(value, (int, float) if kind is float else kind)
    if not ok:
        said = "it is absent" if full not in header.meta else f"it is {str(value)[:40]!r}"
        raise AttnvizError(f"`model` {header.path}: the GGUF file's {full} must be {'an integer' if kind is int else 'a number'}, "
                           f"{said}; the file is damaged or not a {arch} model")
    return value


def config_dict(header: Header) -> dict:
    """The config.json dict (Hugging Face's keys) the GGUF metadata describes."""
    arch = architecture(header)
    if gguf_spec(arch).writer == "gpt2":
        return gpt2_config(header, arch)
    get = lambda key, kind=int, default=None, required=True: _meta(header, arch, key, kind, default, required)  # noqa: E731
    heads = get("attention.head_count")
    name = str(header.meta.get("general.name", "")).lower()
    mistral = gguf_spec(arch).writer == "llama" and "mistral" in name  # llama.cpp writes Mistral 7B as a llama file
    raw = {"model_type": "mistral" if mistral else gguf_family(arch).name,
           "hidden_size": get("embedding_length"), "num_attention_heads": heads,
           "num_key_value_heads": get("attention.head_count_kv", default=heads), "num_hidden_layers": get("block_count"),
           "intermediate_size": get("feed_forward_length"), "rms_norm_eps": float(get("attention.layer_norm_rms_epsilon", float)),
           "rope_theta": float(get("rope.freq_base", float, 10000.0)), "max_position_embeddings": get("context_length"),
           "vocab_size": vocab_size(header, arch), "hidden_act": "silu",
           "tie_word_embeddings": "output.weight" not in header.tensors,
           "attention_bias": "blk.0.attn_q.bias" in header.tensors}
    head_dim = get("attention.key_length", required=False)
    if head_dim is None and gguf_spec(arch).writer == "llama":
        head_dim = get("rope.dimension_count", required=False)
    if head_dim is not None:
        raw["head_dim"] = head_dim
    window = get("attention.sliding_window", required=False)
    if window:
        raw["sliding_window"] = window
    scaling = header.meta.get(f"{arch}.rope.scaling.type")
    if "rope_freqs.weight" in header.tensors:
        raw["rope_scaling"] = llama3_scaling(header, raw)
    elif scaling not in (None, "none"):
        raw["rope_scaling"] = {"rope_type": scaling, "factor": float(get("rope.scaling.factor", float)),
                               **({"original_max_position_embeddings": o} if (o := get("rope.scaling.original_context_length", required=False)) else {})}
    return {**raw, **token_ids(header)}


LLAMA3_DEFAULTS = (1.0, 4.0, 8192)  # low_freq_factor, high_freq_factor, original context: what convert_hf_to_gguf.py assumes


def llama3_scaling(header: Header, raw: dict) -> dict:
    """Llama 3.1+ files carry RoPE scaling as a tensor, rope_freqs [d_head/2] (the divisor of each
    frequency), not as metadata.  The rope_scaling it encodes is recovered when the tensor is exactly
    llama3's for factor = its maximum and the converter's defaults; otherwise refused: the
    frequencies would not be this model's (transformers' GGUF loader ignores the tensor)."""
    info = header.tensors["rope_freqs.weight"]
    d_head = raw.get("head_dim") or raw["hidden_size"] // raw["num_attention_heads"]
    if info.qtype != 0 or info.shape != (d_head // 2,):
        raise AttnvizError(f"`model` {header.path}: the GGUF file's rope_freqs.weight has shape {info.shape}, "
                           f"not [{d_head // 2}] float32; the file is damaged")
    stored = np.fromfile(header.path, dtype="<f4", count=d_head // 2, offset=info.start).astype(np.float64)
    low, high, context = LLAMA3_DEFAULTS
    factor = float(stored.max())
    wavelen = 2 * np.pi * raw["rope_theta"] ** (np.arange(0, d_head, 2) / d_head)
    smooth = np.clip((context / wavelen - low) / (high - low), 0.0, 1.0)
    expected = 1.0 / ((1 - smooth) / factor + smooth)
    if not np.isfinite(stored).all() or factor < 1 or not np.allclose(stored, expected, rtol=1e-5, atol=0):
        raise AttnvizError(f"`model` {header.path}: the GGUF file's rope_freqs.weight is not Llama 3's RoPE scaling "
                           f"(factor {factor:g}, low 1, high 4, original context 8192), which attnviz does not implement; "
                           f"the numbers would not be this model's")
    return {"rope_type": "llama3", "factor": factor, "low_freq_factor": low, "high_freq_factor": high,
            "original_max_position_embeddings": context}


def gpt2_config(header: Header, arch: str) -> dict:
    """GPT-2's own config.json keys (n_embd, n_head, …), as transformers writes them."""
    get = lambda key, kind=int, default=None: _meta(header, arch, key, kind, default)  # noqa: E731
    n_ctx = get("context_length")
    return {"model_type": gguf_family(arch).name, "n_embd": get("embedding_length"), "n_head": get("attention.head_count"),
            "n_layer": get("block_count"), "n_positions": n_ctx, "n_ctx": n_ctx, "n_inner": get("feed_forward_length"),
            "layer_norm_epsilon": float(get("attention.layer_norm_epsilon", float)), "activation_function": "gelu_new",
            "vocab_size": vocab_size(header, arch), "tie_word_embeddings": "output.weight" not in header.tensors, **token_ids(header)}


def vocab_size(header: Header, arch: str) -> int:
    """{arch}.vocab_size, else the rows of token_embd (as the file stores them)."""
    size = header.meta.get(f"{arch}.vocab_size")
    if isinstance(size, int) and not isinstance(size, bool):
        return size
    if "token_embd.weight" not in header.tensors:
        raise AttnvizError(f"`model` {header.path}: the GGUF file has no token_embd.weight; not a language model")
    return header.tensors["token_embd.weight"].shape[0]


def token_ids(header: Header) -> dict:
    return {f"{end}_token_id": v for end in ("bos", "eos") if isinstance(v := header.meta.get(f"tokenizer.ggml.{end}_token_id"), int)}


def check_types(header: Header) -> None:
    """Every tensor's quantization is one attnviz dequantizes (decided from the header)."""
    from gguf.constants import GGMLQuantizationType

    for info in header.tensors.values():
        name = GGMLQuantizationType(info.qtype).name
        if name not in QTYPES:
            raise AttnvizError(f"`model` {header.path}: tensor {info.name} is quantized as {name}, which attnviz does not "
                               f"dequantize (it reads {', '.join(QTYPES)}); use a file quantized as one of those")


def unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """[n_head·d, …] rows as llama.cpp permuted them -> the Hugging Face order (each head's rotary halves)."""
    d2 = w.shape[0] // n_head // 2
    return w.reshape(n_head, d2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


class GGUFSource:
    """A GGUF file's tensors in Hugging Face names, each dequantized (float32) when asked for."""

    def __init__(self, header: Header, raw: dict):
        self.header, self.label = header, "the GGUF file"
        self.arch = arch = header.meta["general.architecture"]
        writer = gguf_spec(arch).writer
        names = hf_names(header, arch)
        self._info = {names[g]: info for g, info in header.tensors.items()}
        if len(self._info) < len(names):
            first = next(g for g in names if list(names.values()).count(names[g]) > 1)
            raise AttnvizError(f"`model` {header.path}: two tensors of the GGUF file are {names[first]} (one is {first}); the file is damaged")
        self.keys = list(self._info)
        self._data = np.memmap(header.path, dtype=np.uint8, mode="r")
        heads, kv = raw.get("num_attention_heads"), raw.get("num_key_value_heads")
        self._fix, self._transposed = {}, set()
        for g, h in names.items():
            if writer == "llama" and re.search(r"\.attn_q\.(weight|bias)$", g):
                self._fix[h] = lambda w, n=heads: unpermute(w, n)
            elif writer == "llama" and re.search(r"\.attn_k\.(weight|bias)$", g):
                self._fix[h] = lambda w, n=kv: unpermute(w, n)
            elif writer == "gpt2" and g.endswith(GPT2_TRANSPOSED):
                self._fix[h] = lambda w: np.ascontiguousarray(w.T)
                self._transposed.add(h)
            n = heads if ".attn_q." in g else kv
            if h in self._fix and h not in self._transposed and (not isinstance(n, int) or header.tensors[g].shape[0] % (2 * n)):
                raise AttnvizError(f"`model` {header.path}: tensor {g} has {header.tensors[g].shape[0]} rows, which {n} heads "
                                   f"cannot share in rotary halves; the file's metadata is not its tensors' (download it again)")

    def shape(self, key: str) -> tuple[int, ...]:
        shape = self._info[key].shape
        return tuple(reversed(shape)) if key in self._transposed else shape

    def tensor(self, key: str) -> np.ndarray:
        info = self._info[key]
        w = self._dequantize(info, self._blocks(info)).reshape(info.shape)
        return self._fix[key](w) if key in self._fix else w

    def rows(self, key: str, unique: np.ndarray) -> np.ndarray:
        """Only the rows asked for: a row of a quantized table is whole blocks, dequantized alone."""
        info = self._info[key]
        if key in self._fix or len(info.shape) != 2:
            return self.tensor(key)[unique]
        return self._dequantize(info, self._blocks(info)[unique]).reshape(len(unique), info.shape[1])

    def _blocks(self, info: TensorInfo) -> np.ndarray:
        """The tensor's bytes as [rows, bytes per row] (a view of the memory map)."""
        rows = int(np.prod(info.shape[:-1], dtype=np.int64))
        return self._data[info.start : info.start + info.nbytes].reshape(rows, info.nbytes // rows)

    def _dequantize(self, info: TensorInfo, raw: np.ndarray) -> np.ndarray:
        from gguf.constants import GGMLQuantizationType
        from gguf.quants import dequantize

        w = np.asarray(dequantize(raw, GGMLQuantizationType(info.qtype)), dtype=np.float32)
        if not np.isfinite(w).all():
            raise AttnvizError(f"`model` {self.header.path}: tensor {info.name} holds NaN or infinite values; the file is damaged (download it again)")
        return w


def read_config(module, raw: dict, path: Path, arch: str):
    """module.read_config(raw, path) for a GGUF file's config dict; an error names the GGUF key the
    setting came from (llama.context_length, not max_position_embeddings) and the file, not config.json."""
    try:
        return module.read_config(raw, path)
    except AttnvizError as e:
        raise AttnvizError(gguf_wording(str(e), arch)) from None


def gguf_wording(message: str, arch: str) -> str:
    """A config error's words for a GGUF file: each config.json key as the GGUF key it was read from."""
    from .config import BROKEN

    for key in sorted(GGUF_KEYS, key=len, reverse=True):
        message = re.sub(rf"(?<![\w.]){re.escape(key)}(?!\w)", f"{arch}.{GGUF_KEYS[key]}", message)
    message = message.replace(BROKEN, "a damaged or hand-edited GGUF file: download it again")
    for said, gguf in (("config.json implies", "the GGUF file's metadata implies"), ("config.json has", "the GGUF file has"),
                       ("config.json's", "the GGUF file's"), ("config.json", "the GGUF file's metadata")):
        message = message.replace(said, gguf)
    return message


def open_uncached(path: Path):
    """(header, config dict, GGUFSource): the file read directly, every header check made."""
    header = read_header(path)
    check_types(header)
    raw = config_dict(header)
    source = GGUFSource(header, raw)
    arch = header.meta["general.architecture"]
    check_counts(raw, {name: info.shape for name, info in header.tensors.items()}, "the GGUF file", header.path,
                 lambda key: f"the GGUF file's {arch}.{GGUF_KEYS.get(key, key)} says")
    return header, raw, source
