"""The typed `config` of each result: what the views read as fields, and the JSON `config` (to_dict).

to_dict() gives exactly the dict the JSON documents have always held (same keys, same order, same
omissions): attnviz/1 documents written before these types read the same.  Read the fields
(r.config.score); r.config.to_dict() is the JSON's dict.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


class Fields:
    """A frozen record whose to_dict() is its JSON dict."""

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, eq=True)
class VectorSetConfig(Fields):
    """One layer over a vector set (text, a matrix, a sound, a picture) or a long input: every
    effective option (Options' fields in their order, trust_pickle aside), then what resolving them
    fixed.  tests/analysis/test_typed_results.py binds the first fields to Options'."""

    vectors: str | None
    embedding: str
    input_norm: str | None
    punct: bool
    pos: str
    pos_scale: float
    projection: str  # identity | random | weights
    weights: str | None
    heads: int
    d_k: int
    seed: int
    score: str
    normalize: str
    temperature: float
    d_a: int | None  # the additive score's hidden size; None for every other score
    window: int | None
    causal: bool
    edges: str | None
    graph: str | None
    directed: bool
    no_self: bool
    d_v: int
    has_wo: bool
    temperature_auto: bool
    masked: bool = False
    top_k: int | None = None  # a long input's keys per query; absent from a dense result's JSON

    def to_dict(self) -> dict:
        d = super().to_dict()
        if self.top_k is None:
            del d["top_k"]
        return d


@dataclass(frozen=True, eq=True)
class ModelConfig(Fields):
    """A pretrained model's run, or attention given from elsewhere (model None, `given` set).
    A decoder's keys (family … positions) are in the JSON only when causal; `given` and `cross`
    only when set: an encoder's JSON config stays as it was before decoders came."""

    model: str | None
    path: str | None
    words: bool
    layer: int | None  # the layer asked for (1-based); None: every layer
    head: int | None
    layers: int
    heads: int
    d_k: int | None
    score: str | None
    normalize: str
    temperature: float
    temperature_auto: bool
    input_norm: str | None
    projection: str | None
    seed: int | None
    weights: str | None
    has_wo: bool
    masked: bool
    given: str | None = None  # attention given: "weights", "scores" or "saved" (a re-read attnviz/1 file)
    family: str | None = None
    causal: bool = False
    kv_heads: int | None = None  # None: as many as `heads` (an encoder)
    generate: int = 0
    prompt_chars: int | None = None  # with `generate`: how much of `text` was the prompt
    positions: str | None = None  # a decoder's: rotary | learned
    cross: bool = False  # cross-attention: rows are queries, columns keys of another sequence

    def to_dict(self) -> dict:
        d = super().to_dict()
        decoder = ("family", "causal", "kv_heads", "generate")
        for name in ("given", "prompt_chars", "positions"):
            if d[name] is None:
                del d[name]
        for name in decoder if not self.causal else ():
            del d[name]
        if not self.cross:
            del d["cross"]
        return d

    @property
    def kv_heads_or_heads(self) -> int:
        """Key/value heads: fewer than `heads` with grouped-query attention."""
        return self.heads if self.kv_heads is None else self.kv_heads
