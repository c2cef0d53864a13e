"""A score's and a normalization's formulas as the views write them, read from the registry
(core/scores.py): the header's text, the figure's TeX, explain's steps and matrix forms.

`c` is an analysis's typed config (analysis/config.py): its score and normalize name registry entries, and
its d_a, d_k and temperature fill their templates.  Catalog texts are translated here with _().
"""

from __future__ import annotations

import math

from ..analysis.config import VectorSetConfig as Config  # a vector set's: a model's score is fixed
from ..core.scores import normalization, score
from ..i18n import _


def score_text(c: Config) -> str:
    """α_ij = … as the header writes it."""
    return _(score(c.score).text).format(d_a=c.d_a)


def norm_text(c: Config) -> str:
    """α′_i· = … as the header writes it, with T (and "(auto)") when T applies."""
    auto = " " + _("(auto)") if c.temperature_auto else ""
    return _(normalization(c.normalize).text).format(T=f"{c.temperature:.3g}", auto=auto, row_sum=_("row sum"))


def d_k_note(c: Config, tex: bool = False) -> str:
    """" (d_k = 64)" after a formula that has d_k in it, else ""."""
    if not score(c.score).names_d_k:
        return ""
    return f" ($d_k$ = {c.d_k})" if tex else f" (d_k = {c.d_k})"


def score_tex(c: Config) -> str:
    """The score's formula for a figure (matplotlib mathtext); a registered score without TeX: its text."""
    entry = score(c.score)
    return entry.tex if entry.tex is not None else score_text(c).replace("$", r"\$")


def norm_tex(c: Config) -> str:
    return normalization(c.normalize).tex


def uses_temperature(c: Config) -> bool:
    """Whether T applies to this normalization (softmax): views show it only then."""
    return normalization(c.normalize).temperature


def score_step(c: Config, n: int, d_k: int) -> str:
    """explain's step 4 for query number n (from 1)."""
    return _(score(c.score).explain).format(n=n, sqrt_d_k=f"{math.sqrt(d_k):.4g}", d_a=c.d_a)


def norm_step(c: Config, n: int) -> str:
    """explain's step 5 for query number n (from 1)."""
    return _(normalization(c.normalize).explain).format(n=n, T=f"{c.temperature:.4g}",
                                                           no_norm=_("(no normalization)"))


def score_matrix(c: Config, columns: bool) -> str:
    """A as explain --matrices writes it: tokens as rows (A = QKᵀ …) or as columns (A = KᵀQ …)."""
    entry = score(c.score)
    return (entry.columns if columns else entry.rows).format()


def norm_matrix(c: Config) -> str:
    """A′ = … per row (or column) in explain --matrices."""
    return _(normalization(c.normalize).matrix)
