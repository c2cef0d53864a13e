"""The language of the teaching views: English (the source strings) or a gettext catalog.

Views wrap what they print in `_()` (and `ngettext` for counts); JSON never goes through here.
The language is one module-level setting, resolved from the environment on first use unless
set_language() or a `lang=` argument chose it: LC_ALL, then LC_MESSAGES, then LANG (the first
that is set) starting with "zh" -> Chinese.  Catalogs live in attnviz/locale/<lang>/LC_MESSAGES/
attnviz.mo (compiled from attnviz.po by scripts/build_catalogs.py); `gettext` is imported and the
catalog read only when a language other than English is in use, so English start-up pays nothing.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("en", "zh")  # en: the source strings; zh: the course notes' terms (locale/zh)
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "attnviz"

_lang: str | None = None  # None: not chosen yet (the environment decides on first use)
_catalog = None  # gettext.GNUTranslations for _lang, or None for English
_loaded: dict[str, object] = {}


def from_environment(environ=None) -> str:
    """The language the environment asks for: the first set of LC_ALL, LC_MESSAGES, LANG decides;
    its language part (zh in zh_CN.UTF-8, zh_TW, zh) when attnviz has that language, else "en"."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            base = value.replace("-", "_").split("_")[0].split(".")[0].split("@")[0].lower()
            return base if base in LANGUAGES else "en"
    return "en"


def resolve(lang: str | None) -> str:
    """None or "auto" -> the environment's language; "en", "zh" as given (a region suffix is
    dropped: zh_CN -> zh); anything else is a UsageError naming the choices."""
    if lang is None or lang == "auto":
        return from_environment()
    base = lang.replace("-", "_").split("_")[0].split(".")[0].lower()
    if base not in LANGUAGES:
        from .errors import UsageError

        raise UsageError(f"`lang` {lang!r} is not a language attnviz has; choose auto, {', '.join(LANGUAGES)}", "lang")
    return base


def _load(lang: str):
    """The compiled catalog of lang (None for English), read once."""
    if lang == "en":
        return None
    if lang not in _loaded:
        import gettext

        with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as f:
            _loaded[lang] = gettext.GNUTranslations(f)
    return _loaded[lang]


def set_language(lang: str | None = None) -> str:
    """Use lang ("en", "zh"; None or "auto": from the environment) for every view from now on.
    Returns the language in use."""
    global _lang, _catalog
    _lang = resolve(lang)
    _catalog = _load(_lang)
    return _lang


def language() -> str:
    """The language in use (resolving it from the environment on first call)."""
    if _lang is None:
        set_language(None)
    return _lang


@contextmanager
def using(lang: str | None):
    """Views produced inside use lang (None: leave the module setting alone); restored after."""
    if lang is None:
        yield language()
        return
    before = language()
    try:
        yield set_language(lang)
    finally:
        set_language(before)


def _(message: str) -> str:
    """message in the language in use (the English source when there is no translation)."""
    if _lang is None:
        language()
    return message if _catalog is None else _catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for count n in the language in use."""
    if _lang is None:
        language()
    if _catalog is None:
        return singular if n == 1 else plural
    return _catalog.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """message of a gettext context (msgctxt) in the language in use (the English source when there
    is no translation): the page's controls are context "page" (views/page_text.py)."""
    if _lang is None:
        language()
    return message if _catalog is None else _catalog.pgettext(context, message)


def N_(message: str) -> str:
    """Marks a literal for the catalog where it is defined (a table of choices); `_()` it where used."""
    return message


def by_reader(cli: str, library: str) -> str:
    """A view's words for its reader: a command line while the CLI runs (options.cli_reading), the
    API call in the library's output (a notebook reads `Result.table()`, not a shell)."""
    from .options import READER

    return cli if READER.get() == "cli" else library


def spoken(text: str) -> str:
    """A view's text with its `option` names as its reader writes them: --flags in the CLI; in the
    library the names the API takes (`json` is the method to_json())."""
    from .options import as_flags

    return by_reader(as_flags(text), text.replace("`json`", "`to_json()`"))
