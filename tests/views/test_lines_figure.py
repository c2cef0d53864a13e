"""`--save x.svg --view lines`: the page's lines view as a matplotlib figure (issue #24, item 4)."""

import numpy as np
import pytest

import attnviz
from attnviz.errors import UsageError
from attnviz.views.lines_figure import LINE_MIN, head_color

TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]"]


def weights(*shape, seed=0):
    x = np.random.default_rng(seed).normal(size=shape) * 3
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def drawn(ax):
    """{(head colour, i, j): opacity} of the lines in one panel (lanes: y offsets within ±0.35 of the row)."""
    from matplotlib.colors import to_hex

    out = {}
    for collection in ax.collections:
        for (start, end), rgba in zip(collection.get_segments(), collection.get_colors()):
            i, j = round(start[1]), round(end[1])
            assert abs(start[1] - i) <= 0.35 and abs(end[1] - j) <= 0.35 and start[0] < end[0]
            out[(to_hex(rgba[:3]), i, j)] = float(rgba[3])
    return out


def test_every_line_is_a_weight_of_its_head():
    a = weights(2, 3, 5, 5)
    fig = attnviz.view(a, TOKENS).figure(view="lines")
    assert len(fig.axes) == 2  # one panel per layer
    for layer, ax in enumerate(fig.axes):
        expected = {(head_color(h), i, j): a[layer, h, i, j] for h in range(3) for i in range(5) for j in range(5)
                    if a[layer, h, i, j] >= LINE_MIN}
        got = drawn(ax)
        assert got.keys() == expected.keys()
        assert max(abs(got[k] - v) for k, v in expected.items()) < 1e-9


def test_focus_keeps_one_querys_lines(tmp_path):
    a = weights(1, 2, 5, 5)
    r = attnviz.view(a, TOKENS, layer=1, head=2)
    got = drawn(r.figure(focus="cat", view="lines").axes[0])
    assert {(i, j) for _c, i, j in got} == {(2, j) for j in range(5) if a[0, 1, 2, j] >= LINE_MIN}
    r.save(tmp_path / "l.svg", tmp_path / "l.pdf", view="lines")
    assert "<svg" in (tmp_path / "l.svg").read_text() and (tmp_path / "l.pdf").read_bytes()[:4] == b"%PDF"


def test_cli_lines_for_text_and_an_attention_file(cli, tmp_path):
    cli("show", "The cat sat on the mat.", "--heads", "2", "--save", tmp_path / "t.svg", "--view", "lines")
    assert "<svg" in (tmp_path / "t.svg").read_text()
    np.savez(tmp_path / "a.npz", attention=weights(2, 3, 5, 5), tokens=np.array(TOKENS))
    cli("show", "--attention", tmp_path / "a.npz", "--layer", "2", "--save", tmp_path / "a.png", "--view", "lines")
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, needle", [
    (["x y", "--view", "lines"], "--view lines is a figure: add --save FILE.svg"),
    (["x y", "--view", "lines", "--save", "{tmp}/p.html"], "--view lines is a figure"),
    (["--audio", "demo", "--view", "lines", "--save", "{tmp}/a.png"], "not a sound's frames"),
    (["--image", "demo", "--view", "lines", "--save", "{tmp}/a.png"], "not a picture's items"),
    (["x y", "--view", "bars", "--save", "{tmp}/a.png"], "bars"),
])
def test_where_lines_do_not_apply(runner, tmp_path, args, needle):
    from conftest import invoke

    result = invoke(runner, "show", *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and needle in result.output, result.output


def test_a_comparison_has_no_lines_view():
    r = attnviz.analyze("the cat sat", compare="heads=1,2")
    with pytest.raises(UsageError, match="`view` lines draws one analysis"):
        r.figure(view="lines")
