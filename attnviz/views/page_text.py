"""The words of the pages' own controls (html_assets/attnviz.js and atlas.js): the English source
strings stay in the scripts, each passed through t("…"), or tf("… {name} …", {name: value}) when
it carries values (placeholders, so that a language may order the words its own way).

page_strings() finds those literals; the catalogs hold them under the gettext context "page"
(scripts/build_catalogs.py --extract adds them), apart from the terminal's strings: the page's
"lines" tab is not the "lines" of a corpus file.  views/html.py embeds {English: translation}
for the language in use, nothing in English.  This module imports nothing of attnviz: the
catalog script loads it by its path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

CONTEXT = "page"  # the msgctxt of the page's strings in the catalogs
ASSETS = ("attnviz.js", "atlas.js")  # the scripts whose t() / tf() strings the catalogs hold
FOLDER = Path(__file__).parent / "html_assets"
LITERAL = r'"(?:[^"\\\n]|\\.)*"'  # a double-quoted JS string
# t("…") or tf("…", {…}): a literal, or literals joined by + (a long note over several lines)
CALL = re.compile(rf"\btf?\(\s*((?:{LITERAL}\s*\+\s*)*{LITERAL})")
ANY_CALL = re.compile(r"\btf?\(")  # every call, literal or not (a test: each one has a literal)


def page_strings(js: str) -> list[str]:
    """The strings of every t("…") and tf("…", …) call in a script, in order, each once."""
    found = ["".join(json.loads(part) for part in re.findall(LITERAL, m.group(1))) for m in CALL.finditer(js)]
    return list(dict.fromkeys(found))


def asset_strings() -> list[str]:
    """page_strings of every script in ASSETS."""
    return list(dict.fromkeys(s for name in ASSETS for s in page_strings((FOLDER / name).read_text(encoding="utf-8"))))
