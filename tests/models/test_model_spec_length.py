"""A --model value longer than any path can be is one line naming the option and the limit (was the
system's "File name too long" without --model)."""

from __future__ import annotations

import pytest

from conftest import invoke


@pytest.mark.parametrize("spec,shown", [("ollama:" + "a" * 5000, "5,007 characters"), ("b" * 300, "300 characters"),
                                        ("/tmp/" + "c/" * 2100, "4,205 characters")])
def test_a_model_spec_longer_than_a_path_is_one_line(runner, tmp_path, monkeypatch, spec, shown):
    from conftest import one_line

    (tmp_path / "manifests").mkdir()
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path))
    line = one_line(invoke(runner, "show", "x", "--model", spec), 2, "--model ", shown,
                    "a file or folder name has at most 255 bytes, a path 4,096")
    assert len(line) < 400 and "too long" not in line


def test_a_name_of_255_bytes_is_still_looked_up(runner):
    from conftest import one_line

    one_line(invoke(runner, "show", "x", "--model", "/" + "d" * 255), 2, "no such directory")
