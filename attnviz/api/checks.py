"""The API's argument checks, shared by analyze(), view() and the notes' calls (a leaf: it imports
no other api module, so given.py and notes.py need not import the package that imports them), and
the checks of how the arguments of a run go together (check_lines, check_given, check_explain, …),
worded with parameter names: the CLI shows them as its flags (options.as_flags)."""

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
        there = "there is only 1 head" if heads == 1 else f"there are only {heads} heads"
        raise UsageError(f"`head` {head}: {there} (`heads` {heads})", "head")


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


def written(name: str) -> str:
    """A parameter as messages write it: `name` (the CLI shows --name), the positional text as TEXT."""
    return "TEXT" if name == "text" else f"`{name}`"


def check_apart(given: list[str], other: str, why: str) -> None:
    """None of the parameters `given` (those set, in order) goes with `other`: a UsageError naming the first."""
    if given:
        raise UsageError(f"{written(given[0])} does not go with `{other}` ({why})", given[0])


GIVEN_ALONE = ("text", "file", "model", "words", "generate", "backend", "target", "part", "compare", "top_k", "lines",
               "include_vectors")  # what `attention` (a file of attention) has no use for, besides Options and media


def check_given(path, tokens, scores, values: dict, options: Options) -> None:
    """`attention` FILE comes alone: `tokens` and `scores` go with it, GIVEN_ALONE and options do not."""
    if path is None:
        raise UsageError(f"`{'tokens' if tokens is not None else 'scores'}` goes with `attention` FILE", "attention")
    given = [k for k in GIVEN_ALONE if values[k] not in (None, False, 0, []) and (k != "backend" or values[k] != "numpy")]
    given += [f.name for f in fields(Options) if getattr(options, f.name) != f.default]
    given += [k for k in ("input", "audio", "image") if values[k] is not None]
    if given:
        raise UsageError(f"{written(given[0])} does not apply with `attention` (the file holds the attention to show)",
                         given[0])


def check_lines(text, file, json: bool, save, top_k, compare, focus, backend: str) -> None:
    """`lines`: a file's lines, each one JSON document of every token."""
    if backend != "numpy":
        raise UsageError("`backend` transformers runs one text: drop `lines` (or run each line as TEXT)", "backend")
    if compare is not None or focus:
        raise UsageError(f"`{'compare' if compare is not None else 'focus'}` does not go with `lines` (one JSON document "
                         "per line, every token a query); run one line at a time with TEXT instead", "lines")
    if file is None or text is not None:
        raise UsageError("`lines` reads a file one line at a time: give `file` FILE (and no TEXT)", "lines")
    if not json:
        raise UsageError("`lines` writes one JSON document per line: add `json` (for head summaries over the lines: "
                         "attnviz heads `model` minilm `file` FILE)", "lines")
    if save or top_k is not None:
        raise UsageError(f"`{'save' if save else 'top_k'}` does not go with `lines` (one JSON document per line)", "lines")


def check_explain(focus, matrices: bool, columns: bool, all_keys: bool, recurrent: bool, options: Options) -> None:
    """explain's views: `focus` one query, or `matrices` (with `columns`); `all_keys`, `recurrent` (over
    causal linear attention, normalized by sums: `options`) with `focus`."""
    if columns and not matrices:
        raise UsageError("`columns` goes with `matrices`", "columns")
    if all_keys and matrices:
        raise UsageError("`all_keys` goes with `focus` (`matrices` elides large matrices with … and ⋮)", "all_keys")
    if recurrent and (matrices or all_keys):
        raise UsageError(f"`recurrent` walks one query's states; drop `{'matrices' if matrices else 'all_keys'}`", "recurrent")
    if recurrent:
        from dataclasses import asdict

        from ..views.recurrent import check_recurrent

        check_recurrent(asdict(options))
    if focus is None and not matrices:
        raise UsageError("explain follows one query: add `focus` WORD (or `matrices` for the matrix form)", "focus")


def check_heads(text, file, words: bool, source: str | None, target: str | None) -> None:
    """`heads`: both of `from` and `to` or neither; one text, or a corpus in `file` (word pairs: no `words`)."""
    if (source is None) != (target is None):
        raise UsageError("give both `from` and `to`, or neither", "from")
    if file is not None and text is not None:
        raise UsageError("give a TEXT or a corpus with `file`, not both", "file")
    if file is not None and words:
        raise UsageError("`words` goes with one text; over a corpus, `from`/`to` already match whole words", "words")
    if file is None and text is None:
        raise UsageError("give a text (or '-' for standard input), or a corpus with `file` FILE (one sentence per line)", "text")


def heads_pair(tokens: list[str], causal: bool, source: str | None, target: str | None):
    """(i, j): the 0-based tokens `from` and `to` name (None, None without them); in a decoder j may not follow i."""
    from ..analysis.items import resolve_token

    if source is None:
        return None, None
    i, j = resolve_token(source, tokens, "`from`"), resolve_token(target, tokens, "`to`")
    if j > i and causal:
        raise UsageError(f"`to` {target} (token {j + 1}) comes after `from` {source} (token {i + 1}): in a decoder a "
                         f"token attends only to itself and earlier tokens, so every head gives this 0; ask the other way "
                         f"round (`from` {target} `to` {source})", "to")
    return i, j


def text_given(text: str | None, file: str | None) -> None:
    """Exactly one of `text` and `file`."""
    if (text is None) == (file is None):
        raise UsageError("give the text as an argument (or '-' for standard input) or with `file`, not both" if text and file
                         else "give a text: attnviz show \"some sentence\", or '-' with standard input, or `file` PATH, "
                              "or a vector set with `input` FILE", "text")


def check_title(title: str | None, no_title: bool) -> None:
    if title is not None and no_title:
        raise UsageError("give `title` TEXT or `no_title`, not both", "title")


def conv_alphas(conv, kernel, compare: str | None) -> list[float] | None:
    """`kernel` and `conv_alpha` go with `conv` K; with it, `compare` "alpha=1,2,5" is a list of α (or None)."""
    if conv is None:
        raise UsageError(f"`{'kernel' if kernel is not None else 'conv_alpha'}` goes with `conv` K (3 or 5)", "conv")
    if compare is None:
        return None
    name, _, values = compare.partition("=")
    if name.strip() not in ("alpha", "conv-alpha", "conv_alpha") or not values:
        raise UsageError(f"`compare` {compare!r}: with `conv`, compare α, e.g. `compare` alpha=1,2,5,10,20", "compare")
    try:
        return [float(v) for v in values.split(",")]
    except ValueError:
        raise UsageError(f"`compare` {compare!r}: α values are numbers, e.g. alpha=1,2,5,10,20", "compare") from None


def check_dense(result) -> None:
    """explain follows one query through full matrices, which only a set of vectors' one layer
    (VectorSetAnalysis) holds; the refusal says which result this is and what to run instead."""
    from ..analysis.compare import Comparison
    from ..analysis.results import LongAnalysis, VectorSetAnalysis

    a = result.analysis
    if isinstance(a, VectorSetAnalysis):
        return
    if isinstance(a, LongAnalysis) and not a.top_k_given:
        from ..options import DENSE_MAX

        raise UsageError(f"explain follows one query through full matrices; this input has {len(a.tokens):,} items "
                         f"(over {DENSE_MAX:,}); shorten it (`size` for pictures)", "size")
    if isinstance(a, LongAnalysis):
        raise UsageError("explain follows one query through full matrices; this result keeps each query's top keys "
                         "only: analyze without `top_k`", "top_k")
    if isinstance(a, Comparison):
        raise UsageError("explain follows one setting; this result compares several: analyze with one value instead of "
                         "`compare`", "compare")
    raise UsageError("explain walks one layer of attnviz's own attention (word vectors or a vector set); a model's heads "
                     "are shown by table(), figure() and heads_ranking()", "model")
