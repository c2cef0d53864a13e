"""ELECTRA's encoder (the discriminator, or ElectraModel) in numpy: BERT's layers (models.bert) on
embeddings of their own width, embedding_size, brought to hidden_size by `embeddings_project` (a
Linear) when the two differ."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import bert
from .config import config_int

ANCHOR = bert.ANCHOR  # "electra." or none
check_tables = bert.check_tables


@dataclass(frozen=True)
class ElectraConfig(bert.BertConfig):
    embedding: int = 0  # embedding_size: the word, position and type tables' width

    @property
    def width(self) -> int:
        return self.embedding

    @property
    def projected(self) -> bool:
        """transformers adds embeddings_project exactly when the widths differ."""
        return self.embedding != self.hidden

    @classmethod
    def read(cls, raw: dict, path: Path, **extra) -> "ElectraConfig":
        return super().read(raw, path, embedding=config_int(raw, "embedding_size", path, 128), **extra)  # transformers' default


def read_config(raw: dict, path: Path) -> ElectraConfig:
    return ElectraConfig.read(raw, path)


def project(model, x: np.ndarray) -> np.ndarray:
    """Embeddings [..., embedding_size] -> [..., hidden_size] through embeddings_project (x·Wᵀ + b)."""
    c = model.config
    if not c.projected:
        return x
    w = model.w("embeddings_project.weight", (c.hidden, c.embedding))
    return x @ w.T + model.w("embeddings_project.bias", (c.hidden,))


def forward_layers(model, enc):
    """forward_layers of models.bert, with the embeddings projected to the layers' width."""
    c = model.config
    if c.projected:  # checked from the header before anything runs, as the layers are
        model.check("embeddings_project.weight", (c.hidden, c.embedding))
        model.check("embeddings_project.bias", (c.hidden,))
    return bert.encoder_layers(model, project(model, bert.embed(model, enc)), bert.NAMES)


layer_weights = bert.layer_weights


def forward_batch(model, weights: list[dict], ids: np.ndarray, type_ids: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """models.bert.forward_batch with the embeddings projected to the layers' width."""
    x = bert.embed_sum(model, ids, np.arange(ids.shape[1]), type_ids)  # [B, L, embedding_size]
    return bert.encoder_batch(model, weights, project(model, x), lengths)
