"""The commands: each checks what only a command line can get wrong, calls the library and hands the
result to a view.  Their help texts and examples are command_help.COMMAND_HELP."""

import sys

from .edge import console, read_text, saved, text_or_file, warn, written
from .params import build_options, has_media, media_options, save_paths, single, takes


@takes("show")
def show(**p) -> None:
    from ..api import analyze
    from ..api.checks import check_given, check_lines, check_title
    from ..views.present import Request, present
    from ..views.progress import progress_bar

    p["compare"] = single(p["compare"], "--compare", "one option is compared per run")
    check_title(p["title"], p["no_title"])
    if any(p[k] is not None for k in ("conv", "kernel", "conv_alpha")):
        from .notes import show_conv

        return show_conv(p)
    paths = save_paths(p["save"], p, "file", "input", "audio", "image", "vectors", "weights", "graph", "model", "attention")
    request = Request(p["focus"], p["matrix"], p["cells"], p["top"], p["json_out"], p["include_vectors"], paths, p["dpi"],
                      cmap=p["cmap"], vmax=p["vmax"], title="" if p["no_title"] else p["title"],
                      view="lines" if p["view"] == "lines" else None)
    if p["attention"] is not None or p["tokens"] is not None or p["scores"]:
        from ..api.given import view_file

        check_given(p["attention"], p["tokens"], p["scores"], p, build_options(p))
        return present(view_file(p["attention"], p["tokens"], scores=p["scores"], layer=p["layer"], head=p["head"]).analysis,
                       request, console())
    if p["lines"]:
        check_lines(p["text"], p["file"], p["json_out"], paths, p["top_k"], p["compare"], p["focus"], p["backend"])
        return show_lines(p, request)
    text, file = p["text"], p["file"]
    if file is not None and text is None and not has_media(p) and p["model"] is None and p["compare"] is None and not paths:
        text, file = show_file(p, request), None  # any length: streamed (and None) when long
        if text is None:
            return
    if not (has_media(p) and text is None and file is None):
        text = text_or_file(text, file)
    with progress_bar() as progress:
        result = analyze(text, build_options(p), progress=progress, request=request, **media_options(p),
                         **{k: p[k] for k in ("model", "words", "layer", "head", "top_k", "compare", "generate",
                                              "accept_cost", "backend", "target", "part")})
    present(result.analysis, request, console())


def show_file(p: dict, request) -> str | None:
    """`show --file F`: streamed (and None returned) when long or with --top-k; else its text."""
    from ..cost import accepting
    from ..api.stream import stream_file
    from ..inputs.load import with_window
    from ..views.progress import progress_bar

    with progress_bar() as progress, accepting(p["accept_cost"]):
        return stream_file(p["file"], with_window(build_options(p), None), top_k=p["top_k"], request=request,
                           head=p["head"], console=console(), out=sys.stdout, err=sys.stderr, progress=progress)


def show_lines(p: dict, request) -> None:
    """`show --file F --lines --json`: one attnviz/1 document per non-blank line, in order (JSON Lines)."""
    from ..api.corpus import analyze_lines, blank_lines_message, write_results
    from ..views.corpus import Progress

    given = {k: p[k] for k in ("model", "words", "layer", "head", "generate", "accept_cost")}
    results = analyze_lines(p["file"], build_options(p), blank=lambda n: n and warn(blank_lines_message(n)), **given)
    with Progress(sys.stderr, "lines") as progress:
        write_results(results, sys.stdout, request.include_vectors, progress)


@takes("heads")
def heads(text, model, source, target, words, top, json_out, file, lang) -> None:
    from ..api import analyze_model
    from ..api.checks import check_heads, heads_pair
    from ..views.present import warnings
    from ..views.terminal_model import render_heads

    check_heads(text, file, words, source, target)
    if file is not None:
        from ..api.corpus import corpus_heads
        from ..views.corpus import Progress, render_corpus

        with Progress(sys.stderr, "sentences") as progress:
            result = corpus_heads(file, model=model, source=source, target=target, progress=progress)
        if not written(result, json_out):
            render_corpus(result.analysis, console(), top)
        return
    analysis = analyze_model(read_text(text), model, words).analysis
    for line in warnings(analysis):  # the pieces the tokenizer turned into [UNK]
        warn(line)
    i, j = heads_pair(analysis.tokens, analysis.config.causal, source, target)
    if json_out:
        from ..views.heads_json import heads_document

        sys.stdout.write(heads_document(analysis, i, j) + "\n")
        return
    render_heads(analysis, console(), i, j, top)


@takes("atlas")
def atlas(text, model, probe_length, seed, top, json_out, save, dpi, lang) -> None:
    from ..api import atlas as run
    from ..views.atlas import render_atlas

    paths = save_paths(save, {"model": model}, "model")
    result = run(model, None if text is None else read_text(text), probe_length, seed)
    if not written(result, json_out, paths, dpi):
        render_atlas(result.atlas, console(), top)


@takes("explain")
def explain(**p) -> None:
    from ..api import analyze
    from ..api.checks import check_explain
    from ..api.results import explain_to

    focus = single(p["focus"], "--focus", "explain follows one query (show --focus takes several)")
    check_explain(focus, p["matrices"], p["columns"], p["all_keys"], p["recurrent"], build_options(p))
    text = None if has_media(p) and p["text"] is None else text_or_file(p["text"], None)
    result = analyze(text, build_options(p), accept_cost=p["accept_cost"], **media_options(p))
    explain_to(result, console(), focus, p["head"], p["matrices"], p["columns"], p["recurrent"], p["dims"], p["all_keys"],
               warn=warn)


@takes("pe")
def pe(length, dim, save, dpi, accept_cost, lang) -> None:
    from ..api.pe import positional_encoding
    from ..views.terminal import render_pe

    render_pe(positional_encoding(length, dim, save=save or (), dpi=dpi, accept_cost=accept_cost, saved=saved), console())
