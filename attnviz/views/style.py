"""Colors, shades and text fitting shared by every terminal view (no rich renderables beyond Style)."""

from __future__ import annotations

import functools

from rich.style import Style

from ..i18n import by_reader

SHADES = " ░▒▓█"
MATRICES = ("both", "alpha", "alpha-prime")
CELLS = ("auto", "numbers", "heat")
LABEL_MAX = 10  # longest token shown whole in a row label

# viridis, 9 stops: dark on low values, bright on high; legible on dark and light terminals
_SEQ = [(68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37)]
_NEG, _MID, _POS = (33, 102, 172), (247, 247, 247), (178, 24, 43)  # RdBu ends and middle


def _lerp(c0, c1, t):
    return tuple(round(a + (b - a) * t) for a, b in zip(c0, c1))


def seq_rgb(t: float) -> tuple[int, int, int]:
    t = min(max(t, 0.0), 1.0) * (len(_SEQ) - 1)
    i = min(int(t), len(_SEQ) - 2)
    return _lerp(_SEQ[i], _SEQ[i + 1], t - i)


def div_rgb(t: float) -> tuple[int, int, int]:
    """t in [-1, 1] -> blue … near-white … red."""
    t = min(max(t, -1.0), 1.0)
    return _lerp(_MID, _POS, t) if t >= 0 else _lerp(_MID, _NEG, -t)


def shade(level: float, width: int = 1) -> str:
    """A heat block for level in [0, 1] (clamped: --normalize none can make α′ negative)."""
    level = min(max(level, 0.0), 1.0) if level == level else 0.0
    return SHADES[min(int(level * len(SHADES)), len(SHADES) - 1)] * width


@functools.lru_cache(maxsize=4096)
def cell_style(rgb: tuple[int, int, int]) -> Style:
    """A cell's background rgb, with black or white text, whichever reads on it (made once per colour)."""
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return Style(bgcolor=f"rgb({rgb[0]},{rgb[1]},{rgb[2]})", color="black" if luminance > 140 else "white")


def fmt(x: float, width: int) -> str:
    """x in at most `width` characters, as precisely as fits ('0.23' -> '.23')."""
    for decimals in (2, 1, 0):
        s = f"{x:.{decimals}f}"
        if decimals:
            s = s.replace("0.", ".", 1) if s.startswith(("0.", "-0.")) else s
        if s in ("-.0", "-.00", "-0"):
            s = s.lstrip("-")
        if len(s) <= width:
            return s
    return "#" * width


def printable(token: str) -> str:
    """A token as it may be shown: control and format characters (an escape sequence, a
    right-to-left override) become visible escapes instead of acting on the terminal."""
    if token.isprintable():
        return token
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in token)


GENERATED = "+"  # after a token a decoder wrote itself (--generate)


def shown_tokens(analysis) -> list[str]:
    """The tokens as the views name them: a decoder's own continuation marked with GENERATED."""
    generated = getattr(analysis, "generated", None)
    if not generated:
        return list(analysis.tokens)
    return [t + GENERATED if g else t for t, g in zip(analysis.tokens, generated)]


def label(i: int, token: str, oov: bool, idx_width: int) -> str:
    """A row label "number token*" for the 0-based index i: numbered from 1 like the notes' a¹ … aⁿ;
    the token cut to LABEL_MAX terminal cells (餐 takes 2).  idx_width: len(str(n))."""
    from .cells import label as cells_label

    if token.endswith(GENERATED) and len(token) > 1:  # the mark of a generated token survives the cut (restauran…+)
        return cells_label(i + 1, printable(token[:-1]), oov, idx_width, LABEL_MAX - 1) + GENERATED
    return cells_label(i + 1, printable(token), oov, idx_width, LABEL_MAX)


def repeated(tokens: list[str]) -> set[str]:
    """The tokens that occur more than once."""
    seen: set[str] = set()
    return {t for t in tokens if t in seen or seen.add(t)}


def key_name(tokens: list[str], j: int, twice: set[str]) -> str:
    """Token j (0-based) as a key is named: the word, with its number (from 1) when the word occurs more than once."""
    return f"{printable(tokens[j])}#{j + 1}" if tokens[j] in twice else printable(tokens[j])


def saved_run() -> str:
    """How a run is saved, for its reader: `show --json` in the CLI, to_json() in the library."""
    return by_reader("show --json", "`to_json()`")
