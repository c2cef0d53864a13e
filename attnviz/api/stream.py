"""A long text file, streamed: `show --file` as a library call.

    from attnviz.api.stream import stream_file
    text = stream_file("book.txt", Options(window=8), top_k=5, request=Request(json=True),
                       console=Console(), out=sys.stdout, err=sys.stderr)

analysis.stream computes (a block of queries at a time), views write (JSON Lines) and render (the
terminal summary); this module joins them: validate, scan, check, compute, write.
"""

from __future__ import annotations

from ..errors import UsageError
from ..options import DENSE_MAX, Options


def stream_file(path: str, options: Options, *, top_k: int | None, request, head: int | None = None, console, out, err,
                progress=None) -> str | None:
    """Read the text file at `path` a piece at a time and show its attention as `request` asks.

    A text of up to DENSE_MAX words, with no `top_k`, is returned whole (a str) for the dense path
    (analyze); nothing is written then.  A longer one, or any with `top_k`, is streamed and None is
    returned: with request.json, JSON Lines to `out` (the header, then one line per query, written
    as each block of queries is computed); else the terminal summary to `console`.  `err` gets the
    estimate line (see attnviz.cost) and the unknown-word warning.  `head` is refused here (a summary
    has no full matrices); progress(done, total), if given, is called after each block of queries.
    Raises UsageError for what cannot be streamed, before any line is written.
    """
    from ..analysis import stream
    from ..analysis.estimate import check_stream
    from ..views.present import check_long

    options.validate()
    sc = stream.scan(path, options)
    if top_k is None and len(sc) <= DENSE_MAX:
        return stream.whole_text(sc)
    if head is not None:
        raise UsageError(f"`top_k` (and inputs over {DENSE_MAX} items) show a summary: `head` needs full matrices", "head")
    check_long(len(sc), top_k is not None, request)
    proj, config, cfg = stream.resolve_stream(sc, options, top_k or 3)
    check_stream(len(sc), sc.table.shape, proj, options, top_k or 3, err)
    if (warning := stream.oov_warning(sc)) is not None:
        err.write(f"attnviz: warning: {warning}\n")
    if request.json:
        from ..views.jsondoc import TopKLines, write_topk_header

        write_topk_header(out, sc.words, sc.ids, sc.oov, stream.source_of(sc), cfg)
        lines = TopKLines(out)
        stream.attend(sc, options, proj, config, top_k, lines, progress)
        lines.flush()
        return None
    from ..views.terminal import render_long

    render_long(stream.summarize(sc, options, proj, config, top_k or 3, cfg, progress), console)
    return None


def file_text(path: str) -> str:
    """The UTF-8 text file at `path` (~ expanded), whole: what `show --file` reads when it is short."""
    from pathlib import Path

    from ..analysis.stream import text_chunks

    return "".join(text_chunks(str(Path(path).expanduser())))
