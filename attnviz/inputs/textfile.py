"""Text files read in pieces: never held whole, one clear error for a file that is not UTF-8 text.

`show --file` (analysis.stream), a corpus (analysis.corpus) and a `graph` file (analysis.items)
read through here; and standard input (TEXT "-"), whole.
"""

from __future__ import annotations

import codecs
import re

from ..errors import UsageError

MAX_CHUNK = 1 << 20  # bytes read at a time
MAX_FILE_BYTES = 256 << 20  # the most a `--file` may hold (any file: regular, pipe, device); ≈ 40 M tokens
MAX_PIPED_BYTES = 4_000_000  # standard input: a million characters of up to 4 bytes (a longer text: `file`)
MAX_LINES_BYTES = 64 << 20  # the most a file read whole as lines may hold (a corpus: ≈ 900 000 sentences)
_SPACE = re.compile(r"\s")


def text_chunks(path: str, label: str = "`file`", chunk: int = MAX_CHUNK, cap: int | None = None,
                fix: str = "split the text into parts"):
    """Yield the file's text in pieces cut at whitespace (no token spans a space, so tokenizing the
    pieces gives the tokens of the whole).  One clear error for: an unreadable file, a NUL byte
    (a binary file, /dev/zero), bytes that are not UTF-8, more than `cap` bytes (pipes and devices
    included: nothing is read past it; `fix` says what to do then).  A UTF-8 byte order mark at the
    start is dropped."""
    cap = MAX_FILE_BYTES if cap is None else cap
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    carry, offset = "", 0
    try:
        f = open(path, "rb")
    except OSError as e:
        raise UsageError(f"{label} {path}: {(e.strerror or 'cannot read it').lower()}") from None
    with f:
        while True:
            try:
                data = f.read(chunk)
            except OSError as e:
                raise UsageError(f"{label} {path}: {(e.strerror or 'cannot read it').lower()}") from None
            if b"\0" in data:
                at = offset + data.index(b"\0")
                raise UsageError(f"{label} {path}: a NUL byte at byte {at:,}: this is not a text file")
            if offset + len(data) > cap:
                size = f"{cap >> 20} MB" if cap >= 1 << 20 else f"{cap:,} bytes"
                raise UsageError(f"{label} {path}: over {size}, the most one run reads; {fix}")
            try:
                text = carry + decoder.decode(data, final=not data)
            except UnicodeDecodeError as e:
                raise UsageError(f"{label} {path}: not UTF-8 text (near byte {offset + e.start:,})") from None
            offset += len(data)
            if not data:
                if text:
                    yield text
                return
            cut = last_space(text)
            carry = text[cut:]
            if cut:
                yield text[:cut]


def text_lines(path: str, label: str = "`file`", cap: int | None = None, fix: str = "split the text into parts") -> list[str]:
    """The file's lines (a corpus, a graph; split at \n only, see split_lines), read by text_chunks:
    the same errors, up to `cap` bytes (default MAX_LINES_BYTES)."""
    return split_lines("".join(text_chunks(path, label, cap=MAX_LINES_BYTES if cap is None else cap, fix=fix)))


def split_lines(text: str) -> list[str]:
    """Lines end at \n only (and \r\n): U+2028, U+0085, \x0c or \x1c inside a line stay in it,
    where str.splitlines would cut."""
    lines = text.split("\n")
    if lines and lines[-1] == "":  # the newline that ends the last line
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def last_space(text: str) -> int:
    """The index just after the last whitespace character (0: none; the whole text carries over,
    unless it is already over 4 chunks long: then it is cut where it is)."""
    for tail in (4096, len(text)):
        found = None
        for found in _SPACE.finditer(text, max(0, len(text) - tail)):
            pass
        if found is not None:
            return found.end()
    return len(text) if len(text) > 4 * MAX_CHUNK else 0


def piped_text(stream) -> str:
    """The UTF-8 text a binary stream holds (standard input, for TEXT '-'), at most MAX_PIPED_BYTES."""
    data = stream.read(MAX_PIPED_BYTES + 1)
    if len(data) > MAX_PIPED_BYTES:
        raise UsageError(f"standard input is over {MAX_PIPED_BYTES // 1_000_000} MB; give a long text with `file`")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"standard input is not UTF-8 text (byte {e.start}); pipe in text") from None
