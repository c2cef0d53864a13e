"""errors.environment: the machine's failures (memory, OSError, an output encoding) as one line that
says what to do, worded with option names as every library message is (the CLI writes --flags)."""

import errno

from attnviz.errors import environment
from attnviz.options import as_flags


def test_memory_names_options_and_the_cli_writes_flags():
    line = environment(MemoryError())
    assert "`window` W and `top_k` K" in line and "--" not in line
    assert "--window W and --top-k K, fewer --heads, a smaller --d-k/--d-a" in as_flags(line)


def test_os_errors_say_what_to_do():
    assert environment(OSError(errno.ENOSPC, "No space left on device", "out.png")).startswith(
        "out.png: no space left on the device being written; free some space")
    assert "ulimit -n" in environment(OSError(errno.EMFILE, "Too many open files"))
    assert "ulimit -f" in environment(OSError(errno.EFBIG, "File too large", "big.json"))
    assert environment(OSError(errno.EBADF, "Bad file descriptor")).startswith("standard output is closed")
    assert environment(OSError(errno.EACCES, "Permission denied", "x.png")) == "x.png: Permission denied"


def test_encoding_failures_tell_a_surrogate_from_the_output_encoding():
    try:
        "ä".encode("ascii")
    except UnicodeEncodeError as e:
        assert "PYTHONIOENCODING" in environment(e, "ascii") and "ascii" in environment(e, "ascii")
    try:
        "\ud800".encode("utf-8")
    except UnicodeEncodeError as e:
        assert "lone surrogate" in environment(e, "utf-8") and "PYTHONIOENCODING" not in environment(e, "utf-8")
