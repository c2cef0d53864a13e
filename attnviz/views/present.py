"""The view chooser: which terminal view, figure and JSON an analysis gets.  The CLI only asks.

Which function draws what for which analysis is the views table's (views/registry.py); here are the
checks every view shares and the order things are written in.

present() writes what a request asks for: figures first (--save), then JSON or the terminal view.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.compare import Comparison
from ..errors import UsageError
from ..i18n import spoken
from .checks import check_focus_size, check_long  # noqa: F401  (check_long: the API asks it before analyzing)
from .registry import compare_view, view_of


@dataclass
class Request:
    """What to show.  focus: a token (word, or index when it repeats), a time for audio ("1.25s"),
    ROW,COL for a picture (a list: several pixels); matrix: both | alpha | alpha-prime."""

    focus: str | list[str] | None = None
    matrix: str | None = None  # None: terminal both; figures of several heads alpha-prime
    cells: str = "auto"
    top: int = 3
    json: bool = False
    include_vectors: bool = False
    save: list[Path] = field(default_factory=list)
    dpi: int = 150
    cmap: str | None = None  # figures: α′ colormap (default viridis)
    vmax: float | None = None  # figures: top of α′'s colour scale (default the largest weight shown)
    title: str | None = None  # figures: None the default title, "" none, else this text
    view: str | None = None  # figures: None heatmaps, "lines" the two-column lines view

    @property
    def style(self):
        from .figures import Style

        return Style(self.cmap, self.vmax, self.title, self.view)


def check(analysis, request: Request):
    """Refuse what this analysis cannot show; returns the focus: an item index (or None), or for a
    picture a list of item indices."""
    if request.include_vectors and not request.json:
        raise UsageError("`include_vectors` goes with `json`", "include_vectors")
    if (request.cmap, request.vmax, request.title) != (None, None, None):
        if not request.save:
            raise UsageError("`cmap`, `vmax` and `title` style the figure: add `save` FILE.png", "save")
        from .figures import check_style

        check_style(request.style)
    check_view(analysis, request)
    focus = [request.focus] if isinstance(request.focus, str) else list(request.focus or [])
    if request.json and focus:
        raise UsageError("`focus` is a terminal and figure view; `json` always has every row", "focus")
    view = view_of(analysis)
    if view.several:
        return [view.focus(analysis, f, "`focus`") for f in focus]
    if len(focus) > 1:
        raise UsageError(f"one `focus` at a time (several are for pictures); got {len(focus)}", "focus")
    if view.check is not None:
        view.check(analysis, request, focus)
    figures_saved = any(p.suffix.lower() != ".html" for p in request.save)
    if focus and getattr(analysis, "keys", None) is not None and figures_saved and request.view != "lines":
        raise UsageError("a figure of one query's cross-attention is drawn by `view` lines (save FILE.svg)",
                         "focus")
    if focus and view.focus_size:  # a sound's figure has a fixed size; a long input's shows no focus figure
        check_focus_size(analysis, request)
    return None if not focus else view.focus(analysis, focus[0], "`focus`")


def check_view(analysis, request: Request) -> None:
    """`view` lines: a figure of tokens in two columns (views/lines_figure.py), for text, a model or given attention."""
    if request.view in (None, "heatmap"):  # heatmap: the default, by its name in options.TABLE
        return
    from .lines_figure import MAX_ITEMS

    if request.view != "lines":
        raise UsageError(f"`view` {request.view!r}: the figure views are heatmap (the default) and lines", "view")
    if not any(p.suffix.lower() != ".html" for p in request.save):
        raise UsageError("`view` lines is a figure: add `save` FILE.svg (or .png, .pdf); the page has its own lines tab", "view")
    what = view_of(analysis).lines
    if what is not None:
        raise UsageError(f"`view` lines draws tokens in two columns, not {what}; use the default heatmaps", "view")
    if len(analysis.tokens) > MAX_ITEMS:
        raise UsageError(f"`view` lines labels up to {MAX_ITEMS} tokens (this input has {len(analysis.tokens)}); "
                         f"use the default heatmaps", "view")


def item_index(analysis, text: str, what: str = "`focus`") -> int:
    """One query named on the command line -> its 0-based index, in its input kind's syntax: a token
    (word, or index when it repeats), a time for audio ("1.25s"), ROW,COL for a picture."""
    return view_of(analysis).focus(analysis, text, what)


def present(analysis, request: Request, console, out=None, err=None) -> None:
    """Save the figures, then write the JSON (to out) or the terminal view (to console)."""
    out, err = out or sys.stdout, err or sys.stderr
    if isinstance(analysis, Comparison):
        return present_compare(analysis, request, console, out, err)
    focus = check(analysis, request)
    for warning in warnings(analysis):
        err.write(f"attnviz: warning: {spoken(warning)}\n")
    if request.save:
        save_figures(analysis, request.save, focus, request.matrix, request.dpi, err, request.style)
    if request.json:
        write_json(analysis, request.include_vectors, out)
    else:
        terminal(analysis, request, focus, console)


def present_compare(comparison, request: Request, console, out, err) -> None:
    """`show --compare`: the figure (one α′ panel per setting), then JSON or the terminal panels.
    A sound or a picture: one query (`focus`, or the middle) under each setting."""
    from . import compare

    view = compare_view(comparison)
    if (request.focus is not None and not view.focus) or request.include_vectors or request.matrix not in (None, "alpha-prime"):
        raise UsageError("`compare` shows the α′ of each setting: drop `focus`, `include_vectors` and `matrix`", "compare")
    focus = check(comparison.settings[0].analysis, request)
    for warning in warnings(comparison.settings[0].analysis):  # `name` -> --name in the CLI, as present() writes them
        err.write(f"attnviz: warning: {spoken(warning)}\n")
    for k, path in enumerate(request.save):
        from . import figures

        if path.suffix.lower() == ".html":
            raise UsageError("`compare` saves figures (.png, .svg, .pdf); save each setting's page with its own run", "save")
        fig, warning = view.figure(comparison, focus, request.style)
        figures.save(fig, path, request.dpi)
        if warning and k == 0:
            err.write(f"attnviz: warning: {warning}\n")
        err.write(f"attnviz: saved {path}\n")
    if request.json:
        from .jsondoc import dumps
        from .jsonstream import whole_lines

        with whole_lines(out):
            out.write(dumps(compare.compare_document(comparison)) + "\n")
    else:
        view.terminal(comparison, request, focus, console)


def warnings(analysis) -> list[str]:
    """One line per thing a user should know (views/advice.py): words without a vector, or, with a
    model, the pieces its tokenizer turned into [UNK].  Options are written `name` (i18n.spoken)."""
    return view_of(analysis).warnings(analysis)


def write_json(analysis, include_vectors: bool, out) -> None:
    """The JSON document (a model's streamed head by head; a long input's as top-k lines)."""
    view_of(analysis).json(analysis, include_vectors, out)


def terminal(analysis, request: Request, focus, console) -> None:
    view_of(analysis).terminal(analysis, request, focus, console)


def figure(analysis, focus: int | None = None, matrix: str | None = None, style=None):
    """The figure that fits: one query's bars (focus), α and α′ side by side (one head), the model's
    layers × heads grid with rollout, a grid of heads, or a sound's or a picture's own.  style:
    figures.Style (cmap, vmax, title).  Returns (matplotlib figure, warning or None)."""
    from .figures import Style

    return view_of(analysis).figure(analysis, focus, matrix, style or Style())


def save_figures(analysis, paths: list[Path], focus, matrix: str | None, dpi: int, err=None, style=None) -> None:
    """Write every path: .html the interactive page, else the figure (its kind follows focus,
    heads and matrix; style: figures.Style)."""
    from . import figures

    err = err or sys.stderr
    warned = False
    for path in paths:
        if path.suffix.lower() == ".html":
            from .html import html_page, save_page

            doc, view = page_parts(analysis)
            first = (focus or [None])[0] if isinstance(focus, list) else focus  # a picture's several: the page opens on the first
            save_page(html_page(doc, view if first is None else {**view, "focus": first}), path)
        else:
            fig, warning = figure(analysis, focus, matrix, style)
            figures.save(fig, path, dpi)
            if warning and not warned:
                err.write(f"attnviz: warning: {warning}\n")
                warned = True
        err.write(f"attnviz: saved {path}\n")


def plain_header(analysis) -> str:
    """The terminal's header as plain text (the page shows it under its title): no mathtext."""
    return view_of(analysis).header(analysis)


def page_parts(analysis) -> tuple[dict, dict]:
    """The JSON document an HTML page draws and its `view` extension (header, audio, image, long)."""
    if getattr(analysis, "keys", None) is not None:
        raise UsageError("the page draws self-attention (one token list); cross-attention is saved as a figure "
                         "(.png, .svg, .pdf; `view` lines for the two columns) or JSON", "save")
    entry = view_of(analysis)
    doc, view = entry.page_doc(analysis), {"header": plain_header(analysis)}
    for extend in entry.page:
        extend(analysis, view)
    return doc, view
