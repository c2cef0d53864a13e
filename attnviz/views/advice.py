"""What a user should know about an analysis, one line each: words without vectors, or a model's
[UNK] pieces.  The views table (views/registry.py) says which an analysis gets."""

from __future__ import annotations

from ..i18n import _


def model_warnings(analysis) -> list[str]:
    """The pieces a model's tokenizer turned into [UNK], when there are any."""
    from ..inputs.language import unk_advice

    unknown = set(analysis.unknown) | {"[UNK]"}
    known = [t for t, s in zip(analysis.tokens, analysis.specials) if not s and t not in unknown]
    line = unk_advice(analysis.unknown, len(analysis.tokens) - sum(analysis.specials), analysis.source.name, known=known)
    return [line] if line else []


def vector_warnings(analysis, long: bool = False) -> list[str]:
    """Words without a vector (when most of the text has none: which language the vectors cover and
    the ways forward); long: a long input's line names no words.  Options are written `name`."""
    from ..inputs.language import script_of, unknown_advice
    from .style import printable

    oov = [t for t, o in zip(analysis.tokens, analysis.oov) if o]
    if not oov:
        return []
    sub = analysis.sequence.subword
    subword = sub.tolist() if sub is not None else [False] * len(analysis.tokens)
    zero = [t for t, o, s in zip(analysis.tokens, analysis.oov, subword) if o and not s]  # a = 0: no vector at all
    advice = unknown_advice(len(zero), len(analysis.tokens), analysis.source.name, script_of(zero))
    if advice:
        return [advice]
    shown = ", ".join(dict.fromkeys(printable(t) for t in oov[:8])) + (", …" if len(oov) > 8 else "")
    how = _("they get fastText subword vectors") if sub is not None and sub.sum() == len(oov) else _("they get a = 0 (no information)")
    counts = dict(k=len(oov), n=len(analysis.tokens), name=analysis.source.name)
    if long:
        return [_("{k} of {n} words not in {name}").format(**counts) + "; " + how]
    return [_("{k} of {n} words not in {name}").format(**counts) + f": {shown}; " + how]
