"""RoBERTa and XLM-RoBERTa in numpy: BERT's layers (models.bert) with positions counted from
padding_idx + 1, as fairseq and transformers' create_position_ids_from_input_ids do: position ids
pad + 1, pad + 2, … for tokens, pad for a padding token; the first pad + 1 rows of the position
table are never used by text, so a 514-row table holds 512 tokens."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import AttnvizError
from . import bert
from .config import config_int

ANCHOR = bert.ANCHOR  # "roberta." or none
check_tables = bert.check_tables


@dataclass(frozen=True)
class RobertaConfig(bert.BertConfig):
    pad: int = 1  # pad_token_id: the padding token's position id, and one less than the first token's

    @classmethod
    def read(cls, raw: dict, path: Path, **extra) -> "RobertaConfig":
        """As BERT's config, then max_positions is what text can use: the table's rows less pad + 1."""
        zero = type(raw.get("pad_token_id")) is int and raw["pad_token_id"] == 0  # a valid id; config_int wants ≥ 1
        pad = 0 if zero else config_int(raw, "pad_token_id", path, 1)
        cfg = super().read(raw, path, pad=pad, **extra)
        rows = cfg.max_positions
        if rows <= pad + 1:
            raise AttnvizError(f"`model` {path}: config.json has max_position_embeddings {rows} and pad_token_id {pad}; "
                               f"positions start at pad_token_id + 1, so no token would fit (a broken config)")
        return replace(cfg, max_positions=rows - pad - 1)

    def tables(self):
        word, (name, key, _rows), types = super().tables()
        return word, (name, key, self.max_positions + self.pad + 1), types


def read_config(raw: dict, path: Path) -> RobertaConfig:
    return RobertaConfig.read(raw, path)


def positions(ids: np.ndarray, pad: int) -> np.ndarray:
    """Token ids [..., n] -> position ids [..., n]: pad + the count of non-padding tokens so far, pad
    for a padding token (transformers' create_position_ids_from_input_ids)."""
    real = ids != pad
    return np.cumsum(real, axis=-1) * real + pad


def forward_layers(model, enc):
    """forward_layers of models.bert, with RoBERTa's positions."""
    x = bert.embed_sum(model, enc.ids, positions(enc.ids, model.config.pad), enc.type_ids)
    return bert.encoder_layers(model, x, bert.NAMES)


layer_weights = bert.layer_weights


def forward_batch(model, weights: list[dict], ids: np.ndarray, type_ids: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """models.bert.forward_batch with RoBERTa's positions (padding past lengths gets position pad)."""
    pad = model.config.pad
    ids = np.where(np.arange(ids.shape[1])[None, :] < lengths[:, None], ids, pad)
    return bert.encoder_batch(model, weights, bert.embed_sum(model, ids, positions(ids, pad), type_ids), lengths)
