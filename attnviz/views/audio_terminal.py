"""A sound's attention in the terminal: frames are too many for a matrix of numbers, so the view
is a summary along a time axis in seconds — α′ between stretches of time as a heat map, the
strongest links between times at least 100 ms apart, and a focus frame's α′ as a curve over time."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.text import Text

from ..analysis.results import LongAnalysis
from ..i18n import _, ngettext, spoken
from .audio_links import strongest_time_links, time_ruler
from .cells import pad
from .header import fit_header
from .style import cell_style, seq_rgb, shade

SPARK = " ▁▂▃▄▅▆▇█"
LINK_KEYS = 5  # keys per query the strongest links are chosen from
HEADS_SHOWN = 4  # heads drawn as heat maps; the others are summed up by their links


def times_of(analysis) -> tuple[np.ndarray, float]:
    """[n] frame start times (s) and the hop (s)."""
    s = analysis.sequence.source
    return np.arange(len(analysis.sequence)) * s.hop_s, float(s.hop_s)


def header(analysis) -> Text:
    """Two or three lines: the clip and its frames, then the formulas (and masks) in effect."""
    from .header import describe, heads_count

    s, c = analysis.sequence.source, analysis.config
    words = describe(c)
    t = Text()
    t.append("attnviz ", style="bold")
    frames = ngettext("{n} frames ({frame} ms, hop {hop} ms)", "{n} frames ({frame} ms, hop {hop} ms)", s.n_frames).format(
        n=f"{s.n_frames:,}", frame=f"{s.frame_ms:g}", hop=f"{s.hop_ms:g}")
    t.append(f"· {s.name} · {s.duration_s:.2f} s · {frames} · {s.features} {s.dim}-d · {heads_count(c.heads)}\n")
    t.append(f"{words['score']}    {words['norm']}\n")
    if words["masks"]:
        window = "" if c.window is None else " " + _("(window: ±{ms} ms)").format(ms=f"{c.window * s.hop_s * 1000:g}")
        t.append(_("masks: {masks}").format(masks=words["masks"]) + window + "\n", style="yellow")
    return t


def block_means(alpha_prime: np.ndarray, m: int) -> np.ndarray:
    """[n, n] -> [m, m] mean α′ from each run of query frames to each run of key frames (summed over
    the keys of a run, averaged over its queries: rows still sum to 1)."""
    n = alpha_prime.shape[0]
    edges = np.arange(m + 1) * n // m
    per_key = np.add.reduceat(np.nan_to_num(alpha_prime), edges[:-1], axis=1)  # [n, m]
    return np.add.reduceat(per_key, edges[:-1], axis=0) / np.diff(edges)[:, None]  # [m, m]


def heat(summary: np.ndarray, t1: float, color: bool, cell: int) -> Text:
    """[m, m] block means as a heat map, rows labelled by their start time, a time ruler under it."""
    m = summary.shape[0]
    scale = float(summary.max()) or 1.0
    out = Text(no_wrap=True, overflow="crop")
    step = max(1, m // 8)
    for r in range(m):
        out.append(f"{r * t1 / m:>6.2f}s " if r % step == 0 else " " * 8, style="dim")
        for col in range(m):
            t = summary[r, col] / scale
            out.append(" " * cell if color else shade(t, cell), style=cell_style(seq_rgb(t)) if color else None)
        out.append("\n")
    out.append(" " * 8 + time_ruler(0.0, t1, m * cell) + "\n", style="dim")
    return out


def top_keys(analysis, h: int) -> tuple[np.ndarray, np.ndarray]:
    """[n, K] each query frame's strongest keys and their α′ (−1: none), for head h."""
    if isinstance(analysis, LongAnalysis):
        hd = analysis.heads[h]
        return hd.keys, hd.alpha_prime
    a = np.nan_to_num(analysis.layers[0].heads[h].alpha_prime)  # [n, n]
    k = min(LINK_KEYS, a.shape[1])
    keys = np.argsort(-a, axis=1, kind="stable")[:, :k]
    weights = np.take_along_axis(a, keys, axis=1)
    return np.where(weights > 0, keys, -1), weights


def links_text(analysis, h: int, times: np.ndarray, top: int) -> Text:
    links = strongest_time_links(*top_keys(analysis, h), times, min_gap_s=0.1, top=top)
    out = Text()
    if not links:
        out.append("  " + _("no link spans 100 ms or more (the window is narrower)") + "\n", style="dim")
    for link in links:
        gap = f"{abs(link.t_key - link.t_query) * 1000:,.0f}"
        when = _("({ms} ms later)") if link.t_key > link.t_query else _("({ms} ms earlier)")
        out.append(f"  {link.t_query:6.2f}s → {link.t_key:6.2f}s   α′ = {link.alpha_prime:.3f}   {when.format(ms=gap)}\n")
    return out


def curve(row: np.ndarray, width: int) -> str:
    """[n] α′ over key time -> `width` characters of ▁…█ (each the largest α′ of its stretch)."""
    n = len(row)
    edges = np.arange(width + 1) * n // width if n >= width else np.arange(n + 1)
    peaks = np.maximum.reduceat(np.nan_to_num(row), edges[:-1]) if n else np.zeros(0)
    top = float(peaks.max()) if peaks.size else 0.0
    levels = np.zeros(len(peaks), dtype=int) if top <= 0 else np.ceil(peaks / top * (len(SPARK) - 1)).astype(int)
    return "".join(SPARK[v] for v in levels)


def peaks(row: np.ndarray, times: np.ndarray, min_gap_s: float, top: int) -> list[int]:
    """The `top` strongest key frames of one α′ row, at least min_gap_s apart (a sound lasts
    several frames: its neighbours would fill the list)."""
    chosen: list[int] = []
    for j in np.argsort(-np.nan_to_num(row), kind="stable"):
        if len(chosen) == top or not row[j] > 0:
            break
        if all(abs(times[j] - times[c]) >= min_gap_s - 1e-9 for c in chosen):
            chosen.append(int(j))
    return chosen


def render_focus_curve(analysis, console: Console, i: int, times: np.ndarray, t1: float) -> None:
    from ..analysis.rows import focus_rows

    rows = focus_rows(analysis, [i])[:, 0]  # [H, n]
    width = max(20, min(console.width - 9, 100))
    console.print(Text("\n" + _("α′ of the frame at {t}s over key time").format(t=f"{times[i]:.2f}"), style="bold"))
    console.print(Text(_("each character: the strongest key frame of its ≈{ms} ms").format(ms=f"{t1 / width * 1000:.0f}"), style="dim"))
    where = int(round(times[i] / t1 * width))
    for h, row in enumerate(rows):
        console.print(Text.assemble((pad(_("head {h}").format(h=h + 1), 8) if len(rows) > 1 else "α′      ", "dim"), " ",
                                    (curve(row, width), "cyan")), no_wrap=True, overflow="crop")
        best = peaks(row, times, 0.1, 4)
        console.print(Text("         " + _("strongest: ") + "  ".join(f"{times[j]:.2f}s {row[j]:.3f}" for j in best),
                            style="dim"), no_wrap=True, overflow="ellipsis")
    console.print(Text(" " * 9 + " " * min(where, width - 1) + "▲ " + _("query"), style="yellow"), no_wrap=True, overflow="crop")
    console.print(Text(" " * 9 + time_ruler(0.0, t1, width), style="dim"), no_wrap=True, overflow="crop")


def render_audio(analysis, console: Console, focus: int | None = None) -> None:
    """Header, then per head (up to HEADS_SHOWN) α′ between stretches of time and the strongest
    links ≥ 100 ms apart; with focus (a frame index) that frame's α′ curve over time."""
    times, hop = times_of(analysis)
    t1 = float(times[-1] + hop)
    console.print(fit_header(header(analysis), console), end="")
    color = console.color_system is not None
    n_heads = analysis.config.heads if isinstance(analysis, LongAnalysis) else len(analysis.layers[0].heads)
    if focus is not None:
        render_focus_curve(analysis, console, focus, times, t1)
        return
    cell = 2
    m = max(4, min(len(times), (min(console.width, 100) - 10) // cell))
    for h in range(min(n_heads, HEADS_SHOWN)):
        number = h + 1 if isinstance(analysis, LongAnalysis) else analysis.head_numbers[h]
        summary = analysis.heads[h].summary if isinstance(analysis, LongAnalysis) else \
            block_means(analysis.layers[0].heads[h].alpha_prime, m)
        label = _("head {h}: ").format(h=number) if n_heads > 1 else ""
        console.print(Text("\n" + label + _("mean α′ from query time (rows) to key time (columns), blocks of {ms} ms").format(
            ms=f"{t1 / summary.shape[0] * 1000:,.0f}"), style="bold"), no_wrap=True, overflow="ellipsis")
        console.print(heat(summary, t1, color, cell), end="")
        console.print(Text(_("strongest links between times ≥ 100 ms apart (query → key):"), style="bold"))
        console.print(links_text(analysis, h, times, 6), end="")
    if n_heads > HEADS_SHOWN:
        console.print(Text("\n" + spoken(_("(heads {lo}–{hi} not drawn: `head` N shows one, `json` has all)")).format(lo=HEADS_SHOWN + 1, hi=n_heads),
                           style="dim"))
    console.print(Text(_("next: ") + spoken("`focus` 1.25s · `window` 150ms · `save` frames.png ") + _("(or .html)"), style="dim"))
