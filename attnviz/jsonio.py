"""The JSON document (schema "attnviz/1"), documented in docs/json-schema.md."""

from __future__ import annotations

import json
import math

import numpy as np

SCHEMA = "attnviz/1"


def matrix(m: np.ndarray) -> list[list[float | None]]:
    """[n, n] -> nested lists; NaN (masked) -> null."""
    return [[None if math.isnan(x) else x for x in row] for row in np.asarray(m, dtype=np.float64).tolist()]


def document(analysis, include_vectors: bool = False) -> dict:
    layers = []
    for index, layer in enumerate(analysis.layers):
        heads = []
        for h, hd in enumerate(layer.heads):
            head = {"index": h, "alpha": matrix(hd.alpha), "alpha_prime": matrix(hd.alpha_prime)}
            if include_vectors:
                head.update({name: matrix(getattr(hd, name)) for name in ("q", "k", "v", "b")})
            heads.append(head)
        entry = {"index": index, "heads": heads}
        if include_vectors:
            entry["input"] = matrix(analysis.embedded.x)
            entry["output"] = matrix(layer.output)
        layers.append(entry)
    return {
        "schema": SCHEMA,
        "text": analysis.text,
        "tokens": list(analysis.tokens),
        "oov": list(analysis.oov),
        "source": dict(analysis.source),
        "config": dict(analysis.config),
        "layers": layers,
    }


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)
