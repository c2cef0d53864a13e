"""Where the fields of a terminal line sit, in cells (the Chinese views' alignment checks)."""

import re


def field_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) in terminal cells of each space-separated field of a line (a wide character counts 2)."""
    from attnviz.views.cells import width

    return [(width(line[:m.start()]), width(line[:m.end()])) for m in re.finditer(r"\S+", line)]
