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
