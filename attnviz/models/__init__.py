"""Pretrained model families, computed in numpy: one module a family, one registry entry each.

A family is looked up by the `model_type` of a Hugging Face config.json, or by a GGUF file's
`general.architecture` (the values it lists in ``gguf``: models/gguf.py reads those files and no
others).  Each entry names:

- ``read_config(raw, where) -> config``: the family's own config dataclass from a config.json dict
  (GGUF metadata is first turned into such a dict).  Every config has ``hidden``, ``heads``
  (query heads), ``kv_heads``, ``layers``, ``max_positions``, ``vocab`` and ``causal``.
- ``forward_layers(model, enc) -> iterator of core.attention.LayerResult``: every
  layer's heads (α, α′, b; α NaN and α′ 0 where masked) and its output [n, hidden], one layer at a
  time.  ``model`` answers ``w(name, shape)``, ``rows(name, index)``, ``check(name, shape)`` and
  ``has(name)`` in the Hugging Face names of the family under the checkpoint's prefix
  (``layers.0.self_attn.q_proj.weight`` of ``model.``), ``top(key, shape)`` outside it (``lm_head.weight``).
  Decoders share models/decoder.py (causal mask, grouped-query attention, cache, ``generate``).
- ``causal``: whether queries see only earlier keys (decoders).
- optional (``Family.part``): ``check_tables(model)``, header checks of the embedding tables; and
  ``layer_weights(model)`` + ``forward_batch(model, weights, ids, type_ids, lengths)``, a corpus in
  padded batches (`heads --file`); a family without them runs a corpus one sentence at a time.

This module stays light (no numpy work at import): the first screen imports it for names only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..errors import AttnvizError


@dataclass(frozen=True)
class GGUF:
    """A GGUF `general.architecture` a family reads, and how llama.cpp's convert_hf_to_gguf.py wrote it.
    writer: "llama" (its LlamaModel: Llama-like tensor names, Q/K rows permuted for its rotary
    layout — undone on load — and rope.dimension_count the head size), "decoder" (the same names, no
    permutation: Qwen2/3), "gpt2" (GPT-2's names, Conv1D weights stored [out, in])."""

    arch: str
    writer: str = "decoder"


@dataclass(frozen=True)
class Family:
    name: str  # the model_type it is registered under, e.g. "llama"
    module: str  # the module (under attnviz.models) that computes it, imported when first used
    causal: bool  # decoders: a query sees itself and earlier keys only
    aliases: tuple[str, ...] = field(default=())  # other model_type names it computes
    gguf: tuple[GGUF, ...] = field(default=())  # the GGUF architectures it reads, and how they are written (none: no GGUF files)

    def _mod(self):
        import importlib

        return importlib.import_module(f"{__name__}.{self.module}")

    @property
    def read_config(self) -> Callable:
        return self._mod().read_config

    @property
    def forward_layers(self) -> Callable[..., Iterator]:
        return self._mod().forward_layers

    def part(self, name: str) -> Callable | None:
        """An optional function of the family's module (check_tables; layer_weights and forward_batch,
        the batched path of a corpus), or None when the family has none."""
        return getattr(self._mod(), name, None)


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    for key in (family.name, *family.aliases):
        FAMILIES[key] = family
    return family


def family_for(model_type: object, where: str) -> Family:
    """The family registered for a config's model_type (or a GGUF's architecture); one error listing
    the supported ones otherwise."""
    found = FAMILIES.get(model_type) if isinstance(model_type, str) else None
    if found is None:
        raise AttnvizError(f"`model` {where}: model_type {model_type!r} is not supported; attnviz computes "
                           f"{', '.join(sorted(FAMILIES))}")
    return found


def gguf_architectures() -> list[str]:
    """The GGUF general.architecture values some family reads, in alphabetical order (the error's list)."""
    return sorted({g.arch for family in FAMILIES.values() for g in family.gguf})


def gguf_family(arch: str) -> Family:
    """The family that reads GGUF files of this general.architecture (one of gguf_architectures())."""
    return next(family for family in FAMILIES.values() if arch in (g.arch for g in family.gguf))


def gguf_spec(arch: str) -> GGUF:
    """How GGUF files of this general.architecture are written (its family's entry)."""
    return next(g for g in gguf_family(arch).gguf if g.arch == arch)


register(Family("bert", "bert", causal=False))
register(Family("llama", "llama", causal=True, gguf=(GGUF("llama", "llama"),)))  # Llama 2/3.x, SmolLM
register(Family("mistral", "mistral", causal=True, gguf=(GGUF("mistral", "llama"),)))
register(Family("qwen2", "qwen2", causal=True, gguf=(GGUF("qwen2"),)))
register(Family("qwen3", "qwen3", causal=True, gguf=(GGUF("qwen3"),)))
register(Family("gpt2", "gpt2", causal=True, gguf=(GGUF("gpt2", "gpt2"),)))
register(Family("roberta", "roberta", causal=False, aliases=("xlm-roberta",)))
register(Family("distilbert", "distilbert", causal=False))
register(Family("electra", "electra", causal=False))
