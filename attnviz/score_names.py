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

# what Options' checks between options need to know of the entries, kept here for the same reason
# (tests/analysis/test_register_score.py binds them to the entries' flags)
POSITIVE_SCORES: list[str] = ["linear"]  # α > 0 always (Score.positive): what a row-sum normalization may divide by
NEEDS_POSITIVE = ("sum",)  # normalizations that divide by the row sum (Normalization.positive)
TEMPERATURE = ("softmax",)  # normalizations that T applies to (Normalization.temperature)
