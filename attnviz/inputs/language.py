"""Which writing system a text is in, and what to do when the vectors or the model in use do
not know it: one line of advice, built here (pure functions), printed by the CLI.  Options are
written `name` as in every library message; the CLI writes them as flags (options.as_flags).
The advice is in the language of the views (i18n: a Chinese reader sees it first); option names
and values, file and model names stay as they are."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from itertools import islice

from ..i18n import N_, _
from .wordvectors import EmbeddedVectors

# the first word of a letter's Unicode name -> its script
_SCRIPTS = {"CJK": "Han", "HIRAGANA": "Kana", "KATAKANA": "Kana", "HANGUL": "Hangul", "CYRILLIC": "Cyrillic",
            "GREEK": "Greek", "ARABIC": "Arabic", "HEBREW": "Hebrew", "DEVANAGARI": "Devanagari", "THAI": "Thai",
            "LATIN": "Latin"}
# script -> (language named in the advice, fastText Common Crawl code) for the scripts one language dominates
LANGUAGES = {"Han": (N_("Chinese"), "zh"), "Kana": (N_("Japanese"), "ja"), "Hangul": (N_("Korean"), "ko"),
             "Greek": (N_("Greek"), "el"), "Hebrew": (N_("Hebrew"), "he"), "Thai": (N_("Thai"), "th")}
COVERS = {EmbeddedVectors.name: N_("English")}  # what the vectors shipped with attnviz cover
# script -> its name in the advice (Latin and Other are not named)
SCRIPT_NAMES = {"Han": N_("Han script"), "Kana": N_("Kana script"), "Hangul": N_("Hangul script"),
                "Cyrillic": N_("Cyrillic script"), "Greek": N_("Greek script"), "Arabic": N_("Arabic script"),
                "Hebrew": N_("Hebrew script"), "Devanagari": N_("Devanagari script"), "Thai": N_("Thai script")}


def script_of(words: Iterable[str], letters: int = 10_000) -> str | None:
    """The script most letters of `words` are written in: Han, Kana, Hangul, Cyrillic, Greek,
    Arabic, Hebrew, Devanagari, Thai, Latin or Other; None when there is no letter.
    Japanese mixes kanji (Han) with kana: any kana among the Han letters (≥ 1 in 10) means Kana.

    letters  default 10 000: only the first this many letters are read (a long text's unknown
             words would otherwise cost seconds; a sample this size decides the majority)"""
    counts = Counter(_script(c) for c in islice((c for w in words for c in w if c.isalpha()), letters))
    if not counts:
        return None
    best = counts.most_common(1)[0][0]
    if best == "Han" and counts["Kana"] * 10 >= counts["Han"]:
        return "Kana"
    return best


def _script(c: str) -> str:
    return _SCRIPTS.get(unicodedata.name(c, "").split(" ", 1)[0], "Other")


def unknown_advice(n_unknown: int, n_total: int, vectors_name: str, script: str | None) -> str | None:
    """One line saying what to do when most of a text is unknown to the vectors, else None.

    n_unknown     tokens without a vector (a = 0)
    n_total       tokens in the text
    vectors_name  Vectors.name of the vectors in use (the embedded ones are said to cover English)
    script        script_of(the unknown tokens), e.g. "Han"; None if unknown
    Returns None unless n_unknown > n_total / 2.
    """
    if n_total <= 0 or 2 * n_unknown <= n_total:
        return None
    language, code = LANGUAGES.get(script, (None, None))
    covers = COVERS.get(vectors_name)
    name = SCRIPT_NAMES.get(script)
    counts = dict(k=n_unknown, n=n_total, what=_(" ({script})").format(script=_(name)) if name else "", name=vectors_name)
    line = (_("{k} of {n} tokens{what} are not in {name}, which covers {language}: they get a^i = 0, which carries no "
              "meaning.").format(language=_(covers), **counts) if covers else
            _("{k} of {n} tokens{what} are not in {name}: they get a^i = 0, which carries no meaning.").format(**counts))
    if language:
        example = (_("the Chinese-Word-Vectors sgns files or fastText cc.zh.300.vec") if code == "zh"
                   else f"fastText cc.{code}.300.vec")
        vectors = _("`vectors` FILE with {language} word vectors in any gensim format (e.g. {example})").format(
            language=_(language), example=example)
        model = (_("`model` DIR with a {language} BERT-family model (e.g. {example})").format(
            language=_(language), example="bert-base-chinese") if code == "zh"
            else _("`model` DIR with a {language} BERT-family model").format(language=_(language)))
    else:
        vectors = _("`vectors` FILE with word vectors for the text's language in any gensim format (e.g. fastText "
                    "cc.LANG.300.vec)")
        model = _("`model` DIR with a BERT-family model for that language")
    return _("{line} Ways forward: {vectors}; `embedding` onehot (no vectors needed: each distinct word its own "
             "direction); {model}.").format(line=line, vectors=vectors, model=model)


def unk_advice(pieces: list[str], n_tokens: int, model_name: str, unk_token: str = "[UNK]",
               known: Iterable[str] = ()) -> str | None:
    """One line counting and naming the text a model's tokenizer turned into [UNK], else None.

    pieces      the original text of each [UNK] token, in order (models.checkpoint.unk_pieces)
    n_tokens    tokens of the text, special tokens excluded
    model_name  the model's name as shown
    unk_token   default "[UNK]"
    known       default (): the text's tokens the model does know; when more of them than of the
                pieces are in the pieces' script, the model reads that language and the pieces are
                rare to it (an English model on Chinese text knows a few characters, not most)
    """
    if not pieces:
        return None
    distinct = list(dict.fromkeys(pieces))
    shown = " ".join(distinct[:12]) + (" …" if len(distinct) > 12 else "")
    script = script_of(pieces)
    language = LANGUAGES.get(script, (None, None))[0]
    if language and sum(script_of([t]) == script for t in known) > len(pieces):
        fix = _("{model} reads other {language} text, so these are rare to it: a model with a larger vocabulary may know "
                "them").format(model=model_name, language=_(language))
    elif language == "Chinese":
        fix = _("for {language} text give `model` DIR with a {language} BERT-family model (e.g. {example})").format(
            language=_(language), example="bert-base-chinese")
    elif language:
        fix = _("for {language} text give `model` DIR with a {language} BERT-family model").format(language=_(language))
    else:
        fix = _("a model whose vocabulary covers the text's language has pieces for them")
    return _("{k} of {n} tokens became {unk} in {model}'s vocabulary: {shown} (all share the one {unk} embedding, so "
             "the model cannot tell them apart); {fix}").format(k=len(pieces), n=n_tokens, unk=unk_token, model=model_name,
                                                              shown=shown, fix=fix)
