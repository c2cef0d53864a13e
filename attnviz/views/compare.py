"""Views of a Comparison (`show --compare OPTION=A,B`): α′ panels side by side (stacked when the
terminal is narrow) on one shared colour scale, one line per setting with what changed, a figure
with a panel per setting, and a JSON document (schema attnviz-compare/1)."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..i18n import _, spoken
from .cells import width as cell_width
from .formulas import uses_temperature
from .header import fit_header
from .style import fmt, key_name, label, printable, repeated

GAP = 3  # columns between side-by-side panels


def panel_room(n: int, lab_w: int, width: int, k: int) -> int | None:
    """The width of each of k side-by-side panels (the first also holds the row labels, lab_w cells),
    or None when one character per cell does not fit."""
    room = (width - lab_w - GAP * (k - 1)) // k
    return room if room >= n else None


def setting_line(setting, tokens: list[str], twice: set[str]) -> str:
    """What changed, in one line: T, mean row entropy (bits), mean self-weight, largest other link."""
    m = setting.metrics
    w, i, j, h = m.link
    head = " " + _("(head {h})").format(h=h + 1) if setting.analysis.config.heads > 1 else ""
    link = f"{key_name(tokens, i, twice)} → {key_name(tokens, j, twice)} {fmt(w, 4)}{head}" if w > 0 else _("none")
    n = len(tokens)
    if w > 0 and m.ties > 2:  # a pair ties with itself (i → j, j → i) in a symmetric head; more is no link
        link = (_("none (all {w})").format(w=fmt(w, 4)) if m.ties == n * (n - 1)
                else _("none ({ties} at {w})").format(ties=m.ties, w=fmt(w, 4)))
    c = setting.analysis.config
    temp = f"T {c.temperature:.3g} · " if uses_temperature(c) else ""
    return temp + _("{bits} bits · self {self} · top link {link}").format(bits=f"{m.entropy:.2f}", self=fmt(m.self, 4), link=link)


def compare_header(comparison) -> Text:
    """Two or three lines: the input, the option compared and its values, what T is."""
    from .header import header

    first = header(comparison.settings[0].analysis).plain.splitlines()
    values = " | ".join(s.value for s in comparison.settings)
    t = Text()
    t.append(first[0] + "\n")
    t.append(_("compare {flag}: {values} · every other option the same").format(
        flag=spoken(f"`{comparison.option}`"), values=values), style="bold")
    temps = {round(s.analysis.config.temperature, 9) for s in comparison.settings if uses_temperature(s.analysis.config)}
    if len(temps) == 1 and comparison.settings[0].analysis.config.temperature_auto:
        t.append("\n" + _("T = {t} for every setting: auto T is fixed by the input, not by the option").format(t=f"{temps.pop():.3g}"),
                 style="dim")
    return t


def render_compare(comparison, console: Console, cells: str = "auto") -> None:
    """The α′ of each setting (mean over heads when there are several) on one colour scale, side by side
    when they fit, else one after another; then one line per setting with what changed."""
    from .terminal import matrix_view

    width, color = console.width, console.color_system is not None
    tokens, oov, n = comparison.tokens, comparison.oov, len(comparison.tokens)
    console.print(fit_header(compare_header(comparison), console))
    top = max(float(s.alpha_prime.max()) for s in comparison.settings) or 1.0
    lab_w = max(cell_width(label(i, t, o, len(str(n)))) for i, (t, o) in enumerate(zip(tokens, oov))) + 1
    room = panel_room(n, lab_w, width, len(comparison.settings)) if cells != "numbers" else None
    console.print(Text("\n" + _("α′ · row i = query, column j = key · one colour scale for all: 0 … {top}").format(top=fmt(top, 4)),
                       style="bold"))
    views = []
    for k, s in enumerate(comparison.settings):
        title = s.label + (" " + mean_of_heads(s.analysis.config.heads) if s.analysis.config.heads > 1 else "")
        side = room is not None and k > 0
        body = matrix_view(s.alpha_prime, tokens, oov, "alpha-prime", room + lab_w * (k == 0) if room else width, cells, color,
                           s.analysis.layer.mask, scale=top, labels=not side)
        body.rstrip()
        views.append((title, body))
    if room is not None:
        grid = Table.grid(padding=(0, GAP, 0, 0))
        for k in range(len(views)):
            grid.add_column(no_wrap=True, max_width=room + lab_w * (k == 0))
        grid.add_row(*[Text(t if k else " " * lab_w + t, style="bold", no_wrap=True, overflow="ellipsis")
                       for k, (t, _body) in enumerate(views)])
        grid.add_row(*[b for _title, b in views])
        console.print(grid)
    else:
        for title, body in views:
            console.print(Text(title, style="bold"))
            console.print(body)
    console.print(Text("\n" + _("what changed · bits: row entropy (0 one key, {uniform} uniform) · self: mean α′_ii").format(
        uniform=f"{np.log2(n):.2f}"), style="bold"))
    twice = repeated(tokens)
    lab_w = max(cell_width(s.label) for s in comparison.settings)
    for s in comparison.settings:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{s.label:<{lab_w}}  ", style="bold")
        line.append(setting_line(s, tokens, twice))
        console.print(line, no_wrap=True, overflow="ellipsis")


def compare_title(comparison) -> str:
    """The figure's title: the input, then the option and its values."""
    from .header import figure_title

    first = figure_title(comparison.settings[0].analysis).split("\n")[0]
    values = " | ".join(s.value for s in comparison.settings)
    return f"{first}\n" + r"$\alpha'_{i,j}$" + " " + _("under {flag} = {values} (one colour scale)").format(
        flag=spoken(f"`{comparison.option}`"), values=values)


def mean_of_heads(n: int) -> str:
    """"(mean of 4 heads)" in the language in use."""
    return _("(mean of {n} heads)").format(n=n)


def compare_figure(comparison, style=None):
    """One α′ panel per setting on a shared colour scale (0 … the largest weight shown, or style.vmax),
    one colorbar.  style: figures.Style (cmap, vmax, title).  Returns (figure, warning or None)."""
    from . import figures

    style = style or figures.Style()
    tokens = [printable(t) for t in comparison.tokens]
    panels = [[figures.Panel(s.alpha_prime, "alpha-prime", s.label + (" " + mean_of_heads(s.analysis.config.heads)
                                                                       if s.analysis.config.heads > 1 else ""),
                             s.analysis.layer.mask) for s in comparison.settings]]
    return figures.grid_figure(tokens, panels, [_("query $i$")], style.heading(compare_title(comparison)), style,
                               key_name=_("key $j$"))


def compare_document(comparison) -> dict:
    """JSON (schema attnviz-compare/1): the items, and per setting its config, metrics and α′ per head.
    Token positions are 0-based, as in attnviz/1."""
    from .jsondoc import matrix

    def setting(s) -> dict:
        w, i, j, h = s.metrics.link
        return {"value": s.value, "config": s.analysis.config.to_dict(),
                "metrics": {"entropy_bits": s.metrics.entropy, "self_weight": s.metrics.self,
                            "top_link": {"from": i, "to": j, "head": h, "alpha_prime": w}},
                "heads": [{"index": hn - 1, "alpha_prime": matrix(hd.alpha_prime)}
                          for hn, hd in zip(s.analysis.head_numbers, s.analysis.layer.heads)]}

    return {"schema": "attnviz-compare/1", "option": comparison.option, "text": comparison.text,
            "tokens": list(comparison.tokens), "oov": list(comparison.oov), "source": comparison.source.to_dict(),
            "settings": [setting(s) for s in comparison.settings]}

