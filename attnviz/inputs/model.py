"""A pretrained BERT-family encoder's files (found by model_files), checked and read with safetensors and tokenizers.

The forward pass itself is attnviz.core.encoder.  Nothing here imports torch or transformers.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AttnvizError, UsageError
from .model_files import ALIASES, NEEDED, resolve_model


ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "relu")  # the ones core.encoder.activation computes
# settings that change the numbers and that the numpy encoder does not implement: key -> the only value it computes
FIXED = {"position_embedding_type": "absolute", "is_decoder": False, "add_cross_attention": False}
BROKEN = "a broken or hand-edited config: take it from the model's original files"


@dataclass(frozen=True)
class BertConfig:
    hidden: int
    heads: int
    layers: int
    intermediate: int
    eps: float
    act: str
    max_positions: int
    vocab: int | None = None  # rows of the word and token-type tables, checked against the file
    type_vocab: int = 2

    @classmethod
    def read(cls, path: Path) -> "BertConfig":
        """config.json, every setting the encoder uses checked: integers where sizes are meant (not
        true, not 12.5), settings it does not implement refused rather than ignored."""
        raw = read_json(path)
        if raw.get("model_type", "bert") not in ("bert",):
            raise AttnvizError(f"`model` {path}: model_type {raw.get('model_type')!r} is not supported (BERT-family encoders only)")
        check_fixed(raw, path)
        size = lambda key, default=None: config_int(raw, key, path, default)  # noqa: E731
        cfg = cls(size("hidden_size"), size("num_attention_heads"), size("num_hidden_layers"), size("intermediate_size"),
                  config_eps(raw, path), config_act(raw, path), size("max_position_embeddings", 512),
                  size("vocab_size", 0) or None, size("type_vocab_size", 2))
        cfg.check(path)
        return cfg

    def check(self, path: Path) -> None:
        """Refuse a width the heads cannot share (each key's own range is checked as it is read)."""
        if self.hidden % self.heads:
            raise AttnvizError(f"`model` {path}: hidden_size {self.hidden} is not divisible by num_attention_heads {self.heads}")


def read_json(path: Path) -> dict:
    """config.json as a dict (a JSON object), or one error saying why it is not one."""
    try:
        raw = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except RecursionError:
        raise AttnvizError(f"`model` {path}: config.json is nested too deeply to be a model config") from None
    except (OSError, ValueError) as e:
        raise AttnvizError(f"`model` {path}: config.json is not a BERT config ({type(e).__name__}: {e})") from None
    if not isinstance(raw, dict):
        raise AttnvizError(f"`model` {path}: config.json is not a BERT config (a JSON object expected, got {type(raw).__name__})")
    return raw


def config_int(raw: dict, key: str, path: Path, default: int | None = None) -> int:
    """raw[key] as an integer (default when absent; required when default is None); true, 12.5, "12" refused."""
    if key not in raw and default is not None:
        return default  # 0: absent and not needed
    if key not in raw:
        raise AttnvizError(f"`model` {path}: config.json has no {key}; not a BERT config ({BROKEN})")
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise AttnvizError(f"`model` {path}: config.json has {key} {json.dumps(value)[:40]}; it must be an integer ({BROKEN})")
    if value < 1:
        raise AttnvizError(f"`model` {path}: config.json has {key} {value}; it must be at least 1 ({BROKEN})")
    return value


def config_eps(raw: dict, path: Path) -> float:
    """layer_norm_eps (default 1e-12): a number between 0 and 1."""
    eps = raw.get("layer_norm_eps", 1e-12)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise AttnvizError(f"`model` {path}: config.json has layer_norm_eps {json.dumps(eps)[:40]}; "
                           f"it must be a small positive number such as 1e-12 ({BROKEN})")
    return float(eps)


def config_act(raw: dict, path: Path) -> str:
    """hidden_act (default gelu): one of ACTIVATIONS."""
    act = raw.get("hidden_act", "gelu")
    if act not in ACTIVATIONS:
        raise AttnvizError(f"`model` {path}: config.json has hidden_act {json.dumps(act)[:40]}, which attnviz does not "
                           f"implement (it computes {', '.join(ACTIVATIONS)}); the numbers would not be this model's")
    return act


def check_fixed(raw: dict, path: Path) -> None:
    """Refuse a setting (FIXED) whose other values the encoder does not compute: ignoring it would
    show numbers that are not this model's."""
    for key, only in FIXED.items():
        if key in raw and raw[key] is not None and raw[key] != only:
            raise AttnvizError(f"`model` {path}: config.json has {key} {json.dumps(raw[key])[:40]}, which attnviz does not "
                               f"implement (only {json.dumps(only)}); the numbers would not be this model's")


class Model:
    """Weights (read lazily from model.safetensors), config and tokenizer of one encoder."""

    def __init__(self, path: Path, name: str):
        from safetensors import safe_open  # imported here: the model path only

        self.path, self.name = path, name
        self.config = BertConfig.read(path)
        try:
            self._file = safe_open(str(path / "model.safetensors"), framework="np")
            keys = list(self._file.keys())
        except Exception as e:
            raise AttnvizError(f"`model` {path}: model.safetensors cannot be read ({str(e).splitlines()[0]})") from None
        anchor = next((k for k in keys if k.endswith("embeddings.word_embeddings.weight")), None)
        if anchor is None:
            raise AttnvizError(f"`model` {path}: model.safetensors has no embeddings.word_embeddings.weight; not a BERT model")
        self.prefix = anchor[: -len("embeddings.word_embeddings.weight")]
        self.keys = set(keys)
        self.check_tables()
        self.tokenizer = load_tokenizer(path)

    def check_tables(self) -> None:
        """The word, position and type tables have the rows config.json says (a mismatch means the
        config is not this file's, as transformers would refuse it too)."""
        c = self.config
        for name, key, rows in (("word_embeddings", "vocab_size", c.vocab), ("position_embeddings", "max_position_embeddings", c.max_positions),
                                ("token_type_embeddings", "type_vocab_size", c.type_vocab)):
            full = f"{self.prefix}embeddings.{name}.weight"
            try:
                shape = self._file.get_slice(full).get_shape() if full in self.keys else None
            except Exception as e:
                raise AttnvizError(f"`model` {self.path}: cannot read {full} ({str(e).splitlines()[0]})") from None
            if rows is not None and shape is not None and shape[0] != rows:
                raise AttnvizError(f"`model` {self.path}: {full} has {shape[0]} rows but config.json has {key} {rows}; "
                                   f"the config is not this model's (take both from the model's original files)")

    def rows(self, name: str, index: np.ndarray) -> np.ndarray:
        """Only the rows `index` of a 2-D tensor (the 30 522-row word table is 47 MB; a sentence needs a few)."""
        key = self.prefix + name
        if key not in self.keys:
            raise AttnvizError(f"`model` {self.path}: model.safetensors lacks {key}")
        try:
            part = self._file.get_slice(key)
            shape = part.get_shape()
            if len(shape) != 2 or int(index.max(initial=0)) >= shape[0]:
                raise AttnvizError(f"`model` {self.path}: {key} has shape {tuple(shape)}; token id {int(index.max())} does not fit")
            unique, inverse = np.unique(index, return_inverse=True)
            picked = np.stack([part[int(i) : int(i) + 1][0] for i in unique])
        except AttnvizError:
            raise
        except Exception as e:
            raise AttnvizError(f"`model` {self.path}: cannot read {key} ({str(e).splitlines()[0]})") from None
        return picked[inverse].astype(np.float32, copy=False)

    def w(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        key = self._stored(self.prefix + name)
        if key not in self.keys:
            raise AttnvizError(f"`model` {self.path}: model.safetensors lacks {key}")
        try:
            array = self._file.get_tensor(key)
        except Exception as e:
            raise AttnvizError(f"`model` {self.path}: cannot read {key} ({str(e).splitlines()[0]})") from None
        if shape is not None and tuple(array.shape) != shape:
            raise AttnvizError(f"`model` {self.path}: {key} has shape {tuple(array.shape)}, config.json implies {shape}")
        return array.astype(np.float32, copy=False)

    def check(self, name: str, shape: tuple[int, ...]) -> None:
        """What w(name, shape) would refuse (missing, unreadable, wrong shape), from the file's header
        alone: a forward pass can check every layer first and read each layer's weights when it runs it."""
        key = self._stored(self.prefix + name)
        if key not in self.keys:
            raise AttnvizError(f"`model` {self.path}: model.safetensors lacks {key}")
        try:
            stored = tuple(self._file.get_slice(key).get_shape())
        except Exception as e:
            raise AttnvizError(f"`model` {self.path}: cannot read {key} ({str(e).splitlines()[0]})") from None
        if stored != shape:
            raise AttnvizError(f"`model` {self.path}: {key} has shape {stored}, config.json implies {shape}")


    def _stored(self, key: str) -> str:
        """key as the file names it: checkpoints converted from Google's TensorFlow BERT (as
        published: bert-base-chinese, bert-base-uncased) call LayerNorm weight/bias gamma/beta."""
        if key in self.keys or not key.endswith(("LayerNorm.weight", "LayerNorm.bias")):
            return key
        old = key[: -len("weight")] + "gamma" if key.endswith("weight") else key[: -len("bias")] + "beta"
        return old if old in self.keys else key


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    except Exception as e:
        raise AttnvizError(f"`model` {path}: tokenizer.json cannot be read ({str(e).splitlines()[0]})") from None
    tok.no_truncation()  # the file stores max_length 128 and fixed padding: a visualizer wants every token
    tok.no_padding()
    return tok


def open_model(spec: str) -> Model:
    """The model named or found at spec; opened once per process (a corpus runs it per line)."""
    path = resolve_model(spec)
    stamp = tuple((path / f).stat().st_mtime_ns for f in NEEDED)  # files changed on disk are read again
    return _open(path, stamp, ALIASES.get(spec.lower(), spec))


@functools.lru_cache(maxsize=4)
def _open(path: Path, stamp: tuple, name: str) -> Model:
    return Model(path, name)


@dataclass
class Encoded:
    tokens: list[str]  # the model's tokens, [CLS] … [SEP]
    ids: np.ndarray
    type_ids: np.ndarray
    word_ids: list[int | None]  # word index of each token; None for special tokens
    offsets: list[tuple[int, int]]


def encode(model: Model, text: str) -> Encoded:
    enc = model.tokenizer.encode(text)
    check_length(model, enc.ids, enc.offsets, text)
    return Encoded(list(enc.tokens), np.array(enc.ids), np.array(enc.type_ids), list(enc.word_ids), list(enc.offsets))


def encode_batch(model: Model, texts: list[str], where: list[str] | None = None) -> list[Encoded]:
    """Many texts at once (the tokenizer runs them in parallel); each checked like encode().
    where: how to name each text in an error (default "text 1", "text 2", …)."""
    encs = model.tokenizer.encode_batch(texts)
    out = []
    for k, (enc, text) in enumerate(zip(encs, texts)):
        check_length(model, enc.ids, enc.offsets, text, where[k] if where else f"text {k + 1}")
        out.append(Encoded(list(enc.tokens), np.array(enc.ids), np.array(enc.type_ids), list(enc.word_ids), list(enc.offsets)))
    return out


def check_length(model: Model, ids, offsets, text: str, where: str = "the text") -> None:
    """Refuse a text longer than the model's positions (512 for MiniLM: [CLS] + 510 + [SEP]).

    Refused, not cut: attention over a silently truncated text would be shown as if it were the
    whole one.  The message says where the limit falls, so the user can cut or split there.
    """
    top = model.config.max_positions
    if len(ids) <= top:
        return
    end = offsets[top - 2][1]  # the last token that fits, before [SEP]
    tail = " ".join(text[:end].split()[-3:])
    raise UsageError(f"{where} is {len(ids)} tokens long; {model.name} has {top} positions ({top - 2} tokens + [CLS] and [SEP]): "
                     f"the first {top - 2} end at character {end} (“…{tail}”). Cut it there, or split it into "
                     f"sentences, one per line of a file (attnviz heads --file FILE; show --file FILE --lines)")


def words_of(enc: Encoded, text: str) -> tuple[list[str], list[list[int]]]:
    """Word-level units: each word (from the tokenizer's word ids) or special token, with its pieces."""
    units: list[list[int]] = []
    labels: list[str] = []
    last = object()
    for t, w in enumerate(enc.word_ids):
        if w is None or w != last:
            units.append([t])
            start, end = enc.offsets[t]
            labels.append(enc.tokens[t] if w is None else text[start:end])
        else:
            units[-1].append(t)
            labels[-1] = text[enc.offsets[units[-1][0]][0] : enc.offsets[t][1]]
        last = w
    return labels, units


def unk_pieces(tokens: list[str], offsets: list[tuple[int, int]], text: str, unk_token: str = "[UNK]") -> list[str]:
    """The original text behind each unk_token, in order: a character (鳕) or a whole word (café☃),
    recovered from the tokenizer's offsets (Encoded.tokens, Encoded.offsets and the text encoded).

    tokens     [n] the model's tokens
    offsets    [n] (start, end) character offsets into text
    text       the text that was encoded
    unk_token  default "[UNK]" (the tokenizer's own: tokenizer.model.unk_token)
    """
    return [text[start:end] or unk_token for t, (start, end) in zip(tokens, offsets) if t == unk_token]
