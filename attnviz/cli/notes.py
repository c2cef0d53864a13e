"""The notes' comparisons on the command line: `attnviz rnn`, and `show --image … --conv K` (show hands
its parameters here)."""

from ..options import api_names
from .edge import console, text_or_file, written
from .params import build_options, has_media, media_options, save_paths, single, takes

CONV_ALONE = ("text", "file", "lines", "model", "words", "generate", "top_k", "layer", "head", "matrix", "include_vectors",
              "cmap", "vmax")  # show's parameters that a K²-head layer over pixels has no use for


@takes("rnn")
def rnn(**p) -> None:
    from ..api.notes import rnn as run_rnn
    from ..views.rnn import render_rnn

    paths = save_paths(p["save"], p, "input", "audio", "image", "vectors", "weights")
    text = None if has_media(p) and p["text"] is None else text_or_file(p["text"], None)
    result = run_rnn(**{k: p[k] for k in api_names("rnn")} | {"text": text})
    if not written(result, p["json_out"], paths, p["dpi"]):
        render_rnn(result.analysis, console(), p["cells"])


def show_conv(p: dict) -> None:
    """`show --image FILE|demo --conv K [--kernel F.npy] [--conv-alpha A] [--compare alpha=…]`."""
    from ..api.checks import check_apart, conv_alphas
    from ..api.notes import conv as run_conv
    from ..views.conv import render_conv

    conv_alphas(p["conv"], p["kernel"], None)  # first: K is given (--kernel, --conv-alpha go with it)
    check_apart([k for k in CONV_ALONE if p[k]], "conv", "a K²-head layer over a picture's pixels")
    focus = single(p["focus"], "--focus", "--conv follows one pixel")
    alphas = conv_alphas(p["conv"], p["kernel"], p["compare"])
    paths = save_paths(p["save"], p, "image", "kernel")
    result = run_conv(build_options(p), k=p["conv"], kernel=p["kernel"], alpha=p["conv_alpha"], focus=focus,
                      compare=alphas, **media_options(p))
    if not written(result, p["json_out"], paths, p["dpi"], title="" if p["no_title"] else p["title"]):
        render_conv(result.analysis, console())
