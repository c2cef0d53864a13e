"""--lang: the teaching views in the course notes' Chinese terms (gettext catalogs in attnviz/locale).

Rules: every string a view wraps in _() has a translation whose {placeholders} match; the shipped
.mo is the .po compiled (and reads back as GNU msgfmt's would); under --lang zh no English label
word is left in show, --focus, explain, explain --matrices, --compare, the --model views (overview,
one head, focus), `heads` rankings, `heads --file` and the long-input summary at 80 columns, and
their columns align; the unknown-word and [UNK] advice is in Chinese but for option names, values
and file names; LANG=zh_CN.UTF-8 switches automatically, --lang en and LC_ALL override; --json is
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

from conftest import DATA, SEED
from spans import field_spans

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "attnviz" / "locale" / "zh" / "LC_MESSAGES" / "attnviz.po"
CATALOGS = sorted((ROOT / "attnviz" / "locale").glob("*/LC_MESSAGES/attnviz.po"))  # every language
ZH = "餐厅拒绝给我一个火腿三明治，因为它只做素食。"
ZH_VECTORS = ["--vectors", str(DATA / "tiny.zh.w2v.txt")]
BERT_ZH = str(DATA / "tiny-bert-zh")  # a tiny Chinese BERT (scripts/make_tiny_bert_zh.py): always here
CORPUS, LONG = "{corpus}", "{long}"  # files each test writes (materialize)


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
    entries = {e["msgid"]: e for e in bc.parse_po(po.read_text(encoding="utf-8")) if "msgctxt" not in e}  # pages: test_page_words
    found = [(m, p, src.name) for src in bc.SOURCES for m, p in bc.extract(src)]
    assert len(found) > 100, "the extractor found too few strings: is it reading the views?"
    for msgid, plural, where in found:
        entry = entries.get(msgid)
        assert entry is not None, f"{where}: {msgid!r} is not in {po}; run scripts/build_catalogs.py --extract"
        translated = entry.get("msgstr[0]") if plural else entry.get("msgstr")
        assert translated, f"{where}: {msgid!r} has no Chinese translation"
        assert fields(translated) == fields(msgid), f"{where}: {msgid!r} -> {translated!r}: placeholders differ"
        assert backticked(translated) == backticked(msgid), f"{where}: {msgid!r} -> {translated!r}: `options` differ"


def backticked(s: str) -> list[str]:
    """The `option` names of a library message (options.as_flags turns them into --flags): kept as they are."""
    return sorted(re.findall(r"`\w+`", s))


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
MINILM_VIEWS = [  # skipped when the MiniLM package is not installed
    ["show", "--model", "minilm", SEED],
    ["show", "--model", "minilm", SEED, "--words"],
    ["show", "--model", "minilm", SEED, "--layer", "5", "--head", "3"],
    ["show", "--model", "minilm", SEED, "--layer", "5", "--head", "3", "--focus", "it"],
    ["heads", SEED],
    ["heads", SEED, "--from", "it", "--to", "restaurant"],
    ["heads", "--file", CORPUS],
    ["heads", "--file", CORPUS, "--from", "it", "--to", "restaurant"],
]
MODEL_VIEWS = MINILM_VIEWS + [
    ["show", "--model", BERT_ZH, ZH],
    ["show", "--model", BERT_ZH, ZH, "--layer", "2", "--head", "1"],
    ["heads", "--model", BERT_ZH, ZH, "--from", "它", "--to", "餐"],
]
LONG_VIEWS = [
    ["show", "--file", LONG, *ZH_VECTORS, "--top-k", "3"],  # streamed (analysis/stream.py)
    ["show", LONG, *ZH_VECTORS, "--top-k", "3", "--heads", "2", "--window", "4"],  # in memory
]
NEW_VIEWS = MODEL_VIEWS + LONG_VIEWS


def view_id(args) -> str:
    return " ".join(x for x in args if x not in (ZH, SEED, BERT_ZH, *ZH_VECTORS))[:48]


@pytest.fixture
def materialize(tmp_path):
    """args with CORPUS (the corpus tests' sentences and a blank line) and LONG (the Chinese sentence
    60 times: 720 tokens, a file for --file and its text as an argument) made real; MiniLM views
    are skipped when the model is not installed."""
    def made(args):
        if "minilm" in args or args[0] == "heads" and "--model" not in args:
            from installed import minilm_dir

            minilm_dir()
        from samples import SENTENCES

        corpus, long = tmp_path / "corpus.txt", tmp_path / "long.txt"
        corpus.write_text("\n".join(SENTENCES) + "\n\n", encoding="utf-8")
        long.write_text(ZH * 60, encoding="utf-8")
        out = [str(corpus) if a == CORPUS else a for a in args]
        if LONG in out:
            k = out.index(LONG)
            out[k] = str(long) if k and out[k - 1] == "--file" else ZH * 60
        return out

    return made


def english_words(text: str, user: str = "") -> set[str]:
    """ASCII words of the view's own wording: flags with their values, option=value labels, the
    input's file name, attnviz commands to type (`attnviz heads`, `· heads` in the next-steps line)
    and the words of the user's text (`user`: "The" of the MiniLM sentence) are not labels."""
    text = text.replace(str(DATA / "tiny.zh.w2v.txt"), "")
    text = re.sub(r"--[\w-]+(?: [^\s·]+)?", "", text)
    text = re.sub(r"\w+=\S+", "", text)
    text = re.sub(r"(?<=· )heads(?= )|\battnviz (?:show|heads|explain|pe)\b", "", text)
    words = {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)}
    return (words - {w.lower() for w in re.findall(r"[A-Za-z]{2,}", user)}) & ENGLISH


@pytest.mark.parametrize("args", VIEWS + NEW_VIEWS, ids=view_id)
def test_no_english_label_word_is_left_under_lang_zh(cli, materialize, args):
    args = materialize(args)
    zh = cli(*args, "--lang", "zh").output
    en = cli(*args, "--lang", "en").output
    user = SEED if SEED in args else ""
    assert english_words(en, user), "the English view should have label words (the check would pass vacuously)"
    assert not english_words(zh, user), f"English left: {sorted(english_words(zh, user))}\n{zh}"
    assert "查询" in zh or "键" in zh


@pytest.mark.parametrize("args", VIEWS[:4] + VIEWS[6:] + NEW_VIEWS, ids=view_id)
def test_zh_views_fit_80_columns(cli, materialize, args):
    from attnviz.views.cells import width

    out = cli(*materialize(args), "--lang", "zh").output
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


def block(lines: list[str], first: int) -> list[str]:
    """The table that starts at lines[first]: up to the next blank line."""
    end = next((k for k in range(first, len(lines)) if not lines[k].strip()), len(lines))
    return lines[first:end]


RANKINGS = [  # (args, first words of the table's header line)
    (["heads", SEED, "--from", "it", "--to", "restaurant"], "#  层  头"),
    (["heads", SEED], "#  层  头"),
    (["heads", "--model", BERT_ZH, ZH, "--from", "它", "--to", "餐"], "#  层  头"),
    (["heads", "--file", CORPUS, "--from", "it", "--to", "restaurant"], "#  层  头"),
    (["heads", "--file", CORPUS], "#  层  头"),
]


@pytest.mark.parametrize("args, head", RANKINGS, ids=lambda a: view_id(a) if isinstance(a, list) else "")
def test_zh_head_rankings_align(cli, materialize, args, head):
    """Every column is right-justified: each field of the (Chinese) header ends where its numbers end."""
    lines = cli(*materialize(args), "--lang", "zh").stdout.splitlines()
    first = next(k for k, line in enumerate(lines) if line.strip().startswith(head))
    table = [line for line in block(lines, first) if re.match(r"\s*(#|\d+ )", line)]
    assert len(table) >= 9, "\n".join(lines)
    ends = [end for _, end in field_spans(table[0])]
    for row in table[1:]:
        assert [end for _, end in field_spans(row)] == ends, f"misaligned:\n{table[0]}\n{row}"


@pytest.mark.parametrize("args", [MODEL_VIEWS[0], MODEL_VIEWS[-3]], ids=view_id)
def test_zh_model_overview_aligns(cli, materialize, args):
    """The grid: 层 ends over the layer numbers, each 头h starts over its head's cells; the links
    table: → and the α′ column at one offset in every row (tokens may be double width)."""
    from attnviz.views.cells import width

    lines = cli(*materialize(args), "--lang", "zh").stdout.splitlines()
    first = next(k for k, line in enumerate(lines) if line.strip().startswith("层  头1"))
    grid = block(lines, first)
    assert len(grid) >= 3
    spans = field_spans(grid[0])
    for row in grid[1:]:
        cells = field_spans(row)
        assert cells[0][1] == spans[0][1] and [a for a, _ in cells[1:]] == [a for a, _ in spans[1:]], f"{grid[0]}\n{row}"
    first = next(k for k, line in enumerate(lines) if line.startswith("层  头  查询"))
    links = block(lines, first)
    assert len(links) == 11
    assert len({width(line[:line.index("→")]) for line in links[1:]}) == 1, "\n".join(links)
    assert len({field_spans(line)[-1][1] for line in links}) == 1, "\n".join(links)


@pytest.mark.parametrize("args", LONG_VIEWS, ids=view_id)
def test_zh_long_summary_aligns(cli, materialize, args):
    """The block rows all one width; the queries table (Chinese tokens) one width, its keys column
    starting under its header."""
    from attnviz.views.cells import width

    lines = cli(*materialize(args), "--lang", "zh").stdout.splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith("行：查询块"))
    rows = block(lines, first + 1)[:-1]  # the last line is the legend (darkest … brightest)
    assert len(rows) > 4 and len({width(line) for line in rows}) == 1, "\n".join(rows)
    first = next(k for k, line in enumerate(lines) if line.startswith("查询 ") and "头 1" in line)
    table = block(lines, first)[:-1]  # the last line: where every query's top keys are
    assert len(table) >= 5 and len({width(line) for line in table}) == 1, "\n".join(table)
    start = field_spans(table[0])[1][0]
    assert all(width(re.match(r"\S+ \S+ +", row).group()) == start for row in table[1:]), "\n".join(table)


def advice_english(line: str) -> set[str]:
    """ASCII words of an advice line that are neither option names and values, nor the names of
    vectors, models, files and formats (which stay as they are in every language)."""
    for name in ("attnviz: warning:", "en_core_web_md-3.7.1", "sentence-transformers/all-MiniLM-L6-v2", "[UNK]",
                 "Chinese-Word-Vectors", "bert-base-chinese", "cc.zh.300.vec", "cc.LANG.300.vec", "cc.ja.300.vec"):
        line = line.replace(name, "")
    line = re.sub(r"--[\w-]+(?: [A-Za-z]+)?", "", line)
    return set(re.findall(r"[A-Za-z]{2,}", line)) - {"fastText", "gensim", "sgns", "BERT", "MiniLM"}


@pytest.mark.parametrize("args", [["show", ZH], ["show", "--model", "minilm", ZH]], ids=["vectors", "minilm"])
def test_the_advice_a_chinese_reader_sees_first_is_in_chinese(cli, materialize, args):
    """Most of the sentence unknown: the one warning line names the ways forward in Chinese, the
    options (--vectors FILE, --embedding onehot, --model DIR) as they are typed."""
    args = materialize(args)
    zh = cli(*args, "--lang", "zh").stderr.strip()
    en = cli(*args, "--lang", "en").stderr.strip()
    assert len(zh.splitlines()) == 1 and zh.startswith("attnviz: warning: "), zh
    assert advice_english(en) and not advice_english(zh), f"English left: {advice_english(zh)}\n{zh}"
    assert "--model DIR" in zh and "中文" in zh and ("--vectors FILE" in zh) == ("--vectors FILE" in en)


@pytest.mark.parametrize("call", [
    lambda a: a.unknown_advice(9, 10, "my.vec", "Kana"),
    lambda a: a.unknown_advice(9, 10, "my.vec", "Cyrillic"),
    lambda a: a.unknown_advice(9, 10, "my.vec", "Other"),
    lambda a: a.unk_advice(["ا", "ب"], 5, "m", known=[]),
    lambda a: a.unk_advice(["ア"], 5, "m", known=["イ", "ウ"]),
    lambda a: a.unk_advice(["ア"], 5, "m", known=[]),
], ids=["kana", "cyrillic", "other", "arabic-unk", "rare-kana", "kana-unk"])
def test_every_advice_branch_is_translated(call):
    from attnviz import i18n
    from attnviz.inputs import language
    from attnviz.options import as_flags

    with i18n.using("zh"):
        zh = call(language)
    with i18n.using("en"):
        en = call(language)
    assert sorted(re.findall(r"`\w+`", zh)) == sorted(re.findall(r"`\w+`", en))  # the CLI turns them into --flags
    zh, en = as_flags(zh).replace("my.vec", ""), as_flags(en).replace("my.vec", "")
    assert advice_english(en) and not advice_english(zh), f"English left: {advice_english(zh)}\n{zh}"


def test_the_corpus_progress_line_in_both_languages():
    import io

    from attnviz import i18n
    from attnviz.views.corpus import Progress

    lines = {}
    for lang in ("en", "zh"):
        err = io.StringIO()
        with i18n.using(lang), Progress(err, "sentences", every=0.0) as advance:
            advance(3, 8)
        lines[lang] = err.getvalue()
    assert re.fullmatch(r"attnviz: 3/8 sentences \(37%\), \d+ s\n", lines["en"]), lines["en"]
    assert re.fullmatch(r"attnviz: 3/8 句子（37%），\d+ 秒\n", lines["zh"]), lines["zh"]


STDERR_RUNS = {  # what a long input and --lines say on stderr before and while they work
    "--lines": ["show", "--file", "{lines}", "--lines", "--json"],
    "--top-k, unknown words": ["show", "--file", "{long}", "--top-k", "2", "--heads", "2", "--json"],
    "causal": ["show", "--file", "{long}", "--top-k", "2", "--causal", "--json"],
    "--window": ["show", "--file", "{long}", "--top-k", "2", "--window", "3", "--heads", "3", "--json"],
    "dense": ["show", "--file", "{lines}", "--json"],
    "pe": ["pe", "-n", "300", "-d", "64"],
}


@pytest.mark.parametrize("name", list(STDERR_RUNS))
def test_estimate_and_advice_lines_are_translated(runner, tmp_path, monkeypatch, name):
    """Every estimate (forced: WARN_SECONDS < 0), the blank-line note of --lines and a long file's
    unknown-word line: the same lines in both languages, and under --lang zh no English word but
    option names and values, the vectors' name and units."""
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from conftest import invoke

    monkeypatch.setattr(estimate, "WARN_SECONDS", -1.0)
    (tmp_path / "lines.txt").write_text("the cat sat\n\nit was tired\n")
    (tmp_path / "long.txt").write_text("the zzqxv cat sat " * 500)
    args = [a.format(lines=tmp_path / "lines.txt", long=tmp_path / "long.txt") for a in STDERR_RUNS[name]]
    lines = {}
    for lang in ("en", "zh"):
        result = invoke(runner, *args, "--lang", lang)
        assert result.exit_code == 0, result.output
        lines[lang] = result.stderr.splitlines()
    assert len(lines["zh"]) == len(lines["en"]) >= 1 and any("estimate:" in line for line in lines["zh"])
    for en, zh in zip(lines["en"], lines["zh"]):
        assert en.split(": ")[:2] == zh.split(": ")[:2], (en, zh)  # attnviz: warning: / attnviz: estimate:
        assert re.findall(r"--[\w-]+", en) == re.findall(r"--[\w-]+", zh), (en, zh)
        assert advice_english(unit_free(en)), en
        assert not advice_english(unit_free(zh)), f"English left: {advice_english(unit_free(zh))}\n{zh}"


def unit_free(line: str) -> str:
    """The line without its `attnviz: estimate:` / `attnviz: warning:` prefix and the unit MB."""
    return re.sub(r"^attnviz: (estimate|warning): |\bMB\b", "", line)


@pytest.mark.parametrize("lang,expected", [
    ("en", r"attnviz: attention 10% done, \d+ s so far\nattnviz: attention 20% done, \d+ s so far, about \d+ s left\n"),
    ("zh", r"attnviz: 注意力已完成 10%，已用 \d+ 秒\nattnviz: 注意力已完成 20%，已用 \d+ 秒，约剩 \d+ 秒\n"),
])
def test_the_long_run_progress_line_in_both_languages(monkeypatch, capsys, lang, expected):
    """The first block's line has no time left (the rate is measured from it; see test_estimates)."""
    import time

    from attnviz import i18n
    from attnviz.views.progress import progress_bar

    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(progress_bar, "EVERY", 0.0)
    with i18n.using(lang), progress_bar() as advance:
        advance(5_000, 50_000)
        clock[0] += 1.0
        advance(5_000, 50_000)
    assert re.fullmatch(expected, capsys.readouterr().err)


def test_estimate_durations_in_both_languages():
    from attnviz import i18n
    from attnviz.cost import duration

    with i18n.using("en"):
        assert [duration(s) for s in (45, 1200, 9000)] == ["45 s", "20 minutes", "2.5 hours"]
    with i18n.using("zh"):
        assert [duration(s) for s in (45, 1200, 9000)] == ["45 秒", "20 分钟", "2.5 小时"]


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


@pytest.mark.parametrize("args", [MINILM_VIEWS[0], MINILM_VIEWS[5], MINILM_VIEWS[7], MODEL_VIEWS[-3], LONG_VIEWS[0],
                                  LONG_VIEWS[1]], ids=view_id)
def test_model_corpus_and_long_json_are_the_same_in_every_language(cli, materialize, args):
    args = materialize(args)
    en = cli(*args, "--json", "--lang", "en").stdout_bytes
    assert en.startswith(b"{") and cli(*args, "--json", "--lang", "zh").stdout_bytes == en


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


@pytest.mark.parametrize("args, en, zh", [
    (["--input-norm", "none"], "· raw vectors (300-d) ·", "· 原始向量 (300-d) ·"),
    (["--input-norm", "center"], "· centred vectors (300-d) ·", "· 中心化的向量 (300-d) ·"),
    (["--embedding", "onehot"], "attnviz · one-hot (5 words) · 6 tokens", "attnviz · 独热编码（5 个词） · 6 个词元"),
])
def test_the_header_says_what_the_vectors_are_in_each_language(cli, args, en, zh):
    # it said "none vectors", "center vectors", and "one-hot (20 words)" under --lang zh
    text = "The cat sat on the mat."
    english, chinese = (cli("show", text, *args, "--lang", lang).stdout.splitlines()[0] for lang in ("en", "zh"))
    assert en in english and zh in chinese, (english, chinese)
    assert "none vectors" not in english + chinese and "words)" not in chinese
    assert '"name": "one-hot (5 words)"' in cli("show", text, *args, "--json").stdout or args[0] != "--embedding"  # JSON unchanged
