"""analyze_lines / write_lines: a corpus line by line from the library, the same bytes as
`show --file F --lines --json`, checked (every line) before the first document."""

import io
import json
import warnings

import pytest

from attnviz.errors import UsageError

LINES = ["The cat sat on the mat.", "", "   ", "It rains, and it pours."]


def corpus(tmp_path, lines=LINES):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_write_lines_writes_what_the_cli_writes(cli, tmp_path):
    import attnviz

    path = corpus(tmp_path)
    out, blank = io.StringIO(), []
    attnviz.write_lines(out, path, heads=2, blank=blank.append)
    expected = cli("show", "--file", path, "--lines", "--json", "--heads", "2")
    assert out.getvalue() == expected.stdout and out.getvalue().count("\n") == 2
    assert blank == [2] and "2 blank lines skipped" in expected.stderr


def test_analyze_lines_yields_one_result_per_non_blank_line_as_analyze_gives_it(tmp_path):
    import attnviz

    results = attnviz.analyze_lines(lines=LINES, window=2, blank=lambda n: None)
    assert len(results) == 2
    got = [r.to_dict() for r in results]
    assert got == [attnviz.analyze(line, window=2).to_dict() for line in LINES if line.strip()]


def test_blank_lines_are_an_attnviz_warning_unless_a_callback_is_given():
    import attnviz
    from attnviz.api import AttnvizWarning

    with pytest.warns(AttnvizWarning, match="2 blank lines skipped"):
        attnviz.analyze_lines(lines=LINES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        attnviz.analyze_lines(lines=LINES, blank=lambda n: None)
        attnviz.analyze_lines(lines=[line for line in LINES if line.strip()])


def test_every_line_is_checked_before_the_first_result(tmp_path):
    import attnviz

    out = io.StringIO()
    with pytest.raises(UsageError, match="line 3: 2,001 tokens, over the 2,000"):
        attnviz.write_lines(out, corpus(tmp_path, ["Fine.", "", "ham " * 2001]), blank=lambda n: None)
    assert out.getvalue() == ""
    with pytest.raises(UsageError, match="`path`"):
        attnviz.analyze_lines()


def test_a_model_s_lines_as_the_cli_writes_them_after_the_position_limit_is_checked(cli, tmp_path):
    import attnviz
    from installed import minilm_dir

    minilm_dir()
    path = corpus(tmp_path)
    out = io.StringIO()
    attnviz.write_lines(out, path, model="minilm", layer=2, blank=lambda n: None)
    assert out.getvalue() == cli("show", "--model", "minilm", "--layer", "2", "--file", path, "--lines", "--json").stdout
    assert [json.loads(line)["text"] for line in out.getvalue().splitlines()] == [LINES[0], LINES[3]]
    with pytest.raises(UsageError, match="line 2 is 602 tokens"):
        attnviz.analyze_lines(lines=["Fine.", "word " * 600], model="minilm")  # raised at the call, not on iteration
