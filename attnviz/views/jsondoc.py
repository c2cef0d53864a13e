"""The JSON document (schema "attnviz/1"), documented in docs/json-schema.md."""

from __future__ import annotations

import json
import math

import numpy as np

from ..analysis.config import VectorSetConfig
from ..analysis.results import ModelAnalysis
from ..errors import AttnvizError
from ..inputs.kinds import KINDS
from ..inputs.sources import AudioSource, ImageSource, TextSource

SCHEMA = "attnviz/1"
SOURCE_KINDS = (*(kind.source_kind for kind in KINDS.values()), "model", "attention")  # source.kind: each input
#   kind's (text + word vectors: "vectors"; a matrix, a sound, a picture), then a model's and attention given (view())
FORMATS = ("embedded", "file", "gensim-data", "onehot", "npy", "npz", "csv", "tsv", "safetensors", "gguf", "array", "json",
           "transformers")  # source.format (attention: array, npz, npy, json, transformers)


def matrix(m: np.ndarray) -> list[list[float | None]]:
    """[n, n] -> nested lists; NaN (masked) -> null."""
    return [[None if math.isnan(x) else x for x in row] for row in np.asarray(m, dtype=np.float64).tolist()]


def document(analysis, include_vectors: bool = False, scores=matrix, weights=matrix) -> dict:
    """The schema's dict.  Indices are 0-based (the CLI's --layer/--head count from 1).
    scores, weights: how α and α′ are written (default nested lists; a page may pack them, views/pack.py)."""
    layers = []
    model = isinstance(analysis, ModelAnalysis)
    for ln, layer in zip(analysis.layer_numbers, analysis.layers):
        heads = []
        for hn, hd in zip(analysis.head_numbers, layer.heads):
            head = {"index": hn - 1, "alpha": scores(hd.alpha), "alpha_prime": weights(hd.alpha_prime)}
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
    if model and analysis.rollout is not None:  # cross-attention has none
        layers.append({"index": analysis.config.layers, "kind": "rollout",
                       "heads": [{"index": 0, "alpha_prime": weights(analysis.rollout)}]})
    return {
        "schema": SCHEMA,
        "text": analysis.text,
        "tokens": list(analysis.tokens),
        "oov": list(analysis.oov),
        **({"special": list(analysis.specials)} if model else {}),
        **({"generated": list(analysis.generated)} if model and analysis.generated is not None else {}),
        **({"keys": list(analysis.keys), "key_special": list(analysis.key_specials)} if model and analysis.keys is not None else {}),
        "source": source_of(analysis),
        "config": analysis.config.to_dict(),
        "layers": layers,
    }


def source_of(analysis) -> dict:
    """The JSON `source`; a sound adds each frame's start and end time, a picture each item's
    (row, col), 0-based, as columns: `items`."""
    s, n = analysis.source, len(analysis.tokens)
    source = s.to_dict()
    if isinstance(s, AudioSource):
        start = np.arange(n) * s.hop_length / s.sample_rate
        source["items"] = {"start_s": np.round(start, 6).tolist(),
                           "end_s": np.round(start + s.frame_length / s.sample_rate, 6).tolist()}
    elif isinstance(s, ImageSource):  # `items` stays where it is: in the middle, "pixels" becomes the grid
        row, col = np.divmod(np.arange(n), s.cols)
        source["items"] = {"row": row.tolist(), "col": col.tolist()}
    return source


def topk_header(result) -> dict:
    """Line 1 of --top-k --json: schema, tokens, oov, source, config (no matrices)."""
    return {"schema": SCHEMA, "format": "top-k lines", "tokens": result.tokens, "oov": result.oov,
            "source": source_of(result), "config": result.config.to_dict()}


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)


def write_topk_lines(result, out) -> None:
    """--top-k --json: JSON Lines.  Line 1: the header (schema, tokens, oov, source, config);
    then one line per query: {"query": i, "heads": [{"keys": [...], "alpha": [...], "alpha_prime": [...]}]}.
    Keys are strongest first; a query with fewer allowed keys than k lists fewer."""
    from ..core.blockwise import BlockTop

    out.write(dumps(topk_header(result)) + "\n")
    lines = TopKLines(out)
    lines(0, [BlockTop(hd.keys, hd.alpha, hd.alpha_prime) for hd in result.heads])
    lines.flush()


def write_topk_header(out, words: list[str], ids: np.ndarray, oov: np.ndarray, source: TextSource, config: VectorSetConfig,
                      step: int = 65536) -> None:
    """The header line of a streamed input, written a run of tokens at a time: tokens are
    words[ids] ([n] int indices into [m] distinct words), oov [m] per distinct word."""
    encoded = np.array([json.dumps(w, ensure_ascii=False) for w in words], dtype=object)  # [m]
    flags = np.array(["false", "true"], dtype=object)[oov.astype(np.int64)]  # [m]
    out.write('{"schema": %s, "format": "top-k lines", "tokens": [' % json.dumps(SCHEMA))  # as dumps() spaces it
    for name, table in (("tokens", encoded), ("oov", flags)):
        if name == "oov":
            out.write('], "oov": [')
        for s in range(0, len(ids), step):
            out.write((", " if s else "") + ", ".join(table[ids[s:s + step]].tolist()))
    out.write("], " + dumps({"source": source.to_dict(), "config": config.to_dict()})[1:] + "\n")


class TopKLines:
    """A sink for blocks of queries (blockwise.BlockTop per head): one JSON line per query, in order.

    Speed matters here (10⁶ lines): whole runs of lines are formatted by one %-operation over a
    flat tuple of numbers (7 significant digits).  A query with fewer allowed keys than k (its
    empty slots have key −1) is written on its own, without those slots.  Non-finite numbers are
    an error (JSON has none)."""

    def __init__(self, out, batch: int = 4096):
        self.out, self.batch, self.pending, self.count = out, batch, [], 0

    def __call__(self, s: int, tops) -> None:
        self.pending.append((s, tops))
        self.count += len(tops[0].keys)
        if self.count >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        start = self.pending[0][0]
        heads = [[t[h] for _, t in self.pending] for h in range(len(self.pending[0][1]))]
        keys = [np.concatenate([t.keys for t in hd]) for hd in heads]
        alpha = [np.concatenate([t.alpha for t in hd]) for hd in heads]
        weight = [np.concatenate([t.alpha_prime for t in hd]) for hd in heads]
        self.pending, self.count = [], 0
        write_rows(self.out, start, keys, alpha, weight)


def write_rows(out, start: int, keys: list, alpha: list, weight: list) -> None:
    """Lines for queries start … start + B − 1; per head keys [B, K] (−1: empty), α and α′ [B, K]."""
    n, k = keys[0].shape
    for a, w, kk in zip(alpha, weight, keys):
        if not (np.isfinite(a[kk >= 0]).all() and np.isfinite(w).all()):
            raise AttnvizError("a score α or weight α′ is not finite (inf or NaN), and JSON cannot carry it; "
                               "check the vectors and weights (or `d_a`, `temperature`) for very large values")
    nums = lambda f: ",".join([f] * k)  # noqa: E731
    head_tpl = '{"keys":[' + nums("%d") + '],"alpha":[' + nums("%.7g") + '],"alpha_prime":[' + nums("%.7g") + "]}"
    line_tpl = '{"query":%d,"heads":[' + ",".join([head_tpl] * len(keys)) + "]}\n"
    table = np.empty((n, 1 + 3 * k * len(keys)))
    table[:, 0] = np.arange(start, start + n)
    short = np.zeros(n, dtype=bool)
    for h in range(len(keys)):
        base = 1 + 3 * k * h
        table[:, base: base + k] = keys[h]
        table[:, base + k: base + 2 * k] = np.where(keys[h] >= 0, alpha[h], 0.0)
        table[:, base + 2 * k: base + 3 * k] = weight[h]
        short |= (keys[h] < 0).any(axis=1)
    first = 0
    for stop in list(np.flatnonzero(short)) + [n]:
        if stop > first:
            out.write((line_tpl * (stop - first)) % tuple(table[first:stop].ravel().tolist()))
        if stop < n:
            entry = []
            for h in range(len(keys)):
                valid = keys[h][stop] >= 0
                entry.append({"keys": keys[h][stop][valid].tolist(), "alpha": alpha[h][stop][valid].tolist(),
                              "alpha_prime": weight[h][stop][valid].tolist()})
            out.write(dumps({"query": int(start + stop), "heads": entry}).replace(" ", "") + "\n")
        first = stop + 1
