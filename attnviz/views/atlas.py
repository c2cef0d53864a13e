"""Views of an atlas (analysis.atlas.Atlas): the terminal grid and ranked lists, and the JSON document
(schema "attnviz-atlas/1", documented in docs/json-schema.md)."""

from __future__ import annotations

import math

from rich.text import Text

from ..analysis.atlas import ROLE, ROLES, SCORES
from ..i18n import N_, _, ngettext
from rich.cells import cell_len

from .cells import pad
from .header import fit_header
from .style import cell_style, fmt, seq_rgb
from .terminal_model import see_head, short_name

SCHEMA = "attnviz-atlas/1"
ROLE_NAMES = {"induction": N_("induction"), "duplicate": N_("duplicate token"), "previous": N_("previous token"),
              "next": N_("next token"), "self": N_("self"), "broad": N_("broad"), "sink": N_("sink")}
SCORE_NAMES = {"breadth": N_("breadth")}  # role scores named otherwise than their role
CELL = 3  # a grid cell: the role's letter and its score × 100 (two digits), e.g. "I90"


def role_name(role: str) -> str:
    return _(ROLE_NAMES[role])


def cell(roles: list[str], scores: dict, ln: int, hn: int) -> tuple[str, float | None]:
    """A head's grid cell ("I90"; "·" when it has no role) and the score that shades it."""
    if not roles:
        return "·".ljust(CELL), None
    r = ROLE[roles[0]]
    s = float(scores[r.score][ln, hn])
    return f"{r.letter}{min(99, round(float(f'{s:.2f}') * 100)):02d}", s  # as the list writes it (.72: P72)


def grid(atlas, color: bool) -> Text:
    """The layers × heads grid: 7 + 4 · heads columns (55 for 12 heads, 43 for 9); the heads named as
    show's grid names them (h1, 头1), a column one cell wider when a name is wider than CELL (头10)."""
    out = Text(no_wrap=True)
    names = [_("h{h}").format(h=h) for h in range(1, atlas.heads + 1)]
    width = max(CELL, *map(cell_len, names))
    out.append(pad(_("layer"), 5, ">") + "  " + " ".join(pad(name, width) for name in names).rstrip() + "\n", style="dim")
    roles = atlas.roles()
    for ln in range(atlas.layers):
        out.append(f"{ln + 1:>5}  ")
        for hn in range(atlas.heads):
            text, s = cell(roles[ln][hn], atlas.scores, ln, hn)
            text = text.rstrip() if hn + 1 == atlas.heads else pad(text, width)
            out.append(text, style=cell_style(seq_rgb(s)) if color and s is not None else None)
            if hn + 1 < atlas.heads:
                out.append(" ")
        out.append("\n")
    return out


def header(atlas) -> Text:
    t = Text()
    t.append("attnviz atlas ", style="bold")
    kind = _("decoder (causal)") if atlas.causal else _("encoder")
    heads = (ngettext("{n} query head", "{n} query heads", atlas.heads).format(n=atlas.heads) + ", "
             + ngettext("{n} key/value head", "{n} key/value heads", atlas.kv_heads).format(n=atlas.kv_heads)
             if atlas.kv_heads != atlas.heads else ngettext("{n} head", "{n} heads", atlas.heads).format(n=atlas.heads))
    layers = ngettext("{n} layer", "{n} layers", atlas.layers).format(n=atlas.layers)
    t.append(f"· {atlas.model.split('/')[-1]} · {atlas.family} · {kind}\n{layers} × {heads}\n")
    frame = "".join(atlas.probe_tokens[: atlas.probe_start])
    probe = _("probe: {t} random tokens × 2{after}, seed {seed}").format(
        t=atlas.probe_length, after=_(" after {frame}").format(frame=frame) if frame else "", seed=atlas.seed)
    t.append(ngettext("text: {n} token", "text: {n} tokens", len(atlas.tokens)).format(n=len(atlas.tokens)) + " · " + probe,
             style="dim")
    return t


def legend_parts() -> tuple[str, list[str]]:
    """The legend's title and its entries, a role letter and threshold each (the terminal's and the page's).
    The sink's says when it is shown: an induction head parks on the sink too (analysis/atlas.py, ROLES)."""
    parts = [f"{r.letter} {role_name(r.name)} ≥ {fmt(r.threshold, 3)}" + (" " + _("(if no other role)") if r.name == "sink" else "")
             for r in ROLES] + ["· " + _("none")]
    return _("each head's strongest role and its score × 100 (99: .99 or more):"), parts


def legend(width: int = 80) -> Text:
    """The letters and thresholds, packed into lines narrower than width."""
    title, parts = legend_parts()
    lines = [parts[0]]
    for part in parts[1:]:
        if cell_len(lines[-1]) + 3 + cell_len(part) < width:
            lines[-1] += "   " + part
        else:
            lines.append(part)
    return Text(title + "\n" + "\n".join(lines), style="dim")


def shown(atlas, role: str) -> list[tuple[int, int, float]]:
    """The heads the grid marks with `role` (their strongest, analysis.atlas.head_roles) as (layer,
    head 1-based, score), highest score first: a head listed under one role only, the grid's, so the
    sink list does not open with the induction heads (they pass the sink too, L18H4 on SmolLM2)."""
    roles = atlas.roles()
    return [h for h in atlas.ranked(role, atlas.layers * atlas.heads) if roles[h[0] - 1][h[1] - 1][0] == role]


def ranked(atlas, top: int = 5, width: int = 80) -> Text:
    """One entry per role: the heads the grid marks with it, highest score first (L18H3 .90: layer 18,
    head 3, score .90), wrapped to width with an indent."""
    out = Text()
    for r in ROLES:
        every = shown(atlas, r.name)
        heads, total = every[:top], len(every)
        title = f"{r.letter} {role_name(r.name)} ({_(SCORE_NAMES[r.score]) + ' ' if r.score != r.name else ''}≥ {fmt(r.threshold, 3)}):"
        items = [f"L{ln}H{hn} {fmt(s, 3)}" for ln, hn, s in heads] or [_("no head")]
        if total > len(heads):
            items.append(_("(+{k} more)").format(k=total - len(heads)))
        out.append(title, style="bold")
        used = cell_len(title)
        for k, item in enumerate(items):
            sep = " " if k == 0 else " · "
            if used + len(sep) + cell_len(item) > width - 1:
                out.append("\n    ")
                sep, used = "", 4
            out.append(sep + item, style="dim" if not heads else None)
            used += len(sep) + cell_len(item)
        out.append("\n")
    return out


def render_atlas(atlas, console, top: int = 5) -> None:
    """The atlas in the terminal: header, grid, ranked heads per role."""
    color = console.color_system is not None
    console.print(fit_header(header(atlas), console))
    console.print(Text(""))
    console.print(legend(console.width))
    console.print(grid(atlas, color), end="")
    first = next((heads[0] for r in ROLES if (heads := shown(atlas, r.name))), (1, 1, 0.0))  # an example the list shows
    console.print(Text("\n" + _("heads per role, strongest first (L{l}H{h}: layer {l}, head {h}):").format(l=first[0], h=first[1]),
                       style="bold"))
    console.print(ranked(atlas, top, console.width), end="")
    see = see_head(short_name(atlas.model), "L", "H").removesuffix(" …")
    console.print(Text(_("see one head: {see}").format(see=see), style="dim"))


def document(atlas) -> dict:
    """The schema's dict: one [layers][heads] array per score, each head's roles, the probe."""
    clean = lambda x: round(float(x), 6) if math.isfinite(x) else None  # noqa: E731  never NaN in JSON
    return {
        "schema": SCHEMA,
        "model": {"name": atlas.model, "family": atlas.family, "causal": atlas.causal, "layers": atlas.layers,
                  "heads": atlas.heads, "kv_heads": atlas.kv_heads},
        "text": atlas.text,
        "tokens": list(atlas.tokens),
        "ids": list(atlas.ids),
        "special": list(atlas.specials),
        "probe": {"ids": list(atlas.probe_ids), "length": atlas.probe_length, "start": atlas.probe_start, "seed": atlas.seed},
        "scores": {name: [[clean(x) for x in row] for row in atlas.scores[name].tolist()] for name in SCORES},
        "roles": atlas.roles(),
        "thresholds": {r.name: {"score": r.score, "threshold": r.threshold, "letter": r.letter} for r in ROLES},
    }
