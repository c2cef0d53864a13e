"""One error hierarchy.  The CLI turns it into a one-line message and an exit code."""


class AttnvizError(Exception):
    """A problem at run time (a file, the data, the numbers): exit code 1."""

    exit_code = 1


class UsageError(AttnvizError):
    """A problem with what the user asked for (an option, a value): exit code 2.

    `option` names the Options field the message is about; a library message starts with the
    quantity ("heads 7 does not divide …") and the CLI shows the flag instead ("--heads 7 …").
    """

    exit_code = 2

    def __init__(self, message: str, option: str | None = None):
        super().__init__(message)
        self.option = option


class AttnvizWarning(UserWarning):
    """Something a user should know about a result (a glyph no font can draw, words without a vector,
    an estimate of long work).  Here, at the bottom, so that every layer can warn with it;
    attnviz.api re-exports it."""


def environment(e: BaseException, encoding: str | None = None) -> str:
    """An error of the machine, not of attnviz or its input, as one line that says what to do (options
    as `name`): out of memory, an OSError (a full disk, a file limit, a vanished folder), or text the
    output's `encoding` cannot show (UnicodeEncodeError)."""
    if isinstance(e, MemoryError):
        return ("out of memory: these inputs and options need more memory than this machine has; cut the work with "
                "`window` W and `top_k` K, fewer `heads`, a smaller `d_k`/`d_a`, or a shorter text")
    if isinstance(e, OSError):
        return _os_message(e)
    bad = e.object[e.start:e.end]
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in bad):  # no encoding writes these: not the output's fault
        return (f"the output holds {bad!r}, a lone surrogate (half of a UTF-16 pair, not a character) that no encoding "
                f"can write; it came from the input: give it as valid Unicode text")
    return (f"standard output's encoding ({encoding or e.encoding}) cannot show {bad!r}; "
            f"set PYTHONIOENCODING=utf-8 (or a UTF-8 locale, e.g. LC_ALL=C.UTF-8)")


def _os_message(e: OSError) -> str:
    import errno
    import resource

    where = f"{e.filename}: " if e.filename else ""
    if e.errno in (errno.EMFILE, errno.ENFILE):
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return f"too many open files (the limit, ulimit -n, is {soft}); raise it, e.g. ulimit -n 1024"
    if e.errno == errno.ENOSPC:
        return f"{where}no space left on the device being written; free some space or write elsewhere"
    if e.errno == errno.EFBIG:
        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]  # as `ulimit -f` shows it: 1024-byte blocks
        limit = "ulimit -f is unlimited" if soft == resource.RLIM_INFINITY else f"ulimit -f is {soft // 1024}, in KiB"
        return f"{where}the output reached the file size limit ({limit}); raise it (ulimit -f unlimited) or write less"
    if e.errno == errno.EBADF and not e.filename:
        return "standard output is closed or not writable; redirect it instead (> FILE, or > /dev/null)"
    if e.errno == errno.ENOENT and not cwd_exists():
        return f"{where}the working directory no longer exists; cd to an existing folder"
    return f"{where}{e.strerror or e}"


def cwd_exists() -> bool:
    import os

    try:
        return bool(os.getcwd())
    except OSError:
        return False
