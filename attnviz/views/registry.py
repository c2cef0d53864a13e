"""The views table: which terminal view, JSON, figure, title, page and focus parser an analysis gets,
keyed by (result type, input kind).  views/present.py asks it; it never tests kinds itself.

Each entry names functions of the kind's own view modules (audio_terminal, image_figure, terminal,
terminal_model, token_figure, …); the small adapters below only fit their signatures.  Adding a
view: a field on View and a function per entry.  Adding an input kind: its entry in inputs/kinds.py,
then its rows here (VIEWS, and COMPARE for `compare`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

from ..analysis.compare import Comparison
from ..analysis.results import LongAnalysis, ModelAnalysis, VectorSetAnalysis
from ..errors import UsageError
from ..inputs.kinds import kind_of
from . import titles


@dataclass(frozen=True)
class View:
    """The views of one (result type, input kind).

    terminal  (analysis, request, focus, console)      json    (analysis, include_vectors, out)
    figure    (analysis, focus, matrix, style) -> (matplotlib figure, warning or None)
    title     (analysis) -> the figure's two lines      header  (analysis) -> the page's plain header
    page_doc  (analysis) -> the page's JSON document    page    ((analysis, view dict) -> None, …): extensions
    focus     (analysis, text, what) -> item index      check   (analysis, request, focus texts) or None
    warnings  (analysis) -> lines a user should know
    several   `focus` may name several items (a picture)   focus_size: check a focus figure's height
    lines     None: the lines figure draws it; else what it would have to draw (the refusal names it)
    """

    terminal: Callable
    json: Callable
    figure: Callable
    title: Callable
    header: Callable
    page_doc: Callable
    focus: Callable
    warnings: Callable
    page: tuple[Callable, ...] = ()
    check: Callable | None = None
    several: bool = False
    focus_size: bool = False
    lines: str | None = None


@dataclass(frozen=True)
class CompareView:
    """`compare` on one input kind: terminal (comparison, request, focus, console), figure
    (comparison, focus, style) -> (figure, warning); focus: a query may be named (a sound, a picture)."""

    terminal: Callable
    figure: Callable
    focus: bool = False


def input_kind(analysis) -> str:
    """The input kind an analysis was run on: its sequence's, or a model's input (text unless a
    picture or sound model read one)."""
    if isinstance(analysis, ModelAnalysis):
        return analysis.source.input or "text"
    return analysis.sequence.kind


def view_of(analysis) -> View:
    """The entry for this analysis; an unknown kind or result type is one clear error."""
    kind = input_kind(analysis)
    kind_of(kind)  # an unknown input kind: the kinds' own error
    for result in type(analysis).__mro__:  # a subclass (a streamed model's result) has its base's views
        if (result, kind) in VIEWS:
            return VIEWS[result, kind]
    raise UsageError(f"no views for a {type(analysis).__name__} of input kind {kind!r}")


def compare_view(comparison: Comparison) -> CompareView:
    kind = comparison.sequence.kind
    kind_of(kind)
    return COMPARE[kind]


# --- terminal -------------------------------------------------------------------------------------------

def _terminal_dense(analysis, request, focus, console) -> None:
    """A set of vectors: one query's row (focus), else α and α′; words get their nearest words."""
    from ..analysis.summaries import nearest as nearest_words
    from .terminal import render, render_focus

    nearest = nearest_words(analysis)
    if focus is not None:
        return render_focus(analysis, console, focus, nearest)
    render(analysis, console, matrix=request.matrix or "both", cells=request.cells, top=request.top, nearest=nearest)


def _terminal_model(analysis, request, focus, console) -> None:
    """A model: one query's row, the overview of every layer and head, or one head's matrices."""
    from .terminal import render, render_focus

    if focus is not None:
        return render_focus(analysis, console, focus, None)
    if analysis.config.layer is None or analysis.config.head is None:
        from .terminal_model import render_overview

        return render_overview(analysis, console)
    render(analysis, console, matrix=request.matrix or "both", cells=request.cells, top=request.top, nearest=None)


def _terminal_long(analysis, request, focus, console) -> None:
    from .terminal import render_long

    render_long(analysis, console)


def _terminal_audio(analysis, request, focus, console) -> None:
    from .audio_terminal import render_audio

    render_audio(analysis, console, focus)


def _terminal_image(analysis, request, focus, console) -> None:
    from .image_terminal import render_image

    render_image(analysis, console, focus)


# --- JSON -----------------------------------------------------------------------------------------------

def _json_dense(analysis, include_vectors: bool, out) -> None:
    from .jsondoc import document, dumps
    from .jsonstream import whole_lines

    with whole_lines(out):  # stopped midway, a file keeps whole lines only
        out.write(dumps(document(analysis, include_vectors)) + "\n")


def _json_model(analysis, include_vectors: bool, out) -> None:
    from .jsonstream import whole_lines, write_model_document

    with whole_lines(out):  # 38 M numbers at 512 tokens: streamed, head by head
        write_model_document(analysis, include_vectors, out)


def _json_long(analysis, include_vectors: bool, out) -> None:
    from .jsondoc import write_topk_lines

    write_topk_lines(analysis, out)  # a line at a time already


# --- figures, headers ------------------------------------------------------------------------------------

def _token_figure(draw: str, title: Callable):
    """views.token_figure.<draw>, titled title(analysis)."""
    def figure(analysis, focus, matrix, style):
        from . import token_figure

        return getattr(token_figure, draw)(analysis, focus, matrix, style, title(analysis))
    return figure


def _media_figure(draw: str):
    """views.media_figures.<draw>: a sound's or a picture's own figure (titled by titles.media_title)."""
    def figure(analysis, focus, matrix, style):
        from . import media_figures

        return getattr(media_figures, draw)(analysis, focus, style)
    return figure


def _media_title(module: str):
    """titles.media_title under views.<module>.header, the kind's terminal header."""
    def title(analysis) -> str:
        from importlib import import_module

        return titles.media_title(analysis, import_module(f"{__package__}.{module}").header)
    return title


def _header(module: str, name: str = "header"):
    """The plain text of a terminal header function (views.<module>.<name>): no mathtext."""
    def header(analysis) -> str:
        from importlib import import_module

        text = getattr(import_module(f"{__package__}.{module}"), name)(analysis)
        return text.plain.removeprefix("attnviz · ").rstrip()
    return header


# --- the page ---------------------------------------------------------------------------------------------

def page_matrices(analysis, model: bool = False) -> dict:
    """document() for a page: checked against the page's budget first (views/pack.py), then with α
    and α′ packed when the maps hold more than PACK_CELLS cells.  A model's page holds every layer
    and its rollout."""
    from .jsondoc import document
    from .pack import PACK_CELLS, cells, check_page, pack_scores, pack_weights

    n, layers, heads = len(analysis.tokens), len(analysis.layer_numbers) if model else 1, len(analysis.head_numbers)
    check_page(n, layers, heads, model)
    if cells(n, layers * heads + model) <= PACK_CELLS:
        return document(analysis)
    return document(analysis, scores=pack_scores, weights=pack_weights)


def _page_long_doc(analysis) -> dict:
    from .jsondoc import topk_header

    return topk_header(analysis)


def _page_audio(analysis, view: dict) -> None:
    from .html import audio_view

    s = analysis.sequence.source
    times = [i * s.hop_s for i in range(len(analysis.tokens))]
    view["audio"] = audio_view(times, analysis.sequence.media, duration=len(times) * s.hop_s)


def _page_image(analysis, view: dict) -> None:
    from .html import image_view

    s = analysis.sequence.source
    view["image"] = image_view(analysis.sequence.media, s.rows, s.cols)


def _page_long(analysis, view: dict) -> None:
    from .html import long_view

    view["long"] = long_view(analysis)


# --- focus ------------------------------------------------------------------------------------------------

def _focus_token(analysis, text: str, what: str) -> int:
    from ..analysis.items import resolve_token

    return resolve_token(text, analysis.tokens, what)


def _focus_kind(analysis, text: str, what: str) -> int:
    """The kind's own syntax (inputs/kinds.py): a time for a sound, ROW,COL for a picture."""
    return kind_of(analysis.sequence.kind).parse_focus(text, len(analysis.tokens), analysis.sequence.source, what)


def _focus_audio_model(analysis, text: str, what: str) -> int:
    """A sound model's query (backend transformers): a time or a frame number."""
    return kind_of("audio").parse_focus(text, len(analysis.tokens), analysis.source, what)


def _focus_image_model(analysis, text: str, what: str) -> int:
    """A picture model's query (backend transformers): ROW,COL of a patch, or a prefix token ([CLS])."""
    from ..inputs.image import parse_cell

    prefix, rows, cols = analysis.source.grid()
    if text.strip() in analysis.tokens[:prefix]:
        return analysis.tokens.index(text.strip())
    return prefix + parse_cell(text, rows, cols, "patch")


# --- the table ----------------------------------------------------------------------------------------

def _table() -> dict:
    from .advice import model_warnings, vector_warnings
    from .checks import check_long, check_model_focus

    def long_check(media: bool):
        return lambda a, request, focus: check_long(len(a.tokens), a.top_k_given, request, media)

    dense = dict(json=_json_dense, figure=_token_figure("dense_figure", titles.dense_title), title=titles.dense_title,
                 page_doc=page_matrices, warnings=vector_warnings)
    long = dict(json=_json_long, page_doc=_page_long_doc, warnings=partial(vector_warnings, long=True))
    audio = dict(terminal=_terminal_audio, figure=_media_figure("styled_audio"), title=_media_title("audio_terminal"),
                 header=_header("audio_terminal"), focus=_focus_kind, lines="a sound's frames")
    image = dict(terminal=_terminal_image, figure=_media_figure("styled_image"), title=_media_title("image_terminal"),
                 header=_header("image_terminal"), focus=_focus_kind, several=True, lines="a picture's items")
    tokens = dict(terminal=_terminal_dense, header=_header("terminal"), focus=_focus_token, focus_size=True)
    long_tokens = dict(terminal=_terminal_long, figure=_token_figure("dense_figure", titles.long_title), title=titles.long_title,
                       header=titles.long_title, focus=_focus_token, check=long_check(False),
                       lines="a long input's top-k keys")
    model = dict(terminal=_terminal_model, json=_json_model, figure=_token_figure("model_figure", titles.model_title), title=titles.model_title,
                 header=_header("terminal_model", "model_header"), page_doc=partial(page_matrices, model=True),
                 warnings=model_warnings, check=check_model_focus, focus_size=True)
    table = {}
    for kind in ("text", "matrix"):
        table[VectorSetAnalysis, kind] = View(**dense, **tokens)
        table[LongAnalysis, kind] = View(**long, **long_tokens, page=(_page_long,))
    table[VectorSetAnalysis, "audio"] = View(**dense | audio, page=(_page_audio,))
    table[VectorSetAnalysis, "image"] = View(**dense | image, page=(_page_image,))
    table[LongAnalysis, "audio"] = View(**long, **audio, page=(_page_audio, _page_long), check=long_check(True))
    table[LongAnalysis, "image"] = View(**long, **image, page=(_page_image, _page_long))  # several: no check_long
    table[ModelAnalysis, "text"] = View(**model, focus=_focus_token)
    table[ModelAnalysis, "audio"] = View(**model, focus=_focus_audio_model)
    table[ModelAnalysis, "image"] = View(**model, focus=_focus_image_model)
    return table


def _compare_tokens(comparison, request, focus, console) -> None:
    from .compare import render_compare

    render_compare(comparison, console, request.cells)


def _compare_media(panels: str, default: str):
    """media_compare.render_media_compare with the kind's own panels and default query (functions
    of views.media_compare named here: sound_panels and middle, picture_panels and centre)."""
    def terminal(comparison, request, focus, console) -> None:
        from . import media_compare

        media_compare.render_media_compare(comparison, console, focus, getattr(media_compare, panels),
                                           getattr(media_compare, default))
    return terminal


def _compare_figure_tokens(comparison, focus, style):
    from .compare import compare_figure

    return compare_figure(comparison, style)


def _compare_figure_audio(comparison, focus, style):
    from .media_compare import audio_compare_figure

    return audio_compare_figure(comparison, style)


def _compare_figure_image(comparison, focus, style):
    from .media_compare import picture_compare_figure

    return picture_compare_figure(comparison, focus, style)


VIEWS: dict[tuple[type, str], View] = _table()
COMPARE: dict[str, CompareView] = {
    "text": CompareView(_compare_tokens, _compare_figure_tokens),
    "matrix": CompareView(_compare_tokens, _compare_figure_tokens),
    "audio": CompareView(_compare_media("sound_panels", "middle"), _compare_figure_audio, focus=True),
    "image": CompareView(_compare_media("picture_panels", "centre"), _compare_figure_image, focus=True),
}
