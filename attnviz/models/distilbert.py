"""DistilBERT in numpy: BERT's layers (models.bert) under DistilBERT's own names and config keys,
embeddings of word + position only (no token types).  With sinusoidal_pos_embds the position table
is the fixed sinusoid, which transformers stores in the checkpoint like a learned one: it is read
from the file either way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AttnvizError
from . import bert
from .config import check_fixed, config_act, config_int

ANCHOR = bert.ANCHOR  # "distilbert." or none
NAMES = bert.Names("transformer.layer.{}.", "attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin",
                   "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm")
EPS = 1e-12  # DistilBERT's LayerNorms: fixed in transformers, not in config.json


@dataclass(frozen=True)
class DistilBertConfig(bert.BertConfig):
    def tables(self):
        return super().tables()[:2]  # no token-type table

    def check(self, path: Path) -> None:
        if self.hidden % self.heads:
            raise AttnvizError(f"`model` {path}: dim {self.hidden} is not divisible by n_heads {self.heads}")


def read_config(raw: dict, path: Path) -> DistilBertConfig:
    """config.json's DistilBERT keys (dim, n_heads, n_layers, hidden_dim, activation), checked as BERT's are."""
    check_fixed(raw, path)
    size = lambda key, default=None: config_int(raw, key, path, default)  # noqa: E731
    act = config_act(raw, path, "activation")
    cfg = DistilBertConfig(size("dim"), size("n_heads"), size("n_layers"), size("hidden_dim"), EPS, act,
                           size("max_position_embeddings", 512), size("vocab_size", 0) or None, 0)
    cfg.check(path)
    return cfg


check_tables = bert.check_tables


def forward_layers(model, enc):
    """forward_layers of models.bert: word + position embeddings, DistilBERT's layer names."""
    x = bert.embed_sum(model, enc.ids, np.arange(len(enc.ids)), None)
    return bert.encoder_layers(model, x, NAMES)


def layer_weights(model) -> list[dict]:
    return bert.layer_weights(model, NAMES)


def forward_batch(model, weights: list[dict], ids: np.ndarray, type_ids: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """models.bert.forward_batch without token types."""
    return bert.encoder_batch(model, weights, bert.embed_sum(model, ids, np.arange(ids.shape[1]), None), lengths)
