"""--lang: the teaching views in the course notes' Chinese terms (gettext catalogs in attnviz/locale).

Rules: every string a view wraps in _() has a translation whose {placeholders} match; the shipped
.mo is the .po compiled (and reads back as GNU msgfmt's would); under --lang zh no English label
word is left in show, --focus, explain, explain --matrices and --compare at 80 columns, and their
columns align; LANG=zh_CN.UTF-8 switches automatically, --lang en and LC_ALL override; --json is
byte-identical in every language.
"""

import gettext
import importlib.util
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "attnviz" / "locale" / "zh" / "LC_MESSAGES" / "attnviz.po"
CATALOGS = sorted((ROOT / "attnviz" / "locale").glob("*/LC_MESSAGES/attnviz.po"))  # every language
ZH = "餐厅拒绝给我一个火腿三明治，因为它只做素食。"
ZH_VECTORS = ["--vectors", str(DATA / "tiny.zh.w2v.txt")]


def catalogs():
    spec = importlib.util.spec_from_file_location("build_catalogs", ROOT / "scripts" / "build_catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fields(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_view_string_has_a_translation_with_the_same_placeholders(po):
    from attnviz.i18n import LANGUAGES

    assert po.parts[-3] in LANGUAGES, f"{po}: add its language to attnviz.i18n.LANGUAGES"
    bc = catalogs()
    entries = {e["msgid"]: e for e in bc.parse_po(po.read_text(encoding="utf-8"))}
    found = [(m, p, src.name) for src in bc.SOURCES for m, p in bc.extract(src)]
    assert len(found) > 100, "the extractor found too few strings: is it reading the views?"
    for msgid, plural, where in found:
        entry = entries.get(msgid)
        assert entry is not None, f"{where}: {msgid!r} is not in {po}; run scripts/build_catalogs.py --extract"
        translated = entry.get("msgstr[0]") if plural else entry.get("msgstr")
        assert translated, f"{where}: {msgid!r} has no Chinese translation"
        assert fields(translated) == fields(msgid), f"{where}: {msgid!r} -> {translated!r}: placeholders differ"


def test_the_extractor_sees_every_call_form(tmp_path):
    source = tmp_path / "view.py"
    source.write_text('x = _("one")\ny = N_("two")\nz = ngettext("{n} cat", "{n} cats", 3)\nw = _(name)\n')
    assert catalogs().extract(source) == [("one", None), ("two", None), ("{n} cat", "{n} cats")]


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_the_shipped_mo_is_the_po_compiled(po):
    bc = catalogs()
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.read_bytes() == bc.mo_bytes(bc.parse_po(po.read_text(encoding="utf-8"))), \
        f"{mo} is stale: run python scripts/build_catalogs.py"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU msgfmt is not installed")
def test_the_mo_reads_back_as_gnu_msgfmt_compiles_it(tmp_path):
    reference = tmp_path / "ref.mo"
    subprocess.run(["msgfmt", "-c", "-o", str(reference), str(PO)], check=True)
    with open(reference, "rb") as f:
        theirs = gettext.GNUTranslations(f)
    with open(PO.with_suffix(".mo"), "rb") as f:
        ours = gettext.GNUTranslations(f)
    assert ours._catalog == theirs._catalog
    assert ours.ngettext("{n} head", "{n} heads", 4) == "{n} 个头"


def test_the_notes_terms_are_used():
    from attnviz import i18n

    with i18n.using("zh"):
        words = {m: i18n._(m) for m in ("query", "keys and values", "scores", "weights", "heads", "one-hot")}
    assert words == {"query": "查询", "keys and values": "键与值", "scores": "注意力分数", "weights": "归一化",
                     "heads": "多头", "one-hot": "独热编码"}


# --- the views under --lang zh ------------------------------------------------------------------

ENGLISH = {"query", "queries", "key", "keys", "head", "heads", "weight", "weights", "next", "row", "rows", "column",
           "columns", "score", "scores", "value", "values", "token", "tokens", "masked", "mask", "masks", "self",
           "nearest", "words", "input", "output", "vectors", "projection", "identity", "random", "auto", "changed",
           "every", "same", "setting", "scale", "colour", "range", "blue", "red", "vocabulary", "first", "numbered",
           "shifted", "overflow", "normalization", "normalized", "sum", "sums", "bits", "top", "link", "window",
           "bars", "strongest", "cosine", "compare", "option", "given", "from", "of", "the", "and", "for", "by"}

VIEWS = [
    ["show", ZH, *ZH_VECTORS],
    ["show", ZH, *ZH_VECTORS, "--heads", "2", "--window", "2"],
    ["show", ZH, *ZH_VECTORS, "--focus", "它"],
    ["explain", "--focus", "它", ZH, *ZH_VECTORS, "--heads", "2", "--head", "2", "--window", "3"],
    ["explain", "--matrices", ZH, *ZH_VECTORS, "--heads", "2", "--window", "1"],
    ["explain", "--matrices", "--columns", ZH, *ZH_VECTORS, "--projection", "random", "--d-k", "3"],
    ["show", ZH, *ZH_VECTORS, "--compare", "window=none,2"],
    ["show", ZH, *ZH_VECTORS, "--compare", "heads=1,2"],
]


def english_words(text: str) -> set[str]:
    """ASCII words of the view's own wording: flags with their values, option=value labels, the
    input's file name and the `heads` command in the next-steps line are the user's, not labels."""
    text = text.replace(str(DATA / "tiny.zh.w2v.txt"), "")
    text = re.sub(r"--[\w-]+(?: [^\s·]+)?", "", text)
    text = re.sub(r"\w+=\S+", "", text)
    text = re.sub(r"(?<=· )heads(?= )", "", text)
    return {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)} & ENGLISH


@pytest.mark.parametrize("args", VIEWS, ids=lambda a: " ".join(x for x in a if x not in (ZH, *ZH_VECTORS))[:40])
def test_no_english_label_word_is_left_under_lang_zh(cli, args):
    zh = cli(*args, "--lang", "zh").output
    en = cli(*args, "--lang", "en").output
    assert english_words(en), "the English view should have label words (the check would pass vacuously)"
    assert not english_words(zh), f"English left: {sorted(english_words(zh))}\n{zh}"
    assert "查询" in zh or "键" in zh


@pytest.mark.parametrize("args", VIEWS[:4] + VIEWS[6:], ids=lambda a: " ".join(x for x in a if x not in (ZH, *ZH_VECTORS))[:40])
def test_zh_views_fit_80_columns(cli, args):
    from attnviz.views.cells import width

    out = cli(*args, "--lang", "zh").output
    too_wide = [line for line in out.splitlines() if width(line) > 80]
    assert not too_wide, "\n".join(too_wide)


def column_ends(line: str) -> list[int]:
    """Cell offsets where each number of a matrix line ends (a wide character counts 2)."""
    from attnviz.views.cells import width

    return [width(line[:m.end()]) for m in re.finditer(r"(?:^|(?<=\s))[-.\d]+(?=\s|$)", line)]


def test_zh_matrix_and_table_columns_align(cli):
    out = cli("show", ZH, *ZH_VECTORS, "--lang", "zh").output.splitlines()
    header = next(k for k, line in enumerate(out) if line.strip().startswith("1   2"))
    numbers = column_ends(out[header])
    rows = out[header + 1: header + 13]
    assert len(numbers) == 12 and all(re.match(r"\s*\d+ \S", r) for r in rows)
    for row in rows:
        assert column_ends(row)[1:] == numbers, f"misaligned:\n{out[header]}\n{row}"  # [0]: the row number
    from attnviz.views.cells import width

    table = out[next(k for k, line in enumerate(out) if line.startswith("查询")):][:13]
    assert len({width(line) for line in table}) == 1, "\n".join(table)


# --- choosing the language -----------------------------------------------------------------------

def test_lang_follows_the_environment(cli, monkeypatch):
    english = cli("show", ZH, *ZH_VECTORS).output
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    auto = cli("show", ZH, *ZH_VECTORS).output
    assert auto == cli("show", ZH, *ZH_VECTORS, "--lang", "zh").output != english
    assert cli("show", ZH, *ZH_VECTORS, "--lang", "en").output == english
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # LC_ALL wins over LANG
    assert cli("show", ZH, *ZH_VECTORS).output == english
    monkeypatch.setenv("LC_ALL", "zh_TW.UTF-8")
    assert cli("show", ZH, *ZH_VECTORS).output == auto


def test_environment_precedence():
    from attnviz.i18n import from_environment

    assert from_environment({}) == "en"
    assert from_environment({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert from_environment({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}) == "en"
    assert from_environment({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN"}) == "zh"
    assert from_environment({"LC_ALL": "", "LANG": "zh"}) == "zh"
    assert from_environment({"LANG": "fr_FR.UTF-8"}) == "en"  # a language attnviz does not have


@pytest.mark.parametrize("extra", [[], ["--include-vectors"], ["--compare", "score=dot,scaled-dot"], ["--heads", "2"]])
def test_json_is_the_same_in_every_language(cli, extra):
    en = cli("show", ZH, *ZH_VECTORS, "--json", *extra, "--lang", "en").stdout_bytes
    assert cli("show", ZH, *ZH_VECTORS, "--json", *extra, "--lang", "zh").stdout_bytes == en


def test_a_bad_lang_is_a_usage_error(cli):
    result = cli("show", "x y", "--lang", "fr", code=2)
    assert "--lang" in result.output


def test_library_lang_is_per_call_and_the_setting_is_restored():
    import attnviz
    from attnviz import i18n

    result = attnviz.analyze(ZH, vectors=str(DATA / "tiny.zh.w2v.txt"))
    english = result.table()
    chinese = result.table(lang="zh")
    assert "查询" in chinese and "query" in english and i18n.language() == "en"
    assert result.table() == english
    attnviz.set_language("zh")
    assert result.table() == chinese
    with pytest.raises(attnviz.api.UsageError, match="choose auto, en, zh"):
        attnviz.set_language("fr")


def test_english_does_not_read_a_catalog():
    code = ("import sys; from attnviz.cli import main; main(['show', 'The cat sat.']); "
            "from attnviz import i18n; sys.stderr.write(repr(sorted(i18n._loaded)))")
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.stderr.strip().endswith("[]"), done.stderr


def cjk_font_missing() -> bool:
    from attnviz.views.figures import font_for

    return font_for(["查询"])[1] is not None


@pytest.mark.skipif(cjk_font_missing(), reason="no CJK font (pip install 'attnviz[cjk]' or fonts-noto-cjk)")
@pytest.mark.parametrize("kw", [{}, {"focus": "它"}, {"heads": 2, "window": 2}, {"compare": "window=none,2"}],
                         ids=["pair", "focus", "grid", "compare"])
def test_a_zh_figure_has_chinese_labels_and_draws_every_glyph(kw, caplog):
    """matplotlib logs "Font 'default' does not have a glyph" when the text of a mathtext label
    (查询 $i$) falls in a font without Chinese: drawing must log nothing of the kind."""
    import io
    import logging
    import warnings

    import attnviz

    focus = kw.pop("focus", None)
    result = attnviz.analyze(ZH, vectors=str(DATA / "tiny.zh.w2v.txt"), **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", attnviz.api.AttnvizWarning)  # a font missing a glyph would be one
        fig = result.figure(focus=focus, lang="zh") if focus else result.figure(lang="zh")
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        fig.savefig(io.BytesIO(), format="png", dpi=40)
    assert not [r for r in caplog.records if "glyph" in r.getMessage()], caplog.text
    texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert re.search("查询|键|头|归一化", texts) and not re.search(r"\b(query|key|head|weight)\b", texts), texts
