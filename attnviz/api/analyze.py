"""analyze(), analyze_model(), analyze_long() and atlas(): an input in, a Result (or AtlasResult) out."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from ..analysis.results import ModelAnalysis
from ..errors import UsageError
from ..inputs.load import Media, load_sequence, validate_early, with_window
from ..options import DENSE_MAX, Options
from .checks import check_arguments, check_generate, check_head, options_of
from .results import AtlasResult, Result, files_of

__all__ = ["analyze", "analyze_long", "analyze_model", "atlas"]


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
    accept_cost: run work estimated over 5 minutes (attnviz.cost.REFUSE_SECONDS) instead of
    refusing it (UsageError with the estimate and how to cut it, e.g. `window`).
    backend: "numpy" (attnviz's own forward pass) or "transformers": `model` a local directory that
    transformers loads (attnviz[transformers]); an encoder–decoder takes `target` (the decoder's
    text) and `part` ("encoder", "decoder" or "cross", the default); a ViT, DeiT or DINOv2 takes
    `image` (a file or "demo"), a Whisper encoder, wav2vec2 or HuBERT `audio` (a file or "demo").
    """
    from ..cost import accepting

    if backend != "numpy" or target is not None or part is not None:
        from .given import through_backend

        return through_backend(backend, text, model, target, part, layer, head, options, dict(
            input=input, audio=audio, image=image, compare=compare, top_k=top_k, generate=generate, words=words, **kw))

    with accepting(accept_cost):
        result = _analyze(text, options, input, audio, image, model, words, layer, head, top_k, frame_ms, hop_ms,
                          features, size, patch, sample_rate, tokens, progress, compare, request, generate, kw)
    opts = options_of(options, kw)
    result.inputs = files_of(dict(input=input, audio=audio, image=image, model=model, vectors=opts.vectors,
                                  weights=opts.weights, graph=opts.graph))  # save() must not write over them
    return result


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

            from ..inputs.kinds import kind_of

            check_long(len(seq), top_k is not None, request, kind_of(seq.kind).medium)
        from ..analysis.vectorset import analyze_long as long

        return Result(long(seq, opts, input_norm, top_k or 3, progress, top_k_given=top_k is not None))
    from ..analysis.vectorset import analyze_sequence

    if request is not None and any(Path(p).suffix.lower() == ".html" for p in request.save):
        from ..views.pack import check_page

        check_page(len(seq), 1, 1 if head is not None else opts.heads, False)  # before attention: what the page may hold
    analysis = analyze_sequence(seq, opts, input_norm, text)
    if head is not None:
        check_head(head, opts.heads)
        analysis = analysis.only_head(head - 1)
    return Result(analysis)


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
