"""The library: input -> set of vectors -> attention -> analysis, and its views, in a few lines.

    import attnviz
    a = attnviz.analyze("The restaurant refused …", heads=4, window=3)
    a.alpha, a.alpha_prime, a.tokens            # [layers, heads, n, n] arrays, the labels
    a.to_json(); a.figure(); a.save("x.png"); a.table()
    m = attnviz.analyze("…", model="minilm"); m.heads_ranking("it", "restaurant")

The CLI is one client of this module.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from .analysis.results import LongAnalysis, ModelAnalysis, VectorSetAnalysis
from .errors import UsageError
from .options import DENSE_MAX, Options

__all__ = ["Options", "Result", "analyze", "analyze_model", "analyze_long", "DENSE_MAX"]


def analyze(text: str | None = None, options: Options | None = None, *, input: str | None = None,
            model: str | None = None, words: bool = False, layer: int | None = None, head: int | None = None,
            top_k: int | None = None, tokens: list[str] | None = None, progress=None, **kw) -> "Result":
    """Analyze one input: text (word vectors, or a transformer with model=), or input= a matrix file.

    options: an Options, or its fields as keywords (heads=4, window=3, …).  top_k: keep each
    query's K strongest keys (blockwise; automatic above DENSE_MAX items).  head: keep one head
    (1-based).  model, words, layer: a pretrained encoder instead of word vectors.
    """
    opts = (options or Options())
    opts = replace(opts, **kw) if kw else opts
    if model is not None:
        return Result(analyze_model_checked(text, model, words, layer, head, opts, input, top_k))
    if words or layer is not None:
        raise UsageError(f"`{'words' if words else 'layer'}` goes with `model` (word vectors have one layer of words)", "words" if words else "layer")
    opts.validate()
    seq, input_norm = sequence(text, opts, input, tokens)
    if top_k is not None or len(seq) > DENSE_MAX:
        if head is not None:
            raise UsageError(f"`top_k` (and inputs over {DENSE_MAX} items) show a summary: `head` needs full matrices", "head")
        from .analysis.vectorset import analyze_long as long

        return Result(long(seq, opts, input_norm, top_k or 3, progress, top_k_given=top_k is not None))
    from .analysis.vectorset import analyze_sequence

    analysis = analyze_sequence(seq, opts, input_norm, text)
    if head is not None:
        if head > opts.heads:
            raise UsageError(f"`head` {head}: there are only {opts.heads} head{'s' if opts.heads > 1 else ''} (`heads` {opts.heads})", "head")
        analysis = analysis.only_head(head - 1)
    return Result(analysis)


def sequence(text: str | None, opts: Options, input: str | None, tokens: list[str] | None = None):
    """The input as a Sequence, and the input normalization used."""
    if (text is None) == (input is None):
        raise UsageError("give a text or an `input` file, not both" if text is not None else "give a text or an `input` file", "input")
    if input is not None:
        if opts.embedding != "vectors" or opts.vectors is not None or opts.punct:
            raise UsageError("`input` is already a set of vectors: `vectors`, `embedding` and `punct` apply to text", "input")
        from .inputs.matrix import matrix_sequence

        input_norm = opts.input_norm or "none"
        return matrix_sequence(input, input_norm), input_norm
    from .inputs.text import text_sequence

    return text_sequence(text, opts.embedding, opts.vectors, opts.input_norm, opts.punct, opts.trust_pickle, tokens)


def analyze_model_checked(text, model, words, layer, head, opts: Options, input, top_k) -> ModelAnalysis:
    changed = [f.name for f in fields(Options) if getattr(opts, f.name) != f.default]
    if changed or input is not None or top_k is not None:
        names = ", ".join(f"`{n}`" for n in changed + (["input"] if input else []) + (["top_k"] if top_k else []))
        raise UsageError(f"{names} {'does' if len(changed) == 1 else 'do'} not apply with `model` "
                         f"(the model has its own embeddings and learned W^q, W^k, W^v)", changed[0] if changed else "model")
    if text is None:
        raise UsageError("`model` needs a text", "model")
    from .analysis.model import analyze_model

    return analyze_model(text, model, words, layer, head)


def analyze_model(text: str, model: str = "minilm", words: bool = False, layer: int | None = None, head: int | None = None) -> "Result":
    """A pretrained encoder's attention (every layer and head, or the one chosen, 1-based)."""
    from .analysis.model import analyze_model as run

    return Result(run(text, model, words, layer, head))


def analyze_long(text: str, options: Options | None = None, top_k: int = 3, **kw) -> "Result":
    """Blockwise attention kept as each query's top-k keys, for inputs of any length."""
    return analyze(text, options, top_k=top_k, **kw)


class Result:
    """An analysis and its views.  Its fields (tokens, layers, config, …) are the analysis's own."""

    def __init__(self, analysis: VectorSetAnalysis | ModelAnalysis | LongAnalysis):
        self.analysis = analysis

    def __getattr__(self, name):
        return getattr(self.analysis, name)

    def __repr__(self) -> str:
        return f"<attnviz {type(self.analysis).__name__}: {len(self.analysis.tokens)} items>"

    @property
    def alpha(self) -> np.ndarray:
        """[layers, heads, n, n] scores α (NaN where masked)."""
        return self._stack("alpha")

    @property
    def alpha_prime(self) -> np.ndarray:
        """[layers, heads, n, n] weights α′ (rows sum to 1; 0 where masked)."""
        return self._stack("alpha_prime")

    def _stack(self, name: str) -> np.ndarray:
        if isinstance(self.analysis, LongAnalysis):
            raise UsageError("a long input keeps each query's top-k keys, not full matrices: read .heads[h].keys and .alpha_prime")
        return np.stack([np.stack([getattr(h, name) for h in layer.heads]) for layer in self.analysis.layers])

    def to_dict(self, include_vectors: bool = False) -> dict:
        """The JSON document (schema attnviz/1) as a dict."""
        from .views.jsondoc import document

        return document(self.analysis, include_vectors)

    def to_json(self, include_vectors: bool = False) -> str:
        """What `show --json` writes (JSON Lines for a long input)."""
        import io

        from .views.present import write_json

        buffer = io.StringIO()
        write_json(self.analysis, include_vectors, buffer)
        return buffer.getvalue()

    def figure(self, focus: str | None = None, matrix: str | None = None):
        """The matplotlib figure `show --save` draws (focus: a token, word or index)."""
        from .views.present import Request, check, figure

        return figure(self.analysis, check(self.analysis, Request(focus=focus, save=[Path("x.png")])), matrix)[0]

    def save(self, *paths: str, focus: str | None = None, matrix: str | None = None, dpi: int = 150) -> None:
        """Save the figure as .png, .svg or .pdf (what `show --save` writes)."""
        import io

        from .views.figures import check_paths
        from .views.present import Request, check, save_figures

        checked = check_paths([str(p) for p in paths])
        save_figures(self.analysis, checked, check(self.analysis, Request(focus=focus, save=checked)), matrix, dpi, io.StringIO())

    def table(self, width: int = 80, focus: str | None = None, matrix: str | None = None, color: bool = False) -> str:
        """What `show` prints in a terminal this wide, as text (ANSI colors when color=True)."""
        import io

        from rich.console import Console

        from .views.present import Request, present

        buffer = io.StringIO()
        console = Console(file=buffer, width=width, highlight=False, markup=False, emoji=False, force_terminal=color,
                          color_system="truecolor" if color else None)
        present(self.analysis, Request(focus=focus, matrix=matrix), console, err=io.StringIO())
        return buffer.getvalue()

    def heads_ranking(self, source: str, target: str) -> list[dict]:
        """Every head ranked by α′(source → target): {layer, head (1-based), alpha_prime, rank, summary}."""
        from .analysis.items import resolve_token
        from .analysis.summaries import heads_ranking

        if not isinstance(self.analysis, ModelAnalysis):
            raise UsageError("heads_ranking needs a model: analyze(text, model='minilm')", "model")
        i, j = (resolve_token(s, self.analysis.tokens, w) for s, w in ((source, "`from`"), (target, "`to`")))
        return heads_ranking(self.analysis, i, j)
