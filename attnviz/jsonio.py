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
    """The schema's dict.  Indices are 0-based (the CLI's --layer/--head count from 1)."""
    layers = []
    model = analysis.source["kind"] == "model"
    for ln, layer in zip(analysis.layer_numbers, analysis.layers):
        heads = []
        for hn, hd in zip(analysis.head_numbers, layer.heads):
            head = {"index": hn - 1, "alpha": matrix(hd.alpha), "alpha_prime": matrix(hd.alpha_prime)}
            if model:
                head["summary"] = analysis.summaries[(ln, hn)]
            if include_vectors:
                head.update({name: matrix(getattr(hd, name)) for name in ("q", "k", "v", "b")})
            heads.append(head)
        entry = {"index": ln - 1, "kind": "attention", "heads": heads}
        if include_vectors:
            if not model:
                entry["input"] = matrix(analysis.embedded.x)
            entry["output"] = matrix(layer.output)
        layers.append(entry)
    if analysis.rollout is not None:
        layers.append({"index": analysis.config["layers"], "kind": "rollout",
                       "heads": [{"index": 0, "alpha_prime": matrix(analysis.rollout)}]})
    return {
        "schema": SCHEMA,
        "text": analysis.text,
        "tokens": list(analysis.tokens),
        "oov": list(analysis.oov),
        **({"special": list(analysis.specials)} if analysis.specials else {}),
        "source": dict(analysis.source),
        "config": dict(analysis.config),
        "layers": layers,
    }


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)
