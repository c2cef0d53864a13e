"""A pretrained model's files (found by models.files), checked and read with safetensors (models.sources),
gguf (models.gguf) and tokenizers.

The forward pass is its family's (models.FAMILIES).  Nothing here imports torch or transformers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AttnvizError, UsageError
from .config import check_counts, read_json
from .files import ALIASES, needed, resolve_model


class Model:
    """Weights (read lazily from a source: models.sources, models.gguf), config, family and tokenizer of one model.

    path is a model directory (config.json, weights, tokenizer.json) or a GGUF file (all three in one).
    """

    def __init__(self, path: Path, name: str):
        self.path, self.name = path, name
        gguf = path.is_file()
        self.format = "gguf" if gguf else "safetensors"  # JSON's source.format
        if gguf:
            from .gguf_cache import cached_or_build

            raw, source, tokenizer = cached_or_build(path, Model.header_only)  # from the cache when it holds them
        else:
            raw, source = read_json(path), None
        self._bind(raw, source)
        self.tokenizer = tokenizer() if gguf else load_tokenizer(path)

    @classmethod
    def header_only(cls, path: Path, raw: dict, source) -> "Model":
        """A GGUF file's model without its tokenizer, every tensor's shape checked from the header
        (the family's check_weights): refused before the tokenizer is built or the cache written."""
        model = cls.__new__(cls)
        model.path, model.name, model.format = path, path.name, "gguf"
        model._bind(raw, source)
        check = model.family.part("check_weights")
        if check is not None:
            check(model)
        return model

    def _bind(self, raw: dict, source) -> None:
        """Family, config (checked against the header's layer and head counts), source and prefix."""
        from . import family_for

        path = self.path
        self.family = family_for(raw.get("model_type", "bert"), str(path))  # BERT configs of old omit it
        module = self.family._mod()
        if source is None:
            from .sources import open_safetensors

            source = open_safetensors(path)
            check_counts(raw, {k: self._read(k, source.shape) for k in source.keys}, source.label, path)
        self.source = source
        try:
            if self.format == "gguf":
                from .gguf import read_config

                self.config = read_config(module, raw, path, getattr(source, "arch", raw.get("model_type", "")))  # a cache entry: its family
            else:
                self.config = module.read_config(raw, path)
            anchor = next((k for k in source.keys if k.endswith(module.ANCHOR)), None)
            if anchor is None:
                raise AttnvizError(f"`model` {path}: {source.label} has no {module.ANCHOR}; not a {self.family.name} model")
        except AttnvizError as e:
            if self.format == "gguf" or "model_type" in raw:
                raise
            raise untyped(e, path) from None
        self.prefix = anchor[: -len(module.ANCHOR)]
        self.keys = set(source.keys)
        if hasattr(module, "check_tables"):
            module.check_tables(self)

    def forward_layers(self, enc):
        """Every layer's heads and output, one layer at a time (the family's forward pass), each
        computed with one BLAS thread: a layer's products are small ([n, hidden] × [hidden, ·]), and on
        a busy 2-core machine a second BLAS thread's spin-waiting made SmolLM2's pass 3-10 × slower."""
        return one_thread(self.family.forward_layers(self, enc), getattr(self.source, "release", None))

    def shape(self, name: str) -> tuple[int, ...] | None:
        """A tensor's shape from the file's header (None when the file lacks it)."""
        full = self.prefix + name
        if full not in self.keys:
            return None
        return self._read(full, self.source.shape)

    def parameters(self) -> int:
        """How many numbers the weights hold, from the header (for estimates)."""
        total = 0
        for key in self.keys:
            size = 1
            for dim in self._read(key, self.source.shape):
                size *= int(dim)
            total += size
        return total

    def has(self, name: str) -> bool:
        return self._stored(self.prefix + name) in self.keys

    def rows(self, name: str, index: np.ndarray) -> np.ndarray:
        """Only the rows `index` of a 2-D tensor (the 30 522-row word table is 47 MB; a sentence needs a few)."""
        key = self.prefix + name
        if key not in self.keys:
            raise AttnvizError(f"`model` {self.path}: {self.source.label} lacks {key}")
        shape = self._read(key, self.source.shape)
        if len(shape) != 2 or int(index.max(initial=0)) >= shape[0]:
            raise AttnvizError(f"`model` {self.path}: {key} has shape {tuple(shape)}; token id {int(index.max())} does not fit")
        unique, inverse = np.unique(index, return_inverse=True)
        picked = self._finite(key, self._read(key, lambda k: self.source.rows(k, unique)))
        return picked[inverse].astype(np.float32, copy=False)

    def w(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        return self._tensor(self._stored(self.prefix + name), shape)

    def check(self, name: str, shape: tuple[int, ...]) -> None:
        """What w(name, shape) would refuse (missing, unreadable, wrong shape), from the file's header
        alone: a forward pass can check every layer first and read each layer's weights when it runs it."""
        self._header(self._stored(self.prefix + name), shape)

    def top(self, key: str, shape: tuple[int, ...], read: bool = True) -> np.ndarray | tuple | None:
        """A tensor named from the file's top, outside the prefix (a decoder's lm_head.weight beside
        model.*): None when the file lacks it; else read as w() reads (read=False: only its shape checked
        from the header, and returned)."""
        if key not in self.keys:
            return None
        return self._tensor(key, shape) if read else self._header(key, shape)

    def _tensor(self, key: str, shape: tuple[int, ...] | None) -> np.ndarray:
        if key not in self.keys:
            raise AttnvizError(f"`model` {self.path}: {self.source.label} lacks {key}")
        array = self._finite(key, self._read(key, self.source.tensor))
        if shape is not None and tuple(array.shape) != shape:
            raise AttnvizError(f"`model` {self.path}: {key} has shape {tuple(array.shape)}, {self._implies} {shape}")
        return array.astype(np.float32, copy=False)

    def _header(self, key: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        if key not in self.keys:
            raise AttnvizError(f"`model` {self.path}: {self.source.label} lacks {key}")
        stored = self._read(key, self.source.shape)
        if stored != shape:
            raise AttnvizError(f"`model` {self.path}: {key} has shape {stored}, {self._implies} {shape}")
        return stored

    def _finite(self, key: str, array: np.ndarray) -> np.ndarray:
        """array, or one error naming the tensor when it holds NaN or inf (a GGUF's tensors are
        checked as they are dequantized).  The sum is one fast pass; only when it is not finite
        (a NaN, or finite values whose sum overflows) is every value looked at."""
        if self.format == "gguf" or np.isfinite(array.sum()) or np.isfinite(array).all():
            return array
        raise AttnvizError(f"`model` {self.path}: tensor {key} of {self.source.label} holds NaN or infinite values; "
                           f"the file is damaged (download it again)")

    @property
    def _implies(self) -> str:
        return "the GGUF file's metadata implies" if self.format == "gguf" else "config.json implies"

    def _read(self, key: str, how):
        """how(key) from the source; a library's exception becomes one line naming the tensor."""
        try:
            return how(key)
        except AttnvizError:
            raise
        except Exception as e:
            raise AttnvizError(f"`model` {self.path}: cannot read {key} ({str(e).splitlines()[0]})") from None

    def _stored(self, key: str) -> str:
        """key as the file names it: checkpoints converted from Google's TensorFlow BERT (as
        published: bert-base-chinese, bert-base-uncased) call LayerNorm weight/bias gamma/beta."""
        if key in self.keys or not key.endswith(("LayerNorm.weight", "LayerNorm.bias")):
            return key
        old = key[: -len("weight")] + "gamma" if key.endswith("weight") else key[: -len("bias")] + "beta"
        return old if old in self.keys else key


def untyped(error: AttnvizError, path: Path) -> AttnvizError:
    """A config.json without model_type is read as BERT's (old BERT configs omit it); when that
    fails, the error says model_type is missing first."""
    from . import FAMILIES

    reason = str(error).split(": ", 1)[-1]
    return AttnvizError(f"`model` {path}: config.json has no model_type: set it to the model's family (attnviz computes "
                        f"{', '.join(sorted(FAMILIES))}). Read as BERT's (old BERT configs omit it), it fails: {reason}")


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    except Exception as e:
        raise AttnvizError(f"`model` {path}: tokenizer.json cannot be read ({str(e).splitlines()[0]})") from None
    tok.no_truncation()  # the file stores max_length 128 and fixed padding: a visualizer wants every token
    tok.no_padding()
    return tok


def one_thread(layers, release=None):
    """The layers of an iterator, each computed under core.blockwise.one_blas_thread; release(),
    when given, after each (a memory-mapped source hands back the layer's weights' pages)."""
    from ..core.blockwise import one_blas_thread

    while True:
        with one_blas_thread():
            layer = next(layers, None)
        if release is not None:
            release()
        if layer is None:
            return
        yield layer


def forward(model: Model, enc) -> tuple[list, np.ndarray]:
    """Every layer's heads (α, α′, b) and the last hidden state [n, hidden]."""
    layers = list(model.forward_layers(enc))
    return layers, layers[-1].output


def open_model(spec: str) -> Model:
    """The model named or found at spec; opened once per process (a corpus runs it per line)."""
    path = resolve_model(spec)
    files = [path] if path.is_file() else [path / f for f in needed(path)]
    stamp = tuple(f.stat().st_mtime_ns for f in files)  # files changed on disk are read again
    return _open(path, stamp, ALIASES.get(spec.lower(), spec))


@functools.lru_cache(maxsize=4)
def _open(path: Path, stamp: tuple, name: str) -> Model:
    return Model(path, name)


@dataclass
class Encoded:
    tokens: list[str]  # the model's tokens, with its special ones ([CLS] … [SEP]; a decoder's BOS, if it adds one)
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
    whole one.  The message says where the limit falls, so the user can cut or split there, and
    names the model's own special tokens (a decoder's <|begin_of_text|>, or none).
    """
    top = model.config.max_positions
    if len(ids) <= top:
        return
    specials, after = added_tokens(model)
    fits = top - len(specials)
    end = offsets[top - 1 - after][1]  # the last token that fits, before the closing special tokens
    tail = " ".join(text[:end].split()[-3:])
    added = f"{fits} tokens + {' and '.join(specials)}" if specials else f"{fits} tokens"
    raise UsageError(f"{where} is {len(ids)} tokens long; {model.name} has {top} positions ({added}): "
                     f"the first {fits} end at character {end} (“…{tail}”). Cut it there, or split it into "
                     f"sentences, one per line of a file (attnviz heads `file` FILE; show `file` FILE `lines`)")


def added_tokens(model: Model) -> tuple[list[str], int]:
    """The special tokens the tokenizer adds around a text ([CLS] and [SEP]; a decoder's BOS, or
    none), and how many of them come after it."""
    enc = model.tokenizer.encode("a")
    text = [w is not None for w in enc.word_ids]
    if True not in text:
        return [], 0
    first, last = text.index(True), len(text) - 1 - text[::-1].index(True)
    return list(enc.tokens[:first]) + list(enc.tokens[last + 1 :]), len(text) - 1 - last


def words_of(enc: Encoded, text: str) -> tuple[list[str], list[list[int]]]:
    """Word-level units: each word (from the tokenizer's word ids) or special token, with its pieces.
    A word's label is its text without the space before it (a byte-level BPE's offsets include it:
    "Ġcat" is " cat"; BERT's never do)."""
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
    return [label if enc.word_ids[u[0]] is None else label.strip() or label for label, u in zip(labels, units)], units


def unk_pieces(tokens: list[str], offsets: list[tuple[int, int]], text: str, unk_token: str = "[UNK]") -> list[str]:
    """The original text behind each unk_token, in order: a character (鳕) or a whole word (café☃),
    recovered from the tokenizer's offsets (Encoded.tokens, Encoded.offsets and the text encoded).

    tokens     [n] the model's tokens
    offsets    [n] (start, end) character offsets into text
    text       the text that was encoded
    unk_token  default "[UNK]" (the tokenizer's own: tokenizer.model.unk_token)
    """
    return [text[start:end] or unk_token for t, (start, end) in zip(tokens, offsets) if t == unk_token]
