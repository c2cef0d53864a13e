"""Attention from anywhere, in the library: arrays and tensors (view), files (view_file: what
`show --attention` reads) and models run by transformers (analyze_transformers: `--backend
transformers`).  Each returns the same Result as analyze().

    import attnviz
    attnviz.view(outputs.attentions, inputs, tokenizer=tok).save("view.html")
    attnviz.view(cross, queries=target_tokens, keys=source_tokens).table()
"""

from __future__ import annotations

from .checks import check_arguments
from .results import Result
from ..errors import UsageError

__all__ = ["analyze_transformers", "view", "view_file"]


def view(attention, tokens=None, *, tokenizer=None, specials: list[bool] | None = None, scores: bool = False,
         name: str | None = None, text: str | None = None, layer: int | None = None, head: int | None = None,
         queries=None, keys=None) -> "Result":
    """Attention computed elsewhere, with every view `analyze(text, model=…)` has (table, JSON,
    figures, page, heads_ranking).

    attention: α′ as [n, n], [heads, n, n], [layers, heads, n, n], or a list/tuple of per-layer
    [heads, n, n] or [1, heads, n, n] (transformers' `outputs.attentions`); numpy arrays, tensors
    (torch, JAX) or nested lists.  scores=True: the raw scores α before softmax (-inf where masked).
    tokens: one label per token, or a tokenizer's output (input_ids) with tokenizer=.  specials:
    which tokens are [CLS]/[SEP]-like (default: the tokenizer's, else guessed by spelling).
    name, text: what the views call the source and the text.  layer, head: keep one (1-based).
    A causal model's attention (all zero above the diagonal) is shown as masked there.
    queries, keys: cross-attention [n_q, n_k] (a decoder's tokens over an encoder's): the rows' and
    the columns' labels (lists, or tokenizer outputs) instead of tokens; no rollout, and no page yet.
    """
    from ..analysis.given import view_analysis

    check_arguments(compare=None, layer=layer, head=head)
    return Result(view_analysis(attention, tokens, tokenizer=tokenizer, specials=specials, scores=scores, name=name,
                                text=text, layer=layer, head=head, queries=queries, keys=keys))


def view_file(path: str, tokens: str | list[str] | None = None, *, scores: bool = False, layer: int | None = None,
              head: int | None = None) -> "Result":
    """view() of a file (what `show --attention FILE` reads): a .npz with arrays `attention` and
    `tokens` (optionally `specials`), a .npy with `tokens` given (a list, "a,b,c" or a file of one
    label per line), or a --json document attnviz wrote (its α, α′ and rollout as saved)."""
    from ..analysis.given import view_analysis
    from ..inputs.given_file import read_saved

    check_arguments(compare=None, layer=layer, head=head)
    saved = read_saved(path, ",".join(tokens) if isinstance(tokens, list) else tokens)
    if isinstance(tokens, list):
        saved.tokens = [str(t) for t in tokens]
    rows = {"tokens": saved.tokens} if saved.keys is None else {"queries": saved.tokens, "keys": saved.keys}
    return Result(view_analysis(saved.attention, **rows, specials=saved.specials, scores=scores, name=saved.name,
                                text=saved.text, layer=layer, head=head, source=saved.source, alpha=saved.alpha,
                                numbers=saved.numbers, flow=saved.flow), {"attention": path})


def analyze_transformers(text: str | None, model: str | None, target: str | None = None, part: str | None = None,
                         layer: int | None = None, head: int | None = None, image=None, audio=None) -> "Result":
    """A model transformers loads from a local directory, with eager attention (models/hf.py): its
    own attentions as view() shows them.  An encoder–decoder needs `target`; `part` picks its encoder
    self-, decoder self- or cross-attention (default cross: rows the target's tokens, columns the source's).
    image: a picture file or "demo" for a ViT, DeiT or DINOv2; audio: a sound file or "demo" for
    Whisper's encoder, wav2vec2 or HuBERT (models/hf_media.py)."""
    from ..analysis.given import view_analysis
    from ..models.hf import attentions

    check_arguments(compare=None, layer=layer, head=head)
    if model is None:
        raise UsageError("`backend` transformers runs a `model`: give its local directory", "model")
    if image is not None and audio is not None:
        raise UsageError("give `image` or `audio`, not both: a model reads one kind of input", "image")
    media = image is not None or audio is not None
    if media and text is not None:
        raise UsageError(f"give a text or `{'image' if image is not None else 'audio'}`, not both", "model")
    if not media and (text is None or not text.strip()):
        raise UsageError("`backend` transformers needs a text (or `image`, `audio` for a picture or sound model)", "model")
    run = attentions(model, text, target, part, image=image, audio=audio)
    source = {"format": "transformers", "path": str(model), **run.pop("source", {})}
    return Result(view_analysis(**run, layer=layer, head=head, source=source), dict(model=model, image=image, audio=audio))


def through_backend(backend: str, text, model, target, part, layer, head, options, others: dict) -> Result:
    """analyze(…, backend="transformers"): what else was given is refused (the model has its own attention)."""
    from ..options import Options

    if backend != "transformers":
        raise UsageError(f"`backend` {backend!r}: numpy (attnviz's own) or transformers", "backend")
    image, audio = others.pop("image", None), others.pop("audio", None)
    given = [k for k, v in others.items() if v] + (["options"] if options is not None and options != Options() else [])
    if given:
        raise UsageError(f"`{given[0]}` does not apply with `backend` transformers (a text, `image` or `audio`: the "
                         f"model's own attention, every layer and head)", given[0])
    return analyze_transformers(text, model, target, part, layer, head, image, audio)
