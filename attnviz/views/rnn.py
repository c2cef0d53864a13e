"""`attnviz rnn`: the RNN's influence matrix beside self-attention's α′ (terminal, figure, JSON attnviz-rnn/1).
Data in (an analysis.rnn.RnnAnalysis), output out."""

from __future__ import annotations

import json

from rich.text import Text

from ..i18n import _
from .jsondoc import matrix
from .style import printable

SCHEMA = "attnviz-rnn/1"


# the notation as the terminal writes it, and as a figure typesets it (mathtext, as the other figures' titles)
PLAIN = {"h": "h^i", "prev": "h^{i−1}", "b": "b^i", "a": "a^j", "alpha": "α′", "influence": "‖∂h^i/∂a^j‖",
         "cell": "h^i = tanh(W a^i + U h^{i−1} + c)"}
TEX = {"h": "$h^{i}$", "prev": "$h^{i-1}$", "b": "$b^{i}$", "a": "$a^{j}$", "alpha": r"$\alpha'$",
       "influence": r"$\Vert \partial h^{i} / \partial a^{j} \Vert$", "cell": r"$h^{i} = \tanh(W a^{i} + U h^{i-1} + c)$"}


def steps_line(r, math: dict = PLAIN) -> str:
    n = len(r.tokens)
    return _("sequential steps: RNN {n} ({h} waits for {prev}) · self-attention 1 (every {b} at once, from every {a})").format(
        n=n, **{k: math[k] for k in ("h", "prev", "b", "a")})


def rnn_words(r, math: dict = PLAIN) -> str:
    """The cell, its size and weights; math=TEX: for a figure (the weights' file name escaped)."""
    kind = _("bidirectional Elman RNN") if r.bidirectional else _("Elman RNN")
    made = _("weights {file}").format(file=r.weights) if r.weights else _("random weights (seed {seed})").format(seed=r.seed)
    if math is TEX:
        from .figures import tex_safe  # a file name's $ would start mathtext

        made = tex_safe(made)
    return f"{kind} {math['cell']} · hidden {r.hidden} · {made}"


def reach(r) -> dict:
    """What the last query takes from the first item: the RNN's share against α′'s (the notes' point)."""
    last = len(r.tokens) - 1
    return {"rnn": float(r.influence[last, 0]), "attention": float(r.alpha_prime[last, 0])}


def render_rnn(r, console, cells: str = "auto") -> None:
    """Header, the influence matrix and α′ on one scale, and the first item's share in the last row."""
    from .header import fit_header, header
    from .terminal import matrix_view

    n = len(r.tokens)
    console.print(fit_header(header(r.attention), console))
    console.print(fit_header(Text(rnn_words(r)), console))
    console.print(fit_header(Text(steps_line(r), style="bold"), console))
    scale = float(max(r.influence.max(), r.alpha_prime.max()))
    oov = list(r.attention.oov)
    tokens = [printable(t) for t in r.tokens]
    for title, m in ((_("RNN influence: row i = ‖∂h^i/∂a^j‖ over its row sum (rows sum to 1)"), r.influence),
                     (_("self-attention {alpha} (rows sum to 1)").format(alpha=PLAIN["alpha"]), r.alpha_prime)):
        console.print(Text("\n" + title + " · " + _("one colour scale, top {s}").format(s=f"{scale:.3g}"), style="bold"))
        console.print(matrix_view(m, tokens, oov, "alpha_prime", console.width, cells, scale=scale), end="")
    share = reach(r)
    console.print(Text("\n" + _("row {n} “{last}” takes from item 1 “{first}”: RNN {rnn}, self-attention {att}").format(
        n=n, last=tokens[-1], first=tokens[0], rnn=f"{share['rnn']:.3g}", att=f"{share['attention']:.3g}"), style="bold"))
    console.print(Text(_("the RNN's rows fade to the left: a^j reaches h^i only through i − j steps of memory; "
                         "α′ weighs every a^j directly, however far"), style="dim"))


def document(r) -> dict:
    from .jsondoc import document as attention_document

    att = attention_document(r.attention)
    return {"schema": SCHEMA, "source": att["source"], "tokens": list(r.tokens),
            "rnn": {"cell": "elman", "hidden": r.hidden, "bidirectional": r.bidirectional, "seed": r.seed,
                    "weights": r.weights},
            "steps": {"rnn": len(r.tokens), "attention": 1},
            "influence": matrix(r.influence),
            "attention": {"config": att["config"], "alpha_prime": matrix(r.alpha_prime)},
            "first_to_last": reach(r)}


def to_json(r) -> str:
    return json.dumps(document(r), ensure_ascii=False, allow_nan=False) + "\n"


def rnn_figure(r, title: str | None = None):
    """Two heatmaps side by side, one colour scale (0 … the larger maximum) and one colorbar."""
    from .figures import tex_safe
    from .fonts import _pyplot, font_for

    plt = _pyplot()
    n = len(r.tokens)
    labels = [tex_safe(printable(t)) for t in r.tokens]
    title = (rnn_words(r, TEX) + "\n" + steps_line(r, TEX)) if title is None else title
    panels = [(_("RNN influence {influence} (rows sum to 1)").format(influence=TEX["influence"]), r.influence),
              (_("self-attention {alpha} (rows sum to 1)").format(alpha=TEX["alpha"]), r.alpha_prime)]
    families, warning = font_for([title] + labels + [p[0] for p in panels])
    top = float(max(r.influence.max(), r.alpha_prime.max()))
    side = min(7.0, max(3.0, 0.3 * n))
    with plt.rc_context({"font.family": families}):
        fig, axes = plt.subplots(1, 2, figsize=(2 * side + 1.2, side + 1.0), constrained_layout=True)
        for ax, (name, m) in zip(axes, panels):
            image = ax.imshow(m, cmap="viridis", vmin=0.0, vmax=top, interpolation="nearest")
            ax.set_title(name, fontsize=9)
            ax.set_xlabel(_("input $j$"), fontsize=8)
            ax.set_ylabel(_("query $i$"), fontsize=8)
            if n <= 40:
                ax.set_xticks(range(n), labels, rotation=90, fontsize=7)
                ax.set_yticks(range(n), labels, fontsize=7)
        fig.colorbar(image, ax=list(axes), shrink=0.8)
        fig.suptitle(title, fontsize=9)
    return fig, warning


class RnnResult:
    """What attnviz.rnn() returns: the analysis (its fields: influence, alpha_prime, tokens, …) and its views."""

    def __init__(self, analysis):
        self.analysis = analysis

    def __getattr__(self, name):
        return getattr(self.analysis, name)

    def to_dict(self) -> dict:
        return document(self.analysis)

    def to_json(self) -> str:
        return to_json(self.analysis)

    def table(self, width: int = 80, color: bool = False) -> str:
        import io

        from .screen import Screen

        buffer = io.StringIO()
        render_rnn(self.analysis, Screen(buffer, width, "truecolor" if color else None))
        return buffer.getvalue()

    def figure(self, title: str | None = None):
        return rnn_figure(self.analysis, title)[0]

    def save(self, *paths: str, dpi: int = 150, title: str | None = None) -> None:
        from .saving import check_paths, save

        for path in check_paths(list(paths)):
            if path.suffix.lower() == ".html":
                from ..errors import UsageError

                raise UsageError(f"`save` {path}: `rnn` saves figures (.png, .svg, .pdf), not pages", "save")
            save(rnn_figure(self.analysis, title)[0], path, dpi)
