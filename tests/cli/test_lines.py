"""`show --file F --lines --json`: one document per line, lines split at \\n only; what a line's
document cannot hold, and options that would be ignored, refused before any output (issue #25, item 18)."""

from __future__ import annotations

import json

import pytest

from attnviz.analysis.stream import split_lines
from conftest import invoke


def documents(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.split("\n") if line]  # JSON Lines: \n ends a document


@pytest.mark.parametrize("sep", ["\u2028", "\u0085", "\x0c", "\x1c", "\u2029", "\x0b", "\r"])
def test_only_newline_ends_a_line(runner, tmp_path, sep):
    path = tmp_path / "c.txt"
    path.write_text(f"the cat sat {sep} on the mat\nthe dog ran\n", encoding="utf-8", newline="")
    docs = documents(invoke(runner, "show", "--file", str(path), "--lines", "--json"))
    assert len(docs) == 2 and docs[0]["tokens"] == ["the", "cat", "sat", "on", "the", "mat"]


def test_crlf_files_and_a_missing_last_newline():
    assert split_lines("a\r\nb\r\n") == ["a", "b"]
    assert split_lines("a\nb") == ["a", "b"]
    assert split_lines("a\n\nb\n") == ["a", "", "b"]


def test_a_line_over_the_dense_limit_is_refused_before_any_document(runner, tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("the cat sat\n" + " ".join(["ham"] * 2001) + "\n", encoding="utf-8")
    result = invoke(runner, "show", "--file", str(path), "--lines", "--json")
    assert result.exit_code == 2 and result.stdout == "", result.output
    assert "line 2: 2,001 tokens, over the 2,000" in result.stderr and "--top-k K" in result.stderr


@pytest.mark.parametrize("line, says, fix", [
    ("...", "line 3 has no words to attend over (punctuation alone is dropped); remove the line, or keep punctuation "
            "with --punct", "--punct"),
    ("xqzzv wqkkr", "line 3: none of its words is in en_core_web_md-3.7.1, so there is nothing to compare; remove the "
                    "line, or use --vectors for its language or --embedding onehot", "--embedding=onehot")])
def test_a_line_with_nothing_to_attend_over_is_refused_before_any_document(runner, tmp_path, line, says, fix):
    """A new user's 5,000 documents were written, then a line of '...' stopped the run (exit 2, no line named)."""
    path = tmp_path / "c.txt"
    path.write_text(f"the cat sat\n\n{line}\nthe dog ran\n", encoding="utf-8")
    result = invoke(runner, "show", "--file", str(path), "--lines", "--json")
    assert result.exit_code == 2 and result.stdout == "", result.output
    assert says in result.stderr and result.stderr.count("attnviz: error:") == 1, result.stderr
    docs = documents(invoke(runner, "show", "--file", str(path), "--lines", "--json", fix))  # the fix it names works
    assert len(docs) == 3 and docs[2]["tokens"] == ["the", "dog", "ran"]


@pytest.mark.parametrize("extra, flag", [(["--compare", "heads=1,2"], "--compare"), (["--focus", "cat"], "--focus")])
def test_options_lines_would_ignore_are_refused(runner, tmp_path, extra, flag):
    path = tmp_path / "c.txt"
    path.write_text("the cat sat\n", encoding="utf-8")
    result = invoke(runner, "show", "--file", str(path), "--lines", "--json", *extra)
    assert result.exit_code == 2 and f"{flag} does not go with --lines" in result.stderr, result.output
