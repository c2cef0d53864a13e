"""Headers at a terminal's width: a long line breaks between its ` · ` parts (or between formulas),
never inside one ("· 1" then "head" on the next line was what an 80-column terminal showed)."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from rich.cells import cell_len
from rich.text import Text

from attnviz.views.header import breaks, fit_header


def header_lines(output: str) -> list[str]:
    """The lines before the first blank line or picture: the header."""
    lines = []
    for line in output.splitlines():
        if not line.strip() or line.lstrip().startswith(("░", "▀", "▒", "█")):
            break
        lines.append(line)
    return lines


@pytest.mark.parametrize("args, alone", [
    (["show", "--image", "demo", "--patch", "4"], "  · 1 head"),
    (["show", "The cat sat on the mat.", "--heads", "2", "--lang", "zh"], "  · 2 个头"),
    (["show", "The cat sat on the mat.", "--heads", "4"], "  · 4 heads"),
    (["rnn", "The cat sat on the mat."], "  · random weights (seed 0)"),
    (["rnn", "The cat sat on the mat."], "  · self-attention 1 (every b^i at once, from every a^j)"),
])
def test_a_long_header_line_breaks_between_its_parts_at_80_columns(cli, args, alone):
    out = cli(*args).output
    lines = out.splitlines()
    assert alone in lines, out  # the part moved whole onto its own indented line
    head = header_lines(out) if args[0] == "show" else lines[:5]
    assert all(cell_len(line) <= 80 for line in head), head  # 个 counts two columns


def test_at_60_columns_the_formulas_break_at_their_gap(runner, monkeypatch):
    from conftest import invoke

    monkeypatch.setenv("COLUMNS", "60")
    out = invoke(runner, "show", "--image", "demo", "--patch", "4").output
    assert header_lines(out) == ["attnviz · grace_hopper.jpg (demo)", "  · 8 × 6 = 48 patches of 4 × 4 px (48-d) · 1 head",
                                 "α_ij = q^i·k^j/√d_k", "  α′_i· = softmax(α_i·/T), T = 2.31 (auto)"], out


def test_breaks_prefers_the_last_part_that_fits_and_leaves_an_overlong_part_whole():
    line = "aaaa · bbbb · cccc"
    assert breaks(line, 18) == []
    assert breaks(line, 13) == [(11, 12)]  # "aaaa · bbbb" / "  · cccc"
    assert breaks("x · " + "y" * 30 + " · z", 10) == [(1, 2), (34, 35)]  # the long part alone on its line
    assert breaks("   indented · line", 5) == [(11, 12)]  # leading spaces are no place to break


def test_fit_keeps_styles_and_leaves_what_fits_or_soft_wraps_alone():
    text = Text.assemble(("attnviz ", "bold"), "· one · two\n", ("masks: x · y", "yellow"), end="")
    narrow = SimpleNamespace(width=13, soft_wrap=False)
    fitted = fit_header(text, narrow)
    assert fitted.plain == "attnviz · one\n  · two\nmasks: x · y" and fitted.end == ""
    assert fitted.spans[0].style == "bold" and fitted.spans[0].end == 8
    assert fit_header(text, SimpleNamespace(width=80, soft_wrap=False)) is text
    assert fit_header(text, SimpleNamespace(width=12, soft_wrap=True)) is text


def test_piped_output_keeps_the_header_on_one_line():
    """Not a terminal and no COLUMNS: the console writes long lines whole, so nothing is broken."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out = subprocess.run([sys.executable, "-m", "attnviz", "show", "--image", "demo", "--patch", "4"], env=env,
                         capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL).stdout
    assert out.splitlines()[0] == "attnviz · grace_hopper.jpg (demo) · 8 × 6 = 48 patches of 4 × 4 px (48-d) · 1 head"


def test_pe_breaks_between_its_two_formulas():
    import io

    import numpy as np

    from attnviz.views.screen import Screen
    from attnviz.views.terminal import render_pe

    out = io.StringIO()
    render_pe(np.zeros((3, 4)), Screen(out, 50, None))
    assert "  PE(p, 2i+1) = cos(p / 10000^(2i/d))" in out.getvalue().splitlines(), out.getvalue()
