"""The notes' comparisons on the command line: `attnviz rnn` (registered on cli.app; cli.py imports this
module last) and `show --image … --conv K` (show hands its options here)."""

from . import UsageError, single, app, console, save_paths, takes, text_or_file

RNN_EXAMPLES = """Examples:

  S="The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."

  attnviz rnn "$S"

  attnviz rnn "$S" --bidirectional --hidden 32 --save rnn.png

  attnviz rnn --audio demo --json | jq .steps
"""


@app.command(epilog=RNN_EXAMPLES)
@takes("rnn")
def rnn(text, input, audio, frame_ms, hop_ms, features, image, size, patch, vectors, embedding, input_norm, punct, trust_pickle,
        hidden, bidirectional, weights, seed, window, causal, cells, json_out, lang, save, dpi) -> None:
    """An Elman RNN over the same vectors as self-attention: how much each input a^j moves h^i.

    Row i of the influence matrix is ‖∂h^i/∂a^j‖ (exact Jacobians) over its sum, drawn beside α′ on one
    colour scale: the RNN needs n sequential steps and its reach fades with distance; α′ takes one.
    """
    import sys

    from ..api.notes import rnn as run_rnn
    from ..i18n import set_language

    set_language(lang.value)
    media = {"input": input, "audio": audio, "image": image}
    paths = save_paths(save, {"--input": input, "--audio": audio, "--image": image, "--vectors": vectors, "--weights": weights})
    given = any(v is not None for v in media.values())
    result = run_rnn(None if given and text is None else text_or_file(text, None), input=input, audio=audio, image=image,
                     hidden=hidden, bidirectional=bidirectional, weights=weights, seed=seed, frame_ms=frame_ms,
                     hop_ms=hop_ms, features=features.value, size=size, patch=patch, vectors=vectors,
                     embedding=embedding.value, input_norm=None if input_norm is None else input_norm.value, punct=punct,
                     trust_pickle=trust_pickle, window=window, causal=causal)
    for path in paths:
        result.save(str(path), dpi=dpi)
        sys.stderr.write(f"attnviz: saved {path}\n")
    if json_out:
        sys.stdout.write(result.to_json())
        return
    from ..views.rnn import render_rnn

    render_rnn(result.analysis, console(), cells.value)


def show_conv(conv, kernel, conv_alpha, compare, focus, json_out, save, dpi, title, others: dict, options: dict) -> None:
    """`show --image FILE|demo --conv K [--kernel F.npy] [--conv-alpha A] [--compare alpha=…]`."""
    import sys

    from ..api.notes import conv as run_conv

    if conv is None:
        raise UsageError(f"{'--kernel' if kernel is not None else '--conv-alpha'} goes with --conv K (3 or 5)")
    given = [flag for flag, value in others.items() if value]
    if given:
        raise UsageError(f"{given[0]} does not go with --conv (a K²-head layer over a picture's pixels)")
    focus = single(focus, "--focus", "--conv follows one pixel")
    alphas = None
    if compare is not None:
        name, _, values = compare.partition("=")
        if name.strip() not in ("alpha", "conv-alpha", "conv_alpha") or not values:
            raise UsageError(f"--compare {compare!r}: with --conv, compare α, e.g. --compare alpha=1,2,5,10,20")
        try:
            alphas = [float(v) for v in values.split(",")]
        except ValueError:
            raise UsageError(f"--compare {compare!r}: α values are numbers, e.g. alpha=1,2,5,10,20") from None
    from . import build_options, media_options

    paths = save_paths(save, {"--image": options["image"], "--kernel": kernel})
    result = run_conv(build_options(options), k=conv, kernel=kernel, alpha=conv_alpha, focus=focus, compare=alphas,
                      **media_options(options))
    for path in paths:
        result.save(str(path), dpi=dpi, title=title)
        sys.stderr.write(f"attnviz: saved {path}\n")
    if json_out:
        sys.stdout.write(result.to_json())
        return
    from ..views.conv import render_conv

    render_conv(result.analysis, console())
