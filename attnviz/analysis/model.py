"""A pretrained model's attention (an encoder's or a decoder's): every layer and head, at subword level or pooled to words."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from ..core import attention as att
from ..errors import UsageError
from ..inputs.sources import ModelSource
from .config import ModelConfig
from .results import ModelAnalysis
from .summaries import head_summary


def analyze_model(text: str, model: str, words: bool = False, layer: int | None = None, head: int | None = None,
                  generate: int = 0) -> ModelAnalysis:
    """Every layer and head (or the layer/head chosen, 1-based), plus attention rollout over all layers.

    At token level the layers are computed when first read, in order (a StreamedModelAnalysis: the
    JSON writer writes layer L while layer L + 1 is computed); pooled to words, at once.
    generate: a decoder continues the text greedily by up to this many tokens first; they join the
    sequence (flagged in `generated`), and their rows are the ones the model used while generating.
    """
    from ..models.checkpoint import encode, open_model, unk_pieces
    from ..cost import check_model
    from ..models.pieces import readable

    if not text.strip():
        raise UsageError("there is no text to attend over; give a sentence")
    m = open_model(model)
    c = m.config
    for name, value, top in (("layer", layer, c.layers), ("head", head, c.heads)):
        if value is not None and not 1 <= value <= top:
            raise UsageError(f"`{name}` {value}: {m.name} has {top} ({name}s are numbered 1 … {top})", name)
    enc = encode(m, text)
    n_prompt, prompt_chars = len(enc.ids), len(text)
    if generate:
        enc, text = continued(m, enc, text, generate, words)
    unknown = unk_pieces(enc.tokens, enc.offsets, text, getattr(m.tokenizer.model, "unk_token", None) or "[UNK]")
    specials = [w is None for w in enc.word_ids]
    tokens = readable(m.tokenizer, enc.tokens, specials)  # Ġrestaurant as restaurant (RoBERTa, GPT-2, Llama 3)
    generated = [k >= n_prompt for k in range(len(enc.ids))]
    layer_numbers = [layer] if layer else list(range(1, c.layers + 1))
    head_numbers = [head] if head else list(range(1, c.heads + 1))
    check_model(m.name, len(enc.ids), m.parameters(), c.layers, c.heads, getattr(c, "head_dim", None) or c.hidden // c.heads,
                len(layer_numbers) * len(head_numbers))
    cfg, source = run_config(m, words, layer, head, generate, prompt_chars)
    if not words:
        run = LayerRun(m.forward_layers(enc), c.layers, layer_numbers, head_numbers, specials, c.causal)
        analysis = StreamedModelAnalysis(text, tokens, specials, source, cfg, KeptLayers(run), layer_numbers, head_numbers,
                                         None, Summaries(run), None, unknown, run=run)
    else:
        analysis = pooled(m, enc, text, layer_numbers, head_numbers, source, cfg, unknown)
        generated = [any(generated[k] for k in unit) for unit in word_units(enc, text)]
    if generate:
        analysis.generated = generated
    return analysis


def run_config(m, words: bool, layer: int | None, head: int | None, generate: int, prompt_chars: int) -> tuple[ModelConfig, ModelSource]:
    """The analysis' config and source: what the views and the JSON say about this model's run."""
    c = m.config
    cfg = ModelConfig(model=m.name, path=str(m.path), words=words, layer=layer, head=head, layers=c.layers, heads=c.heads,
                      d_k=getattr(c, "head_dim", None) or c.hidden // c.heads, score="scaled-dot", normalize="softmax",
                      temperature=1.0, temperature_auto=False, input_norm="model", projection="model", seed=None,
                      weights=None, has_wo=True, masked=bool(c.causal))
    if c.causal:  # a decoder: what the views say about it (an encoder's config stays as it was)
        cfg = replace(cfg, family=m.family.name, causal=True, kv_heads=c.kv_heads, generate=generate, prompt_chars=prompt_chars,
                      positions="rotary" if hasattr(c, "inv_freq") else "learned")
    source = ModelSource(m.name, c.hidden, getattr(m, "format", "safetensors"))
    return cfg, source


def pooled(m, enc, text: str, layer_numbers: list[int], head_numbers: list[int], source: ModelSource, cfg: ModelConfig,
           unknown) -> ModelAnalysis:
    """Every layer at once, pooled from subword pieces to words (to_words), with the rollout."""
    from ..core.rollout import rollout
    from ..models.checkpoint import forward

    c = m.config
    layers, hidden = forward(m, enc)
    flow = rollout([[h.alpha_prime for h in lr.heads] for lr in layers])
    tokens, specials, layers, hidden, flow = to_words(enc, text, layers, hidden, flow)
    summaries = {(l, h): head_summary(layers[l - 1].heads[h - 1].alpha_prime, specials, c.causal)
                 for l in layer_numbers for h in head_numbers}
    kept = [att.LayerResult([layers[l - 1].heads[h - 1] for h in head_numbers], layers[l - 1].output, layers[l - 1].mask)
            for l in layer_numbers]
    return ModelAnalysis(text, tokens, specials, source, cfg, kept, layer_numbers, head_numbers, flow, summaries,
                         hidden, unknown)


def continued(m, enc, text: str, n: int, words: bool):
    """The text continued greedily by a decoder (models.generate): the longer Encoded and its text."""
    if not m.config.causal:
        raise UsageError(f"`generate` needs a decoder (a model that writes text); {m.name} is an encoder, which only reads", "generate")
    from ..models.checkpoint import Encoded
    from ..models.decoder import generate

    from ..core.blockwise import one_blas_thread

    with one_blas_thread():  # one token a step: small products (see Model.forward_layers)
        new = generate(m, enc.ids, n).ids
    if not len(new):
        return enc, text
    pieces = [m.tokenizer.decode([int(t)], skip_special_tokens=False) for t in new]
    offsets, end = [], len(text)
    for piece in pieces:
        lead = len(piece) - len(piece.lstrip()) if piece.strip() else 0  # a newline token covers its newline
        offsets.append((end + lead, end + len(piece)))
        end += len(piece)
    tokens = [m.tokenizer.id_to_token(int(t)) or "" for t in new]
    special_ids = {i for i, t in m.tokenizer.get_added_tokens_decoder().items() if t.special}
    specials = [int(t) in special_ids for t in new]
    last = max((w for w in enc.word_ids if w is not None), default=-1)
    word_ids = [None if sp else last + 1 + k for k, sp in enumerate(specials)]
    return Encoded(enc.tokens + tokens, np.concatenate([enc.ids, np.asarray(new, dtype=enc.ids.dtype)]),
                   np.concatenate([enc.type_ids, np.zeros(len(new), dtype=enc.type_ids.dtype)]), enc.word_ids + word_ids,
                   enc.offsets + offsets), text + "".join(pieces)


def word_units(enc, text: str) -> list[list[int]]:
    from ..models.checkpoint import words_of

    return words_of(enc, text)[1]


class LayerRun:
    """The encoder's layers, computed on first need and in order (from forward_layers): each kept
    layer (its kept heads), the kept heads' summaries, the rollout so far and the last hidden state.
    Layers that are not kept are dropped once the rollout has them."""

    def __init__(self, source, n_layers: int, layer_numbers: list[int], head_numbers: list[int], specials: list[bool],
                 causal: bool = False):
        self.source, self.n_layers, self.specials, self.causal = source, n_layers, specials, causal
        self.layer_numbers, self.head_numbers = layer_numbers, head_numbers
        self.computed = 0  # layers computed so far
        self.kept: dict[int, att.LayerResult] = {}  # layer number (1-based) -> its kept heads
        self.summaries: dict[tuple[int, int], dict] = {}
        self.flow: np.ndarray | None = None  # [n, n] rollout through the layers computed
        self.hidden: np.ndarray | None = None  # [n, hidden] the last layer's output
        self.failed: BaseException | None = None  # what the forward pass raised: raised again on the next read
        self.lock = threading.RLock()  # two threads reading the same analysis compute each layer once

    def through(self, ln: int) -> None:
        """Compute every layer up to ln (1-based) that is not computed yet."""
        with self.lock:
            while self.computed < min(ln, self.n_layers):
                self._next()

    def _next(self) -> None:
        """Compute the next layer: keep it if it is kept, its heads' summaries, the rollout through it."""
        from ..core.rollout import rollout_step

        if self.failed is not None:
            raise self.failed
        try:
            layer = next(self.source)
        except BaseException as e:  # an error (or Ctrl-C) ends the generator: keep it for the next read
            self.failed = e
            raise
        self.computed += 1
        self.flow = rollout_step(self.flow, [h.alpha_prime for h in layer.heads])
        self.hidden = layer.output
        if self.computed in self.layer_numbers:
            heads = [layer.heads[h - 1] for h in self.head_numbers]
            self.kept[self.computed] = att.LayerResult(heads, layer.output, layer.mask)
            for hn, hd in zip(self.head_numbers, heads):
                self.summaries[(self.computed, hn)] = head_summary(hd.alpha_prime, self.specials, self.causal)

    def complete(self) -> "LayerRun":
        self.through(self.n_layers)
        return self


class KeptLayers(Sequence):
    """ModelAnalysis.layers of a LayerRun: a list of the kept layers, each computed when first read."""

    def __init__(self, run: LayerRun):
        self.run = run

    def __len__(self) -> int:
        return len(self.run.layer_numbers)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        ln = self.run.layer_numbers[i]  # an IndexError past the end ends iteration
        self.run.through(ln)
        return self.run.kept[ln]


class Summaries(Mapping):
    """ModelAnalysis.summaries of a LayerRun: (layer, head) 1-based -> head_summary(), computed with its layer."""

    def __init__(self, run: LayerRun):
        self.run = run

    def __getitem__(self, key: tuple[int, int]) -> dict:
        if key not in self.run.summaries and isinstance(key, tuple) and key and isinstance(key[0], int):
            self.run.through(key[0])
        return self.run.summaries[key]

    def __iter__(self):
        return iter(self.run.complete().summaries)

    def __len__(self) -> int:
        return len(self.run.layer_numbers) * len(self.run.head_numbers)


class StreamedModelAnalysis(ModelAnalysis):
    """A ModelAnalysis whose layers, summaries, rollout and hidden state come from a LayerRun: each
    computed when first read.  Reading them in order (as the JSON writer does) overlaps the work."""

    def __init__(self, *args, run: LayerRun | None = None, **kw):
        self._run = run
        super().__init__(*args, **kw)

    @property
    def computing(self) -> bool:
        """True while layers are left to compute."""
        return self._run is not None and self._run.computed < self._run.n_layers

    @property
    def rollout(self) -> np.ndarray:
        return self._rollout if self._rollout is not None else self._run.complete().flow

    @rollout.setter
    def rollout(self, value) -> None:
        self._rollout = value

    @property
    def hidden(self) -> np.ndarray:
        return self._hidden if self._hidden is not None else self._run.complete().hidden

    @hidden.setter
    def hidden(self, value) -> None:
        self._hidden = value


def to_words(enc, text: str, layers: list[att.LayerResult], hidden: np.ndarray, flow: np.ndarray):
    """Pool subword tokens to words: α′ summed over a key word's pieces and averaged over the query
    word's pieces (rows still sum to 1); α and the vectors are means over the pieces.  With a mask (a
    decoder's), α is the mean over the allowed piece pairs, and a word pair none of whose pieces may
    attend is masked (a later word)."""
    from ..core.rollout import pool_words, pooling
    from ..models.checkpoint import words_of

    tokens, units = words_of(enc, text)
    specials = [len(u) == 1 and enc.word_ids[u[0]] is None for u in units]
    s, p = pooling(units, len(enc.ids))  # [m, n]: 1 on a word's pieces; the mean over them
    rows = lambda x: p @ x  # noqa: E731  (vectors: mean over pieces)

    def pooled(lr):
        if lr.mask is None:
            return [p @ h.alpha @ p.T for h in lr.heads], None  # α: mean over the query's and the key's pieces
        count = s @ lr.mask.astype(s.dtype) @ s.T  # [m, m] allowed piece pairs
        allowed = count > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            alphas = [np.where(allowed, (s @ np.where(lr.mask, h.alpha, 0.0) @ s.T) / count, np.nan) for h in lr.heads]
        return alphas, allowed

    out = []
    for lr in layers:
        alphas, mask = pooled(lr)
        out.append(att.LayerResult([att.HeadResult(rows(h.q), rows(h.k), rows(h.v), a, pool_words(h.alpha_prime, units), rows(h.b))
                                    for h, a in zip(lr.heads, alphas)], rows(lr.output), mask))
    return tokens, specials, out, rows(hidden), pool_words(flow, units)
