"""The API's argument checks, shared by analyze(), view() and the notes' calls (a leaf: it imports
no other api module, so given.py and notes.py need not import the package that imports them)."""

from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from ..errors import UsageError
from ..options import Options

MAX_GENERATE = 4096  # tokens a run may write: beyond, a typo (and minutes of decoding), not a question


def options_of(options, kw: dict) -> Options:
    """`options` (an Options or None) with the keyword fields applied; a wrong type or an unknown
    field is a UsageError naming it."""
    if options is not None and not isinstance(options, Options):
        raise UsageError(f"`options` must be an attnviz.Options (got a {type(options).__name__}); give its fields as "
                         f"keywords instead, e.g. analyze(text, heads=2)", "options")
    from ..options import unknown_keywords

    unknown_keywords(kw, {f.name for f in fields(Options)})  # one UsageError naming the closest option (the option table's)
    return replace(options or Options(), **kw) if kw else (options or Options())


def check_arguments(**values) -> None:
    """compare is a string; top_k, head and layer whole numbers from 1 (head 0 or -1 is not Python's
    indexing here: heads and layers are numbered from 1, as the terminal shows them)."""
    compare = values.pop("compare")
    if compare is not None and not isinstance(compare, str):
        raise UsageError(f"`compare` takes a string \"OPTION=A,B\", e.g. \"heads=1,4\" (got {compare!r})", "compare")
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise UsageError(f"`{name}` must be a whole number (got {value!r})", name)
        if value < 1:
            counted = "" if name == "top_k" else f" ({name}s are numbered from 1, as the views show them)"
            raise UsageError(f"`{name}` must be at least 1 (got {value}){counted}", name)


def check_generate(n) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_GENERATE:
        raise UsageError(f"`generate` {n!r}: give a whole number of tokens from 0 to {MAX_GENERATE}", "generate")


def check_head(head: int, heads: int) -> None:
    """`head` (1-based) is one of the `heads` an analysis has."""
    if head > heads:
        raise UsageError(f"`head` {head}: there are only {heads} head{'s' if heads > 1 else ''} (`heads` {heads})", "head")


def input_overwritten(paths: list[Path], inputs: dict[str, str | None]) -> tuple[Path, str] | None:
    """The first (save path, input name) where a path to save is one of the inputs (the same file,
    however spelled or linked), or None.  inputs: name -> the path given (None or not a file: skipped)."""
    for path in paths:
        for name, given in inputs.items():
            if isinstance(given, (str, os.PathLike)) and given and os.path.exists(given) and os.path.exists(path) \
                    and os.path.samefile(given, path):
                return path, name
    return None


def check_save(paths: list[Path], inputs: dict[str, str | None]) -> list[Path]:
    """paths, unless one of them is an input: saving there would destroy it (a UsageError naming both)."""
    clash = input_overwritten(paths, inputs)
    if clash is not None:
        raise UsageError(f"`save` {clash[0]} is the `{clash[1]}` input; saving there would destroy it", "save")
    return paths
