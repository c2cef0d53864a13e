"""`show --image … --conv K`: the K² heads' α′ for a focused pixel, b against conv2d, and `compare` over α.
Data in (an analysis.conv.ConvAnalysis), output out (terminal, figure, JSON attnviz-conv/1)."""

from __future__ import annotations

import json

import numpy as np
from rich.text import Text

from ..i18n import N_, _, spoken

SCHEMA = "attnviz-conv/1"


def kernel_words(c) -> str:
    k, d_in, d_out = c.kernel.shape[0], c.kernel.shape[2], c.kernel.shape[3]
    name = _("Laplacian edge detector per channel (default)") if c.kernel_name == "laplacian" else c.kernel_name
    return _("kernel {name} [{k} × {k} × {d_in} × {d_out}]").format(name=name, k=k, d_in=d_in, d_out=d_out)


def error_line(c) -> str:
    s = c.source
    return _("max |b − conv2d(x, kernel)| = {err} over all {n} {items} × {d} channels (zero padding; α = {alpha})").format(
        err=f"{c.layer.error:.3g}", n=f"{s.rows * s.cols:,}", items=_("patches") if s.patch else _("pixels"),
        d=c.kernel.shape[3], alpha=f"{c.layer.alpha:g}")


ADDS = N_("full self-attention adds what this layer fixes: every head may look at every pixel at once (not only "
        "its one neighbour), and where it looks comes from the content (q·k), learned, not a fixed shift Δ_h")


def render_conv(c, console) -> None:
    k, s, (fr, fc) = c.k, c.source, c.focus
    from .header import fit_header

    console.print(fit_header(Text.assemble(("attnviz ", "bold"), spoken("· `conv` ") + f"{k} · {s.name} · {s.rows} × {s.cols} "
                                           f"{_('patches') if s.patch else _('pixels')} · {s.dim}-d · {kernel_words(c)}"), console))
    console.print(Text(_("{heads} heads; head h: α_q,k = −α‖δ − Δ_h‖² (δ: offset from query to key, Δ_h: the head's shift), "
                         "α = {alpha}; α′ = softmax; v = x; W^o_h = kernel[Δ_h]  (Cordonnier et al. 2020)").format(
        heads=k * k, alpha=f"{c.layer.alpha:g}")))
    console.print(Text("\n" + _("focus {item} ({r},{c}): each head's α′ on the key at its shift (rows Δrow, columns Δcol; pad 0: "
                                  "a zero key outside the picture)").format(item=_("patch") if s.patch else _("pixel"), r=fr + 1, c=fc + 1), style="bold"))
    r = k // 2
    width = max(len(f"{d:+d}") for d in range(-r, r + 1))
    console.print(" " * (width + 2) + "".join(f"{dc:>+16d}" for dc in range(-r, r + 1)))
    pad = r  # the focus weights cover the padded grid
    for a, dr in enumerate(range(-r, r + 1)):
        cells = []
        for b, dc in enumerate(range(-r, r + 1)):
            w = c.layer.focus_weights[a * k + b, fr + dr + pad, fc + dc + pad]
            inside = 0 <= fr + dr < c.source.rows and 0 <= fc + dc < c.source.cols
            where = f"({fr + dr + 1},{fc + dc + 1})" if inside else _("pad 0")
            cells.append(f"{w:.4f} {where}".rjust(16))
        console.print(f"{dr:+d}".rjust(width + 2) + "".join(cells))
    rest = float(max(1.0 - c.layer.on_shift.min(), 0.0))
    console.print(Text("   " + _("every head, every pixel: α′ on its shift ≥ {low}; all other keys share ≤ {rest}").format(
        low=f"{c.layer.on_shift.min():.6f}", rest=f"{rest:.2g}"), style="dim"))
    console.print(Text("\n" + error_line(c), style="bold green" if c.layer.error < 1e-4 else "bold"))
    if c.steps:
        compare_table(c, console)
    console.print(Text("\n" + _(ADDS), style="dim"))


def compare_table(c, console) -> None:
    console.print(Text("\n" + spoken(_("`compare` over α: the approach to the limit (α → ∞: a convolution)")), style="bold"))
    console.print(f"{'α':>10}  {_('min α′ on the shift'):>20}  {'max |b − conv2d|':>18}")
    for alpha, low, err in c.steps:
        console.print(f"{alpha:>10g}  {low:>20.6f}  {err:>18.3g}")


def document(c) -> dict:
    return {"schema": SCHEMA, "source": c.source.to_dict(), "k": c.k, "alpha": c.layer.alpha, "kernel": c.kernel_name,
            "kernel_shape": list(c.kernel.shape), "shifts": c.layer.shifts.tolist(),
            "focus": {"row": c.focus[0] + 1, "col": c.focus[1] + 1},
            "on_shift": c.layer.on_shift.tolist(), "max_abs_error": c.layer.error,
            "compare": [{"alpha": a, "min_on_shift": low, "max_abs_error": err} for a, low, err in c.steps]}


def to_json(c) -> str:
    return json.dumps(document(c), ensure_ascii=False, allow_nan=False) + "\n"


def conv_figure(c, title: str | None = None):
    """K × K panels of the heads' α′ around the focused pixel, then the picture, b, and |b − conv2d|."""
    from .figures import tex_safe
    from .fonts import _pyplot

    plt = _pyplot()
    k, r = c.k, c.k // 2
    fr, fc = c.focus
    reach = r + 2  # the panels show the keys within reach of the focus
    fig = plt.figure(figsize=(3.2 + 1.3 * k + 7.5, 1.3 * k + 1.3), constrained_layout=True)
    grid = fig.add_gridspec(k, k + 3, width_ratios=[1] * k + [k / 1.5] * 3)
    for h, (dr, dc) in enumerate(c.layer.shifts):
        ax = fig.add_subplot(grid[h // k, h % k])
        full = c.layer.focus_weights[h]  # [H + 2r, W + 2r]
        lo_r, lo_c = fr + r - reach, fc + r - reach
        window = np.zeros((2 * reach + 1, 2 * reach + 1))
        for i in range(2 * reach + 1):
            for j in range(2 * reach + 1):
                if 0 <= lo_r + i < full.shape[0] and 0 <= lo_c + j < full.shape[1]:
                    window[i, j] = full[lo_r + i, lo_c + j]
        ax.imshow(window, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        ax.plot([reach], [reach], marker="+", color="red", markersize=6)
        ax.set_title(f"Δ = ({dr:+d},{dc:+d})", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    picture = c.sequence.media
    panels = [(_("picture, focus +"), None), (_("b (attention), channel 1"), c.layer.output[:, :, 0]),
              ("|b − conv2d|", np.abs(c.layer.output - c.layer.direct).max(axis=2))]
    for col, (name, m) in enumerate(panels):
        ax = fig.add_subplot(grid[:, k + col])
        if m is None:
            ax.imshow(picture, interpolation="nearest")
            p = c.source.patch or 1
            ax.plot([fc * p + p / 2 - 0.5], [fr * p + p / 2 - 0.5], marker="+", color="red", markersize=10)
        else:
            image = ax.imshow(m, cmap="magma" if col == 2 else "gray", interpolation="nearest")
            fig.colorbar(image, ax=ax, shrink=0.6)
        ax.set_title(name, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    default = _("{k}² heads' α′ for item ({r},{c}); ").format(k=k, r=fr + 1, c=fc + 1) \
        + error_line(c)
    fig.suptitle(tex_safe(default if title is None else title), fontsize=9)
    return fig


class ConvResult:
    """What attnviz.conv() returns: the analysis (layer, kernel, focus, steps, …) and its views."""

    def __init__(self, analysis):
        self.analysis = analysis

    def __getattr__(self, name):
        return getattr(self.analysis, name)

    @property
    def error(self) -> float:
        return self.analysis.layer.error

    def to_dict(self) -> dict:
        return document(self.analysis)

    def to_json(self) -> str:
        return to_json(self.analysis)

    def table(self, width: int = 100) -> str:
        import io

        from .screen import Screen

        buffer = io.StringIO()
        render_conv(self.analysis, Screen(buffer, width, None))
        return buffer.getvalue()

    def figure(self, title: str | None = None):
        return conv_figure(self.analysis, title)

    def save(self, *paths: str, dpi: int = 150, title: str | None = None) -> None:
        from ..errors import UsageError
        from .saving import check_paths, save

        for path in check_paths(list(paths)):
            if path.suffix.lower() == ".html":
                raise UsageError(f"`save` {path}: `conv` saves figures (.png, .svg, .pdf), not pages", "save")
            save(conv_figure(self.analysis, title), path, dpi)
