"""Checks the views table (views/registry.py) runs for some analyses before anything is drawn:
a long input's summary, a model's focus, a focus figure's size.  Request: views.present.Request."""

from __future__ import annotations

from ..errors import UsageError
from ..options import DENSE_MAX


def check_focus_size(analysis, request) -> None:
    """Refuse a focus figure too tall to read before drawing it (figures.focus_figure: one chart per
    head, max(2, 0.28 n + 1) inches each; figures._save's limit, MAX_INCHES a side)."""
    from .figures import MAX_INCHES

    paths = [p for p in request.save if p.suffix.lower() != ".html"]
    panels = len(analysis.layers[0].heads)
    height = panels * max(2.0, 0.28 * len(analysis.tokens) + 1.0) + 0.6
    if paths and height > MAX_INCHES:
        raise UsageError(f"`save` {paths[0]}: a figure of {panels} panels would be 8 × {height:.0f} inches, too large "
                         f"to read at any resolution (at most {MAX_INCHES} a side); save one head with `head` H, "
                         "or use fewer `heads`", "save")


def check_long(n: int, top_k_given: bool, request, media: bool = False) -> None:
    """check() for a long input (top-k per query): n items; top_k_given False when it was chosen for
    it.  A text's summary can be saved as an HTML page, not as a figure; a sound or a picture
    (media) also draws figures and focus rows (block means, rows recomputed)."""
    if request.json and not top_k_given:
        raise UsageError(f"{n} items: full matrices would hold {n * n:,} numbers per head; add `top_k` K for each query's K strongest keys", "top_k")
    if request.include_vectors:
        raise UsageError("`include_vectors` needs full matrices; drop `top_k` (or shorten the input)", "include_vectors")
    figures = [p for p in request.save if p.suffix.lower() != ".html"]
    if not media and (request.focus or figures):
        fix = (f"drop `top_k` ({n:,} items fit in full matrices)" if n <= DENSE_MAX else
               f"save x.html for an interactive page, or shorten the input to {DENSE_MAX:,} items")
        raise UsageError(f"{n:,} items with `top_k` (automatic over {DENSE_MAX:,}) show a summary: `focus`, `save` (except .html) "
                         f"and `head` need full matrices; {fix}", "top_k")


def check_model_focus(analysis, request, focus: list[str]) -> None:
    """A model's focus is one head's row: it needs `layer` and `head`."""
    if focus and (analysis.config.layer is None or analysis.config.head is None):
        raise UsageError("with `model`, `focus` needs `layer` and `head` (find them with `attnviz heads`)", "focus")
