"""attnviz command line: parse, call the library, print.  The only package that exits.

    edge.py      the process edge: signals, closed streams, guarded() (every error: one line, an exit code)
    params.py    each command's typer parameters, from the option table (options.TABLE)
    commands.py  show, heads, atlas, explain, pe;  notes.py: rnn and show --conv

No `from __future__ import annotations` in cli/: typer reads every option from the annotations, and
strings would be compiled again on each run (≈ 4 ms of start-up); evaluated once, they are in the .pyc.
"""

import os
import sys

from .edge import ReaderLeft, environment, fail, guarded, interrupted, silence_stdout, started_as_the_command  # first: Ctrl-C

import signal  # noqa: E402,I001
from typing import Annotated  # noqa: E402

import typer  # noqa: E402
from typer.core import TyperGroup  # noqa: E402

from ..command_help import COMMAND_HELP, HELP, examples  # noqa: E402
from . import commands, notes  # noqa: E402
from .params import escaped  # noqa: E402


class Group(TyperGroup):
    """The app's command group; its main() is where every error is turned into a message."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # past click's own EPIPE handler (exit 1), to guarded
            raise ReaderLeft() from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        code = guarded(lambda: super(Group, self).main(args, prog_name or "attnviz", complete_var,
                                                       standalone_mode=False, **extra))
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(cls=Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=escaped(HELP))
for _command in (commands.show, commands.heads, commands.atlas, commands.explain, commands.pe, notes.rnn):
    app.command(help=escaped(COMMAND_HELP[_command.__name__][0]), epilog=escaped(examples(_command.__name__)))(_command)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        sys.stdout.write(f"attnviz {__version__}\n")
        raise typer.Exit()


@app.callback()
def _group(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)] = False,
) -> None:
    """The command group; --version is its only option."""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    return typer.main.get_command(app_for(args)).main(args, "attnviz", standalone_mode=False)


def app_for(args: list[str]) -> typer.Typer:
    """The app, or, when args start with a command's name, the app with that command alone: typer
    turns every command's signature into click parameters on each run, and all four cost three times
    one (≈ 13 ms, the largest part of start-up after the imports).  Top-level help and errors see all."""
    chosen = [c for c in app.registered_commands if args and c.callback.__name__ == args[0]]
    if not chosen:
        return app
    import copy

    one = copy.copy(app)
    one.registered_commands = chosen
    return one


def run() -> None:
    """The `attnviz` command: main(), then the process ends as soon as its output is out.  Two costs
    of a short run are the interpreter's: the garbage collector sweeping the ~200 000 objects the
    imports create (collections every 50 000 new objects instead of 700: cycles are still freed), and
    tearing all those modules down at exit (skipped once stdout and stderr are flushed and no other
    thread runs; nothing of ours waits for exit: saves are renamed into place before the end)."""
    import gc
    import threading

    gc.set_threshold(50_000, 20, 100)
    code = main()
    if started_as_the_command():
        signal.signal(signal.SIGINT, interrupted)  # the last flushes: still one line
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left: quiet, as in guarded
        silence_stdout()
    except (OSError, ValueError) as e:  # output lost after guarded's flush: never exit 0
        if code:  # an error was already reported: it stays the one line
            silence_stdout()
        else:
            code = fail(environment(e) if isinstance(e, OSError) else "standard output was closed", 1, stdout_failed=True)
    try:
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr unusable: the exit code still tells
        pass
    if threading.active_count() == 1:
        os._exit(code)
    sys.exit(code)
