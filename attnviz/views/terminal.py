"""Terminal output with rich: α and α′ as colored matrices, and a per-token summary.

Data in, renderables out: nothing here computes attention.  Rows are queries i, columns keys j.
A matrix shows numbers when they fit the terminal's width, else a heat-block per cell (shade
characters, so it reads without color too).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text

from ..analysis.results import ModelAnalysis
from ..i18n import _, by_reader, ngettext, spoken
from .cells import fit, pad, width as cell_width  # widths in terminal cells (餐 = 2)
from .header import describe, figure_title, fit_header, header, heads_count, source_name  # noqa: F401  (figure_title: titles.py imports it from here)
from .style import LABEL_MAX, cell_style, key_name, repeated, div_rgb, fmt, label, printable, seq_rgb, shade, shown_tokens

if TYPE_CHECKING:
    from rich.console import Console


def cell_layout(n: int, room: int, cells: str) -> tuple[bool, int, int]:
    """How n cells fit `room` characters: (numbers?, characters per cell, gap between cells).
    Numbers when they fit (cells auto) or are asked for; else heat blocks 2 wide, 1 wide, and at
    last 1 wide without gaps (one character per cell: 37 tokens fit 80 columns)."""
    number_w = max(3, len(str(n)))
    if cells == "numbers" or (cells == "auto" and room >= n * (number_w + 1) - 1):
        return True, number_w, 1
    for cell_w, gap in ((2, 1), (1, 1)):
        if room >= n * (cell_w + gap) - gap:
            return False, cell_w, gap
    return False, 1, 0


def column_numbers(n: int, cell_w: int, gap: int, indent: int) -> list[str]:
    """The key numbers 1 … n over the columns: one line when a number fits a cell, else one line per
    digit (tens over units), so every column is named."""
    if len(str(n)) <= cell_w:
        return [" " * indent + (" " * gap).join(f"{j:>{cell_w}}" for j in range(1, n + 1))]
    digits = len(str(n))
    lines = []
    for place in range(digits - 1, -1, -1):
        marks = [str(j // 10 ** place % 10) if j >= 10 ** place else " " for j in range(1, n + 1)]
        lines.append(" " * indent + (" " * gap).join(f"{m:>{cell_w}}" for m in marks))
    return lines


def matrix_view(
    m: np.ndarray, tokens: list[str], oov: list[bool], kind: str, width: int, cells: str = "auto", color: bool = True,
    mask: np.ndarray | None = None, scale: float | None = None, labels: bool = True,
) -> Text:
    """One matrix [n_q, n_k] as Text: a header of key numbers (from 1), one labeled line per query; masked cells
    (NaN, or False in mask [n_q, n_k]) are ·.  scale: the value of the brightest colour (default the
    largest |value|; a comparison passes one scale for all its panels).  labels: False leaves out the
    row labels (a panel beside one that has them)."""
    n, n_k = len(tokens), m.shape[1]
    idx_w = len(str(n))
    row_labels = [label(i, t, o, idx_w) if labels else "" for i, (t, o) in enumerate(zip(tokens, oov))]
    lab_w = max(cell_width(s) for s in row_labels) + 1 if labels else 0
    finite = m[np.isfinite(m)]
    use_numbers, cell_w, gap = cell_layout(n_k, width - lab_w, cells)
    if scale is None:
        scale = float(np.abs(finite).max()) if finite.size else 1.0
    scale = scale or 1.0
    out = Text(no_wrap=True, overflow="crop")
    for line in column_numbers(n_k, cell_w, gap, lab_w):
        out.append(line + "\n", style="dim")
    shown = min(n_k, max(0, width - lab_w) // (cell_w + gap) + 1)  # the columns that reach the screen (the rest is cropped)
    values = m[:, :shown].tolist()  # Python floats: a cell costs microseconds, not a numpy scalar each
    hidden = np.zeros((n, shown), dtype=bool) if mask is None else ~np.asarray(mask, dtype=bool)[:, :shown]
    hidden = (hidden | ~np.isfinite(m[:, :shown])).tolist()
    rgb = div_rgb if kind == "alpha" else seq_rgb
    for i in range(n):
        out.append(pad(row_labels[i], lab_w), style="italic red" if oov[i] else "bold")
        for j, x in enumerate(values[i]):
            if j and gap:
                out.append(" ")
            if hidden[i][j]:
                out.append(f"{'·':>{cell_w}}", style="dim")
                continue
            t = x / scale
            if use_numbers:
                s = f"{fmt(x, cell_w):>{cell_w}}"
            else:
                s = shade((t + 1) / 2 if kind == "alpha" else t, cell_w)
            out.append(s, style=cell_style(rgb(t)) if color else None)
        out.append("\n")
    return out


def top_keys(row: np.ndarray, i: int, tokens: list[str], k: int) -> list[tuple[int, float]]:
    """The k keys with the largest α′ in one row, self excluded, zero weights dropped."""
    order = [j for j in np.argsort(-row, kind="stable") if j != i and row[j] > 0]
    return [(int(j), float(row[j])) for j in order[:k]]


def summary_table(analysis, nearest: list[list[tuple[str, float]]] | None, top: int, width: int = 80) -> Text:
    """Per query token: its self weight, its top keys, and (when meaningful) what b^i is near.
    Columns two spaces apart, each cut with … to its room, so every line fits `width` cells."""
    heads = analysis.layers[0].heads
    idx_w = len(str(len(analysis.tokens)))
    labels = [label(i, t, o, idx_w) for i, (t, o) in enumerate(zip(shown_tokens(analysis), analysis.oov))]
    lab_w = max(cell_width(s) for s in labels)
    multi = len(heads) > 1
    near_w = (16 if multi else 22) if nearest is not None else 0
    per = max(8, (width - lab_w - near_w - 2 * (len(heads) + 1)) // len(heads))  # one head's column: "word .14"
    keys = getattr(analysis, "key_labels", analysis.tokens)  # cross-attention: the keys are another sequence
    cross = keys is not analysis.tokens
    twice = repeated(keys)
    columns = [Column(_("query"), labels, lo=lab_w)]
    if multi:
        columns += [Column(fit(_("head {h}: top key").format(h=h + 1), per) if len(heads) < 4 else _("head {h}").format(h=h + 1),
                           [" ".join(f"{fit(key_name(keys, j, twice), per - 4)} {fmt(w, 3)}"
                                     for j, w in top_keys(hd.alpha_prime[i], -1 if cross else i, keys, 1)) or "–"
                            for i in range(len(labels))], lo=per, hi=per) for h, hd in enumerate(heads)]
    else:
        rows = heads[0].alpha_prime
        room = width - lab_w - 4 - (24 if nearest is not None else 0) - 3  # what the other columns leave
        if not cross:
            columns.append(Column(_("self"), [fmt(float(rows[i, i]), 3) for i in range(len(labels))], lo=4, align=">"))
        columns.append(Column(_("top keys by α′") if cross else _("top keys by α′ (self excluded)"),
                              ["  ".join(f"{key_name(keys, j, twice)} {fmt(w, 3)}" for j, w in top_keys(rows[i], -1 if cross else i, keys, top))
                               or "–" for i in range(len(labels))], hi=max(room, 12)))
    if nearest is not None:
        cells = []
        for i, tok in enumerate(analysis.tokens):
            words = [w for w, _cos in nearest[i] if w.lower() != tok.lower()][:2]
            joined = ", ".join(fit(printable(w), (near_w - 2) // 2) if multi else printable(w) for w in words)
            cells.append(fit(joined, near_w - 1) or "–")  # cut with …, never silently at the screen's edge
        columns.append(Column(_("b^i ≈ nearest words"), cells, lo=near_w, style="cyan"))
    return table_text(columns, width)


@dataclass
class Column:
    """One column of a table_text: its header, its cells (one per row), its width bounds in cells
    (lo ≤ width ≤ hi: the widest entry, cut with … beyond hi), alignment ("<" or ">") and cell style."""

    header: str
    cells: list[str]
    lo: int = 0
    hi: int | None = None
    align: str = "<"
    style: str | None = None


def table_text(columns: list[Column], width: int) -> Text:
    """Columns as Text: a bold header line, then one line per row, every line as wide as the table;
    two spaces between columns; the last column cut to what the others leave of `width` (no wrap)."""
    widths = [max(c.lo, min(c.hi or 10**9, max(cell_width(x) for x in [c.header, *c.cells]))) for c in columns]
    widths[-1] = max(1, min(widths[-1], width - sum(widths[:-1]) - 2 * (len(columns) - 1)))
    out = Text(no_wrap=True, overflow="crop")
    for r in range(len(columns[0].cells) + 1):
        for k, (col, w) in enumerate(zip(columns, widths)):
            cell = pad(col.header if r == 0 else col.cells[r - 1], w, col.align)
            out.append(cell if k == len(columns) - 1 else cell + "  ", style="bold" if r == 0 else col.style)
        out.append("\n")
    out.right_crop(1)
    return out


def any_header(analysis) -> Text:
    if isinstance(analysis, ModelAnalysis):
        from .terminal_model import model_header

        return model_header(analysis)
    return header(analysis)


def render(analysis, console: Console, matrix: str = "both", cells: str = "auto", top: int = 3, nearest=None) -> None:
    """The header, then per head α′ (the weights: first, so they are on the first screen) and α,
    the per-token summary, and one line of next steps that fit this input."""
    width, color = console.width, console.color_system is not None
    console.print(fit_header(any_header(analysis), console))
    if getattr(analysis, "keys", None) is not None:  # cross-attention: the columns are another sequence
        idx_w = len(str(len(analysis.keys)))
        console.print(Text("\n" + _("keys (columns): ") + "  ".join(label(j, printable(t), False, idx_w).strip()
                                                                   for j, t in enumerate(analysis.keys)), style="dim"))
    heads = analysis.layers[0].heads
    for h, hd in enumerate(heads):
        tag = _("head {h}/{n}").format(h=analysis.head_numbers[h], n=analysis.config.heads) + " · " if analysis.config.heads > 1 else ""
        if isinstance(analysis, ModelAnalysis):
            tag = _("layer {l}").format(l=analysis.layer_numbers[0]) + " · " + tag
        if matrix in ("both", "alpha-prime"):
            sums = _("rows sum to 1") if analysis.config.normalize != "none" else _("α′ = α, not normalized")
            peak = fmt(float(hd.alpha_prime.max()), 4)
            title = tag + _("α′ weights · row i = query, column j = key · {sums} · max {peak}").format(sums=sums, peak=peak)
            if cell_width(title) > width:
                title = tag + _("α′ · row i = query, column j = key · max {peak}").format(peak=peak)
            console.print(Text("\n" + title, style="bold"))
            console.print(matrix_view(hd.alpha_prime, shown_tokens(analysis), analysis.oov, "alpha-prime", width, cells, color,
                                      analysis.layers[0].mask), end="")
        if matrix in ("both", "alpha"):
            lo, hi = np.nanmin(hd.alpha), np.nanmax(hd.alpha)
            console.print(Text("\n" + tag + _("α (scores; blue < 0 < red; range {lo} … {hi})").format(lo=f"{lo + 0.0:.3g}", hi=f"{hi + 0.0:.3g}"),
                               style="bold"))
            console.print(matrix_view(hd.alpha, shown_tokens(analysis), analysis.oov, "alpha", width, cells, color,
                                      analysis.layers[0].mask), end="")
    console.print()
    console.print(summary_table(analysis, nearest, top, width))
    if not isinstance(analysis, ModelAnalysis):
        console.print(Text(next_steps(analysis, width), style="cyan", no_wrap=True, overflow="ellipsis"))


def shell_word(word: str) -> str:
    """A word as typed in a shell: bare when it is letters and digits (any script), else quoted."""
    import re

    return word if re.fullmatch(r"[\w.,:+-]+", word) else shlex.quote(word)


def next_steps(analysis, width: int = 80) -> str:
    """One line of what to try next on this input: --focus on its pronoun (or its strongest link's
    query), a trained model's heads for that link (when the model is installed; the tokens named as
    the model numbers them: [CLS] is its token 1), --save."""
    from ..analysis.summaries import model_installed, model_names, suggested_link

    i, j = suggested_link(analysis)
    name = lambda k: shell_word(key_name(analysis.tokens, k, set()) if analysis.tokens.count(analysis.tokens[k]) == 1 else str(k + 1))  # noqa: E731
    parts = [spoken("`focus` ") + name(i), spoken("`save` a.png")]
    text_input = analysis.sequence.lexicon is not None and analysis.text is not None
    latin = all(ord(ch) < 0x2E80 for ch in analysis.text or "")  # MiniLM is English: no hint for CJK text
    names = model_names(analysis.text, analysis.tokens, [i, j]) if text_input and latin and model_installed() else None
    if names:
        source, target = map(shell_word, names)
        cli = (f"heads --model minilm --from {source} --to {target}", f"heads --from {source} --to {target}")
        for heads in by_reader(cli, (f'`analyze(…, model="minilm").heads_ranking("{names[0]}", "{names[1]}")`',)):
            line = _("next: ") + " · ".join(parts + [heads])
            if cell_width(line) <= width:
                return line
    return _("next: ") + " · ".join(parts)


_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of fraction·width cells, in eighths of a cell."""
    units = max(0, round(min(fraction, 1.0) * width * 8))
    full, rest = divmod(units, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def pad_left(text: str, cells: int) -> str:
    """text right-aligned in `cells` terminal cells (a wide character takes 2)."""
    return " " * max(0, cells - cell_width(text)) + text


def norm(v: np.ndarray) -> float:
    return float(np.sqrt(v @ v))


def vector_preview(v: np.ndarray, dims: int) -> str:
    shown = " ".join(f"{x:+.2f}" for x in v[:dims])
    return f"({shown}{' …' if len(v) > dims else ''})"


def render_focus(analysis, console: Console, i: int, nearest=None) -> None:
    """One query token: its α′ row as bars (strongest first), its α row, and b^i."""
    tokens = analysis.tokens
    keys = getattr(analysis, "key_labels", tokens)  # cross-attention: the row's keys are another sequence
    cross = keys is not tokens
    console.print(fit_header(any_header(analysis), console))
    idx_w = len(str(max(len(tokens), len(keys))))
    width = max(10, min(40, console.width - 2 * idx_w - LABEL_MAX - 22))
    for h, hd in enumerate(analysis.layers[0].heads):
        tag = " · " + _("head {h}/{n}").format(h=h + 1, n=len(analysis.layers[0].heads)) if len(analysis.layers[0].heads) > 1 else ""
        console.print(Text("\n" + _("query {n} “{token}”{tag}: α′ (bars, strongest first) and α").format(
            n=i + 1, token=printable(tokens[i]), tag=tag), style="bold"))
        row, raw = hd.alpha_prime[i], hd.alpha[i]
        top = float(row.max()) or 1.0
        out = Text(no_wrap=True, overflow="ellipsis")
        for j in np.argsort(-row, kind="stable"):
            lab = label(int(j), keys[j], not cross and analysis.oov[j], idx_w)
            out.append(pad(lab, idx_w + LABEL_MAX + 3), style="bold" if j == i and not cross else None)
            if not np.isfinite(raw[j]):
                out.append(pad_left(_("masked"), width), style="dim")
                out.append("\n")
                continue
            out.append(f"{bar(row[j] / top, width):<{width}}", style="cyan")
            out.append(f" {fmt(float(row[j]), 4):>4}  α {raw[j]:+.3g}\n")
        console.print(out, end="")
        if hd.b.shape[1]:  # attention given without its values (view()) has no b
            console.print(Text(f"b^{i + 1} = Σ_j α′_{i + 1},j v^j = {vector_preview(hd.b[i], 4)}  ‖b‖ = {norm(hd.b[i]):.3g}"))
    if nearest is not None and nearest[i]:
        words = ", ".join(f"{w} {fmt(c, 3)}" for w, c in nearest[i][:3])
        console.print(Text(f"b^{i + 1} ≈ " + _("nearest words (cosine): {words}").format(words=words), style="cyan", no_wrap=True, overflow="ellipsis"))


def render_pe(pe: np.ndarray, console: Console) -> None:
    """The encoding matrix: positions down, dimensions across, one heat cell per value (-1 … 1)."""
    n, d = pe.shape
    console.print(Text(_("sinusoidal positional encoding: {n} positions × {d} dimensions").format(n=n, d=d), style="bold"))
    console.print(fit_header(Text("PE(p, 2i) = sin(p / 10000^(2i/d)),  PE(p, 2i+1) = cos(p / 10000^(2i/d))", style="dim"), console))
    color = console.color_system is not None
    idx_w = len(str(n - 1))
    cols = min(d, max(1, console.width - idx_w - 2))
    rows = min(n, 200)
    if cols < d or rows < n:
        console.print(Text(spoken(_("(showing positions 0 … {p} and dimensions 0 … {d}; `save` for all)")).format(p=rows - 1, d=cols - 1),
                           style="dim"))
    console.print(Text(f"{'':>{idx_w}}  " + _("dim 0 →  (blue −1 … red +1)"), style="dim"))
    out = Text(no_wrap=True, overflow="crop")
    for p in range(rows):
        out.append(f"{p:>{idx_w}}  ", style="dim")
        for c in range(cols):
            x = float(pe[p, c])
            out.append(shade((x + 1) / 2) if not color else " ", style=cell_style(div_rgb(x)) if color else None)
        out.append("\n")
    console.print(out, end="")


def render_long(result, console: Console) -> None:
    """A long input: per head, the block means of α′ as a heat map, and a few queries' top keys.
    result: an analysis.results.LongResult (a LongAnalysis, or a streamed file's LongSummary)."""
    c, s, n = result.config, result.source, result.n
    words = describe(c)
    sizes = " · ".join([ngettext("{n} token", "{n} tokens", n).format(n=f"{n:,}"), heads_count(c.heads),
                        _("top {k} keys").format(k=c.top_k)])
    console.print(fit_header(Text.assemble(("attnviz ", "bold"), f"· {source_name(s, c)} · {sizes}"), console))
    console.print(fit_header(Text(f"{words['score']}    {words['norm']}", style=""), console))
    if words["masks"]:
        console.print(fit_header(Text(_("masks: {masks}").format(masks=words["masks"]), style="yellow"), console))
    color = console.color_system is not None
    for h, summary in enumerate(result.summaries):
        m = summary.shape[0]
        span = n / m
        console.print(Text("\n" + _("head {h}: mean α′ between blocks of ≈{span} tokens").format(h=h + 1, span=f"{span:,.0f}"),
                           style="bold"))
        console.print(Text(_("rows: query blocks (first token shown) · columns: key blocks"), style="dim"))
        lo, hi = float(summary.min()), float(summary.max())  # block means are close to 1/m: stretch lo … hi
        out = Text(no_wrap=True, overflow="crop")
        lab = len(f"{n:,}") + 1
        step = max(1, m // 8)
        for r in range(m):
            out.append(f"{int(r * span) + 1:>{lab},} " if r % step == 0 else " " * (lab + 1), style="dim")
            for col in range(m):
                t = (summary[r, col] - lo) / (hi - lo) if hi > lo else 0.5
                out.append("  " if color else shade(t, 2), style=cell_style(seq_rgb(t)) if color else None)
            out.append("\n")
        console.print(out, end="")
        console.print(Text(_("darkest {lo} … brightest {hi} (mean α′ of a block pair)").format(lo=f"{lo:.2g}", hi=f"{hi:.2g}"),
                           style="dim"))
    from rich.table import Table

    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", pad_edge=False)
    table.add_column(_("query"), no_wrap=True)
    table.add_column(_("head 1: top keys by α′ (number word weight)"), no_wrap=True, overflow="ellipsis")
    for i, token, keys in result.examples:
        table.add_row(f"{i + 1:,} {printable(token)}", "  ".join(f"{j + 1:,} {printable(t)} {w:.2g}" for j, t, w in keys))
    console.print(Text("\n" + _("a few queries:"), style="bold"))
    console.print(table)
    console.print(Text(spoken(_("every query's top keys: `json` (JSON Lines)")), style="dim"))
