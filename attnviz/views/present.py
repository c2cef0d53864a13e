"""The view chooser: which terminal view, figure and JSON an analysis gets.  The CLI only asks.

present() writes what a request asks for: figures first (--save), then JSON or the terminal view.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.compare import Comparison
from ..analysis.items import resolve_token
from ..analysis.results import LongAnalysis, ModelAnalysis, VectorSetAnalysis
from ..errors import UsageError
from ..i18n import _
from ..options import DENSE_MAX, as_flags
from .titles import title


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
    kind = None if isinstance(analysis, ModelAnalysis) else analysis.sequence.kind
    if kind == "image":
        return [item_index(analysis, f) for f in focus]
    if len(focus) > 1:
        raise UsageError(f"one `focus` at a time (several are for pictures); got {len(focus)}", "focus")
    if isinstance(analysis, LongAnalysis):
        check_long(len(analysis.tokens), analysis.top_k_given, request, kind in ("audio", "image"))
    if isinstance(analysis, ModelAnalysis) and focus and (analysis.config["layer"] is None or analysis.config["head"] is None):
        raise UsageError("with `model`, `focus` needs `layer` and `head` (find them with `attnviz heads`)", "focus")
    figures_saved = any(p.suffix.lower() != ".html" for p in request.save)
    if focus and getattr(analysis, "keys", None) is not None and figures_saved and request.view != "lines":
        raise UsageError("a figure of one query's cross-attention is drawn by `view` lines (save FILE.svg)",
                         "focus")
    if focus and kind != "audio" and not isinstance(analysis, LongAnalysis):  # a sound's figure has a fixed size
        check_focus_size(analysis, request)
    return None if not focus else item_index(analysis, focus[0])


def check_view(analysis, request: Request) -> None:
    """`view` lines: a figure of tokens in two columns (views/lines_figure.py), for text, a model or given attention."""
    if request.view in (None, "heatmap"):  # heatmap: the default, by its name in options.TABLE
        return
    from .lines_figure import MAX_ITEMS

    if request.view != "lines":
        raise UsageError(f"`view` {request.view!r}: the figure views are heatmap (the default) and lines", "view")
    if not any(p.suffix.lower() != ".html" for p in request.save):
        raise UsageError("`view` lines is a figure: add `save` FILE.svg (or .png, .pdf); the page has its own lines tab", "view")
    kind = None if isinstance(analysis, ModelAnalysis) else analysis.sequence.kind
    if kind in ("audio", "image") or isinstance(analysis, LongAnalysis):
        what = {"audio": "a sound's frames", "image": "a picture's items"}.get(kind, "a long input's top-k keys")
        raise UsageError(f"`view` lines draws tokens in two columns, not {what}; use the default heatmaps", "view")
    if len(analysis.tokens) > MAX_ITEMS:
        raise UsageError(f"`view` lines labels up to {MAX_ITEMS} tokens (this input has {len(analysis.tokens)}); "
                         f"use the default heatmaps", "view")


def check_focus_size(analysis, request: Request) -> None:
    """Refuse a focus figure too tall to read before drawing it (figures.focus_figure: one chart per
    head, max(2, 0.28 n + 1) inches each; figures._save's limit, MAX_INCHES a side)."""
    from .figures import MAX_INCHES

    paths = [p for p in request.save if p.suffix.lower() != ".html"]
    panels = len(analysis.layers[0].heads)
    height = panels * max(2.0, 0.28 * len(analysis.tokens) + 1.0) + 0.6
    if paths and height > MAX_INCHES:
        raise UsageError(f"`save` {paths[0]}: a figure of {panels} panels would be 8 × {height:.0f} inches, too large "
                         f"to read at any resolution (at most {MAX_INCHES} a side); save one head with `head` H, "
                         "or use fewer `heads`", "save")


def item_index(analysis, text: str, what: str = "`focus`") -> int:
    """One query named on the command line -> its 0-based index: a token (word, or index when it
    repeats), a time for audio ("1.25s"), ROW,COL for a picture."""
    kind = None if isinstance(analysis, ModelAnalysis) else analysis.sequence.kind
    if kind is None and analysis.source.get("input") in ("audio", "image"):
        return media_model_index(analysis, text, what)
    if kind == "audio":
        from ..inputs.audio import time_index

        return time_index(text, len(analysis.tokens), analysis.sequence.source["hop_s"], what)
    if kind == "image":
        from ..inputs.image import parse_cell

        s = analysis.sequence.source
        return parse_cell(text, s["rows"], s["cols"], "patch" if s.get("patch") else "pixel")
    return resolve_token(text, analysis.tokens, what)


def media_model_index(analysis, text: str, what: str) -> int:
    """A picture or sound model's query (--backend transformers): a time, ROW,COL, or a prefix token ([CLS])."""
    s = analysis.source
    if s["input"] == "audio":
        from ..inputs.audio import time_index

        return time_index(text, len(analysis.tokens), s["hop_s"], what)
    if text.strip() in analysis.tokens[: s["prefix"]]:
        return analysis.tokens.index(text.strip())
    from ..inputs.image import parse_cell

    return s["prefix"] + parse_cell(text, s["rows"], s["cols"], "patch")


def check_long(n: int, top_k_given: bool, request: Request, media: bool = False) -> None:
    """check() for a long input (top-k per query): n items; top_k_given False when it was chosen for
    it.  A text's summary can be saved as an HTML page, not as a figure; a sound or a picture
    (media) also draws figures and focus rows (block means, rows recomputed)."""
    if request.json and not top_k_given:
        raise UsageError(f"{n} items: full matrices would hold {n * n:,} numbers per head; add `top_k` K for each query's K strongest keys", "top_k")
    if request.include_vectors:
        raise UsageError("`include_vectors` needs full matrices; drop `top_k` (or shorten the input)", "include_vectors")
    figures = [p for p in request.save if p.suffix.lower() != ".html"]
    if not media and (request.focus or figures):
        raise UsageError(f"{n:,} items with `top_k` (automatic over {DENSE_MAX:,}) show a summary: `focus`, `save` (except .html) "
                         f"and `head` need full matrices; save x.html for an interactive page, or shorten the input to "
                         f"{DENSE_MAX:,} items", "top_k")


def present(analysis, request: Request, console, out=None, err=None) -> None:
    """Save the figures, then write the JSON (to out) or the terminal view (to console)."""
    out, err = out or sys.stdout, err or sys.stderr
    if isinstance(analysis, Comparison):
        return present_compare(analysis, request, console, out, err)
    focus = check(analysis, request)
    for warning in warnings(analysis):
        err.write(f"attnviz: warning: {as_flags(warning)}\n")
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

    media = comparison.sequence.kind in ("audio", "image")
    if (request.focus is not None and not media) or request.include_vectors or request.matrix not in (None, "alpha-prime"):
        raise UsageError("`compare` shows the α′ of each setting: drop `focus`, `include_vectors` and `matrix`", "compare")
    focus = check(comparison.settings[0].analysis, request)
    for warning in warnings(comparison.settings[0].analysis):  # `name` -> --name, as present() writes them
        err.write(f"attnviz: warning: {as_flags(warning)}\n")
    for k, path in enumerate(request.save):
        from . import figures
        from .media_compare import media_compare_figure

        if path.suffix.lower() == ".html":
            raise UsageError("`compare` saves figures (.png, .svg, .pdf); save each setting's page with its own run", "save")
        fig, warning = (media_compare_figure(comparison, focus, request.style) if media
                        else compare.compare_figure(comparison, request.style))
        figures.save(fig, path, request.dpi)
        if warning and k == 0:
            err.write(f"attnviz: warning: {warning}\n")
        err.write(f"attnviz: saved {path}\n")
    if request.json:
        from .jsondoc import dumps
        from .jsonstream import whole_lines

        with whole_lines(out):
            out.write(dumps(compare.compare_document(comparison)) + "\n")
    elif media:
        from .media_compare import render_media_compare

        render_media_compare(comparison, console, focus)
    else:
        compare.render_compare(comparison, console, request.cells)


def warnings(analysis) -> list[str]:
    """One line per thing a user should know: words without a vector (when most of the text has
    none: which language the vectors cover and the ways forward), or, with a model, the pieces
    its tokenizer turned into [UNK].  Options are written `name` (options.as_flags)."""
    from ..inputs.language import script_of, unk_advice, unknown_advice

    if isinstance(analysis, ModelAnalysis):
        unknown = set(analysis.unknown) | {"[UNK]"}
        known = [t for t, s in zip(analysis.tokens, analysis.specials) if not s and t not in unknown]
        line = unk_advice(analysis.unknown, len(analysis.tokens) - sum(analysis.specials), analysis.source["name"], known=known)
        return [line] if line else []
    from .style import printable

    oov = [t for t, o in zip(analysis.tokens, analysis.oov) if o]
    if not oov:
        return []
    sub = analysis.sequence.subword
    subword = sub.tolist() if sub is not None else [False] * len(analysis.tokens)
    zero = [t for t, o, s in zip(analysis.tokens, analysis.oov, subword) if o and not s]  # a = 0: no vector at all
    advice = unknown_advice(len(zero), len(analysis.tokens), analysis.source["name"], script_of(zero))
    if advice:
        return [advice]
    shown = ", ".join(dict.fromkeys(printable(t) for t in oov[:8])) + (", …" if len(oov) > 8 else "")
    how = _("they get fastText subword vectors") if sub is not None and sub.sum() == len(oov) else _("they get a = 0 (no information)")
    counts = dict(k=len(oov), n=len(analysis.tokens), name=analysis.source["name"])
    if isinstance(analysis, LongAnalysis):
        return [_("{k} of {n} words not in {name}").format(**counts) + "; " + how]
    return [_("{k} of {n} words not in {name}").format(**counts) + f": {shown}; " + how]


def write_json(analysis, include_vectors: bool, out) -> None:
    from .jsondoc import document, dumps, write_topk_lines

    from .jsonstream import whole_lines, write_model_document

    if isinstance(analysis, LongAnalysis):  # a line at a time already
        write_topk_lines(analysis, out)
        return
    with whole_lines(out):  # stopped midway, a file keeps whole lines only
        if isinstance(analysis, ModelAnalysis):  # 38 M numbers at 512 tokens: streamed, head by head
            write_model_document(analysis, include_vectors, out)
        else:
            out.write(dumps(document(analysis, include_vectors)) + "\n")


def terminal(analysis, request: Request, focus, console) -> None:
    from .terminal import render, render_focus, render_long

    kind = None if isinstance(analysis, ModelAnalysis) else analysis.sequence.kind
    if kind == "audio":
        from .audio_terminal import render_audio

        return render_audio(analysis, console, focus)
    if kind == "image":
        from .image_terminal import render_image

        return render_image(analysis, console, focus)
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


def figure(analysis, focus: int | None = None, matrix: str | None = None, style=None):
    """The figure that fits: one query's bars (focus), α and α′ side by side (one head), the model's
    layers × heads grid with rollout, or a grid of heads.  style: figures.Style (cmap, vmax, title).
    Returns (matplotlib figure, warning or None)."""
    kind = None if isinstance(analysis, ModelAnalysis) else analysis.sequence.kind
    if kind in ("audio", "image"):
        from .media_figures import media_figure

        return media_figure(analysis, focus, style)
    from . import figures
    from .style import printable, shown_tokens

    style = style or figures.Style()
    heading = style.heading(title(analysis))
    tokens = [printable(t) for t in shown_tokens(analysis)]
    heads, mask = analysis.layers[0].heads, analysis.layers[0].mask
    keys = [printable(t) for t in analysis.keys] if getattr(analysis, "keys", None) is not None else None
    if style.view == "lines":
        from .lines_figure import lines_figure

        panels = [(_("layer {l}").format(l=ln) if isinstance(analysis, ModelAnalysis) else "",
                   [(hn, hd.alpha_prime) for hn, hd in zip(analysis.head_numbers, layer.heads)])
                  for ln, layer in zip(analysis.layer_numbers, analysis.layers)]
        return lines_figure(tokens, panels, heading, focus, getattr(analysis, "specials", None), keys,
                            getattr(analysis, "key_specials", None))
    if focus is not None:
        rows = [(_("head {h}").format(h=analysis.head_numbers[h]), hd.alpha_prime[focus], hd.alpha[focus]) for h, hd in enumerate(heads)]
        return figures.focus_figure(tokens, focus, rows, heading)
    if len(heads) == 1 and len(analysis.layers) == 1:
        return figures.pair_figure(tokens, heads[0].alpha, heads[0].alpha_prime, heading, mask, style, keys)
    if isinstance(analysis, ModelAnalysis):
        grid = [[figures.Panel(hd.alpha_prime, "alpha-prime", f"L{ln} H{hn}", layer.mask) for hn, hd in zip(analysis.head_numbers, layer.heads)]
                for ln, layer in zip(analysis.layer_numbers, analysis.layers)]
        labels = [_("layer {l}").format(l=ln) for ln in analysis.layer_numbers]
        if len(analysis.layers) > 1 and keys is None:  # cross-attention has no rollout
            grid.append([figures.Panel(analysis.rollout, "alpha-prime", _("rollout (all layers)"), analysis.layers[0].mask)])
            labels.append(_("rollout"))
        return figures.grid_figure(tokens, grid, labels, heading, style, keys)
    kinds = {"both": ["alpha", "alpha-prime"], "alpha": ["alpha"]}.get(matrix, ["alpha-prime"])
    grid = [[figures.Panel(getattr(hd, kind.replace("-", "_")), kind, _("head {h}").format(h=analysis.head_numbers[h]), mask)
             for h, hd in enumerate(heads)] for kind in kinds]
    labels = [figures.label_of(k) for k in kinds]
    return figures.grid_figure(tokens, grid, labels, heading, style)


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
            save_page(html_page(doc, view), path)
        else:
            fig, warning = figure(analysis, focus, matrix, style)
            figures.save(fig, path, dpi)
            if warning and not warned:
                err.write(f"attnviz: warning: {warning}\n")
                warned = True
        err.write(f"attnviz: saved {path}\n")


def plain_header(analysis) -> str:
    """The terminal's header as plain text (the page shows it under its title): no mathtext."""
    kind = None if isinstance(analysis, ModelAnalysis) else analysis.sequence.kind
    if kind == "audio":
        from .audio_terminal import header
    elif kind == "image":
        from .image_terminal import header
    elif isinstance(analysis, ModelAnalysis):
        from .terminal_model import model_header as header
    elif isinstance(analysis, LongAnalysis):
        return title(analysis)
    else:
        from .terminal import header
    return header(analysis).plain.removeprefix("attnviz · ").rstrip()


def page_shape(analysis) -> tuple[int, int, int, bool]:
    """(items, layers, heads, rollout) of the maps a page of this analysis embeds (before any is computed)."""
    if isinstance(analysis, ModelAnalysis):
        return len(analysis.tokens), len(analysis.layer_numbers), len(analysis.head_numbers), True
    return len(analysis.tokens), 1, len(analysis.head_numbers), False


def page_matrices(analysis) -> dict:
    """document() for a page: checked against the page's budget first (views/pack.py), then with α
    and α′ packed when the maps hold more than PACK_CELLS cells."""
    from .jsondoc import document
    from .pack import PACK_CELLS, cells, check_page, pack_scores, pack_weights

    n, layers, heads, rollout = page_shape(analysis)
    check_page(n, layers, heads, rollout)
    if cells(n, layers * heads + rollout) <= PACK_CELLS:
        return document(analysis)
    return document(analysis, scores=pack_scores, weights=pack_weights)


def page_parts(analysis) -> tuple[dict, dict]:
    """The JSON document an HTML page draws and its `view` extension (header, audio, image, long)."""
    from . import html
    from .jsondoc import document, topk_header

    if getattr(analysis, "keys", None) is not None:
        raise UsageError("the page draws self-attention (one token list); cross-attention is saved as a figure "
                         "(.png, .svg, .pdf; `view` lines for the two columns) or JSON", "save")
    long = isinstance(analysis, LongAnalysis)
    doc = topk_header(analysis) if long else page_matrices(analysis)
    view = {"header": plain_header(analysis)}
    kind = None if isinstance(analysis, ModelAnalysis) else analysis.sequence.kind
    if kind == "audio":
        s = analysis.sequence.source
        times = [i * s["hop_s"] for i in range(len(analysis.tokens))]
        view["audio"] = html.audio_view(times, analysis.sequence.media, duration=len(times) * s["hop_s"])
    elif kind == "image":
        s = analysis.sequence.source
        view["image"] = html.image_view(analysis.sequence.media, s["rows"], s["cols"])
    if long:
        view["long"] = html.long_view(analysis)
    return doc, view
