"""The notes' comparisons on the command line: `attnviz rnn`, and `show --image … --conv K` (show hands
its parameters here)."""

import sys

from ..i18n import set_language
from .edge import console, saved, text_or_file
from .params import build_options, media_options, save_paths, single, takes

CONV_ALONE = ("text", "file", "lines", "model", "words", "generate", "top_k", "layer", "head", "matrix", "include_vectors",
              "cmap", "vmax")  # show's parameters that a K²-head layer over pixels has no use for


@takes("rnn")
def rnn(text, input, audio, frame_ms, hop_ms, features, image, size, patch, vectors, embedding, input_norm, punct, trust_pickle,
        hidden, bidirectional, weights, seed, window, causal, cells, json_out, lang, save, dpi) -> None:
    from ..api.notes import rnn as run_rnn

    set_language(lang.value)
    media = {"input": input, "audio": audio, "image": image}
    paths = save_paths(save, {**media, "vectors": vectors, "weights": weights}, "input", "audio", "image", "vectors", "weights")
    given = any(v is not None for v in media.values())
    result = run_rnn(None if given and text is None else text_or_file(text, None), input=input, audio=audio, image=image,
                     hidden=hidden, bidirectional=bidirectional, weights=weights, seed=seed, frame_ms=frame_ms,
                     hop_ms=hop_ms, features=features.value, size=size, patch=patch, vectors=vectors,
                     embedding=embedding.value, input_norm=None if input_norm is None else input_norm.value, punct=punct,
                     trust_pickle=trust_pickle, window=window, causal=causal)
    if not show_note(result, paths, dpi, json_out):
        from ..views.rnn import render_rnn

        render_rnn(result.analysis, console(), cells.value)


def show_conv(p: dict) -> None:
    """`show --image FILE|demo --conv K [--kernel F.npy] [--conv-alpha A] [--compare alpha=…]`."""
    from ..api.checks import check_apart
    from ..api.notes import conv as run_conv
    from ..errors import UsageError

    if p["conv"] is None:
        raise UsageError(f"{'--kernel' if p['kernel'] is not None else '--conv-alpha'} goes with --conv K (3 or 5)")
    check_apart([k for k in CONV_ALONE if p[k]], "conv", "a K²-head layer over a picture's pixels")
    focus = single(p["focus"], "--focus", "--conv follows one pixel")
    alphas, compare = None, p["compare"]
    if compare is not None:
        name, _, values = compare.partition("=")
        if name.strip() not in ("alpha", "conv-alpha", "conv_alpha") or not values:
            raise UsageError(f"--compare {compare!r}: with --conv, compare α, e.g. --compare alpha=1,2,5,10,20")
        try:
            alphas = [float(v) for v in values.split(",")]
        except ValueError:
            raise UsageError(f"--compare {compare!r}: α values are numbers, e.g. alpha=1,2,5,10,20") from None
    paths = save_paths(p["save"], p, "image", "kernel")
    result = run_conv(build_options(p), k=p["conv"], kernel=p["kernel"], alpha=p["conv_alpha"], focus=focus,
                      compare=alphas, **media_options(p))
    if not show_note(result, paths, p["dpi"], p["json_out"], title="" if p["no_title"] else p["title"]):
        from ..views.conv import render_conv

        render_conv(result.analysis, console())


def show_note(result, paths, dpi, json_out, **save) -> bool:
    """Save the result to `paths`, and write its JSON if asked (True: then no terminal view)."""
    for path in paths:
        result.save(str(path), dpi=dpi, **save)
        saved(path)
    if json_out:
        sys.stdout.write(result.to_json())
    return json_out
