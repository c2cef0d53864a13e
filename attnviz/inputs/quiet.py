"""Keeping C libraries' own messages off the user's terminal: attnviz says what went wrong in its
own one line (the CLI's rule), so what a decoder prints on file descriptor 2 is dropped."""

from __future__ import annotations

import os
from contextlib import contextmanager


@contextmanager
def quiet_decoder():
    """Inside, the process's standard error (file descriptor 2) goes to /dev/null: libmpg123, under
    libsndfile, prints its own notes there ("Note: Illegal Audio-MPEG-Header …") for a file it
    cannot decode; attnviz says what went wrong in its own one line."""
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing to hide
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
