"""Figure controls for papers and slides (issue #11, 7): --cmap, --vmax, --title/--no-title,
mathtext labels, a tight model grid with an attached colorbar."""

import numpy as np
import pytest

from attnviz.api import Options, analyze
from attnviz.views import figures
from conftest import SEED

pytest.importorskip("matplotlib")


def images(fig):
    return [ax.images[0] for ax in fig.axes if ax.images]


@pytest.fixture
def close():
    made = []
    yield made.append
    for fig in made:
        figures._pyplot().close(fig)


def test_alpha_prime_scale_is_zero_to_the_largest_weight_by_default(close):
    a = analyze(SEED, Options(heads=3))
    fig = a.figure()
    close(fig)
    top = max(hd.alpha_prime.max() for hd in a.layers[0].heads)
    assert [im.norm.vmin for im in images(fig)] == [0.0] * 3
    assert [im.norm.vmax for im in images(fig)] == pytest.approx([top] * 3)
    assert top < 0.5  # so the old fixed 0 … 1 scale left most of the colour range unused


def test_vmax_fixes_the_scale_and_cmap_colours_alpha_prime_only(close):
    fig = analyze(SEED).figure(vmax=1.0, cmap="magma")
    close(fig)
    alpha, prime = images(fig)
    assert prime.norm.vmax == 1.0 and prime.get_cmap().name.startswith("magma")
    assert alpha.get_cmap().name.startswith("RdBu_r") and alpha.norm(0.0) == pytest.approx(0.5)


def test_title_text_and_no_title(close):
    a = analyze(SEED)
    default, custom, none = a.figure(), a.figure(title="Figure 2: one layer"), a.figure(title="")
    for f in (default, custom, none):
        close(f)
    assert "T = 5.77" in default._suptitle.get_text()
    assert custom._suptitle.get_text() == "Figure 2: one layer" and none._suptitle is None


def test_labels_are_mathtext_not_raw_text(close):
    fig = analyze(SEED, Options(heads=2)).figure(matrix="both")
    close(fig)
    texts = [fig._suptitle.get_text()] + [ax.get_ylabel() for ax in fig.axes]
    assert r"$\alpha_{i,j}" in fig._suptitle.get_text() and r"\sqrt{d_k}" in fig._suptitle.get_text()
    assert not any("q^i·k^j" in t or "α_ij" in t for t in texts)
    assert figures.LABELS["alpha-prime"] in texts and figures.LABELS["alpha"] in texts
    fig.canvas.draw()  # mathtext that does not parse raises here


def test_model_sized_grid_is_tight_and_its_colorbar_attached(close):
    n, rows, cols = 19, 6, 12
    rng = np.random.default_rng(0)
    m = rng.random((n, n))
    m /= m.sum(axis=1, keepdims=True)
    grid = [[figures.Panel(m, "alpha-prime", f"L{r + 1} H{c + 1}") for c in range(cols)] for r in range(rows)]
    grid.append([figures.Panel(m, "alpha-prime", "rollout")])
    fig, _ = figures.grid_figure([f"tok{k}" for k in range(n)], grid, [f"layer {r + 1}" for r in range(rows)] + ["rollout"], "t")
    close(fig)
    panels = [ax.get_position() for ax in fig.axes if ax.images]
    bar = next(ax.get_position() for ax in fig.axes if not ax.images)
    left, right = min(p.x0 for p in panels), max(p.x1 for p in panels)
    assert right - left > 0.85  # the panels take the width (the old layout left about a quarter empty)
    assert 0 < bar.x0 - right < 0.02  # the colorbar sits right beside the last column
    assert bar.y1 == pytest.approx(max(p.y1 for p in panels)) and bar.y0 == pytest.approx(min(p.y0 for p in panels))


def test_compare_figure_shares_one_scale(close):
    result = analyze(SEED, compare="score=dot,scaled-dot")
    fig = result.figure()
    close(fig)
    top = max(s.alpha_prime.max() for s in result.settings)
    assert [(im.norm.vmin, im.norm.vmax) for im in images(fig)] == [(0.0, top)] * 2
    assert len([ax for ax in fig.axes if not ax.images]) == 1  # one colorbar


@pytest.mark.parametrize("args,needle", [
    (["--cmap", "nosuchmap", "--save", "x.png"], "--cmap 'nosuchmap' is not a matplotlib colormap"),
    (["--vmax", "0", "--save", "x.png"], "--vmax must be a positive number"),
    (["--cmap", "magma"], "add --save"),
    (["--title", "x", "--no-title", "--save", "x.png"], "not both"),
])
def test_bad_figure_controls_are_one_clear_error(cli, tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    result = cli("show", SEED, *args, code=2)
    assert needle in result.stderr and not (tmp_path / "x.png").exists()


def test_cli_figure_controls_reach_the_file(cli, tmp_path):
    path = tmp_path / "p.png"
    cli("show", SEED, "--heads", "2", "--cmap", "Greys", "--vmax", "1", "--no-title", "--save", path)
    assert path.stat().st_size > 10_000
