"""views/screen.Screen against rich's Console (the reference): the same bytes for every terminal view,
the same width and colours for every environment, and the first screen without rich's Console."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from attnviz.api import analyze
from attnviz.options import Options
from attnviz.views.present import Request, present
from attnviz.views.screen import Screen

ROOT = Path(__file__).resolve().parents[2]
SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."


def both(view, width: int, color_system, own: bool = False):
    """view(console) written by a Screen and by rich's Console (forced to a terminal when coloured).
    own: the Screen must write everything itself (no line handed to rich)."""
    ours, theirs = io.StringIO(), io.StringIO()
    screen = Screen(ours, width, color_system)
    if own:
        screen._fallback = lambda: pytest.fail("handed to rich")
    view(screen)
    view(Console(file=theirs, width=width, color_system=color_system, force_terminal=color_system is not None,
                 highlight=False, markup=False, emoji=False))
    return ours.getvalue(), theirs.getvalue()


CASES = {
    "default": (SEED, Options(), Request()),
    "three heads": (SEED, Options(heads=3, projection="random"), Request()),
    "window": ("the ham sandwich and the food", Options(window=1, causal=True), Request()),
    "focus": (SEED, Options(), Request(focus="it")),
    "heat cells": (SEED + " " + SEED, Options(), Request(cells="heat")),
    "oov and repeats": ("the xqzzy the xqzzy ham", Options(), Request()),
    "chinese": ("餐厅 拒绝 给 我 火腿 三明治", Options(), Request()),
    "alpha only": (SEED, Options(score="dot"), Request(matrix="alpha")),
}


@pytest.mark.parametrize("width", [40, 80, 132])
@pytest.mark.parametrize("color_system", [None, "standard", "256", "truecolor"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_text_view_is_written_as_rich_writes_it(case, width, color_system):
    text, options, request = CASES[case]
    analysis = analyze(text, options).analysis
    own = width >= 80 and case not in ("chinese", "three heads")  # these first screens: Screen alone (no line wraps)
    ours, theirs = both(lambda c: present(analysis, request, c, err=io.StringIO()), width, color_system, own)
    assert ours == theirs
    assert ours.count("\n") > 5


def test_texts_that_need_wrapping_or_tabs_are_handed_to_rich():
    long = Text("word " * 40, style="bold")  # wraps at 40 columns
    tabbed = Text("a\tb", style="cyan")
    for view in (lambda c: c.print(long), lambda c: c.print(tabbed), lambda c: c.print("x", long, end="")):
        ours, theirs = both(view, 40, "truecolor")
        assert ours == theirs and ours


def test_no_color_keeps_bold_and_dim_like_rich(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    styled = Text.assemble(("bold ", "bold"), ("red on blue", "red on blue"), " dim", style="dim")
    ours, theirs = both(lambda c: c.print(styled), 80, "truecolor")
    assert ours == theirs and "\x1b[1" in ours and "38;" not in ours


class Tty(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


ENVS = [{}, {"TERM": "xterm-256color"}, {"TERM": "xterm"}, {"COLORTERM": "truecolor"}, {"COLORTERM": "24bit", "TERM": "dumb"},
        {"TERM": "dumb"}, {"TERM": "Unknown"}, {"TERM": "xterm-kitty"}, {"TERM": "screen-16color"}, {"FORCE_COLOR": "1"},
        {"FORCE_COLOR": ""}, {"COLUMNS": "57"}, {"COLUMNS": "57", "LINES": "9", "TERM": "dumb"}, {"COLUMNS": "x"},
        {"NO_COLOR": "1", "TERM": "xterm-256color"}]


@pytest.mark.parametrize("tty", [False, True])
@pytest.mark.parametrize("env", ENVS, ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()) or "bare")
def test_width_and_colours_are_detected_as_rich_detects_them(monkeypatch, env, tty):
    for key in ("TERM", "COLORTERM", "FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    ours, theirs = Screen(Tty(tty)), Console(file=Tty(tty))
    assert (ours.is_terminal, ours.color_system, ours.width) == (theirs.is_terminal, theirs.color_system, theirs.width)


def test_the_first_screen_does_not_import_richs_console_or_table():
    code = ("import sys; from attnviz.cli import main; main(['show', 'ham sandwich']); "
            "print('RICH', sorted(m for m in ('rich.console', 'rich.table', 'attnviz.models.checkpoint') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "RICH []" in out.stdout and "ham" in out.stdout


def test_the_summary_table_fits_and_cuts_with_an_ellipsis():
    from attnviz.views.terminal import Column, table_text

    columns = [Column("query", ["1 the", "2 restaurant"], lo=12), Column("self", [".5", ".25"], lo=4, align=">"),
               Column("keys", ["a" * 100, "b"], style="cyan")]
    lines = table_text(columns, 40).plain.split("\n")
    assert lines[0].rstrip() == "query         self  keys" and lines[2].rstrip() == "2 restaurant   .25  b"
    assert lines[1].endswith("a…") and [len(line) for line in lines] == [40] * 3


def test_piped_header_lines_are_written_whole(tmp_path):
    # `attnviz show --audio speech.wav | cat` cut its first line at 80 columns mid-phrase ("… 80-d · 1" / "head")
    import numpy as np
    import soundfile as sf

    sound = tmp_path / "a_sentence_spoken.wav"
    sf.write(str(sound), np.sin(np.arange(16000) * 0.05 * (1 + np.arange(16000) / 8000)).astype(np.float32), 16000)
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR")}
    run = lambda extra: subprocess.run([sys.executable, "-m", "attnviz", "show", "--audio", str(sound)], capture_output=True,  # noqa: E731
                                       text=True, cwd=ROOT, timeout=120, env={**env, **extra}).stdout.splitlines()
    piped = run({})
    assert piped[0].startswith("attnviz · a_sentence_spoken.wav") and piped[0].endswith("logmel 80-d · 1 head") and len(piped[0]) > 80
    assert piped[1].startswith("α_ij")
    grid = [l for l in piped if l.startswith("  0.00s")]  # the time × time grid is still laid out to 80 columns
    assert grid and all(len(l) <= 80 for l in grid)
    wrapped = run({"COLUMNS": "80"})
    assert len(wrapped[0]) <= 80 and wrapped[1].endswith("1 head")  # a width given is a width kept (wrapped as before)


def test_screen_soft_wrap_writes_long_text_whole_and_crops_what_asks_for_it(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    out = io.StringIO()
    screen = Screen(out, None, None, soft_wrap=True)
    line = "word " * 30
    screen.print(Text(line))
    screen.print(Text(line), no_wrap=True, overflow="ellipsis")  # next-steps: cut on purpose, still cut
    first, second = out.getvalue().splitlines()
    assert first == line and len(second) == screen.width and second.endswith("…")
    assert Screen(io.StringIO(), 60, None, soft_wrap=True).soft_wrap is False  # an explicit width (table(width=60)) wraps
