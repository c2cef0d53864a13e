"""The names `score` and `normalize` accept, at the bottom of the layers (imports nothing).

The built-ins are written here so that options.py (validation, the CLI's choices) needs no core;
core/scores.py, which holds each entry, appends a score registered from Python
(attnviz.register_score) and removes it again, so Options.validate accepts exactly what the
registry can compute.
"""

from __future__ import annotations

BUILTIN_SCORES = ("scaled-dot", "dot", "additive", "cosine", "linear")  # first = default
BUILTIN_NORMALIZATIONS = ("softmax", "relu", "none", "sum")

SCORES: list[str] = list(BUILTIN_SCORES)  # the built-ins, then the registered ones in order
NORMALIZATIONS: list[str] = list(BUILTIN_NORMALIZATIONS)
ALLOWED: dict[str, list[str]] = {"score": SCORES, "normalize": NORMALIZATIONS}  # Options field -> live names
