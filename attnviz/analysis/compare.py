"""Side-by-side experiments: one attention option, two or more values, the same input.

`compare("score=dot,scaled-dot")` runs every setting over one Sequence (any kind: text, a matrix,
audio frames, image pixels) and measures what changed.  The automatic temperature belongs to the
input (vectorset.auto_temperature), so only the option compared differs between the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ..errors import UsageError
from ..inputs import Sequence
from ..options import Options
from .results import VectorSetAnalysis

NOT_COMPARED = ("trust_pickle", "edges")  # a security switch; edges hold commas of their own
INPUT_OPTIONS = ("embedding", "vectors", "input_norm", "punct")  # change the vectors: the text is embedded again
NONE_WORDS = ("none", "auto", "default")  # window=none, temperature=auto, d_k=default


@dataclass
class Metrics:
    """What a student should read off one setting's α′ (averaged over its heads).

    entropy    mean row entropy in bits (0: every query on one key; log2 n: uniform)
    self       mean self-weight α′_ii
    link       the largest off-diagonal α′: (weight, query, key, head), 0-based query/key/head
    ties       how many off-diagonal cells of that head share that weight (one-hot: all of them)
    """

    entropy: float
    self: float
    link: tuple[float, int, int, int]
    ties: int = 1


@dataclass
class Setting:
    option: str
    value: str  # as the user wrote it
    analysis: VectorSetAnalysis
    metrics: Metrics

    @property
    def label(self) -> str:
        return f"{self.option.replace('_', '-')}={self.value}"

    @property
    def alpha_prime(self) -> np.ndarray:
        """[n, n] α′, the mean over heads (one head: its α′): rows still sum to 1."""
        return np.mean([hd.alpha_prime for hd in self.analysis.layer.heads], axis=0)


@dataclass
class Comparison:
    """Every setting of one option over the same items."""

    option: str
    settings: list[Setting]

    tokens = property(lambda self: self.settings[0].analysis.tokens)
    oov = property(lambda self: self.settings[0].analysis.oov)
    source = property(lambda self: self.settings[0].analysis.source)
    sequence = property(lambda self: self.settings[0].analysis.sequence)
    text = property(lambda self: self.settings[0].analysis.text)


def parse_spec(spec: str) -> tuple[str, list[str]]:
    """'score=dot,scaled-dot' -> ('score', ['dot', 'scaled-dot']); option names as flags or fields."""
    name, sep, values = spec.partition("=")
    option = name.strip().lstrip("-").replace("-", "_")
    known = [f.name for f in fields(Options) if f.name not in NOT_COMPARED]
    if not sep or option not in known:
        raise UsageError(f"`compare` {spec!r}: write OPTION=A,B[,C] with OPTION one of "
                         f"{', '.join(k.replace('_', '-') for k in known)} (e.g. score=dot,scaled-dot)", "compare")
    items = [v.strip() for v in values.split(",") if v.strip()]
    repeated = [v for k, v in enumerate(items) if v in items[:k]]
    if repeated:
        once = list(dict.fromkeys(items)) + ([] if len(set(items)) > 1 else ["B"])
        raise UsageError(f"`compare` {spec!r}: {repeated[0]!r} is given {items.count(repeated[0])} times; "
                         f"give each value once, e.g. {name.strip()}={','.join(once)}", "compare")
    if len(items) < 2:
        raise UsageError(f"`compare` {spec!r}: give two or more values to compare, e.g. {name.strip()}=A,B", "compare")
    return option, items


def option_value(option: str, raw: str):
    """A value as the Options field `option` takes it: int, float, bool, str, or None (none/auto)."""
    kind = next(str(f.type) for f in fields(Options) if f.name == option)
    if "None" in kind and raw.lower() in NONE_WORDS:
        return None
    try:
        if kind.startswith("bool"):
            return {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}[raw.lower()]
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except (KeyError, ValueError):
        what = "true or false" if kind.startswith("bool") else kind.split(" ")[0] + (" or none" if "None" in kind else "")
        raise UsageError(f"`compare` {option}={raw}: not a value of `{option}` ({what})", "compare") from None
    return raw


def settings(opts: Options, option: str, values: list[str], seq: Sequence | None = None) -> list[tuple[str, Options]]:
    """(value as written, validated Options) for each value: opts with only `option` changed.
    With a sound (seq), a `window` may be a time: window=none,150ms."""
    from ..inputs.kinds import kind_of
    from ..inputs.load import with_window

    if getattr(opts, option) != getattr(Options(), option):  # given too: the sweep would silently replace it
        raise UsageError(f"`compare` {option}=…: `{option}` is given too, and each setting replaces it; drop `{option}` "
                         f"(or add its value to the comparison)", option)
    out = []
    for raw in values:
        if option == "window" and seq is not None and kind_of(seq.kind).parse_window is not None and raw.lower() not in NONE_WORDS:
            varied = with_window(replace(opts, window=raw), seq)
        else:
            varied = replace(opts, **{option: option_value(option, raw)})
        out.append((raw, varied.validate()))
    return out


def metrics(analysis: VectorSetAnalysis) -> Metrics:
    """Mean row entropy (bits) and self-weight over heads, and the largest off-diagonal α′ of any head."""
    entropies, selfs, link, ties = [], [], (-1.0, 0, 0, 0), 1
    for h, hd in enumerate(analysis.layer.heads):
        p = hd.alpha_prime  # [n, n]
        safe = np.where(p > 0, p, 1.0)
        entropies.append(float((-(p * np.log2(safe)).sum(axis=1)).mean()))
        selfs.append(float(np.diag(p).mean()))
        off = p.copy()
        np.fill_diagonal(off, -np.inf)
        if off.shape[0] > 1:
            i, j = np.unravel_index(int(np.argmax(off)), off.shape)
            if off[i, j] > link[0]:
                link = (float(off[i, j]), int(i), int(j), h)
                ties = int(np.isclose(off, off[i, j], rtol=1e-9, atol=0.0).sum())
    return Metrics(float(np.mean(entropies)), float(np.mean(selfs)), (max(link[0], 0.0),) + link[1:], ties)


def compare_sequence(seq: Sequence, opts: Options, input_norm: str, option: str, values: list[str],
                     text: str | None = None) -> Comparison:
    """Every value of `option` (not one that changes the vectors: INPUT_OPTIONS) over the same Sequence."""
    from .vectorset import analyze_sequence

    if option in INPUT_OPTIONS:
        raise UsageError(f"`compare` {option}: it changes the vectors; compare it from the text (api.analyze(text, compare=…))", "compare")
    runs = [(raw, analyze_sequence(seq, varied, input_norm, text)) for raw, varied in settings(opts, option, values, seq)]
    return Comparison(option, [Setting(option, raw, a, metrics(a)) for raw, a in runs])


def comparison(option: str, runs: list[tuple[str, VectorSetAnalysis]]) -> Comparison:
    """A Comparison of analyses already run (e.g. one per embedding); they must share their items."""
    first = runs[0][1].tokens
    for raw, a in runs[1:]:
        if a.tokens != first:
            raise UsageError(f"`compare` {option}={raw} changes the items ({len(a.tokens)} instead of {len(first)}); "
                             f"compare options that keep them", "compare")
    return Comparison(option, [Setting(option, raw, a, metrics(a)) for raw, a in runs])
