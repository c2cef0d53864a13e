"""Estimates and refusals before heavy work (issue 16 item 2): the decision, never the GBs."""

import pytest

from conftest import SEED


def test_a_focus_figure_too_tall_is_refused_before_it_is_drawn(cli, tmp_path, monkeypatch):
    """-H 300 --focus it --save was refused only after 16 s of drawing 300 charts."""
    from attnviz.views import figures

    def drawn(*args, **kwargs):
        raise AssertionError("the figure was drawn before the refusal")

    monkeypatch.setattr(figures, "focus_figure", drawn)
    result = cli("show", SEED, "-H", "300", "--focus", "it", "--save", tmp_path / "x.png", code=2)
    assert "300 panels" in result.stderr and "--head H" in result.stderr and "fewer --heads" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and list(tmp_path.iterdir()) == []


def test_a_focus_figure_that_fits_is_saved(cli, tmp_path):
    cli("show", SEED, "-H", "4", "--focus", "it", "--save", tmp_path / "x.png")
    assert (tmp_path / "x.png").stat().st_size > 0
