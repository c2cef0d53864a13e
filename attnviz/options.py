"""Every attention option once: its allowed values, its default, and one validation.

The CLI builds its choices and defaults from here; the library validates once, in
Options.validate(), and its errors speak of the quantity (the CLI names the flag).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from . import score_names
from .errors import UsageError

# the allowed values of every option with a fixed set of choices (first = default)
CHOICES: dict[str, tuple[str, ...]] = {
    "embedding": ("vectors", "onehot"),
    "input_norm": ("standard", "center", "none"),
    "pos": ("none", "sinusoidal"),
    "projection": ("identity", "random"),
    "score": score_names.BUILTIN_SCORES,  # the CLI's choices; validate() also takes a registered score
    "normalize": score_names.BUILTIN_NORMALIZATIONS,
}
MATRICES = ("both", "alpha", "alpha-prime")  # which matrices a view shows
CELLS = ("auto", "numbers", "heat")  # terminal matrix cells
INPUT_FORMATS = ("npy", "npz", "csv", "tsv")  # --input files
DENSE_MAX = 2000  # items; beyond this, attention is kept as top-k per query (blockwise, never n × n)
AUTO_SHARPNESS = 3.0  # identity projection: T = median α_ii / 3, so softmax sees ≈ 3·cos(a^i, a^j)


@dataclass(frozen=True)
class Options:
    """The attention options of every input kind; asdict() of the resolved copy is JSON `config`.
    Messages write an option as `name`; the CLI shows it as --name."""

    vectors: str | None = None  # None: the embedded en_core_web_md vectors
    embedding: str = "vectors"  # vectors | onehot (over the sentence's own lowercased words)
    input_norm: str | None = None  # None: standard for word vectors, none for one-hot and --input
    punct: bool = False
    pos: str = "none"  # none | sinusoidal: a^i += pos_scale · e^i before the projections
    pos_scale: float = 1.0
    projection: str = "identity"  # identity | random (ignored when weights is given)
    weights: str | None = None
    heads: int = 1
    d_k: int | None = None  # per head; random projection only (identity: d_model/heads)
    seed: int = 0
    score: str = "scaled-dot"
    normalize: str = "softmax"
    temperature: float | str | None = None  # None or "auto": median α_ii / 3 with the identity projection, else 1
    d_a: int | None = None  # additive score's hidden size (random draw); default d_k
    window: int | None = None  # query i sees keys with |i − j| ≤ window (along every axis of the positions)
    causal: bool = False  # query i sees keys j ≤ i
    edges: str | None = None  # "restaurant-food,it-restaurant" (words or token numbers from 1)
    graph: str | None = None  # a file, one edge per line
    directed: bool = False
    no_self: bool = False  # mask the diagonal
    trust_pickle: bool = False

    def __post_init__(self):
        if isinstance(self.temperature, str) and self.temperature.strip().lower() == "auto":
            object.__setattr__(self, "temperature", None)  # "auto" is the default, as --compare temperature=auto

    def validate(self) -> "Options":
        """Raise UsageError for a value out of range or options that contradict each other."""
        for name, allowed in CHOICES.items():
            allowed = score_names.ALLOWED.get(name, allowed)  # with attnviz.register_score's names
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise UsageError(f"`{name}` {value!r} is not one of {', '.join(allowed)}", name)
        for name, low in (("heads", 1), ("d_k", 1), ("d_a", 1), ("window", 0), ("seed", 0)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
                raise UsageError(f"`{name}` must be a whole number ≥ {low} (got {value!r})", name)
        for name in ("temperature", "pos_scale"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
                extra = " or auto" if name == "temperature" else ""
                raise UsageError(f"`{name}` must be a finite number{extra} (got {value!r})", name)
        if self.temperature is not None and not self.temperature > 0:
            raise UsageError(f"`temperature` must be a positive number (got {self.temperature})", "temperature")
        for bad, option, message in self._conflicts():
            if bad:
                raise UsageError(message, option)
        return self

    def _conflicts(self):
        return [
            (self.weights is not None and self.projection != "identity", "weights",
             "`weights` gives W^q, W^k, W^v itself; drop `projection`"),
            (self.directed and self.edges is None and self.graph is None, "directed", "`directed` goes with `edges` or `graph`"),
            (self.pos_scale != 1.0 and self.pos != "sinusoidal", "pos_scale", "`pos_scale` goes with `pos` sinusoidal"),
            (self.d_a is not None and self.score != "additive", "d_a", "`d_a` goes with `score` additive"),
            (self.temperature is not None and self.normalize != "softmax", "temperature",
             f"`temperature` applies to softmax, not to `normalize` {self.normalize}"),
            (self.normalize == "sum" and self.score != "linear", "normalize",
             f"`normalize` sum divides by the row sum, which only the positive `score` linear keeps above 0 "
             f"(got `score` {self.score}); add `score` linear, or use `normalize` relu"),
            (self.embedding == "onehot" and self.vectors is not None, "vectors", "`embedding` onehot makes its own vectors; drop `vectors`"),
            (self.d_k is not None and self.weights is not None, "d_k", "`d_k` is set by the shapes in `weights`; drop `d_k`"),
        ]


def option_names() -> list[str]:
    return [f.name for f in fields(Options)]


def flag(option: str) -> str:
    """The CLI flag of an Options field: d_k -> --d-k."""
    return "--" + option.replace("_", "-")


def as_flags(message: str) -> str:
    """A library message with its `option` names written as CLI flags (`d_k` -> --d-k).
    Only names of options are rewritten: every CLI option of the library's API."""
    import re

    known = set(option_names()) | API_OPTIONS
    return re.sub(r"`(\w+)`", lambda m: flag(m.group(1)) if m.group(1) in known else m.group(0), message)


API_OPTIONS = {"input", "audio", "image", "frame_ms", "hop_ms", "features", "size", "patch", "model", "words", "layer",
               "head", "top_k", "focus", "json", "include_vectors", "save", "from", "to", "compare", "matrix", "cmap",
               "vmax", "title", "generate", "probe_length", "accept_cost", "recurrent", "conv", "kernel", "conv_alpha", "hidden",
               "bidirectional", "attention", "tokens", "scores", "view", "backend", "target", "part", "file", "lines",
               "dpi", "length", "dim"}
