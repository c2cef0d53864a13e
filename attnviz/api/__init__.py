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

from ..analysis.results import LongAnalysis, ModelAnalysis, VectorSetAnalysis
from ..errors import AttnvizWarning, UsageError  # AttnvizWarning: re-exported (attnviz.api.AttnvizWarning)
from ..inputs.load import Media, load_sequence, validate_early, with_window
from ..options import DENSE_MAX, Options

__all__ = ["AtlasResult", "AttnvizWarning", "Options", "Result", "analyze", "analyze_model", "analyze_long", "atlas", "DENSE_MAX"]


def analyze(text: str | None = None, options: Options | None = None, *, input=None, audio=None, image=None,
            model: str | None = None, words: bool = False, layer: int | None = None, head: int | None = None,
            top_k: int | None = None, frame_ms: float = 25.0, hop_ms: float = 10.0, features: str = "logmel",
            size: int = 32, patch: int | None = None, sample_rate: int | None = None, tokens: list[str] | None = None,
            progress=None, compare: str | None = None, request=None, generate: int = 0, accept_cost: bool = False,
            backend: str = "numpy", target: str | None = None, part: str | None = None, **kw) -> "Result":
    """Analyze one input: text (word vectors, or a transformer with model=), or a set of vectors
    that is not text: input= a matrix file or an [n, d] array, audio= a sound file or a waveform
    array ([samples] or [samples, channels], with sample_rate= in Hz), image= a picture file or an
    [H, W, 3] (or [H, W]) array, uint8 or floats in 0 … 1 ("demo" for sounds and pictures).

    options: an Options, or its fields as keywords (heads=4, window=3, …); for audio `window` may
    be a time ("150ms").  top_k: keep each query's K strongest keys (blockwise; automatic above
    DENSE_MAX items).  head: keep one head (1-based).  model, words, layer: a pretrained encoder.
    frame_ms, hop_ms, features: audio frames (25, 10, "logmel");  size, patch: the picture's long
    side in pixels (32) and patch size (None: pixels).
    generate: with a decoder `model`, continue the text greedily by up to this many tokens first
    (they join the sequence, flagged in `generated`).
    compare: "OPTION=A,B[,C]" runs each setting over the same input (a Comparison: views show
    the α′ side by side and what changed).
    request: the views the caller will ask for (a views.present.Request): what a long input cannot
    show (figures, `focus`) is refused once its length is known, before attention is computed.
    accept_cost: run work estimated over 5 minutes (analysis.estimate.REFUSE_SECONDS) instead of
    refusing it (UsageError with the estimate and how to cut it, e.g. `window`).
    backend: "numpy" (attnviz's own forward pass) or "transformers": `model` a local directory that
    transformers loads (attnviz[transformers]); an encoder–decoder takes `target` (the decoder's
    text) and `part` ("encoder", "decoder" or "cross", the default); a ViT, DeiT or DINOv2 takes
    `image` (a file or "demo"), a Whisper encoder, wav2vec2 or HuBERT `audio` (a file or "demo").
    """
    from ..analysis.estimate import accepting

    if backend != "numpy" or target is not None or part is not None:
        from .given import through_backend

        return through_backend(backend, text, model, target, part, layer, head, options, dict(
            input=input, audio=audio, image=image, compare=compare, top_k=top_k, generate=generate, words=words, **kw))

    with accepting(accept_cost):
        return _analyze(text, options, input, audio, image, model, words, layer, head, top_k, frame_ms, hop_ms,
                        features, size, patch, sample_rate, tokens, progress, compare, request, generate, kw)


def _analyze(text, options, input, audio, image, model, words, layer, head, top_k, frame_ms, hop_ms, features, size,
             patch, sample_rate, tokens, progress, compare, request, generate, kw) -> "Result":
    opts = options_of(options, kw)
    check_arguments(compare=compare, top_k=top_k, head=head, layer=layer)
    media = Media(input, audio, image, frame_ms, hop_ms, features, size, patch, sample_rate)
    if compare is not None:
        if model is not None or top_k is not None or head is not None:
            raise UsageError("`compare` runs word vectors or a vector set with full matrices; drop `model`, `top_k` and `head`", "compare")
        return Result(analyze_compare(text, opts, media, tokens, compare))
    if model is not None:
        if media.given():
            raise UsageError(f"`{media.given()[0]}` does not apply with `model`: the model reads text", media.given()[0])
        return Result(analyze_model_checked(text, model, words, layer, head, opts, None, top_k, generate))
    if generate:
        raise UsageError("`generate` needs a decoder `model`, such as smollm2", "generate")
    if words or layer is not None:
        raise UsageError(f"`{'words' if words else 'layer'}` goes with `model` (word vectors have one layer of words)", "words" if words else "layer")
    validate_early(opts)
    seq, input_norm = load_sequence(text, opts, media, tokens)
    opts = with_window(opts, seq).validate()
    if top_k is not None or len(seq) > DENSE_MAX:
        if head is not None:
            raise UsageError(f"`top_k` (and inputs over {DENSE_MAX} items) show a summary: `head` needs full matrices", "head")
        if request is not None:
            from ..views.present import check_long

            check_long(len(seq), top_k is not None, request, seq.kind in ("audio", "image"))
        from ..analysis.vectorset import analyze_long as long

        return Result(long(seq, opts, input_norm, top_k or 3, progress, top_k_given=top_k is not None))
    from ..analysis.vectorset import analyze_sequence

    if request is not None and any(Path(p).suffix.lower() == ".html" for p in request.save):
        from ..views.pack import check_page

        check_page(len(seq), 1, 1 if head is not None else opts.heads, False)  # before attention: what the page may hold
    analysis = analyze_sequence(seq, opts, input_norm, text)
    if head is not None:
        if head > opts.heads:
            raise UsageError(f"`head` {head}: there are only {opts.heads} head{'s' if opts.heads > 1 else ''} (`heads` {opts.heads})", "head")
        analysis = analysis.only_head(head - 1)
    return Result(analysis)


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


def analyze_compare(text: str | None, opts: Options, media: Media, tokens: list[str] | None, spec: str):
    """Every setting of one option over the same input: a Comparison.  Options that change the
    vectors (embedding, vectors, input_norm, punct) embed the text again for each setting."""
    from ..analysis.compare import INPUT_OPTIONS, compare_sequence, comparison, parse_spec, settings
    from ..analysis.vectorset import analyze_sequence

    option, values = parse_spec(spec)
    validate_early(opts)
    if option not in INPUT_OPTIONS:
        seq, input_norm = load_sequence(text, opts, media, tokens)
        if len(seq) > DENSE_MAX:
            raise UsageError(f"`compare` shows full matrices: up to {DENSE_MAX} items (this input has {len(seq)})", "compare")
        return compare_sequence(seq, with_window(opts, seq), input_norm, option, values, text)
    runs = []
    for raw, varied in settings(opts, option, values):
        seq, input_norm = load_sequence(text, varied, media, tokens)
        runs.append((raw, analyze_sequence(seq, with_window(varied, seq).validate(), input_norm, text)))
    return comparison(option, runs)


def analyze_model_checked(text, model, words, layer, head, opts: Options, input, top_k, generate: int = 0) -> ModelAnalysis:
    changed = [f.name for f in fields(Options) if getattr(opts, f.name) != f.default]
    if changed or input is not None or top_k is not None:
        names = ", ".join(f"`{n}`" for n in changed + (["input"] if input else []) + (["top_k"] if top_k else []))
        raise UsageError(f"{names} {'does' if len(changed) == 1 else 'do'} not apply with `model` "
                         f"(the model has its own embeddings and learned W^q, W^k, W^v)", changed[0] if changed else "model")
    if text is None:
        raise UsageError("`model` needs a text", "model")
    from ..analysis.model import analyze_model

    check_generate(generate)
    return analyze_model(text, model, words, layer, head, generate)


MAX_GENERATE = 4096  # tokens a run may write: beyond, a typo (and minutes of decoding), not a question


def check_generate(n) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_GENERATE:
        raise UsageError(f"`generate` {n!r}: give a whole number of tokens from 0 to {MAX_GENERATE}", "generate")


def analyze_model(text: str, model: str = "minilm", words: bool = False, layer: int | None = None, head: int | None = None,
                  generate: int = 0) -> "Result":
    """A pretrained model's attention (every layer and head, or the one chosen, 1-based); a decoder
    may first continue the text by `generate` tokens."""
    from ..analysis.model import analyze_model as run

    check_arguments(compare=None, head=head, layer=layer)
    check_generate(generate)
    return Result(run(text, model, words, layer, head, generate))


def analyze_long(text: str, options: Options | None = None, top_k: int = 3, **kw) -> "Result":
    """Blockwise attention kept as each query's top-k keys, for inputs of any length."""
    return analyze(text, options, top_k=top_k, **kw)


def atlas(model: str = "minilm", text: str | None = None, probe_length: int = 50, seed: int = 0, **kw) -> "AtlasResult":
    """Every head's role, measured: scores on `text` (default the seed sentence) and, for induction and
    duplicate-token heads, on a probe of `probe_length` random tokens of the model's vocabulary
    (drawn with `seed`) repeated twice.  .scores["induction"] is [layers, heads]; .roles() each head's.
    Any other keyword is a UsageError naming it (as analyze's)."""
    from ..analysis.probe import run_atlas

    if kw:
        raise UsageError(f"atlas() has no parameter {', '.join(f'`{k}`' for k in kw)}; its parameters are "
                         f"model, text, probe_length, seed", next(iter(kw)))

    return AtlasResult(run_atlas(model, text, probe_length, seed))


class AtlasResult:
    """An atlas (analysis.atlas.Atlas: its fields and .roles(), .ranked(role)) and its views."""

    def __init__(self, atlas):
        self.atlas = atlas

    def __getattr__(self, name):
        return getattr(self.atlas, name)

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

    def table(self, width: int = 80, color: bool = False, lang: str | None = None) -> str:
        """What `attnviz atlas` prints in a terminal this wide (lang as in Result.table)."""
        import io

        from ..i18n import using
        from ..views.atlas import render_atlas
        from ..views.screen import Screen

        buffer = io.StringIO()
        with using(lang):
            render_atlas(self.atlas, Screen(buffer, width, "truecolor" if color else None))
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

        request = Request(focus=focus, matrix=matrix, save=figures.check_paths([str(p) for p in paths]), dpi=dpi,
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
        model's [UNK] pieces."""
        from ..options import as_flags
        from ..views.present import warnings

        return [as_flags(w) for w in warnings(self.analysis)]

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
