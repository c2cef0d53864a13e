"""The effective configuration in words: the header over a terminal view and the title of a figure.

describe() turns a config into the lines both share (score, normalization, input, masks, what
auto T means); header() writes them for the terminal, figure_title() for matplotlib's mathtext.
Data in, text out.  fit_header() breaks a header's long lines between their parts for a console's width.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

from ..i18n import N_, _, ngettext, spoken
from ..inputs.sources import ImageSource
from .formulas import d_k_note, norm_tex, norm_text, score_tex, score_text, uses_temperature


AUTO_T = {
    "identity": N_("auto T = median a^i·a^i/√d of the input ÷ 3, same for every `score`; 1: textbook"),
    "other": N_("auto T = 1 (the textbook) with a learned or random W^q, W^k"),
}


NORMED = {"standard": N_("standard vectors"), "center": N_("centred vectors"), "none": N_("raw vectors")}  # a^i's input_norm


def source_name(source, config) -> str:
    """The input's name as a header writes it: one-hot vectors in the language in use (their
    source.name stays "one-hot (N words)" in JSON), anything else its name."""
    if config.embedding == "onehot" and source.dim:
        return ngettext("one-hot ({n} word)", "one-hot ({n} words)", source.dim).format(n=source.dim)
    return source.name


def describe(config: dict, grid: bool = False) -> dict[str, str]:
    """The effective config in words: the score, normalization, input, mask and auto-T lines of a header.
    grid: the items are a picture's rows × columns (its window is 2-D)."""
    c = config
    score, norm = score_text(c), norm_text(c)
    proj = {"identity": _("identity projection (q = k = v = a)"), "random": _("random projection (seed {seed})").format(seed=c.seed),
            "weights": _("weights {file}").format(file=c.weights)}[c.projection]
    short = {"identity": "q=k=v=a", "random": _("random W (seed {seed})").format(seed=c.seed),
             "weights": _("W from {file}").format(file=c.weights)}[c.projection]
    source = _("one-hot") if c.embedding == "onehot" else _(NORMED.get(c.input_norm, "{norm} vectors")).format(norm=c.input_norm)
    pos = " + " + _("{s}·sinusoidal e^i").format(s=f"{c.pos_scale:g}") if c.pos == "sinusoidal" else ""
    masks = []
    if c.window is not None:
        masks.append((_("window |Δrow|, |Δcol| ≤ {w}") if grid else _("window |i−j| ≤ {w}")).format(w=c.window))
    if c.causal:
        masks.append(_("causal j ≤ i"))
    if c.edges or c.graph:
        masks.append(_("graph edges (directed)") if c.directed else _("graph edges"))
    if c.no_self:
        masks.append(_("no self"))
    auto = spoken(_(AUTO_T["identity" if c.projection == "identity" else "other"])) if c.temperature_auto and uses_temperature(c) else ""
    return {"score": score, "norm": norm, "input": f"a^i: {source}{pos} · {proj}", "masks": " · ".join(masks),
            "source": f"{source}{pos}", "projection": short, "auto": auto}


def figure_title(analysis) -> str:
    """Two lines for a figure (matplotlib mathtext): the input and sizes, then the formulas, T and masks."""
    from .figures import tex_safe

    c, s = analysis.config, analysis.source
    words = describe(c, grid=isinstance(s, ImageSource))
    heads = " · " + heads_count(c.heads) if c.heads > 1 else ""
    first = (f"{tex_safe(source_name(s, c))} · {items_count(analysis)} · {tex_safe(words['source'])} ({s.dim}-d) · "
             f"{tex_safe(words['projection'])}{heads}")
    temp = f", T = {c.temperature:.3g}" + (" " + _("(auto)") if c.temperature_auto else "") if uses_temperature(c) else ""
    second = f"{score_tex(c)}{d_k_note(c, tex=True)}    {norm_tex(c)}{temp}"
    return first + "\n" + second + ("    " + _("masks: {masks}").format(masks=words["masks"]) if words["masks"] else "")


def heads_count(n: int) -> str:
    """"4 heads" in the language in use."""
    return ngettext("{n} head", "{n} heads", n).format(n=n)


def items_count(analysis) -> str:
    """"9 tokens" (text) or "9 items" (a vector set), in the language in use."""
    n = len(analysis.tokens)
    if analysis.sequence.lexicon is not None:
        return ngettext("{n} token", "{n} tokens", n).format(n=n)
    return ngettext("{n} item", "{n} items", n).format(n=n)


def header(analysis) -> Text:
    """Three lines (a fourth with masks): what went in, the formulas with T, what auto T means."""
    c, s = analysis.config, analysis.source
    words = describe(c, grid=isinstance(s, ImageSource))
    heads = " · " + heads_count(c.heads) if c.heads > 1 else ""
    t = Text()
    t.append("attnviz ", style="bold")
    t.append(f"· {source_name(s, c)} · {items_count(analysis)} · {words['source']} ({s.dim}-d) · {words['projection']}{heads}\n")
    t.append(f"{words['score']}{d_k_note(c)}   {words['norm']}")
    if words["auto"]:
        t.append("\n" + words["auto"], style="dim")
    if words["masks"]:
        t.append("\n" + _("masks: {masks} (· = masked)").format(masks=words["masks"]), style="yellow")
    if any(analysis.oov):
        t.append("\n" + _("* not in the vocabulary (a = 0)"), style="dim")
    return t


BREAK = re.compile(r" (?=· )| {2,}")  # where a header line may break: before a " · " part, or at a gap between formulas


def breaks(line: str, width: int) -> list[tuple[int, int]]:
    """Where to break one line so each piece fits `width` cells (continuations indented by two):
    (end of a piece, start of the next) pairs, at BREAK only; a part wider than the width alone
    stays whole (the console wraps it, as before).  A line that fits gets no breaks."""
    cuts = [(m.start(), m.end()) for m in BREAK.finditer(line) if line[:m.start()].strip()]
    out, start, indent = [], 0, 0
    while indent + cell_len(line[start:]) > width:
        later = [pair for pair in cuts if pair[0] > start]
        fitting = [pair for pair in later if indent + cell_len(line[start:pair[0]]) <= width]
        cut = fitting[-1] if fitting else (later[0] if later else None)
        if cut is None:
            break
        out.append(cut)
        start, indent = cut[1], 2
    return out


def fit_header(text: Text, console) -> Text:
    """A header as `console` should print it: each line wider than the console broken between its
    parts ("· 1 head" stays whole on the next line, indented by two; wide CJK characters count 2).
    Unchanged where it fits, and where the console writes long lines whole (soft_wrap: a pipe has
    no width to fit), so piped output stays as it was; styles are kept (Text.divide)."""
    if getattr(console, "soft_wrap", False):
        return text
    pairs, offset = [], 0
    for line in text.plain.split("\n"):
        pairs += [(offset + end, offset + start) for end, start in breaks(line, console.width)]
        offset += len(line) + 1
    if not pairs:
        return text
    pieces = text.divide([x for pair in pairs for x in pair])  # piece, gap, piece, gap, …, piece
    return text.blank_copy("\n  ").join(pieces[::2])
