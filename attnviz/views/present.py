"""The view chooser: which terminal view, figure and JSON an analysis gets.  The CLI only asks.

present() writes what a request asks for: figures first (--save), then JSON or the terminal view.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.items import resolve_token
from ..analysis.results import LongAnalysis, ModelAnalysis, VectorSetAnalysis
from ..errors import UsageError
from ..options import DENSE_MAX


@dataclass
class Request:
    """What to show.  focus: a token (word, or index when it repeats); matrix: both | alpha | alpha-prime."""

    focus: str | None = None
    matrix: str | None = None  # None: terminal both; figures of several heads alpha-prime
    cells: str = "auto"
    top: int = 3
    json: bool = False
    include_vectors: bool = False
    save: list[Path] = field(default_factory=list)
    dpi: int = 150


def check(analysis, request: Request) -> int | None:
    """Refuse what this analysis cannot show; returns the focus index (or None)."""
    if request.include_vectors and not request.json:
        raise UsageError("`include_vectors` goes with `json`", "include_vectors")
    if request.json and request.focus is not None:
        raise UsageError("`focus` is a terminal and figure view; `json` always has every row", "focus")
    if isinstance(analysis, LongAnalysis):
        n = len(analysis.tokens)
        if request.json and not analysis.top_k_given:
            raise UsageError(f"{n} items: full matrices would hold {n * n:,} numbers per head; add `top_k` K for each query's K strongest keys", "top_k")
        if request.focus or request.save or request.include_vectors:
            raise UsageError(f"`top_k` (and inputs over {DENSE_MAX} items) show a summary: `focus`, `save`, `head` and `include_vectors` need full matrices", "top_k")
        return None
    if isinstance(analysis, ModelAnalysis) and request.focus is not None and (analysis.config["layer"] is None or analysis.config["head"] is None):
        raise UsageError("with `model`, `focus` needs `layer` and `head` (find them with `attnviz heads`)", "focus")
    return None if request.focus is None else resolve_token(request.focus, analysis.tokens, "`focus`")


def present(analysis, request: Request, console, out=None, err=None) -> None:
    """Save the figures, then write the JSON (to out) or the terminal view (to console)."""
    out, err = out or sys.stdout, err or sys.stderr
    focus = check(analysis, request)
    for warning in warnings(analysis):
        err.write(f"attnviz: warning: {warning}\n")
    if request.save:
        save_figures(analysis, request.save, focus, request.matrix, request.dpi, err)
    if request.json:
        write_json(analysis, request.include_vectors, out)
    else:
        terminal(analysis, request, focus, console)


def warnings(analysis) -> list[str]:
    """One line per thing a user should know: words without a vector."""
    if isinstance(analysis, ModelAnalysis):
        return []
    from .style import printable

    oov = [t for t, o in zip(analysis.tokens, analysis.oov) if o]
    if not oov:
        return []
    sub = analysis.sequence.subword
    shown = ", ".join(dict.fromkeys(printable(t) for t in oov[:8])) + (", …" if len(oov) > 8 else "")
    how = "get fastText subword vectors" if sub is not None and sub.sum() == len(oov) else "get a = 0 (no information)"
    if isinstance(analysis, LongAnalysis):
        return [f"{len(oov)} of {len(analysis.tokens)} words not in {analysis.source['name']}; they {how}"]
    return [f"{len(oov)} of {len(analysis.tokens)} words not in {analysis.source['name']}: {shown}; they {how}"]


def write_json(analysis, include_vectors: bool, out) -> None:
    from .jsondoc import document, dumps, write_topk_lines

    if isinstance(analysis, LongAnalysis):
        write_topk_lines(analysis, out)
    elif isinstance(analysis, ModelAnalysis):  # 38 M numbers at 512 tokens: streamed, head by head
        from .jsonstream import write_model_document

        write_model_document(analysis, include_vectors, out)
    else:
        out.write(dumps(document(analysis, include_vectors)) + "\n")


def terminal(analysis, request: Request, focus: int | None, console) -> None:
    from .terminal import render, render_focus, render_long

    if isinstance(analysis, LongAnalysis):
        return render_long(analysis, console)
    nearest = None
    if isinstance(analysis, VectorSetAnalysis):
        from ..analysis.summaries import nearest as nearest_words

        nearest = nearest_words(analysis)
    if focus is not None:
        return render_focus(analysis, console, focus, nearest)
    if isinstance(analysis, ModelAnalysis) and (analysis.config["layer"] is None or analysis.config["head"] is None):
        from .terminal_model import render_overview

        return render_overview(analysis, console)
    render(analysis, console, matrix=request.matrix or "both", cells=request.cells, top=request.top, nearest=nearest)


def title(analysis) -> str:
    """Two lines for a figure: the source and sizes, then the formulas (and masks) in effect."""
    if not isinstance(analysis, ModelAnalysis):
        from .terminal import figure_title

        return figure_title(analysis)
    c = analysis.config
    which = (f"layer {c['layer']}" if c["layer"] else f"{c['layers']} layers") + " × " + (f"head {c['head']}" if c["head"] else f"{c['heads']} heads")
    return (f"{c['model']} · {which} · {len(analysis.tokens)} {'words' if c['words'] else 'tokens'}\n"
            f"α_ij = q^i·k^j/√d_k (d_k = {c['d_k']})   α′_i· = softmax(α_i·)")


def figure(analysis, focus: int | None = None, matrix: str | None = None):
    """The figure that fits: one query's bars (focus), α and α′ side by side (one head), the model's
    layers × heads grid with rollout, or a grid of heads.  Returns (matplotlib figure, warning or None)."""
    from . import figures
    from .style import printable

    heading = title(analysis)
    tokens = [printable(t) for t in analysis.tokens]
    heads, mask = analysis.layers[0].heads, analysis.layers[0].mask
    if focus is not None:
        rows = [(f"head {analysis.head_numbers[h]}", hd.alpha_prime[focus], hd.alpha[focus]) for h, hd in enumerate(heads)]
        return figures.focus_figure(tokens, focus, rows, heading)
    if len(heads) == 1 and len(analysis.layers) == 1:
        return figures.pair_figure(tokens, heads[0].alpha, heads[0].alpha_prime, heading, mask)
    if isinstance(analysis, ModelAnalysis):
        grid = [[figures.Panel(hd.alpha_prime, "alpha-prime", f"L{ln} H{hn}") for hn, hd in zip(analysis.head_numbers, layer.heads)]
                for ln, layer in zip(analysis.layer_numbers, analysis.layers)]
        labels = [f"layer {ln}" for ln in analysis.layer_numbers]
        if len(analysis.layers) > 1:
            grid.append([figures.Panel(analysis.rollout, "alpha-prime", "rollout (all layers)")])
            labels.append("rollout")
        return figures.grid_figure(tokens, grid, labels, heading)
    kinds = {"both": ["alpha", "alpha-prime"], "alpha": ["alpha"]}.get(matrix, ["alpha-prime"])
    grid = [[figures.Panel(getattr(hd, kind.replace("-", "_")), kind, f"head {analysis.head_numbers[h]}", mask)
             for h, hd in enumerate(heads)] for kind in kinds]
    labels = ["α (score)" if k == "alpha" else "α′ (weight)" for k in kinds]
    return figures.grid_figure(tokens, grid, labels, heading)


def save_figures(analysis, paths: list[Path], focus: int | None, matrix: str | None, dpi: int, err=None) -> None:
    """Write every path (the kind of figure follows focus, heads and matrix)."""
    from . import figures

    err = err or sys.stderr
    for k, path in enumerate(paths):
        fig, warning = figure(analysis, focus, matrix)
        figures.save(fig, path, dpi)
        if warning and k == 0:
            err.write(f"attnviz: warning: {warning}\n")
        err.write(f"attnviz: saved {path}\n")
