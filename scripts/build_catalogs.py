"""Catalogs of the teaching views: extract their strings into the .po files, compile .po -> .mo.

    python scripts/build_catalogs.py            # compile every attnviz/locale/*/LC_MESSAGES/attnviz.po
    python scripts/build_catalogs.py --extract  # first add new msgids of SOURCES and the pages (empty msgstr) to each .po

Pure Python (msgfmt may be absent).  The .mo layout is GNU gettext's: a header, two tables of
(length, offset) for the sorted msgids and their msgstrs, then the strings, NUL-terminated.
Plural entries are stored as "singular\\0plural" -> "form0\\0form1 …" (what gettext.GNUTranslations reads),
an entry of a context (msgctxt) as "context\\x04msgid" (what its pgettext reads).  The interactive pages'
strings (the t() / tf() literals of attnviz/views/html_assets/*.js, views/page_text.py) are context "page".
"""

from __future__ import annotations

import ast
import importlib.util
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "attnviz" / "locale"
VIEWS = ROOT / "attnviz" / "views"
SOURCES = [VIEWS / name for name in (
    "terminal.py", "explain.py", "compare.py", "media_compare.py", "audio_terminal.py", "image_terminal.py",
    "present.py", "titles.py", "header.py", "figures.py", "media_figures.py", "audio_figure.py", "image_figure.py", "terminal_model.py", "corpus.py",
    "atlas.py", "atlas_figure.py", "recurrent.py", "rnn.py", "conv.py", "lines_figure.py", "progress.py", "html.py")] + sorted((ROOT / "attnviz" / "cli").glob("*.py")) + [
    ROOT / "attnviz" / "inputs" / "language.py", ROOT / "attnviz" / "inputs" / "kinds.py", ROOT / "attnviz" / "cost.py",
    ROOT / "attnviz" / "analysis" / "stream.py", VIEWS / "formulas.py", ROOT / "attnviz" / "core" / "scores.py"]
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}


def page_text():
    """attnviz/views/page_text.py (it imports nothing of attnviz), loaded by its path: no install needed."""
    spec = importlib.util.spec_from_file_location("page_text", VIEWS / "page_text.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract(path: Path) -> list[tuple[str, str | None]]:
    """(msgid, msgid_plural or None) of every _("…"), N_("…") and ngettext("…", "…", n) in a file, in order."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
            args = node.args[:MARKERS[node.func.id]]
            if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                found.append((args[0].value, args[1].value if len(args) == 2 else None))
    return found


def unquote(s: str) -> str:
    return ast.literal_eval(s)


def parse_po(text: str) -> list[dict]:
    """Entries {msgid, msgid_plural?, msgstr or msgstr[n]} of a .po file (comments dropped)."""
    entries, cur, key = [], None, None
    for line in text.splitlines() + [""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if cur is not None and not line:
                entries.append(cur)
                cur = None
            continue
        if line.startswith('"'):
            cur[key] += unquote(line)
            continue
        key, _, rest = line.partition(" ")
        if key in ("msgctxt", "msgid") and cur is not None and "msgstr" in "".join(cur):
            entries.append(cur)
            cur = None
        cur = cur or {}
        cur[key] = unquote(rest)
    return entries


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def mo_bytes(entries: list[dict]) -> bytes:
    """The GNU .mo file of entries (untranslated ones left out, as msgfmt does)."""
    pairs = {}
    for e in entries:
        key = e["msgctxt"] + "\x04" + e["msgid"] if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            forms = [e[k] for k in sorted(k for k in e if k.startswith("msgstr["))]
            if all(forms):
                pairs[key + "\0" + e["msgid_plural"]] = "\0".join(forms)
        elif e.get("msgstr") or e["msgid"] == "":
            pairs[key] = e["msgstr"]
    keys = sorted(pairs, key=lambda k: k.encode("utf-8"))
    ids = [k.encode("utf-8") for k in keys]
    strs = [pairs[k].encode("utf-8") for k in keys]
    n = len(keys)
    start = 7 * 4 + 16 * n
    table, data = [], b""
    for blob in ids + strs:
        table.append((len(blob), start + len(data)))
        data += blob + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, n, 7 * 4, 7 * 4 + 8 * n, 0, 0)
    return header + b"".join(struct.pack("<2I", *t) for t in table) + data


def po_text(entries: list[dict]) -> str:
    out = []
    for e in entries:
        for key in ("msgctxt", "msgid", "msgid_plural") + tuple(k for k in e if k.startswith("msgstr")):
            if key in e:
                out.append(f"{key} {quote(e[key])}")
        out.append("")
    return "\n".join(out)


def add_new(po: Path) -> int:
    """Append every extracted msgid the .po lacks (empty msgstr); returns how many."""
    entries = parse_po(po.read_text(encoding="utf-8"))
    known = {(e.get("msgctxt"), e["msgid"]) for e in entries}
    new = []
    for source in SOURCES:
        for msgid, plural in extract(source):
            if (None, msgid) not in known:
                known.add((None, msgid))
                new.append({"msgid": msgid, "msgid_plural": plural, "msgstr[0]": ""} if plural else {"msgid": msgid, "msgstr": ""})
    pages = page_text()
    for msgid in pages.asset_strings():
        if (pages.CONTEXT, msgid) not in known:
            known.add((pages.CONTEXT, msgid))
            new.append({"msgctxt": pages.CONTEXT, "msgid": msgid, "msgstr": ""})
    if new:
        with po.open("a", encoding="utf-8") as f:
            f.write("\n" + po_text(new))
    return len(new)


def main(argv: list[str]) -> int:
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        if "--extract" in argv:
            print(f"{po.relative_to(ROOT)}: {add_new(po)} new")
        mo = po.with_suffix(".mo")
        mo.write_bytes(mo_bytes(parse_po(po.read_text(encoding="utf-8"))))
        print(f"wrote {mo.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
