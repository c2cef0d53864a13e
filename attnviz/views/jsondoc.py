"""The JSON document (schema "attnviz/1"), documented in docs/json-schema.md."""

from __future__ import annotations

import json
import math

import numpy as np

from ..analysis.results import ModelAnalysis

SCHEMA = "attnviz/1"
SOURCE_KINDS = ("vectors", "matrix", "model")  # source.kind: text + word vectors, --input, --model
FORMATS = ("embedded", "file", "gensim-data", "onehot", "npy", "npz", "csv", "tsv", "safetensors")  # source.format


def matrix(m: np.ndarray) -> list[list[float | None]]:
    """[n, n] -> nested lists; NaN (masked) -> null."""
    return [[None if math.isnan(x) else x for x in row] for row in np.asarray(m, dtype=np.float64).tolist()]


def document(analysis, include_vectors: bool = False) -> dict:
    """The schema's dict.  Indices are 0-based (the CLI's --layer/--head count from 1)."""
    layers = []
    model = isinstance(analysis, ModelAnalysis)
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
                entry["input"] = matrix(analysis.x)
            entry["output"] = matrix(layer.output)
        layers.append(entry)
    if model:
        layers.append({"index": analysis.config["layers"], "kind": "rollout",
                       "heads": [{"index": 0, "alpha_prime": matrix(analysis.rollout)}]})
    return {
        "schema": SCHEMA,
        "text": analysis.text,
        "tokens": list(analysis.tokens),
        "oov": list(analysis.oov),
        **({"special": list(analysis.specials)} if model else {}),
        "source": dict(analysis.source),
        "config": dict(analysis.config),
        "layers": layers,
    }


def heads_document(analysis, i: int | None, j: int | None) -> str:
    """`attnviz heads --json`: schema attnviz-heads/1, every head ranked by α′(i → j) (0-based indices).
    A corpus (heads --file): schema attnviz-corpus-heads/1 from views/corpus.py; i and j unused."""
    from ..analysis.corpus import CorpusAnalysis
    from ..analysis.summaries import heads_ranking

    if isinstance(analysis, CorpusAnalysis):
        from .corpus import corpus_document

        return dumps(corpus_document(analysis))

    rows = [{"layer": r["layer"] - 1, "head": r["head"] - 1, **({"alpha_prime": r["alpha_prime"]} if i is not None else {}),
             "summary": r["summary"]} for r in heads_ranking(analysis, i, j)]
    return dumps({"schema": "attnviz-heads/1", "model": analysis.config["model"], "tokens": analysis.tokens,
                  "from": i, "to": j, "heads": rows})


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)


def write_topk_lines(result, out) -> None:
    """--top-k --json: JSON Lines.  Line 1: the header (schema, tokens, oov, source, config);
    then one line per query: {"query": i, "heads": [{"keys": [...], "alpha": [...], "alpha_prime": [...]}]}.
    Keys are strongest first; a query with fewer allowed keys than k lists fewer."""
    header = {"schema": SCHEMA, "format": "top-k lines", "tokens": result.tokens, "oov": result.oov,
              "source": result.source, "config": result.config}
    out.write(dumps(header) + "\n")
    # Speed matters here (10⁵ lines): whole runs of lines are formatted by one %-operation over a
    # flat tuple of numbers (7 significant digits).  A query with fewer allowed keys than k
    # (its empty slots have key -1) is written on its own, without those slots.
    heads = result.heads
    k = heads[0].keys.shape[1]
    nums = lambda f: ",".join([f] * k)  # noqa: E731
    head_tpl = '{"keys":[' + nums("%d") + '],"alpha":[' + nums("%.7g") + '],"alpha_prime":[' + nums("%.7g") + "]}"
    line_tpl = '{"query":%d,"heads":[' + ",".join([head_tpl] * len(heads)) + "]}\n"
    n = len(result.tokens)
    table = np.empty((n, 1 + 3 * k * len(heads)))
    table[:, 0] = np.arange(n)
    for h, hd in enumerate(heads):
        base = 1 + 3 * k * h
        table[:, base : base + k] = hd.keys
        table[:, base + k : base + 2 * k] = hd.alpha
        table[:, base + 2 * k : base + 3 * k] = hd.alpha_prime
    short = np.zeros(n, dtype=bool)
    for hd in heads:
        short |= (hd.keys < 0).any(axis=1)
    start = 0
    for stop in list(np.flatnonzero(short)) + [n]:
        for s in range(start, stop, 4096):
            e = min(stop, s + 4096)
            out.write((line_tpl * (e - s)) % tuple(table[s:e].ravel().tolist()))
        if stop < n:
            entry = []
            for hd in heads:
                valid = hd.keys[stop] >= 0
                entry.append({"keys": hd.keys[stop][valid].tolist(), "alpha": hd.alpha[stop][valid].tolist(),
                              "alpha_prime": hd.alpha_prime[stop][valid].tolist()})
            out.write(dumps({"query": int(stop), "heads": entry}).replace(" ", "") + "\n")
        start = stop + 1
