"""The terminal, written without rich's Console: the first screen in a few milliseconds.

Every terminal view builds rich `Text` (and a few `Table`s) and prints them with `console.print`.
rich's Console costs about 35 ms of a 0.15 s `attnviz show` (its import, then its general layout
engine), so `Screen` stands in for it: a Text whose lines fit the width is turned into segments by
rich's own `Text.render`, cut into lines by rich's `Segment.split_and_crop_lines` and each segment
styled by rich's `Style.render` — what rich's Console does, without the Console.  Anything else
(a Table, a line that needs wrapping, a tab) is handed to a real rich Console with the same file,
width and colours, so the output is rich's in every case (tests/views/test_screen.py compares the two).

Detection follows rich's rules for a POSIX terminal: colours only on a terminal (or FORCE_COLOR),
none for TERM=dumb or NO_COLOR, truecolor from COLORTERM, 256 from TERM=*-256color, else 16;
the width from COLUMNS, else the terminal, else 80; NO_COLOR keeps bold and dim.  Where rich knows
more (Jupyter, IDLE, Windows, TTY_COMPATIBLE/TTY_INTERACTIVE), `console()` returns rich's Console.
"""

from __future__ import annotations

import os
import sys

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

COLOR_SYSTEMS = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT, "truecolor": ColorSystem.TRUECOLOR}
_TERM_COLORS = {"kitty": "256", "256color": "256", "16color": "standard"}  # rich.console's table


def console(file=None, width: int | None = None, color_system: str | None = "auto", soft_wrap: bool = False):
    """A Screen on file (default stdout), or rich's Console where rich's own detection is needed.
    color_system: "auto" (detect), None (no ANSI codes), or one of COLOR_SYSTEMS.  soft_wrap: when
    the file is not a terminal and no width is given (neither `width` nor COLUMNS), a line of text
    wider than the screen is written whole: a pipe or a file has no width to wrap at (tables and
    matrices are still laid out to 80 columns)."""
    env = os.environ
    if color_system == "auto" and (sys.platform == "win32" or "IPython" in sys.modules or "idlelib" in sys.modules
                                   or any(k in env for k in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "DATABRICKS_RUNTIME_VERSION"))):
        from rich.console import Console

        return Console(file=file, width=width, highlight=False, markup=False, emoji=False)
    return Screen(file, width, color_system, soft_wrap)


def terminal():
    """Standard output as the command line writes it: no ANSI codes under NO_COLOR (https://no-color.org);
    piped, a header line whole, not cut at 80 columns mid-phrase (soft_wrap).  No markup or emoji
    codes: a word like '[/]' or ':smile:' (web-crawl vocabularies have them) is printed as spelled."""
    return console(color_system=None if os.environ.get("NO_COLOR") else "auto", soft_wrap=True)


class Screen:
    """A minimal stand-in for rich.console.Console: .width, .color_system, .is_terminal, .print()."""

    def __init__(self, file=None, width: int | None = None, color_system: str | None = "auto", soft_wrap: bool = False):
        self._file = file
        env = os.environ
        force = env.get("FORCE_COLOR")
        self.is_terminal = force != "" if force is not None else self._isatty()
        dumb = self.is_terminal and env.get("TERM", "").lower() in ("dumb", "unknown")
        if color_system == "auto":
            color_system = self._detect(env) if self.is_terminal and not dumb else None
        self.color_system = color_system
        self.no_color = env.get("NO_COLOR", "") != ""  # rich: colours off, bold and dim stay
        self.width = width or self._width(env, dumb)
        self.soft_wrap = soft_wrap and not self.is_terminal and not width and not env.get("COLUMNS")  # see console()
        self._rich = None

    @property
    def file(self):
        return self._file or sys.stdout

    def _isatty(self) -> bool:
        try:
            return self.file.isatty()
        except (AttributeError, ValueError, OSError):
            return False

    @staticmethod
    def _detect(env) -> str:
        if env.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
            return "truecolor"
        colors = env.get("TERM", "").strip().lower().rpartition("-")[2]
        return _TERM_COLORS.get(colors, "standard")

    @staticmethod
    def _width(env, dumb: bool) -> int:
        columns, lines = env.get("COLUMNS"), env.get("LINES")
        if columns is not None and columns.isdigit() and lines is not None and lines.isdigit():
            return int(columns)
        if dumb:
            return 80
        width = None
        for fd in (0, 1, 2):  # rich asks stdin, stdout, stderr in this order
            try:
                width = os.get_terminal_size(fd)[0]
                break
            except (AttributeError, ValueError, OSError):
                pass
        if columns is not None and columns.isdigit():
            width = int(columns)
        return width or 80

    def get_style(self, name, *, default=None) -> Style:
        """What Text.render asks its console for: a style by name (rich's theme names for colours and
        attributes are the same words Style.parse reads)."""
        if isinstance(name, Style):
            return name
        try:
            return Style.parse(name)
        except Exception:  # noqa: BLE001  rich's StyleSyntaxError: a theme-only name
            if default is not None:
                return default
            raise

    def print(self, *objects, end: str = "\n", style=None, **options) -> None:
        """Like Console.print (sep " ", no markup, emoji or highlighting).  no_wrap and overflow only
        matter for a line that does not fit: such lines, and any other option, go to rich."""
        texts = [Text(o) if isinstance(o, str) else o for o in objects]
        plain = style is None and options.keys() <= {"no_wrap", "overflow"} and all(isinstance(t, Text) for t in texts)
        if plain and all(map(self._fits, texts)):
            self._write(Text(" ", end=end).join(texts))
        elif plain and self.soft_wrap and not options and all(t.no_wrap is None and "\t" not in t.plain for t in texts):
            self._write(Text(" ", end=end).join(texts), crop=False)  # a long line whole, as a pipe wants it
        else:
            self._fallback().print(*objects, end=end, style=style, **options)

    def _fits(self, text: Text) -> bool:
        """Lines that need neither wrapping nor cropping (and no tab to expand)."""
        plain = text.plain
        return "\t" not in plain and all(cell_len(line) <= self.width for line in plain.split("\n"))

    def _write(self, text: Text, crop: bool = True) -> None:
        segments = list(text.render(self, end=text.end))
        color = self.color_system
        if self.no_color and color:
            segments = list(Segment.remove_color(segments))
        out = []
        width = self.width if crop else max(self.width, max(map(cell_len, text.plain.split("\n"))))
        for line in Segment.split_and_crop_lines(segments, width, pad=False):
            for seg in line:
                out.append(seg.style.render(seg.text, color_system=COLOR_SYSTEMS[color]) if seg.style and color else seg.text)
        self.file.write("".join(out))
        self.file.flush()  # as rich does: stderr lines between prints stay in order

    def _fallback(self):
        """rich's Console with this screen's file, width and colours (made on first use).  Never
        Jupyter's: in a kernel rich would display its lines as cell output instead of writing them
        to the file (Result.table() lost the header it wrapped)."""
        if self._rich is None:
            from rich.console import Console

            self._rich = Console(file=self.file, width=self.width, color_system=self.color_system,
                                 force_terminal=self.is_terminal or self.color_system is not None, force_jupyter=False,
                                 highlight=False, markup=False, emoji=False)
            self._rich.on_broken_pipe = self._broken_pipe
        return self._rich

    def _broken_pipe(self) -> None:
        """rich's Console meets EPIPE (the reader left): raised, as Screen's own writes raise it, for
        the caller to decide (rich itself would exit 1)."""
        import errno

        self._rich.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader of standard output went away")
