"""The notes' comparisons on the command line: `attnviz rnn` (registered on cli.app; cli.py imports this
module last) and `show --image … --conv K` (show hands its options here)."""

from typing import Annotated, Optional

import typer

from . import (UsageError, single, ATTENTION, FIGURES, OUTPUT, AudioOpt, Causal, Cells, EmbeddingOpt, Embedding, FeaturesOpt,
                  Features, FrameMs, HopMs, ImageOpt, InputNormOpt, InputOpt, LangOpt, Lang, OptionalText, PatchOpt, Punct,
                  SizeOpt, TrustPickle, VectorsOpt, Window, app, console, save_paths, text_or_file)

RNN_EXAMPLES = """Examples:

  S="The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."

  attnviz rnn "$S"

  attnviz rnn "$S" --bidirectional --hidden 32 --save rnn.png

  attnviz rnn --audio demo --json | jq .steps
"""


@app.command(epilog=RNN_EXAMPLES)
def rnn(
    text: OptionalText = None,
    input: InputOpt = None,
    audio: AudioOpt = None,
    frame_ms: FrameMs = 25.0,
    hop_ms: HopMs = 10.0,
    features: FeaturesOpt = Features.logmel,
    image: ImageOpt = None,
    size: SizeOpt = 32,
    patch: PatchOpt = None,
    vectors: VectorsOpt = None,
    embedding: EmbeddingOpt = Embedding.vectors,
    input_norm: InputNormOpt = None,
    punct: Punct = False,
    trust_pickle: TrustPickle = False,
    hidden: Annotated[Optional[int], typer.Option(
        "--hidden", help="Size of the RNN's state h^i (default 16).", show_default=False, rich_help_panel=ATTENTION)] = None,
    bidirectional: Annotated[bool, typer.Option(
        "--bidirectional", help="A second RNN reads right to left; h^i is both states.", rich_help_panel=ATTENTION)] = False,
    weights: Annotated[Optional[str], typer.Option(
        "--weights", help="The RNN's weights: a .npz with W [hidden, d], U [hidden, hidden], optional c [hidden] "
        "(--bidirectional: also Wb, Ub, cb). Default: random from --seed.", show_default=False, rich_help_panel=ATTENTION)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the RNN's random weights.", min=0, rich_help_panel=ATTENTION)] = 0,
    window: Window = None,
    causal: Causal = False,
    cells: Annotated[Cells, typer.Option(help="Matrix cells: numbers, heat blocks, or auto.", rich_help_panel=OUTPUT)] = Cells.auto,
    json_out: Annotated[bool, typer.Option("--json", help="Write the JSON document (schema attnviz-rnn/1) to stdout.", rich_help_panel=OUTPUT)] = False,
    save: Annotated[Optional[list[str]], typer.Option(
        "--save", help="Also save the two matrices side by side as a figure (.png, .svg, .pdf).", show_default=False,
        rich_help_panel=FIGURES)] = None,
    dpi: Annotated[int, typer.Option("--dpi", help="Resolution of saved PNGs.", min=30, max=1200, rich_help_panel=FIGURES)] = 150,
    lang: LangOpt = Lang.auto,
) -> None:
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
