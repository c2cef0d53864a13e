"""What the library returns names parameters as the API takes them (`focus`, `head`, to_json()),
never as CLI flags: only while the CLI runs a command (options.cli_reading, set in cli/edge.guarded)
do views write --focus.  #21 item 3: "The library names parameters; only the CLI turns names into
--flags"."""

import io
import re

import pytest

FLAG = re.compile(r"(?<![\w-])--[a-z]")  # --focus, not a--b or ---
S = "The cat sat on the mat because it was tired."
LONG = " ".join(["The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."] * 3)  # 45 tokens


def _model(name: str):
    """A model's analysis, or a skip where the model does not open here."""
    import attnviz
    from attnviz.errors import AttnvizError

    try:
        return attnviz.analyze(S, model=name)
    except AttnvizError as e:
        pytest.skip(f"{name} does not open here ({e})")


def _figure_words(fig) -> str:
    """Every text a matplotlib figure draws: its suptitle, axes titles and labels, free texts."""
    texts = list(fig.texts) + [t for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title, *ax.texts)]
    return "\n".join(t.get_text() for t in texts)


def _heads_view(analysis) -> str:
    """`attnviz heads`'s view (no API method prints it: a library caller gets heads_ranking())."""
    from attnviz.views.screen import Screen
    from attnviz.views.terminal_model import render_heads

    buffer = io.StringIO()
    render_heads(analysis, Screen(buffer, 200, None), analysis.tokens.index("it"), analysis.tokens.index("cat"), 5)
    return buffer.getvalue()


def library_views() -> dict[str, str]:
    """name -> the text of every library view that prints an option hint."""
    import attnviz
    from attnviz.api.analyze import analyze_long  # a long input's result at any length (top-k keys per query)

    words, long = attnviz.analyze(S), attnviz.analyze(LONG)
    audio, image = attnviz.analyze(audio="demo", heads=8), attnviz.analyze(image="demo")
    views = {
        "table": words.table(), "table focus heads=4": attnviz.analyze(S, heads=4).table(focus="it"),
        "audio table": audio.table(), "audio figure": _figure_words(audio.figure()),
        "image table": image.table(), "image compare": attnviz.analyze(image="demo", compare="window=none,1").table(),
        "compare": attnviz.analyze(S, compare="window=none,2").table(),
        "compare figure": _figure_words(attnviz.analyze(S, compare="window=none,2").figure()),
        "explain": long.explain("11"), "explain matrices": long.explain(matrices=True),
        "explain recurrent": attnviz.analyze(S, causal=True, score="linear", normalize="sum").explain("it", recurrent=True),
        "long input": analyze_long(LONG * 3, window=3, top_k=2).table(),
        "long page": analyze_long(LONG * 3, window=3, top_k=2).html(),
        "pe": attnviz.positional_encoding(300, 128).table(), "rnn": attnviz.rnn(S).table(), "conv": attnviz.conv().table(),
        "warnings": "\n".join(attnviz.analyze("餐厅拒绝给我一个火腿三明治，因为它只做素食。").warnings),
    }
    return views


def model_views(tmp_path) -> dict[str, str]:
    """The views of a pretrained model's analysis (MiniLM): its overview, a saved run, atlas, corpus, heads."""
    import attnviz

    model = _model("minilm")
    (tmp_path / "run.json").write_text(model.to_json(), encoding="utf-8")
    saved = attnviz.view_file(str(tmp_path / "run.json"))
    return {"model table": model.table(), "saved run": saved.table(), "saved run figure": _figure_words(saved.figure()),
            "atlas": attnviz.atlas("minilm", S, probe_length=20).table(),
            "corpus heads": attnviz.corpus_heads(lines=[S, S], source="it", target="cat").table(),
            "heads": _heads_view(model.analysis)}


@pytest.fixture(scope="module", params=["en", "zh"])
def rendered(request):
    import attnviz

    before = attnviz.language()
    attnviz.set_language(request.param)
    try:
        yield library_views()
    finally:
        attnviz.set_language(before)


def flagged(views: dict[str, str]) -> dict[str, list[str]]:
    """name -> the lines of its text that hold a --flag (a page's script comments and CSS variables aside)."""
    found = {}
    for name, text in views.items():
        text = re.sub(r"//[^\n]*|--av-[\w-]+", "", text) if name.endswith("page") else text
        lines = [line for line in text.splitlines() if FLAG.search(line)]
        if lines:
            found[name] = lines
    return found


def test_every_library_view_names_parameters(rendered):
    assert flagged(rendered) == {}


def test_the_hints_name_what_the_api_takes(rendered):
    """Not dropped: written the library's way (the zh catalog keeps the names too)."""
    assert "`focus`" in rendered["table"] and "`save`" in rendered["table"]
    assert "`to_json()`" in rendered["audio table"] and "`head` N" in rendered["audio figure"]
    assert "`all_keys`" in rendered["explain"] and "`to_json()`" in rendered["long input"]
    assert 'how: "to_json()"' in rendered["long page"]  # the examples caption's {how}: "every query's top keys: {how}"
    assert "`vectors` FILE" in rendered["warnings"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_model_s_views_name_parameters(lang, tmp_path):
    from attnviz.i18n import using

    with using(lang):
        views = model_views(tmp_path)
    assert flagged(views) == {}
    assert 'analyze(text, model="minilm", layer=L, head=H)' in views["atlas"]
    assert "heads_ranking(A, B)" in views["model table"] and "`to_json()`" in views["saved run"]


def test_the_cli_writes_the_same_hints_as_flags(cli):
    """The other side: while a command runs, the same views write --flags (byte-identical CLI output)."""
    import attnviz
    from attnviz.options import cli_reading

    out = cli("show", "--audio", "demo", "--heads", "8").stdout
    assert "--head N shows one, --json has all" in out and "next: --focus 1.25s · --window 150ms" in out
    with cli_reading():
        assert attnviz.analyze(audio="demo", heads=8).table() == out
    assert "`head` N shows one" in attnviz.analyze(audio="demo", heads=8).table()  # the reader is reset after


def test_a_library_callers_estimate_line_names_parameters(tmp_path, monkeypatch):
    """stream_file writes its estimate to the caller's `err`: names for a library caller (`window`),
    --flags while the CLI runs."""
    import io

    from attnviz import cost
    from attnviz.api.stream import stream_file
    from attnviz.options import Options, cli_reading
    from attnviz.views.present import Request
    from attnviz.views.screen import Screen

    monkeypatch.setattr(cost, "WARN_SECONDS", 0.0)  # every run says its estimate
    book = tmp_path / "book.txt"
    book.write_text("the cat sat on the mat . " * 50, encoding="utf-8")

    def estimate() -> str:
        err = io.StringIO()
        stream_file(str(book), Options(), top_k=2, request=Request(json=True), console=Screen(io.StringIO(), 80, None),
                    out=io.StringIO(), err=err)
        return next(line for line in err.getvalue().splitlines() if line.startswith("attnviz: estimate:"))

    library = estimate()
    assert "`window`" in library and "--" not in library, library
    with cli_reading():
        assert "--window" in estimate()
