"""The process edge: signals, closed or short-writing streams, standard input, and guarded(), the one
place where every error becomes one line on stderr and an exit code.  Imported first by cli/."""

import errno
import os
import sys

import _signal  # signal's C core: `signal` itself imports enum and functools, time a Ctrl-C could land in


def interrupted(signum, frame):
    """Ctrl-C while the CLI starts (its imports take ~100 ms) or ends: one line, no traceback."""
    try:
        os.write(2, b"attnviz: interrupted (Ctrl-C)\n")
    finally:
        os._exit(130)


def started_as_the_command() -> bool:
    """True when this process is `attnviz` or `python -m attnviz` (not a test or a host importing the CLI)."""
    argv0 = sys.argv[0] if sys.argv else ""
    return os.path.basename(argv0) == "attnviz" or argv0.endswith(os.path.join("attnviz", "__main__.py"))


if started_as_the_command():
    _signal.signal(_signal.SIGINT, interrupted)  # guarded() hands Ctrl-C back to Python while a command runs
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")  # before numpy: idle BLAS threads spin 2²² cycles, not 2²⁸ (docs/performance.md)

import signal  # noqa: E402  (after the handler: an interrupt during these imports is one line)

import typer  # noqa: E402

from ..errors import AttnvizError, UsageError, environment  # noqa: E402


class Terminated(BaseException):
    """SIGTERM, raised where the process is, so `finally` blocks (a save's temporary file) run."""


class ReaderLeft(Exception):
    """stdout's reader went away (EPIPE) during a command; click would exit 1, guarded exits 0."""


def _on_sigterm(signum, frame):
    raise Terminated()


class ClosedStdout:
    """Stands for a closed standard output: every write raises OSError(EBADF)."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        import io

        raise io.UnsupportedOperation("standard output is closed")


def standard_streams() -> None:
    """A closed stderr becomes /dev/null (the exit code still tells); a closed stdout a ClosedStdout,
    so the user learns why nothing was printed.  Under `python -u` stdout writes straight to its
    descriptor, and a write the file system cuts short (a full disk, ulimit -f) is dropped silently: a
    buffered writer (flushed on each newline) writes the rest again, so the failure is reported."""
    import io

    sys.stderr = open(os.devnull, "w") if sys.stderr is None else sys.stderr
    out = sys.stdout = ClosedStdout() if sys.stdout is None else sys.stdout
    if isinstance(getattr(out, "buffer", None), io.RawIOBase):
        try:
            raw = io.FileIO(out.fileno(), "w", closefd=False)
        except (OSError, ValueError, io.UnsupportedOperation):  # a stream with no descriptor: left as it is
            return
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding=out.encoding, errors=out.errors,
                                      line_buffering=True, write_through=True)


def guarded(call) -> int:
    """Run call(); every error becomes one line on stderr and an exit code (1 runtime, 2 usage,
    130 Ctrl-C, 143 SIGTERM)."""
    import logging
    import warnings

    from ..cost import listening
    from ..options import cli_reading

    warnings.filterwarnings("ignore")  # libraries' warnings (gensim, numpy) are not ours to print; ours go through warn()
    for name in ("matplotlib", "PIL", "gensim", "smart_open"):  # their log lines ("Font 'default' does not have a glyph",
        logging.getLogger(name).setLevel(logging.ERROR)  # "mkdir -p failed"): attnviz says what matters; errors pass
    standard_streams()
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (an embedding host): keep its handler
        pass
    try:
        if signal.getsignal(signal.SIGINT) is interrupted:  # the command's own Ctrl-C: KeyboardInterrupt, caught below
            signal.signal(signal.SIGINT, signal.default_int_handler)
        with listening(print_estimate), cli_reading():  # estimates: one line each on stderr; views: options as --flags
            result = call()
        sys.stdout.flush()  # /dev/full fails here, inside the net, not at interpreter exit
        return fail("interrupted (Ctrl-C)", 130, "") if result == 130 else result if isinstance(result, int) else 0
    except (BrokenPipeError, ReaderLeft):  # `attnviz show … | head -1`: the reader left, not an error; stop quietly
        silence_stdout()
        return 0
    except typer.TyperException as e:  # click's usage errors: bad option, missing argument (bare `attnviz`: help, no line)
        message, code = e.format_message() if hasattr(e, "format_message") else str(e), getattr(e, "exit_code", 2)
        path = (getattr(getattr(e, "ctx", None), "command_path", "") or "").split(" ")[1:]  # [show]: its help lists the option
        return fail(f"{' '.join(message.split())} (see '{' '.join(['attnviz', *path])} --help')", code) if message.strip() else code
    except (AttnvizError, typer.Abort, KeyboardInterrupt, Terminated, MemoryError, UnicodeEncodeError, OSError) as e:
        return fail(*failure(e))
    except Exception as e:  # a bug: still one line, not a traceback (ATTNVIZ_DEBUG=1 shows it)
        if os.environ.get("ATTNVIZ_DEBUG"):
            raise
        return fail(f"internal error: {type(e).__name__}: {e} (run with ATTNVIZ_DEBUG=1 for the traceback, and please "
                    f"report it)", 1)


STOPPED = {typer.Abort: ("aborted", 1), KeyboardInterrupt: ("interrupted (Ctrl-C)", 130),
           Terminated: ("terminated (SIGTERM)", 143)}


def failure(e: BaseException) -> tuple:
    """fail()'s arguments for an error guarded() expects: (message, code, prefix, stdout_failed)."""
    from ..options import as_flags

    if isinstance(e, AttnvizError):
        return as_flags(str(e)), e.exit_code, "error: ", False
    for kind, (message, code) in STOPPED.items():
        if isinstance(e, kind):
            return message, code, "", False
    text = environment(e, getattr(sys.stdout, "encoding", None))  # the machine's: a full disk, memory, an encoding
    return (as_flags(text), 1, "error: ", False) if isinstance(e, MemoryError) else (text, 1, "error: ", True)


def fail(message: str, code: int, prefix: str = "error: ", stdout_failed: bool = False) -> int:
    """Write `attnviz: error: message` to stderr (never raising: stderr may be full too); return code."""
    if stdout_failed:
        silence_stdout()  # what did not reach stdout must not fail again when Python exits
    try:
        sys.stderr.write(f"attnviz: {prefix}{message}\n")
        sys.stderr.flush()
    except (OSError, ValueError, UnicodeError):
        pass
    return code


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush of unwritten output cannot fail."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's buffer, ClosedStdout): nothing to flush
        return
    os.dup2(os.open(os.devnull, os.O_WRONLY), fd)


def read_text(text: str) -> str:
    """TEXT, or standard input when TEXT is '-'."""
    if text != "-":
        return text
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError("TEXT is '-' but standard input is closed; pipe a sentence in or give it as an argument")
    from ..inputs.textfile import piped_text

    return piped_text(sys.stdin.buffer)


def text_or_file(text: str | None, file: str | None) -> str:
    """TEXT (standard input for '-'), or the text file --file, whole."""
    from ..api.checks import text_given

    text_given(text, file)
    if file is None:
        return read_text(text)
    from ..api.stream import file_text

    return file_text(file)


def warn(message: str, kind: str = "warning") -> None:
    """`attnviz: warning: …` on stderr, the library's `names` written as --flags."""
    from ..options import as_flags

    sys.stderr.write(f"attnviz: {kind}: {as_flags(message)}\n")


def print_estimate(message: str) -> None:
    """An estimate before long work (analysis.estimate) as `attnviz: estimate: …`, a Note as `note: …`."""
    from ..cost import Note

    warn(message, "note" if isinstance(message, Note) else "estimate")
    sys.stderr.flush()


def saved(path) -> None:
    sys.stderr.write(f"attnviz: saved {path}\n")


def written(result, json_out: bool, paths=(), dpi: int = 150, **save) -> bool:
    """Save the result to `paths`, then write its JSON if asked (True: then no terminal view)."""
    for path in paths:
        result.save(str(path), dpi=dpi, **save)
        saved(path)
    if json_out:
        sys.stdout.write(result.to_json())
    return json_out


def console():
    """Standard output as a terminal screen (views.screen.terminal; rich is imported only now)."""
    from ..views.screen import terminal

    return terminal()
