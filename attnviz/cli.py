"""attnviz command line: parse, call the library, print.  The only module that exits."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from .errors import AttnvizError, UsageError

def guarded(call) -> int:
    """Run call(); every error becomes one line on stderr and an exit code (1 runtime, 2 usage)."""
    try:
        result = call()
        return result if isinstance(result, int) else 0
    except AttnvizError as e:
        sys.stderr.write(f"attnviz: error: {e}\n")
        return e.exit_code
    except typer.Abort:
        sys.stderr.write("attnviz: aborted\n")
        return 1
    except typer.TyperException as e:  # click's usage errors: bad option, missing argument
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        if not message.strip():  # bare `attnviz`: the help was printed, nothing to add
            return getattr(e, "exit_code", 2)
        sys.stderr.write(f"attnviz: error: {' '.join(message.split())} (see 'attnviz --help')\n")
        return getattr(e, "exit_code", 2)
    except BrokenPipeError:  # `attnviz show … | head -1`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


class Group(TyperGroup):
    """The app's command group; its main() is where every error is turned into a message."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        code = guarded(
            lambda: super(Group, self).main(
                args, prog_name or "attnviz", complete_var, standalone_mode=False, **extra
            )
        )
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="See self-attention: α (scores) and α′ (weights) over a sentence, from word vectors.",
)


@app.callback()
def _group() -> None:
    """See self-attention: α (scores) and α′ (weights) over a sentence, from word vectors."""


class Matrix(str, Enum):
    both = "both"
    alpha = "alpha"
    alpha_prime = "alpha-prime"


class Cells(str, Enum):
    auto = "auto"
    numbers = "numbers"
    heat = "heat"


class Projection(str, Enum):
    identity = "identity"
    random = "random"


class InputNorm(str, Enum):
    standard = "standard"
    center = "center"
    none = "none"


class Score(str, Enum):
    scaled_dot = "scaled-dot"
    dot = "dot"


class Normalize(str, Enum):
    softmax = "softmax"
    relu = "relu"
    none = "none"


MAX_TEXT = 1_000_000  # characters; the embedded path is quadratic in tokens, so be explicit


def read_text(text: str) -> str:
    """TEXT, or standard input when TEXT is '-'."""
    if text != "-":
        return text
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError("TEXT is '-' but standard input is closed; pipe a sentence in or give it as an argument")
    data = sys.stdin.buffer.read(MAX_TEXT * 4 + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"standard input is not UTF-8 text (byte {e.start}); pipe in text") from None


def warn(message: str) -> None:
    sys.stderr.write(f"attnviz: warning: {message}\n")


@app.command()
def show(
    text: Annotated[str, typer.Argument(help="The sentence, or '-' to read it from standard input.", show_default=False)],
    heads: Annotated[int, typer.Option("--heads", "-H", help="Number of attention heads.", min=1)] = 1,
    vectors: Annotated[
        Optional[str],
        typer.Option(
            help="Word vectors: a word2vec .bin/.txt, GloVe .txt, fastText .bin/.vec file, or a gensim-data "
            "name (needs the internet once). Default: the embedded en_core_web_md vectors.",
            show_default=False,
        ),
    ] = None,
    input_norm: Annotated[
        InputNorm,
        typer.Option(help="How word vectors become a^i: standard = centered on the vocabulary mean and scaled "
                     "to length √d; center = centered only; none = raw."),
    ] = InputNorm.standard,
    projection: Annotated[
        Projection, typer.Option(help="W^q, W^k, W^v: identity (q = k = v = a, heads are slices) or random (--seed, --d-k).")
    ] = Projection.identity,
    weights: Annotated[
        Optional[str],
        typer.Option(help="A .npz with Wq, Wk (d × heads·d_k), Wv (d × heads·d_v) and optional Wo (heads·d_v × d); "
                     "Q = X·Wq (rows are tokens).", show_default=False),
    ] = None,
    d_k: Annotated[Optional[int], typer.Option("--d-k", help="Per-head query/key size (random projection).", min=1, show_default=False)] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random projection.")] = 0,
    score: Annotated[Score, typer.Option(help="α_ij = q·k/√d_k (scaled-dot) or q·k (dot).")] = Score.scaled_dot,
    normalize: Annotated[Normalize, typer.Option(help="α → α′ per row: softmax, relu (rows renormalized) or none.")] = Normalize.softmax,
    temperature: Annotated[
        Optional[float],
        typer.Option(help="softmax(α/T). Default: √d_k/3 with the identity projection, else 1.", show_default=False),
    ] = None,
    punct: Annotated[bool, typer.Option("--punct", help="Keep standalone punctuation as tokens.")] = False,
    matrix: Annotated[Matrix, typer.Option(help="Which matrices to print.")] = Matrix.both,
    cells: Annotated[Cells, typer.Option(help="Matrix cells: numbers, heat blocks, or auto (numbers when they fit).")] = Cells.auto,
    top: Annotated[int, typer.Option(help="Top keys listed per query token.", min=1)] = 3,
    json_out: Annotated[bool, typer.Option("--json", help="Write the JSON document (schema attnviz/1) to stdout.")] = False,
    include_vectors: Annotated[bool, typer.Option("--include-vectors", help="With --json: add q, k, v, b per head, input and output per layer.")] = False,
    trust_pickle: Annotated[bool, typer.Option("--trust-pickle", help="Allow gensim's pickle-based .kv/.model files (they can run code).")] = False,
) -> None:
    """Embed TEXT, compute self-attention, print α and α′ (or JSON with --json).

    Rows are queries i, columns are keys j: α_ij = q^i·k^j/√d_k, α′_i· = softmax(α_i·/T), b^i = Σ_j α′_ij v^j.
    """
    from .api import Options, analyze

    if temperature is not None and not temperature > 0:
        raise UsageError(f"--temperature must be a positive number (got {temperature})")
    if include_vectors and not json_out:
        raise UsageError("--include-vectors goes with --json")
    opts = Options(
        vectors=vectors, input_norm=input_norm.value, punct=punct, projection=projection.value, weights=weights,
        heads=heads, d_k=d_k, seed=seed, score=score.value, normalize=normalize.value, temperature=temperature,
        trust_pickle=trust_pickle,
    )
    analysis = analyze(read_text(text), opts)
    oov = [t for t, o in zip(analysis.tokens, analysis.oov) if o]
    if oov:
        sub = [t for t, s in zip(analysis.tokens, analysis.embedded.subword) if s]
        shown = ", ".join(dict.fromkeys(oov[:8])) + (", …" if len(oov) > 8 else "")
        how = "get fastText subword vectors" if sub and len(sub) == len(oov) else "get a = 0 (no information)"
        warn(f"{len(oov)} of {len(analysis.tokens)} words not in {analysis.source['name']}: {shown}; they {how}")
    if json_out:
        from .jsonio import document, dumps

        sys.stdout.write(dumps(document(analysis, include_vectors)) + "\n")
        return
    from rich.console import Console

    from .render import render
    from .vectors import nearest_words

    nearest = None
    if analysis.in_embedding_space:
        nearest = nearest_words(analysis.layers[0].output, analysis.vectors, analysis.config["input_norm"], 4)
    plain = bool(os.environ.get("NO_COLOR"))  # https://no-color.org: no ANSI codes at all
    console = Console(highlight=False, color_system=None) if plain else Console(highlight=False)
    render(analysis, console, matrix=matrix.value, cells=cells.value, top=top, nearest=nearest)


def main(argv: list[str] | None = None) -> int:
    return typer.main.get_command(app).main(argv, "attnviz", standalone_mode=False)


def run() -> None:
    sys.exit(main())

