"""The API's result types: Result (one analysis and its views) and AtlasResult (an atlas and its
views).  They import no other api module: analyze(), view() and the corpus calls all build them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..analysis.results import LongAnalysis, ModelAnalysis, VectorSetAnalysis
from ..errors import AttnvizWarning, UsageError  # AttnvizWarning: re-exported (attnviz.api.AttnvizWarning)
from .checks import check_save

__all__ = ["AtlasResult", "AttnvizWarning", "Result", "files_of"]


def _atlas(name: str, doc: str) -> property:
    """A read-only property: the atlas's own field `name`."""
    return property(lambda self: getattr(self.atlas, name), doc=doc)


class AtlasResult:
    """An atlas (analysis.atlas.Atlas: its fields and .roles(), .ranked(role)) and its views."""

    def __init__(self, atlas):
        self.atlas = atlas

    model = _atlas("model", "The model's name as given (minilm) or its path")
    family = _atlas("family", "The model family computed (bert, llama, …)")
    causal = _atlas("causal", "True for a decoder: query i sees keys j ≤ i")
    kv_heads = _atlas("kv_heads", "Key/value heads per layer (fewer than heads: grouped-query attention)")
    layers = _atlas("layers", "Number of layers")
    heads = _atlas("heads", "Query heads per layer")
    text = _atlas("text", "The text the per-token scores are measured on")
    tokens = _atlas("tokens", "[n] the text's tokens")
    ids = _atlas("ids", "[n] the text's token ids")
    specials = _atlas("specials", "[n] bool: [CLS]/[SEP]/BOS-like tokens of the text")
    probe_ids = _atlas("probe_ids", "The whole probe's token ids, frame included")
    probe_tokens = _atlas("probe_tokens", "The whole probe's tokens")
    probe_length = _atlas("probe_length", "T: the probe is T random tokens, then the same T again")
    probe_start = _atlas("probe_start", "Index of the probe's first random token (1 after [CLS] or BOS)")
    seed = _atlas("seed", "Seed of the probe's random tokens")
    scores = _atlas("scores", "Score name (sink, previous, induction, …) -> [layers, heads] array")
    text_alpha = _atlas("text_alpha", "[layers, heads, n, n] α′ on the text")
    probe_alpha = _atlas("probe_alpha", "[layers, heads, N, N] α′ on the probe")

    def roles(self) -> list[list[list[str]]]:
        """[layers][heads] -> the roles each head passes, strongest first (empty: none)."""
        return self.atlas.roles()

    def ranked(self, role: str, top: int = 5) -> list[tuple[int, int, float]]:
        """Every head that passes `role`'s bar, as (layer, head 1-based, score), highest score first (at most
        `top`); a head may pass several (roles()), while table() lists each under the one its grid cell shows."""
        return self.atlas.ranked(role, top)

    def __repr__(self) -> str:
        return f"<attnviz Atlas: {self.atlas.model}, {self.atlas.layers} layers × {self.atlas.heads} heads>"

    def to_dict(self) -> dict:
        """The JSON document (schema attnviz-atlas/1) as a dict."""
        from ..views.atlas import document

        return document(self.atlas)

    def to_json(self) -> str:
        """What `atlas --json` writes."""
        from ..views.jsondoc import dumps

        return dumps(self.to_dict()) + "\n"

    def table(self, width: int = 80, color: bool = False, lang: str | None = None, top: int = 5) -> str:
        """What `attnviz atlas` prints in a terminal this wide (lang as in Result.table; top: heads listed
        per role, as --top)."""
        import io

        from ..i18n import using
        from ..views.atlas import render_atlas
        from ..views.screen import Screen

        buffer = io.StringIO()
        with using(lang):
            render_atlas(self.atlas, Screen(buffer, width, "truecolor" if color else None), top)
        return buffer.getvalue()

    def figure(self, title: str | None = None, lang: str | None = None):
        """The matplotlib figure `atlas --save x.png` draws: one layers × heads heatmap per score."""
        from ..i18n import using
        from ..views.atlas_figure import atlas_figure

        with using(lang):
            fig, warning = atlas_figure(self.atlas, title)
        _warn([warning] if warning else [])
        return fig

    def html(self) -> str:
        """The self-contained page `atlas --save x.html` writes (an atlas tab; a head's α′ on click)."""
        from ..views.atlas_html import atlas_page

        return atlas_page(self.atlas)

    def save(self, *paths: str, dpi: int = 150, title: str | None = None, lang: str | None = None) -> None:
        """Save the figure as .png, .svg or .pdf, or the page as .html (what `atlas --save` writes)."""
        from ..views import figures

        for path in figures.check_paths([str(p) for p in paths]):
            if path.suffix.lower() == ".html":
                from ..views.html import save_page

                save_page(self.html(), path)
            else:
                figures.save(self.figure(title, lang), path, dpi)


def _warn(lines: list[str]) -> None:
    import warnings

    for line in lines:
        warnings.warn(line, AttnvizWarning, stacklevel=3)


def files_of(given: dict) -> dict[str, str]:
    """The inputs given as paths (arrays, model names that are no file, None: checked where used)."""
    return {name: str(value) for name, value in given.items() if isinstance(value, (str, os.PathLike))}


def _field(name: str, doc: str) -> property:
    """A read-only property: the analysis's own field `name` (an AttributeError where its kind has none)."""
    return property(lambda self: getattr(self.analysis, name), doc=doc)


class Result:
    """An analysis and its views.  Its fields (tokens, layers, config, …) are the analysis's own, read
    through the properties below; .analysis is the analysis itself (analysis/results.py)."""

    def __init__(self, analysis: VectorSetAnalysis | ModelAnalysis | LongAnalysis, inputs: dict | None = None):
        self.analysis = analysis
        self.inputs = files_of(inputs or {})  # name -> a file it read: save() must not write over them

    def __repr__(self) -> str:
        return f"<attnviz {type(self.analysis).__name__}: {len(self.analysis.tokens)} items>"

    # every kind of analysis
    tokens = _field("tokens", "[n] the items' labels: tokens, words, frames, patches, a1 … an")
    config = _field("config", "The typed config (fields: .score, .heads, …; a model's .layer, .causal, …): the options as "
                              "resolved, the sizes, the model; .to_dict() is the JSON document's `config`")
    source = _field("source", "Where the items came from, typed (inputs/sources.py: TextSource, ImageSource, …; "
                            "kind, name, file, model); .to_dict() is the JSON document's `source` without the per-item `items`")
    text = _field("text", "The text analyzed (None for a vector set, a sound, a picture)")
    oov = _field("oov", "[n] bool: items without a vector (embedded as zeros; word vectors only)")
    # full matrices (not a long input's top-k keys)
    layers = _field("layers", "Per layer, a LayerResult: .heads[h] with q, k, v, alpha, alpha_prime, b; .output")
    layer_numbers = _field("layer_numbers", "The 1-based numbers of the layers kept (a model with `layer`: one)")
    head_numbers = _field("head_numbers", "The 1-based numbers of the heads kept (with `head`: one)")
    # word vectors, a vector set, a sound, a picture
    options = _field("options", "The Options as resolved (automatic temperature, d_k, input_norm filled in)")
    sequence = _field("sequence", "The inputs.Sequence attention ran over: labels, vectors, positions")
    x = _field("x", "[n, d] the vectors attention ran over (inputs + positional encoding)")
    # a model
    rollout = _field("rollout", "[n, n] attention rollout over every layer (a model)")
    summaries = _field("summaries", "(layer, head) 1-based -> that head's summary: entropy, [CLS], [SEP], self, … (a model)")
    specials = _field("specials", "[n] bool: [CLS]/[SEP]-like tokens (a model)")
    unknown = _field("unknown", "Input characters the tokenizer turned into [UNK] (a model)")
    generated = _field("generated", "[n] bool: the tokens a decoder wrote with `generate` (None: none asked for)")
    keys = _field("keys", "Cross-attention: the columns' labels (None: the tokens)")
    # a long input (top_k, or over DENSE_MAX items)
    heads = _field("heads", "A long input's heads: per head each query's top-k .keys and their .alpha_prime, .summary")
    output = _field("output", "A long input's output [n, d_out] = concat(b)·W^o")
    # a comparison (compare="OPTION=A,B")
    settings = _field("settings", "A comparison's runs: .settings[k].value and .analysis, one per value")

    @property
    def alpha(self) -> np.ndarray:
        """[layers, heads, n, n] scores α (NaN where masked)."""
        return self._stack("alpha")

    @property
    def alpha_prime(self) -> np.ndarray:
        """[layers, heads, n, n] weights α′ (rows sum to 1; 0 where masked)."""
        return self._stack("alpha_prime")

    def _stack(self, name: str) -> np.ndarray:
        if self.is_comparison:
            raise UsageError("a comparison holds one analysis per setting: read .settings[k].analysis.layers[0].heads[h]", "compare")
        if isinstance(self.analysis, LongAnalysis):
            raise UsageError("a long input keeps each query's top-k keys, not full matrices: read .heads[h].keys and .alpha_prime")
        return np.stack([np.stack([getattr(h, name) for h in layer.heads]) for layer in self.analysis.layers])

    def to_dict(self, include_vectors: bool = False) -> dict:
        """The JSON document (schema attnviz/1; attnviz-compare/1 for a comparison) as a dict."""
        if self.is_comparison:
            from ..views.compare import compare_document

            return compare_document(self.analysis)
        from ..views.jsondoc import document

        return document(self.analysis, include_vectors)

    def to_json(self, include_vectors: bool = False) -> str:
        """What `show --json` writes (JSON Lines for a long input)."""
        import io

        from ..views.present import write_json

        if self.is_comparison:
            from ..views.jsondoc import dumps

            return dumps(self.to_dict()) + "\n"
        buffer = io.StringIO()
        write_json(self.analysis, include_vectors, buffer)
        return buffer.getvalue()

    def figure(self, focus: str | list[str] | None = None, matrix: str | None = None, cmap: str | None = None,
               vmax: float | None = None, title: str | None = None, lang: str | None = None, view: str | None = None):
        """The matplotlib figure `show --save` draws (focus: a token, word or number from 1; a time
        for audio; "ROW,COL" or a list of them for a picture; cmap, vmax: α′'s colormap and top;
        title: "" for none; lang: "en", "zh" or "auto" for this figure's words, default the
        attnviz.set_language setting; view: "lines" for the two-column lines view instead of
        heatmaps).  A missing font is an AttnvizWarning."""
        from ..i18n import using

        with using(lang):
            return self._figure(focus, matrix, cmap, vmax, title, view)

    def _figure(self, focus, matrix, cmap, vmax, title, view=None):
        from ..views.present import Request, check, figure

        request = Request(focus=focus, save=[Path("figure.png")], cmap=cmap, vmax=vmax, title=title, view=view)
        if self.is_comparison and view is not None:
            raise UsageError("`view` lines draws one analysis; a comparison's figure is its panels side by side", "view")
        if self.is_comparison:
            from ..views.compare import compare_figure

            check(self.analysis.settings[0].analysis, request)
            fig, warning = compare_figure(self.analysis, request.style)
        else:
            fig, warning = figure(self.analysis, check(self.analysis, request), matrix, request.style)
        _warn([warning] if warning else [])
        return fig

    def html(self) -> str:
        """The self-contained interactive page `show --save view.html` writes."""
        from ..views.html import html_page
        from ..views.present import page_parts

        return html_page(*page_parts(self.analysis))

    def _repr_html_(self) -> str:
        """Notebooks show the interactive view inline (styles scoped, a fresh element id per output)."""
        from ..views.html import html_fragment
        from ..views.present import page_parts

        return html_fragment(*page_parts(self.analysis))

    def save(self, *paths: str, focus: str | list[str] | None = None, matrix: str | None = None, dpi: int = 150,
             cmap: str | None = None, vmax: float | None = None, title: str | None = None, lang: str | None = None,
             view: str | None = None) -> None:
        """Save the figure as .png, .svg or .pdf, or the interactive page as .html (what `show --save`
        writes; lang and view as in figure()).  A missing font is an AttnvizWarning."""
        from ..i18n import using

        with using(lang):
            self._save(paths, focus, matrix, dpi, cmap, vmax, title, view)

    def _save(self, paths, focus, matrix, dpi, cmap, vmax, title, view=None) -> None:
        import io

        from ..views import figures
        from ..views.present import Request, check, save_figures

        request = Request(focus=focus, matrix=matrix, save=check_save(figures.check_paths([str(p) for p in paths]), self.inputs), dpi=dpi,
                          cmap=cmap, vmax=vmax, title=title, view=view)
        err = io.StringIO()
        if self.is_comparison and view is not None:
            raise UsageError("`view` lines draws one analysis; a comparison's figure is its panels side by side", "view")
        if not self.is_comparison:
            save_figures(self.analysis, request.save, check(self.analysis, request), matrix, dpi, err, request.style)
        else:
            from ..views.compare import compare_figure

            check(self.analysis.settings[0].analysis, request)
            for path in request.save:
                fig, warning = compare_figure(self.analysis, request.style)
                figures.save(fig, path, dpi)
                err.write(f"attnviz: warning: {warning}\n" if warning else "")
        _warn(list(dict.fromkeys(line.removeprefix("attnviz: warning: ") for line in err.getvalue().splitlines()
                                 if "warning:" in line)))

    @property
    def warnings(self) -> list[str]:
        """What `show` says on stderr about this input: words without a vector (and what to do), a
        model's [UNK] pieces.  Options are named as the API takes them (`vectors`); the CLI writes --vectors."""
        from ..views.present import warnings

        return list(warnings(self.analysis))

    @property
    def is_comparison(self) -> bool:
        """True for analyze(…, compare="OPTION=A,B"): .settings holds one analysis per value."""
        from ..analysis.compare import Comparison

        return isinstance(self.analysis, Comparison)

    def table(self, width: int = 80, focus: str | None = None, matrix: str | None = None, color: bool = False,
              lang: str | None = None) -> str:
        """What `show` prints in a terminal this wide, as text (ANSI colors when color=True; lang: "en",
        "zh" or "auto" for this call, default the attnviz.set_language setting, itself from the
        environment until set)."""
        from ..i18n import using

        with using(lang):
            return self._table(width, focus, matrix, color)

    def _table(self, width, focus, matrix, color) -> str:
        import io

        from ..views.present import Request, present
        from ..views.screen import Screen

        buffer = io.StringIO()
        present(self.analysis, Request(focus=focus, matrix=matrix), Screen(buffer, width, "truecolor" if color else None),
                err=io.StringIO())
        return buffer.getvalue()

    def explain(self, focus: str | None = None, head: int = 1, matrices: bool = False, columns: bool = False,
                recurrent: bool = False, all_keys: bool = False, dims: int = 4, width: int = 100, color: bool = False,
                lang: str | None = None) -> str:
        """What `attnviz explain` prints, as text: query `focus`'s walk a → q, k, v → α → α′ → b through
        head `head` (1-based); or `matrices` (the matrix form, `columns`: the notes' column layout); or
        `recurrent` (causal linear attention as a recurrence).  Any registered score shows its formula."""
        import io

        from ..i18n import using
        from ..views.screen import Screen
        from .checks import check_arguments, check_dense, check_explain

        check_arguments(compare=None, head=head, dims=dims, width=width)
        check_dense(self)  # first: a long input's or a comparison's result has no single `options`
        check_explain(focus, matrices, columns, all_keys, recurrent, self.options)
        buffer = io.StringIO()
        with using(lang):
            explain_to(self, Screen(buffer, width, "truecolor" if color else None), focus, head, matrices, columns,
                       recurrent, dims, all_keys)
        return buffer.getvalue()

    def heads_ranking(self, source: str, target: str) -> list[dict]:
        """Every head ranked by α′(source → target), strongest first: dicts of
        layer, head: 1-based, as the terminal shows them and analyze(…, layer=, head=) takes them;
        layer_index, head_index: 0-based, as `attnviz heads --json` writes `layer` and `head`
        (and as .alpha_prime[layer_index, head_index] indexes a model analyzed whole);
        alpha_prime: α′(source → target); rank: of target in the query's row (1: strongest); summary."""
        from ..analysis.items import resolve_token
        from ..analysis.summaries import heads_ranking

        if not isinstance(self.analysis, ModelAnalysis):
            raise UsageError("heads_ranking needs a model: analyze(text, model='minilm')", "model")
        i = resolve_token(source, self.analysis.tokens, "`from`")
        j = resolve_token(target, self.analysis.key_labels, "`to`")  # cross-attention: a key of the other sequence
        return [{**r, "layer_index": r["layer"] - 1, "head_index": r["head"] - 1} for r in heads_ranking(self.analysis, i, j)]


def explain_to(result: Result, console, focus: str | None, head: int, matrices: bool = False, columns: bool = False,
               recurrent: bool = False, dims: int = 4, all_keys: bool = False, warn=None) -> None:
    """explain's view of `result` on console, after the checks that need it (full matrices, the query
    `focus` names, `head` one of its heads); warn(line) first gets what a user should know (the CLI's)."""
    from ..views.present import item_index, warnings
    from .checks import check_dense, check_head

    check_dense(result)
    i = None if focus is None else item_index(result.analysis, focus)
    check_head(head, result.options.heads)
    for line in warnings(result.analysis) if warn else ():
        warn(line)
    explain_view(result.analysis, console, i, head, matrices, columns, recurrent, dims, all_keys)


def explain_view(analysis, console, i: int | None, head: int, matrices: bool = False, columns: bool = False,
                 recurrent: bool = False, dims: int = 4, all_keys: bool = False) -> None:
    """explain's view of head `head` (1-based): the matrix form, query i's recurrence, or query i's walk."""
    from ..views import explain as views

    if matrices:
        return views.render_matrices(analysis, console, head - 1, columns)
    if recurrent:
        from ..views.recurrent import render_recurrent

        return render_recurrent(analysis, console, i, head - 1, dims)
    views.render_explain(analysis, console, i, head - 1, dims, all_keys)
