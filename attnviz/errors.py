"""One error hierarchy.  The CLI turns it into a one-line message and an exit code."""


class AttnvizError(Exception):
    """A problem at run time (a file, the data, the numbers): exit code 1."""

    exit_code = 1


class UsageError(AttnvizError):
    """A problem with what the user asked for (an option, a value): exit code 2."""

    exit_code = 2
