"""Terminal output with rich: α and α′ as colored matrices, and a per-token summary.

Data in, renderables out: nothing here computes attention.  Rows are queries i, columns keys j.
A matrix shows numbers when they fit the terminal's width, else a heat-block per cell (shade
characters, so it reads without color too).
"""

from __future__ import annotations

import math

import numpy as np
from rich.console import Console, Group
from rich.style import Style
from rich.table import Table
from rich.text import Text

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


def cell_style(rgb) -> Style:
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


def label(i: int, token: str, oov: bool, idx_width: int) -> str:
    t = token if len(token) <= LABEL_MAX else token[: LABEL_MAX - 1] + "…"
    return f"{i:>{idx_width}} {t}{'*' if oov else ''}"


def matrix_view(
    m: np.ndarray, tokens: list[str], oov: list[bool], kind: str, width: int, cells: str = "auto", color: bool = True
) -> Text:
    """One matrix as Text: a header of key indices, one labeled line per query."""
    n = len(tokens)
    idx_w = len(str(n - 1))
    labels = [label(i, t, o, idx_w) for i, (t, o) in enumerate(zip(tokens, oov))]
    lab_w = max(len(s) for s in labels) + 1
    finite = m[np.isfinite(m)]
    avail = (width - lab_w) // max(n, 1) - 1  # characters per cell, one space between cells
    cell_w = max(3, len(str(n - 1)))
    use_numbers = cells == "numbers" or (cells == "auto" and avail >= cell_w)
    if not use_numbers:
        cell_w = max(2 if avail >= 2 else 1, 1)
    scale = float(np.abs(finite).max()) if finite.size else 1.0
    scale = scale or 1.0
    out = Text(no_wrap=True, overflow="crop")
    out.append(" " * lab_w)
    out.append(" ".join(f"{j:>{cell_w}}"[-cell_w:] for j in range(n)) + "\n", style="dim")
    for i in range(n):
        out.append(f"{labels[i]:<{lab_w}}", style="italic red" if oov[i] else "bold")
        for j in range(n):
            x = m[i, j]
            if j:
                out.append(" ")
            if not np.isfinite(x):
                out.append(f"{'·':>{cell_w}}", style="dim")
                continue
            t = x / scale
            if use_numbers:
                s = f"{fmt(float(x), cell_w):>{cell_w}}"
            else:
                level = (t + 1) / 2 if kind == "alpha" else t
                s = SHADES[min(int(level * len(SHADES)), len(SHADES) - 1)] * cell_w
            rgb = div_rgb(t) if kind == "alpha" else seq_rgb(t)
            out.append(s, style=cell_style(rgb) if color else None)
        out.append("\n")
    return out


def top_keys(row: np.ndarray, i: int, tokens: list[str], k: int) -> list[tuple[int, float]]:
    """The k keys with the largest α′ in one row, self excluded, zero weights dropped."""
    order = [j for j in np.argsort(-row, kind="stable") if j != i and row[j] > 0]
    return [(int(j), float(row[j])) for j in order[:k]]


def summary_table(analysis, nearest: list[list[tuple[str, float]]] | None, top: int) -> Table:
    """Per query token: its self weight, its top keys, and (when meaningful) what b^i is near."""
    heads = analysis.layers[0].heads
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", pad_edge=False)
    idx_w = len(str(len(analysis.tokens) - 1))
    labels = [label(i, t, o, idx_w) for i, (t, o) in enumerate(zip(analysis.tokens, analysis.oov))]
    table.add_column("query", no_wrap=True, min_width=max(len(s) for s in labels))
    multi = len(heads) > 1
    if multi:
        for h in range(len(heads)):
            table.add_column(f"head {h + 1}: top key", no_wrap=True, overflow="ellipsis")
    else:
        table.add_column("self", justify="right", no_wrap=True, min_width=4)
        table.add_column("top keys by α′ (self excluded)", no_wrap=True, overflow="ellipsis")
    if nearest is not None:
        table.add_column("b^i ≈ nearest words", no_wrap=True, overflow="ellipsis", style="cyan")
    for i, tok in enumerate(analysis.tokens):
        cells = [labels[i]]
        if multi:
            for hd in heads:
                best = top_keys(hd.alpha_prime[i], i, analysis.tokens, 1)
                cells.append(" ".join(f"{analysis.tokens[j]} {fmt(w, 3)}" for j, w in best) or "–")
        else:
            row = heads[0].alpha_prime[i]
            cells.append(fmt(float(row[i]), 3))
            best = top_keys(row, i, analysis.tokens, top)
            cells.append("  ".join(f"{analysis.tokens[j]} {fmt(w, 3)}" for j, w in best) or "–")
        if nearest is not None:
            words = [w for w, _ in nearest[i] if w.lower() != tok.lower()][:2]
            cells.append(", ".join(words) or "–")
        table.add_row(*cells)
    return table


def header(analysis) -> Text:
    c, s = analysis.config, analysis.source
    n = len(analysis.tokens)
    proj = {"identity": "identity projection (q = k = v = a)", "random": f"random projection (seed {c['seed']})",
            "weights": f"weights {c['weights']}"}[c["projection"]]
    scale = "/√d_k" if c["score"] == "scaled-dot" else ""
    norm = {
        "softmax": f"softmax(α_i·/T), T = {c['temperature']:.3g}" + (" (auto: √d_k/3)" if c["temperature_auto"] else ""),
        "relu": "relu(α_i·) / row sum",
        "none": "α_i· (no normalization)",
    }[c["normalize"]]
    t = Text()
    t.append("attnviz ", style="bold")
    t.append(f"· {s['name']} ({s['dim']}-d) · {n} tokens · {c['heads']} head{'s' if c['heads'] > 1 else ''} · d_k = {c['d_k']}\n")
    t.append(f"a^i: {c['input_norm']} vectors · {proj}\n", style="dim")
    t.append(f"α_ij = q^i·k^j{scale}    α′_i· = {norm}\n")
    t.append("rows: query i · columns: key j", style="dim")
    if any(analysis.oov):
        t.append(" · * not in the vocabulary (a = 0)", style="dim")
    return t


def render(analysis, console: Console, matrix: str = "both", cells: str = "auto", top: int = 3, nearest=None) -> None:
    width, color = console.width, console.color_system is not None
    console.print(header(analysis))
    heads = analysis.layers[0].heads
    for h, hd in enumerate(heads):
        tag = f"head {h + 1}/{len(heads)} · " if len(heads) > 1 else ""
        if matrix in ("both", "alpha"):
            lo, hi = np.nanmin(hd.alpha), np.nanmax(hd.alpha)
            console.print(Text(f"\n{tag}α (scores; blue < 0 < red; range {lo:.3g} … {hi:.3g})", style="bold"))
            console.print(matrix_view(hd.alpha, analysis.tokens, analysis.oov, "alpha", width, cells, color), end="")
        if matrix in ("both", "alpha-prime"):
            console.print(Text(f"\n{tag}α′ (weights; each row sums to 1; color 0 … {hd.alpha_prime.max():.2f})", style="bold"))
            console.print(matrix_view(hd.alpha_prime, analysis.tokens, analysis.oov, "alpha-prime", width, cells, color), end="")
    console.print()
    console.print(summary_table(analysis, nearest, top))
