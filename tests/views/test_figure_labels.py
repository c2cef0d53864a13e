"""Figures a new reader misread: many heads in one unreadable row, rows of several heads named as
weights instead of queries, the RNN figure's raw h^i, a --dpi lowered without a word."""

import pytest

from attnviz.api import Options, analyze
from attnviz.views import figures
from conftest import SEED


def text_boxes(fig, texts):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts if t.get_text()]


def test_sixty_heads_wrap_into_a_grid_whose_head_names_never_overlap():
    fig = analyze(SEED, Options(heads=60)).figure()
    try:
        width, height = fig.get_size_inches()
        assert 0.6 < height / width < 1.6, f"{width:.1f} × {height:.1f} inches: not a grid"
        panels = [ax for ax in fig.axes if ax.get_xlabel().startswith("head ")]
        assert len(panels) == 60
        assert len({round(ax.get_position().y0, 4) for ax in panels}) > 1  # several rows
        assert max(sum(1 for b in panels if round(b.get_position().y0, 4) == round(a.get_position().y0, 4))
                   for a in panels) <= figures.ROW_MOST
        fig.canvas.draw()
        boxes = text_boxes(fig, [ax.xaxis.label for ax in panels])
        assert not [(a, b) for k, a in enumerate(boxes) for b in boxes[k + 1:] if a.overlaps(b)]
    finally:
        figures._pyplot().close(fig)


@pytest.mark.parametrize("n,rows", [(1, [1]), (4, [4]), (8, [8]), (9, [5, 4]), (12, [6, 6]), (60, [8] * 7 + [4])])
def test_wrap_keeps_short_rows_and_evens_long_ones(n, rows):
    assert [len(r) for r in figures.wrap(list(range(n)))] == rows


def axis_names(fig):
    """The left names of the rows and the texts drawn over the top row (the keys' name)."""
    left = {ax.get_ylabel() for ax in fig.axes if ax.get_ylabel() and ax.get_xlabel()}  # colorbars have no xlabel
    above = {t.get_text() for ax in fig.axes for t in ax.texts}
    return left, above


@pytest.mark.parametrize("kw,fig_kw", [
    ({"heads": 4}, {}), ({"heads": 12}, {}), ({"heads": 4, "window": 3}, {}), ({"heads": 2}, {"matrix": "both"}),
    ({"heads": 60}, {}),
])
def test_rows_of_several_heads_are_named_queries_and_columns_keys(kw, fig_kw):
    fig = analyze(SEED, Options(**kw)).figure(**fig_kw)
    try:
        left, above = axis_names(fig)
        assert left == {"query $i$"}, left
        assert above == {"key $j$"}, above
    finally:
        figures._pyplot().close(fig)


def test_a_comparison_names_queries_and_keys():
    fig = analyze(SEED, Options(heads=3), compare="window=0,3").figure()
    try:
        assert axis_names(fig) == ({"query $i$"}, {"key $j$"})
    finally:
        figures._pyplot().close(fig)


def test_the_rnn_figure_typesets_its_notation_as_mathtext():
    import re

    import attnviz

    fig = attnviz.rnn(SEED).figure()
    try:
        texts = [fig._suptitle.get_text()] + [t for ax in fig.axes for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel())]
        for text in filter(None, texts):
            plain = re.sub(r"\$[^$]*\$", "", text)  # outside $…$: no raw h^i, ‖∂…‖, α′, 'query i'
            assert not re.search(r"[\^‖∂α]| [ij]\b", plain), text
        assert r"$h^{i} = \tanh(" in fig._suptitle.get_text() and "$h^{i-1}$" in fig._suptitle.get_text()
    finally:
        figures._pyplot().close(fig)


def test_a_dpi_lowered_to_fit_says_so_on_stderr(cli, tmp_path):
    from PIL import Image

    result = cli("show", SEED, "--dpi", "1200", "--save", tmp_path / "hi.png")
    notes = [line for line in result.stderr.splitlines() if line.startswith("attnviz: note:")]
    assert len(notes) == 1, result.stderr
    assert "hi.png: 1200 dpi would make it" in notes[0] and "6,000 px, the largest attnviz writes" in notes[0]
    assert max(Image.open(tmp_path / "hi.png").size) < 6200
    result = cli("show", SEED, "--dpi", "100", "--save", tmp_path / "lo.png")
    assert "note:" not in result.stderr  # nothing lowered, nothing said


def test_the_library_hears_the_lowered_dpi_as_a_note(tmp_path):
    from attnviz.cost import Note, listening
    from attnviz.views.saving import MAX_PIXELS, capped

    fig = figures._pyplot().figure(figsize=(20, 10))
    heard = []
    try:
        with listening(heard.append):
            assert capped(fig, tmp_path / "x.png", 150) == 150
            assert capped(fig, tmp_path / "x.png", 1200) == MAX_PIXELS / 20
            assert capped(fig, tmp_path / "x.svg", 1200) == MAX_PIXELS / 20  # a vector file: no pixels to speak of
    finally:
        figures._pyplot().close(fig)
    assert len(heard) == 1 and isinstance(heard[0], Note)
    assert heard[0].startswith("x.png: 1200 dpi would make it 24,000 px wide; written at 300 dpi")


def test_wrap_of_no_panels_is_no_rows():
    from attnviz.views.figures import wrap

    assert wrap([]) == [] and wrap([1]) == [[1]]


@pytest.mark.parametrize("text", [SEED, "餐厅拒绝给我做火腿三明治，因为它只做素食。"])
def test_the_keys_name_clears_the_key_labels_in_any_script(text):
    """The margin above the top row was measured at 0.6 em a character: rotated Chinese labels (1 em each)
    ran into "键 j" / "key j" above them."""
    fig = analyze(text, Options(heads=3, embedding="onehot")).figure()
    try:
        fig.canvas.draw()
        top = fig.axes[0]
        names = text_boxes(fig, top.texts)
        ticks = text_boxes(fig, top.get_xticklabels())
        gap = min(n.y0 for n in names) - max(t.y1 for t in ticks)  # pixels at the figure's dpi
        assert gap >= 3 * fig.dpi / 72, f"{gap:.1f} px between the keys' name and their labels"  # 3 pt clear (it was 1.6 px)
    finally:
        figures._pyplot().close(fig)
