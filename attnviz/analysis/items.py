"""Which item a user means: a token named by word or index, graph edges from text or a file."""

from __future__ import annotations

from ..errors import UsageError
from ..options import Options

MAX_GRAPH_BYTES = 1 << 20  # a `graph` file: ≈ 100 000 edges, far more than a text of DENSE_MAX tokens needs


def resolve_token(spec: str, tokens: list[str], what: str) -> int:
    """A token named by its number (1-based, like the notes' a¹ … aⁿ and every human view) or by
    word (case-insensitive; must be unique).  Returns the 0-based index."""
    spec = spec.strip()
    if spec.isascii() and spec.lstrip("-").isdigit():  # not str.isdigit alone: '²' is a digit int() refuses
        i = int(spec)
        if not 1 <= i <= len(tokens):
            raise UsageError(f"{what} {spec}: no such token number (tokens are numbered 1 … {len(tokens)})")
        return i - 1
    hits = [i for i, t in enumerate(tokens) if t == spec] or [i for i, t in enumerate(tokens) if t.lower() == spec.lower()]
    if not hits:
        raise UsageError(f"{what} {spec!r}: no such word in the sentence (tokens: {' '.join(tokens[:20])}{' …' if len(tokens) > 20 else ''})")
    if len(hits) > 1:
        raise UsageError(f"{what} {spec!r} occurs {len(hits)} times (numbers {', '.join(str(h + 1) for h in hits)}); give its number instead")
    return hits[0]


def parse_edge(text: str, tokens: list[str], what: str) -> tuple[int, int]:
    """'a-b', 'a->b', 'a b' or 'a,b'; words may contain '-', so every split point is tried."""
    text = text.strip()
    for sep in ("->", "\t", " ", ","):
        if sep in text:
            a, b = text.split(sep, 1)
            return resolve_token(a, tokens, what), resolve_token(b, tokens, what)
    cuts = [k for k, ch in enumerate(text) if ch == "-" and 0 < k < len(text) - 1]
    errors = []
    for k in cuts:
        try:
            return resolve_token(text[:k], tokens, what), resolve_token(text[k + 1 :], tokens, what)
        except UsageError as e:
            errors.append(str(e))
    if errors:
        raise UsageError(errors[0])
    raise UsageError(f"{what} {text!r}: an edge is two words or token numbers (from 1) joined by '-', e.g. restaurant-food")


def read_edges(opts: Options, tokens: list[str]) -> list[tuple[int, int]] | None:
    if opts.edges is None and opts.graph is None:
        return None
    edges = []
    if opts.edges is not None:
        edges += [parse_edge(e, tokens, "`edges`") for e in opts.edges.split(",") if e.strip()]
    if opts.graph is not None:
        from pathlib import Path

        path = Path(opts.graph).expanduser()
        if path.exists() and not path.is_file():  # a pipe would block forever
            raise UsageError(f"`graph` {path}: not a regular file; give a file of edges, one per line")
        from ..inputs.textfile import text_lines  # the reader of `show --file`: NUL bytes, UTF-8, a size cap

        lines = text_lines(str(path), "`graph`", MAX_GRAPH_BYTES, fix="give only the edges attention may use")
        edges += [parse_edge(l, tokens, f"`graph` {path}") for l in lines if l.strip() and not l.lstrip().startswith("#")]
    if not edges:
        raise UsageError("`edges`/`graph` gave no edges")
    return edges
