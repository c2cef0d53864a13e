"""attnviz command line: parse, call the library, print.  The only module that exits.

No `from __future__ import annotations` here: typer reads every option from the annotations, and
strings would be compiled again on each run (≈ 4 ms of start-up); evaluated once, they are in the .pyc.
"""

import os
import sys

import _signal  # signal's C core: `signal` itself imports enum and functools, time a Ctrl-C could land in


def _interrupted(signum, frame):
    """Ctrl-C while the CLI starts (its imports take ~100 ms) or ends: one line, no traceback."""
    try:
        os.write(2, b"attnviz: interrupted (Ctrl-C)\n")
    finally:
        os._exit(130)


def _started_as_the_command() -> bool:
    """True when this process is `attnviz` or `python -m attnviz` (not a test or a host importing the CLI)."""
    argv0 = sys.argv[0] if sys.argv else ""
    return os.path.basename(argv0) == "attnviz" or argv0.endswith(os.path.join("attnviz", "__main__.py"))


if _started_as_the_command():
    _signal.signal(_signal.SIGINT, _interrupted)  # guarded() hands Ctrl-C back to Python while a command runs

import signal  # noqa: E402  (after the handler: an interrupt during these imports is one line)
from enum import Enum  # noqa: E402
from typing import Annotated  # noqa: E402

import typer  # noqa: E402
from typer.core import TyperGroup

from ..errors import AttnvizError, UsageError

class Terminated(BaseException):
    """SIGTERM, raised where the process is, so `finally` blocks (a save's temporary file) run."""


def _on_sigterm(signum, frame):
    raise Terminated()


def standard_streams() -> None:
    """A closed stderr becomes /dev/null (the exit code still tells); a closed stdout becomes a
    writer that fails with EBADF, so the user learns why nothing was printed."""
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")
    if sys.stdout is None:
        sys.stdout = ClosedStdout()
    whole_writes()


def whole_writes() -> None:
    """Under `python -u` (PYTHONUNBUFFERED) stdout writes straight to its file descriptor, and a write
    the file system cuts short (a full disk, ulimit -f) is dropped without an error.  A buffered writer
    (flushed on each newline) writes the rest again, so the failure is raised and reported."""
    import io

    out = sys.stdout
    if not isinstance(getattr(out, "buffer", None), io.RawIOBase):
        return
    try:
        raw = io.FileIO(out.fileno(), "w", closefd=False)
    except (OSError, ValueError, io.UnsupportedOperation):  # a stream with no descriptor: left as it is
        return
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding=out.encoding, errors=out.errors,
                                  line_buffering=True, write_through=True)


class ClosedStdout:
    """Stands for a closed standard output: every write raises OSError(EBADF)."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        import io

        raise io.UnsupportedOperation("standard output is closed")


def guarded(call) -> int:
    """Run call(); every error becomes one line on stderr and an exit code (1 runtime, 2 usage,
    130 Ctrl-C, 143 SIGTERM)."""
    import signal
    import warnings

    warnings.filterwarnings("ignore")  # libraries' warnings (gensim, numpy) are not ours to print; ours go through warn()
    quiet_loggers()
    standard_streams()
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (an embedding host): keep its handler
        pass
    try:
        if signal.getsignal(signal.SIGINT) is _interrupted:  # the command's own Ctrl-C: KeyboardInterrupt, caught below
            signal.signal(signal.SIGINT, signal.default_int_handler)
        from ..analysis.estimate import listening

        with listening(print_estimate):  # the library's estimate lines (else AttnvizWarnings): one line each on stderr
            result = call()
        sys.stdout.flush()  # /dev/full fails here, inside the net, not at interpreter exit
        if result == 130:  # typer turns Ctrl-C into Exit(130) itself
            return fail("interrupted (Ctrl-C)", 130, prefix="")
        return result if isinstance(result, int) else 0
    except AttnvizError as e:
        from ..options import as_flags

        return fail(as_flags(str(e)), e.exit_code)
    except typer.Abort:
        return fail("aborted", 1, prefix="")
    except typer.TyperException as e:  # click's usage errors: bad option, missing argument
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        if not message.strip():  # bare `attnviz`: the help was printed, nothing to add
            return getattr(e, "exit_code", 2)
        return fail(f"{' '.join(message.split())} (see 'attnviz --help')", getattr(e, "exit_code", 2))
    except (BrokenPipeError, ReaderLeft):  # `attnviz show … | head -1`: the reader left, not an error; stop quietly
        silence_stdout()
        return 0
    except KeyboardInterrupt:
        return fail("interrupted (Ctrl-C)", 130, prefix="")
    except Terminated:
        return fail("terminated (SIGTERM)", 143, prefix="")
    except MemoryError:
        return fail("out of memory: these inputs and options need more memory than this machine has; "
                    "cut the work with --window W and --top-k K, fewer --heads, a smaller --d-k/--d-a, or a shorter text", 1)
    except UnicodeEncodeError as e:
        if any(0xD800 <= ord(ch) <= 0xDFFF for ch in e.object[e.start:e.end]):  # no encoding writes these: not the output's fault
            return fail(f"the output holds {e.object[e.start:e.end]!r}, a lone surrogate (half of a UTF-16 pair, not a "
                        f"character) that no encoding can write; it came from the input: give it as valid Unicode text",
                        1, stdout_failed=True)
        encoding = getattr(sys.stdout, "encoding", None) or e.encoding
        return fail(f"standard output's encoding ({encoding}) cannot show {e.object[e.start:e.end]!r}; "
                    f"set PYTHONIOENCODING=utf-8 (or a UTF-8 locale, e.g. LC_ALL=C.UTF-8)", 1, stdout_failed=True)
    except OSError as e:  # the environment, not attnviz: a full disk, a file limit, a vanished folder
        return fail(os_message(e), 1, stdout_failed=True)
    except Exception as e:  # a bug: still one line, not a traceback (ATTNVIZ_DEBUG=1 shows it)
        if os.environ.get("ATTNVIZ_DEBUG"):
            raise
        return fail(f"internal error: {type(e).__name__}: {e} (run with ATTNVIZ_DEBUG=1 for the traceback, "
                    f"and please report it)", 1)


def quiet_loggers() -> None:
    """Libraries' own log lines stay off the CLI's stderr (matplotlib's "Font 'default' does not have
    a glyph …" from a stale font cache, "mkdir -p failed …" under a read-only HOME): attnviz says
    what matters in its own lines (a missing glyph is an attnviz warning).  Errors still pass."""
    import logging

    for name in ("matplotlib", "PIL", "gensim", "smart_open"):
        logging.getLogger(name).setLevel(logging.ERROR)


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


def os_message(e: OSError) -> str:
    """An OSError as one line with what to do."""
    import errno

    where = f"{e.filename}: " if e.filename else ""
    if e.errno in (errno.EMFILE, errno.ENFILE):
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return f"too many open files (the limit, ulimit -n, is {soft}); raise it, e.g. ulimit -n 1024"
    if e.errno == errno.ENOSPC:
        return f"{where}no space left on the device being written; free some space or write elsewhere"
    if e.errno == errno.EFBIG:
        return f"{where}the output reached the file size limit ({size_limit()}); raise it (ulimit -f unlimited) or write less"
    if e.errno == errno.EBADF and not e.filename:
        return "standard output is closed or not writable; redirect it instead (> FILE, or > /dev/null)"
    if e.errno == errno.ENOENT and not cwd_exists():
        return f"{where}the working directory no longer exists; cd to an existing folder"
    return f"{where}{e.strerror or e}"


def size_limit() -> str:
    """The soft RLIMIT_FSIZE as `ulimit -f` shows it (1024-byte blocks)."""
    import resource

    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return "ulimit -f is unlimited" if soft == resource.RLIM_INFINITY else f"ulimit -f is {soft // 1024}, in KiB"


def cwd_exists() -> bool:
    try:
        os.getcwd()
        return True
    except OSError:
        return False


class ReaderLeft(Exception):
    """stdout's reader went away (EPIPE) during a command; click would exit 1, guarded exits 0."""


class Group(TyperGroup):
    """The app's command group; its main() is where every error is turned into a message."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # past click's own EPIPE handler (exit 1), to guarded
            raise ReaderLeft() from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        code = guarded(
            lambda: super(Group, self).main(
                args, prog_name or "attnviz", complete_var, standalone_mode=False, **extra
            )
        )
        if standalone_mode:
            sys.exit(code)
        return code


HELP = ("See self-attention: α (scores) and α′ (weights) over a set of vectors — a sentence's word vectors, "
        "a raw matrix (show --input FILE), or a pretrained transformer's heads (show --model minilm; "
        "attnviz heads ranks them; attnviz atlas maps every head's role). Try: attnviz show \"The restaurant refused "
        "to serve me a ham sandwich, because it only cooks vegetarian food.\"")

app = typer.Typer(cls=Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=HELP)


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


from .params import takes  # noqa: E402  (every command's parameters: the option table's, cli/params.py)


def build_options(params: dict):
    """Options from a command's attention options (its **options); validated by the library."""
    from ..options import Options, option_names

    names = set(option_names())
    return Options(**{k: (v.value if isinstance(v, Enum) else v) for k, v in params.items() if k in names})


MEDIA = ("input", "audio", "image", "frame_ms", "hop_ms", "features", "size", "patch")


def media_options(params: dict) -> dict:
    """The input options that are not attention options (--input, --audio, --image and theirs)."""
    return {k: (params[k].value if isinstance(params[k], Enum) else params[k]) for k in MEDIA}


def has_media(params: dict) -> bool:
    return any(params[k] is not None for k in ("input", "audio", "image"))


MAX_TEXT = 1_000_000  # characters: standard input may hold 4 bytes each (--file has no limit)


def read_text(text: str) -> str:
    """TEXT, or standard input when TEXT is '-'."""
    if text != "-":
        return text
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError("TEXT is '-' but standard input is closed; pipe a sentence in or give it as an argument")
    data = sys.stdin.buffer.read(MAX_TEXT * 4 + 1)
    if len(data) > MAX_TEXT * 4:
        raise UsageError(f"standard input is over {MAX_TEXT * 4 // 1_000_000} MB; give a long text with --file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"standard input is not UTF-8 text (byte {e.start}); pipe in text") from None


def warn(message: str) -> None:
    from ..options import as_flags

    sys.stderr.write(f"attnviz: warning: {as_flags(message)}\n")


def print_estimate(message: str) -> None:
    """An estimate before long work (analysis.estimate): `attnviz: estimate: …` on stderr; a
    notice (estimate.Note) as `attnviz: note: …`."""
    from ..analysis.estimate import Note
    from ..options import as_flags

    sys.stderr.write(f"attnviz: {'note' if isinstance(message, Note) else 'estimate'}: {as_flags(message)}\n")
    sys.stderr.flush()


def console():
    """stdout as a terminal screen (views/screen.py: rich's output without rich's Console, for
    start-up).  No markup or emoji codes: a word like '[/]' or ':smile:' (web-crawl vocabularies have
    them) is printed as it is spelled, never read as a style tag."""
    from ..views.screen import console as screen

    return screen(color_system=None if os.environ.get("NO_COLOR") else "auto",  # https://no-color.org: no ANSI codes
                  soft_wrap=True)  # piped: header lines whole, not cut at 80 columns mid-phrase


SHOW_EXAMPLES = """Examples:

  S="The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."

  attnviz show "$S"

  attnviz show "$S" --focus it --save it.png

  attnviz show "$S" --heads 4 --window 3 --save view.html

  attnviz show --model minilm "$S" --layer 5 --head 3

  attnviz show --audio demo --window 150ms --focus 1.25s

  attnviz show --image demo --focus 12,14 --save red-box.png

  attnviz show --image demo --conv 3 --compare alpha=1,2,5,10,20

  attnviz show --file book.txt --window 64 --top-k 5 --json > links.jsonl
"""


@app.command(epilog=SHOW_EXAMPLES)
@takes("show")
def show(text, file, lines, model, words, backend, target, part, attention, tokens, scores, generate, compare, conv, kernel,
         conv_alpha, accept_cost, top_k, focus, layer, head, matrix, cells, top, json_out, include_vectors, lang, save, dpi,
         cmap, vmax, title, no_title, view, **options) -> None:
    """Embed TEXT (or read a sound, a picture, a matrix), compute self-attention, print α and α′.

    Rows are queries i, columns are keys j: α_ij = q^i·k^j/√d_k, α′_i· = softmax(α_i·/T), b^i = Σ_j α′_ij v^j.
    """
    from ..analysis.estimate import accepting
    from ..api import analyze
    from ..i18n import set_language
    from ..views.present import Request, present

    set_language(lang.value)
    compare = single(compare, "--compare", "one option is compared per run")
    if title is not None and no_title:
        raise UsageError("give --title TEXT or --no-title, not both")
    if conv is not None or kernel is not None or conv_alpha is not None:
        from .notes import show_conv

        others = {"TEXT": text, "--file": file, "--lines": lines, "--model": model, "--words": words, "--generate": generate,
                  "--top-k": top_k, "--layer": layer, "--head": head, "--matrix": matrix, "--include-vectors": include_vectors,
                  "--cmap": cmap, "--vmax": vmax}
        return show_conv(conv, kernel, conv_alpha, compare, focus, json_out, save, dpi, "" if no_title else title, others, options)
    request = Request(focus, matrix.value if matrix else None, cells.value, top, json_out, include_vectors,
                      save_paths(save, {"--file": file, "--input": options["input"], "--audio": options["audio"],
                                        "--image": options["image"], "--vectors": options["vectors"],
                                        "--weights": options["weights"], "--graph": options["graph"], "--model": model,
                                        "--attention": attention}), dpi,
                      cmap=cmap, vmax=vmax, title="" if no_title else title, view="lines" if view and view.value == "lines" else None)
    if attention is not None or tokens is not None or scores:
        return show_attention(attention, tokens, scores, request, layer, head,
                              {"TEXT": text, "--file": file, "--model": model, "--words": words, "--generate": generate,
                               "--backend": backend.value != "numpy", "--target": target, "--part": part,
                               "--compare": compare, "--top-k": top_k, "--lines": lines, "--include-vectors": include_vectors},
                              options)
    if lines and backend.value != "numpy":
        raise UsageError("--backend transformers runs one text: drop --lines (or run each line as TEXT)")
    if lines:
        if compare is not None or focus:
            raise UsageError(f"{'--compare' if compare is not None else '--focus'} does not go with --lines (one JSON "
                             "document per line, every token a query); run one line at a time with TEXT instead")
        return show_lines(text, file, request, top_k, dict(model=model, words=words, layer=layer, head=head, generate=generate,
                                                          accept_cost=accept_cost), build_options(options))
    if file is not None and text is None and not has_media(options) and model is None and compare is None and not request.save:
        from ..api.stream import stream_file  # any length: streamed when long

        with progress_bar() as progress, accepting(accept_cost):
            from ..inputs.load import with_window

            text = stream_file(file, with_window(build_options(options), None), top_k=top_k, request=request, head=head,
                               console=console(), out=sys.stdout, err=sys.stderr, progress=progress)
        if text is None:
            return
        file = None
    text = None if has_media(options) and text is None and file is None else text_or_file(text, file)
    with progress_bar() as progress:
        result = analyze(text, build_options(options), model=model, words=words, layer=layer, head=head,
                         top_k=top_k, progress=progress, compare=compare, request=request, generate=generate,
                         accept_cost=accept_cost, backend=backend.value, target=target, part=part.value if part else None,
                         **media_options(options))
    present(result.analysis, request, console())


def show_attention(path, tokens, scores, request, layer, head, others: dict, options: dict) -> None:
    """`show --attention FILE`: attention computed elsewhere, or a saved run, with the views of a model's."""
    from dataclasses import fields

    from ..api.given import view_file
    from ..options import Options, flag
    from ..views.present import present

    if path is None:
        raise UsageError(f"{'--tokens' if tokens is not None else '--scores'} goes with --attention FILE")
    given = [name for name, value in others.items() if value not in (None, False, 0, [])]
    given += [flag(f.name) for f in fields(Options) if getattr(build_options(options), f.name) != f.default]
    given += [f"--{k.replace('_', '-')}" for k in ("input", "audio", "image") if options[k] is not None]
    if given:
        raise UsageError(f"{given[0]} does not apply with --attention (the file holds the attention to show)")
    present(view_file(path, tokens, scores=scores, layer=layer, head=head).analysis, request, console())


def show_lines(text, file, request, top_k, given: dict, opts) -> None:
    """`show --file F --lines --json`: one attnviz/1 document per non-blank line, in order (JSON Lines)."""
    from ..api.corpus import analyze_lines, blank_lines_message, write_results
    from ..views.corpus import Progress

    if file is None or text is not None:
        raise UsageError("--lines reads a file one line at a time: give --file FILE (and no TEXT)")
    if not request.json:
        raise UsageError("--lines writes one JSON document per line: add --json (for head summaries over the lines: "
                         "attnviz heads --model minilm --file FILE)")
    if request.save or top_k is not None:
        raise UsageError(f"{'--save' if request.save else '--top-k'} does not go with --lines (one JSON document per line)")
    results = analyze_lines(file, opts, blank=lambda n: n and warn(blank_lines_message(n)), **given)  # every line checked
    with Progress(sys.stderr, "lines") as progress:
        write_results(results, sys.stdout, request.include_vectors, progress)


def save_paths(save: list[str] | None, inputs: dict[str, str | None]):
    """--save values as checked paths; none of them may be one of the inputs."""
    if not save:
        return []
    from ..api.checks import input_overwritten
    from ..views.figures import check_paths

    paths = check_paths(save)
    clash = input_overwritten(paths, inputs)  # the library's check (Result.save), worded with the flags
    if clash is not None:
        raise UsageError(f"--save {clash[0]} is the {clash[1]} input; saving there would destroy it")
    return paths


def text_or_file(text: str | None, file: str | None) -> str:
    if (text is None) == (file is None):
        raise UsageError("give the text as an argument (or '-' for standard input) or with --file, not both" if text and file
                         else "give a text: attnviz show \"some sentence\", or '-' with standard input, or --file PATH, "
                              "or a vector set with --input FILE")
    if file is None:
        return read_text(text)
    from pathlib import Path

    from ..analysis.stream import text_chunks

    return "".join(text_chunks(str(Path(file).expanduser())))


class progress_bar:
    """Progress of long attention runs on stderr, as the callback advance(k, total): a bar when
    stderr is a terminal, else a plain line every EVERY seconds (logs, CI, pipes)."""

    EVERY = 5.0  # seconds between plain lines
    SETTLED = 0.02  # share of the work done (after the first block) before a time left is extrapolated

    def __enter__(self):
        import time

        self.bar, self.done, self.start, self.last = None, 0, time.monotonic(), time.monotonic()
        self.first = None  # (time, done) at the first block's end: the rate is measured from there
        return self.advance

    def advance(self, k: int, total: int) -> None:
        import time

        from ..i18n import _

        self.done += k
        if total < 20_000:
            return
        if not sys.stderr.isatty():
            now = time.monotonic()
            if self.first is None:  # reading the input, features, the first block (threads start): not the rate
                self.first = (now, self.done)
            if now - self.last >= self.EVERY and self.done < total:
                self.last = now
                sys.stderr.write(f"attnviz: {self.line(now, total)}\n")
                sys.stderr.flush()
            return
        if self.bar is None:
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task(_("attention"), total=total, completed=self.done - k)
            self.bar.start()
        self.bar.advance(self.task, k)
        if self.done >= total:  # gone before the view is printed (a streamed summary prints inside the run)
            self.bar.stop()
            self.bar = None

    def line(self, now: float, total: int) -> str:
        """'attention 40% done, 2 minutes so far, about 3 minutes left': the time left from the rate
        since the first block, once SETTLED of the work is done after it (before: no guess)."""
        from ..analysis.estimate import duration
        from ..i18n import _

        percent, elapsed = f"{100 * self.done / total:.0f}", duration(now - self.start)
        since, done_then = self.first
        measured = self.done - done_then
        if measured < self.SETTLED * total or now <= since:
            return _("attention {percent}% done, {elapsed} so far").format(percent=percent, elapsed=elapsed)
        left = (now - since) * (total - self.done) / measured
        return _("attention {percent}% done, {elapsed} so far, about {left} left").format(
            percent=percent, elapsed=elapsed, left=duration(left))

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


HEADS_EXAMPLES = """Examples:

  S="The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."

  attnviz heads "$S" --from it --to restaurant

  attnviz heads "$S"

  attnviz heads "$S" --words --from it --to restaurant --json | jq '.heads[0]'

  attnviz heads --file corpus.txt --from it --to restaurant
"""


@app.command(epilog=HEADS_EXAMPLES)
@takes("heads")
def heads(text, model, source, target, words, top, json_out, file, lang) -> None:
    """Which heads link two tokens? Rank every head by α′(--from → --to).

    Without --from/--to: every head with its entropy and where its attention goes ([CLS], [SEP], self, previous, next).
    With --file: the same over a corpus (one sentence per line), with a progress bar on stderr.
    """
    from ..analysis.items import resolve_token
    from ..api import analyze_model
    from ..i18n import set_language
    from ..views.present import warnings
    from ..views.terminal_model import render_heads

    set_language(lang.value)
    if (source is None) != (target is None):
        raise UsageError("give both --from and --to, or neither")
    if file is not None:
        return heads_corpus(text, file, model, source, target, words, top, json_out)
    if text is None:
        raise UsageError("give a text (or '-' for standard input), or a corpus with --file FILE (one sentence per line)")
    analysis = analyze_model(read_text(text), model, words).analysis
    for line in warnings(analysis):  # the pieces the tokenizer turned into [UNK]
        warn(line)
    i = None if source is None else resolve_token(source, analysis.tokens, "--from")
    j = None if target is None else resolve_token(target, analysis.tokens, "--to")
    if i is not None and j > i and analysis.config.get("causal"):
        raise UsageError(f"--to {target} (token {j + 1}) comes after --from {source} (token {i + 1}): in a decoder a token "
                         f"attends only to itself and earlier tokens, so every head gives this 0; "
                         f"ask the other way round (--from {target} --to {source})")
    if json_out:
        from ..views.heads_json import heads_document

        sys.stdout.write(heads_document(analysis, i, j) + "\n")
        return
    render_heads(analysis, console(), i, j, top)


def heads_corpus(text, file, model, source, target, words, top, json_out) -> None:
    """`heads --file`: head summaries over a corpus (analysis/corpus.py), table or JSON."""
    from ..api.corpus import corpus_heads
    from ..views.corpus import Progress, render_corpus

    if text is not None:
        raise UsageError("give a TEXT or a corpus with --file, not both")
    if words:
        raise UsageError("--words goes with one text; over a corpus, --from/--to already match whole words")
    with Progress(sys.stderr, "sentences") as progress:
        result = corpus_heads(file, model=model, source=source, target=target, progress=progress)
    if json_out:
        sys.stdout.write(result.to_json())
        return
    render_corpus(result.analysis, console(), top)


ATLAS_EXAMPLES = """Examples:

  attnviz atlas --model minilm

  attnviz atlas --model minilm "$S" --probe-length 100 --seed 1

  attnviz atlas --model minilm --json | jq '.roles'

  attnviz atlas --model minilm --save atlas.png --save atlas.html
"""


@app.command(epilog=ATLAS_EXAMPLES)
@takes("atlas")
def atlas(text, model, probe_length, seed, top, json_out, save, dpi, lang) -> None:
    """What does each head do? Every head's role, measured: sink, previous/next token, self, broad, induction, duplicate token.

    Scores on TEXT (where each query's α′ goes) and on a repeated random probe (induction, duplicate); a head has a role when its score passes the role's threshold (README: "The atlas of heads").
    """
    from ..api import atlas as run
    from ..i18n import set_language
    from ..views.atlas import render_atlas

    set_language(lang.value)
    paths = save_paths(save, {"--model": model})
    result = run(model, None if text is None else read_text(text), probe_length, seed)
    for path in paths:
        result.save(path, dpi=dpi)
        sys.stderr.write(f"attnviz: saved {path}\n")
    if json_out:
        sys.stdout.write(result.to_json())
        return
    render_atlas(result.atlas, console(), top)


EXPLAIN_EXAMPLES = """Examples:

  S="The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."

  attnviz explain --focus it "$S"

  attnviz explain --focus it "$S" --heads 2 --head 2 --dims 6

  attnviz explain --focus 3 --input vectors.csv --projection random --d-k 4

  attnviz explain --audio demo --focus 0.80s

  attnviz explain --focus it "$S" --causal --score linear --normalize sum --recurrent
"""


def single(values: list[str] | None, flag: str, why: str) -> str | None:
    """The value of a one-value option, collected as a list so that a repeat is refused (click keeps the last)."""
    if values and len(values) > 1:
        raise UsageError(f"{flag} is given {len(values)} times ({' and '.join(values)}): {why}; give it once")
    return values[0] if values else None


@app.command(epilog=EXPLAIN_EXAMPLES)
@takes("explain")
def explain(text, focus, head, dims, matrices, columns, all_keys, recurrent, accept_cost, lang, **options) -> None:
    """Walk through one query step by step: a → q, k, v → α → α′ → b (→ heads, W^o).

    The same numbers as `show --json --include-vectors`, with every option of `show`.
    """
    from ..api import analyze, check_head
    from ..i18n import set_language
    from ..views.explain import render_explain
    from ..views.present import item_index, warnings

    set_language(lang.value)
    focus = single(focus, "--focus", "explain follows one query (show --focus takes several)")
    if columns and not matrices:
        raise UsageError("--columns goes with --matrices")
    if all_keys and matrices:
        raise UsageError("--all-keys goes with --focus (--matrices elides large matrices with … and ⋮)")
    if recurrent and (matrices or all_keys):
        raise UsageError(f"--recurrent walks one query's states; drop {'--matrices' if matrices else '--all-keys'}")
    if recurrent:
        from dataclasses import asdict

        from ..views.recurrent import check_recurrent

        check_recurrent(asdict(build_options(options)))
    if focus is None and not matrices:
        raise UsageError("explain follows one query: add --focus WORD (or --matrices for the matrix form)")
    result = analyze(None if has_media(options) and text is None else text_or_file(text, None), build_options(options),
                     accept_cost=accept_cost, **media_options(options))
    if not hasattr(result.analysis, "layer"):
        from ..options import DENSE_MAX

        raise UsageError(f"explain follows one query through full matrices; this input has {len(result.tokens):,} items "
                         f"(over {DENSE_MAX:,}); shorten it (--size for pictures)")
    i = None if focus is None else item_index(result.analysis, focus, "--focus")
    check_head(head, result.options.heads)
    for line in warnings(result.analysis):
        warn(line)
    if matrices:
        from ..views.explain import render_matrices

        return render_matrices(result.analysis, console(), head - 1, columns)
    if recurrent:
        from ..views.recurrent import render_recurrent

        return render_recurrent(result.analysis, console(), i, head - 1, dims)
    render_explain(result.analysis, console(), i, head - 1, dims, all_keys)


PE_EXAMPLES = """Examples:

  attnviz pe

  attnviz pe -n 50 -d 128 --save pe.png

  attnviz pe -n 8 -d 4
"""


@app.command(epilog=PE_EXAMPLES)
@takes("pe")
def pe(length, dim, save, dpi, accept_cost, lang) -> None:
    """Print the sinusoidal positional encoding: PE(p, 2i) = sin(p/10000^(2i/d)), PE(p, 2i+1) = cos(…)."""
    from ..api.pe import positional_encoding
    from ..i18n import set_language
    from ..views.terminal import render_pe

    set_language(lang.value)
    table = positional_encoding(length, dim, save=save or (), dpi=dpi, accept_cost=accept_cost,
                                saved=lambda path: sys.stderr.write(f"attnviz: saved {path}\n"))
    render_pe(table, console())


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
    """The `attnviz` command: main(), then the process ends as soon as its output is out.

    Two start-up costs of a short run are the interpreter's, not the work's: the garbage collector
    sweeping the ~200 000 objects numpy, rich and typer create while importing (collections every
    50 000 new objects instead of 700: cycles are still freed, a long run stays bounded), and
    tearing all those modules down at exit (skipped once stdout and stderr are flushed and no other
    thread runs; nothing of ours waits for exit: saves are renamed into place before the end).
    """
    import gc

    gc.set_threshold(50_000, 20, 100)
    code = main()
    if _started_as_the_command():
        signal.signal(signal.SIGINT, _interrupted)  # the last flushes: still one line
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left: quiet, as in guarded
        silence_stdout()
    except (OSError, ValueError) as e:  # output lost after guarded's flush: never exit 0
        if code:  # an error was already reported: it stays the one line
            silence_stdout()
        else:
            code = fail(os_message(e) if isinstance(e, OSError) else "standard output was closed", 1, stdout_failed=True)
    try:
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr unusable: the exit code still tells
        pass
    import threading

    if threading.active_count() == 1:
        os._exit(code)
    sys.exit(code)



from . import notes  # noqa: E402,F401  (registers `attnviz rnn` on app; `show --conv` runs there)
