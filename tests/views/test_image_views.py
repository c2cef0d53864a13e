"""Views of a picture (#14): terminal half-blocks and α′ grids, and the overlay figures."""

import io

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from attnviz.core import attention as att
from attnviz.core import masks
from attnviz.inputs.image import image_sequence
from attnviz.views import image_figure as fig_image
from attnviz.views.image_terminal import alpha_grid_text, picture_text, shrink


def render(text, color, width=80):
    out = io.StringIO()
    console = Console(file=out, width=width, color_system="truecolor" if color else None, force_terminal=True,
                      legacy_windows=False)
    console.print(text, end="")
    return out.getvalue()


def lines_of(text):
    return text.plain.rstrip("\n").split("\n")


def alpha_prime(seq, window=None):
    allowed = masks.mask(len(seq), window=window, positions=seq.positions)
    return att.self_attention(seq.vectors.astype(np.float64), att.identity_projections(seq.dim, 1),
                              att.AttentionConfig(temperature=0.6), allowed).heads[0].alpha_prime


@pytest.fixture(scope="module")
def demo():
    return image_sequence("demo", size=32)


@pytest.fixture(scope="module")
def demo_patches():
    return image_sequence("demo", size=224, patch=16)


# --- terminal ------------------------------------------------------------------------------------

def test_half_block_has_upper_pixel_as_foreground_and_lower_as_background():
    picture = np.array([[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
                        [[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]],
                        [[0.2, 0.4, 0.6], [0.0, 0.0, 0.0]]])  # 3 rows: the last line has no lower pixel
    text = picture_text(picture, color=True)
    assert lines_of(text) == ["▀▀", "▀▀"]
    styles = [text.get_style_at_offset(Console(), i) for i in (0, 1, 3)]
    assert (styles[0].color.triplet, styles[0].bgcolor.triplet) == ((255, 0, 0), (0, 255, 0))
    assert (styles[1].color.triplet, styles[1].bgcolor.triplet) == ((0, 0, 255), (255, 255, 255))
    assert styles[2].color.triplet == (51, 102, 153) and styles[2].bgcolor is None
    assert "\x1b[38;2;255;0;0" in render(text, True) and "48;2;0;255;0" in render(text, True)


def test_no_color_means_no_escape_codes(demo):
    a = alpha_prime(demo)
    for text in (picture_text(demo.media, color=False), alpha_grid_text(a[300].reshape(32, 27), 300, color=False)):
        out = render(text, False)
        assert "\x1b" not in out and "▀" not in out
        assert set(out) <= set(" ░▒▓█[]\n") | set(text.plain.split("\n")[-1])


@pytest.mark.parametrize("color", [True, False])
def test_size_32_fits_80_columns_and_the_grid_has_the_picture_shape(demo, color):
    rows, cols = demo.source.rows, demo.source.cols
    picture = lines_of(picture_text(demo.media, color))
    grid = lines_of(alpha_grid_text(alpha_prime(demo)[0].reshape(rows, cols), 0, color))[:-1]  # less the legend
    assert max(len(line) for line in picture) <= 80
    assert len(picture) == (16 if color else 32) and [len(s) for s in grid] == [len(s) for s in picture]
    assert len(picture[0]) == (27 if color else 54)


@pytest.mark.parametrize("color", [True, False])
def test_patches_fit_80_columns_in_the_picture_shape(demo_patches, color):
    s = demo_patches.source
    picture = lines_of(picture_text(demo_patches.media, color))
    grid = lines_of(alpha_grid_text(alpha_prime(demo_patches)[5].reshape(s.rows, s.cols), 5, color, cell=16))[:-1]
    assert max(len(line) for line in picture) <= 80
    assert [len(g) for g in grid] == [len(p) for p in picture]


def test_query_marked_and_masked_keys_blank_without_color():
    rows, cols = 6, 7
    pos = np.array([(r, c) for r in range(rows) for c in range(cols)])
    x = np.random.default_rng(0).normal(size=(rows * cols, 3))
    allowed = masks.mask(rows * cols, window=1, positions=pos)
    a = att.self_attention(x, att.identity_projections(3, 1), att.AttentionConfig(), allowed).heads[0].alpha_prime
    i = 2 * cols + 4  # (3,5)
    lines = lines_of(alpha_grid_text(a[i].reshape(rows, cols), i, color=False))
    assert "query (3,5)" in lines[-1]
    for r in range(rows):
        for c in range(cols):
            cell = lines[r][2 * c: 2 * c + 2]
            if (r, c) == (2, 4):
                assert cell == "[]"
            elif abs(r - 2) <= 1 and abs(c - 4) <= 1:
                assert cell[0] in "░▒▓█" and cell[0] == cell[1]
            else:
                assert cell == "  "


def test_query_red_with_color():
    a = np.full((4, 3), 0.05)
    a[1, 2] = 0.4
    text = alpha_grid_text(a, 1 * 3 + 2, color=True)  # (2,3): the lower half of line 0, column 2
    style = text.get_style_at_offset(Console(), 2)
    assert style.bgcolor.triplet == (230, 20, 20) and style.color.triplet != (230, 20, 20)


def test_shrink_is_the_block_mean():
    a = np.arange(5 * 7 * 2, dtype=float).reshape(5, 7, 2)
    got = shrink(a, 3)
    assert got.shape == (2, 3, 2)
    for i in range(2):
        for j in range(3):
            block = a[3 * i: 3 * i + 3, 3 * j: 3 * j + 3]
            assert got[i, j].tolist() == pytest.approx(block.reshape(-1, 2).mean(axis=0).tolist())


# --- figures -------------------------------------------------------------------------------------

def overlays(figure):
    """The heat layers (masked arrays over the picture), one per overlay panel."""
    return [im for ax in figure.axes for im in ax.get_images() if np.ma.isMaskedArray(im.get_array()) and im.get_array().ndim == 2]


def red_boxes(ax):
    return [(p.get_x(), p.get_y(), p.get_width()) for p in ax.patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]


def test_focus_figure_grid_boxes_and_file(tmp_path, demo):
    from attnviz.views.figures import save

    a = alpha_prime(demo)
    cells = [0, 300, 863]
    figure, warning = fig_image.focus_figure_image(demo.media, cells, [a[i].reshape(32, 27) for i in cells], "t")
    assert warning is None
    heat = overlays(figure)
    assert len(heat) == 3 and len({(im.norm.vmin, im.norm.vmax) for im in heat}) == 1  # one shared scale
    want = sorted((divmod(i, 27)[1] - 0.5, divmod(i, 27)[0] - 0.5, 1) for i in cells)
    assert sorted(red_boxes(figure.axes[0])) == want
    save(figure, tmp_path / "f.png")
    with Image.open(tmp_path / "f.png") as png:
        assert png.format == "PNG" and png.size[0] > 800


def test_compare_window_overlay_is_the_receptive_field(demo):
    rows, cols = 32, 27
    i = 9 * cols + 13
    full, window = alpha_prime(demo)[i], alpha_prime(demo, window=1)[i]
    figure, _ = fig_image.compare_figure_image(demo.media, i, [("all", full.reshape(rows, cols)),
                                                               ("window 1", window.reshape(rows, cols))], "t")
    heat = overlays(figure)
    assert heat[0].norm is heat[1].norm
    shown = ~np.ma.getmaskarray(heat[1].get_array())
    want = np.zeros((rows, cols), dtype=bool)
    want[8:11, 12:15] = True
    assert (shown == want).all() and (~np.ma.getmaskarray(heat[0].get_array())).all()


def test_patch_boxes_are_patch_sized(demo_patches):
    s = demo_patches.source
    a = alpha_prime(demo_patches)
    i = 4 * s.cols + 5
    figure, _ = fig_image.focus_figure_image(demo_patches.media, [i], [a[i].reshape(s.rows, s.cols)], "t", patch=16)
    assert red_boxes(figure.axes[0]) == [(5 * 16 - 0.5, 4 * 16 - 0.5, 16)]


def test_overview_has_spread_queries_and_the_matrix():
    seq_rows, seq_cols = 6, 8
    a = np.random.default_rng(1).dirichlet(np.ones(48), size=48)
    picture = np.random.default_rng(2).random((6, 8, 3))
    figure, _ = fig_image.overview_figure_image(picture, a, seq_rows, seq_cols, "t")
    matrices = [im for ax in figure.axes for im in ax.get_images() if im.get_array().shape == (48, 48)]
    assert len(matrices) == 1
    heat = [im for im in overlays(figure) if im.get_array().shape == (6, 8)]
    queries = fig_image.spread_cells(6, 8)
    assert len(heat) == len(queries)
    for im, i in zip(heat, queries):  # each small panel is its query's row of α′
        np.testing.assert_allclose(np.ma.getdata(im.get_array()), a[i].reshape(6, 8))


@pytest.mark.parametrize("rows,cols", [(1, 1), (2, 3), (16, 16), (14, 11)])
def test_spread_cells(rows, cols):
    cells = fig_image.spread_cells(rows, cols)
    assert cells == sorted(set(cells)) and all(0 <= c < rows * cols for c in cells)
    assert len(cells) == min(3, rows) * min(3, cols)
    r = sorted({c // cols for c in cells})
    assert r[0] > 0 or rows <= 2  # spread inside the picture, not on its edge


def test_a_map_that_does_not_tile_the_picture_is_refused():
    with pytest.raises(ValueError, match="does not tile"):
        fig_image.focus_figure_image(np.zeros((10, 10, 3)), [0], [np.ones((3, 3)) / 9], "t")


def test_sizes_are_rows_by_columns_and_the_window_is_two_dimensional():
    # a tall picture (32 rows × 27 columns): the title and the panel once wrote 32 × 27 and 27 × 32,
    # and the masks said |i−j| ≤ 1 for a |Δrow|, |Δcol| ≤ 1 window
    import attnviz

    r = attnviz.analyze(image="demo", window=1)
    figure = r.figure(focus="5,5")
    title = figure._suptitle.get_text()
    panel = next(ax.get_title() for ax in figure.axes if ax.get_title().startswith("the picture"))
    assert "32 × 27 = 864 pixels" in title and panel == "the picture: 32 × 27 pixels", (title, panel)
    assert "|Δrow|, |Δcol| ≤ 1" in title and "i−j" not in title
    table = r.table(width=80)
    assert "masks: window |Δrow|, |Δcol| ≤ 1 (a 3 × 3 receptive field)" in table and "i−j" not in table
    assert "|i−j| ≤ 1" in attnviz.analyze("The cat sat on the mat.", window=1).table(width=80)  # a sequence keeps i−j
    import matplotlib.pyplot as plt

    plt.close(figure)


def notes_picture() -> np.ndarray:
    """The notes' 5 × 10 example: sky over grass, a 2 × 2 red square in the sky, one bright sun pixel."""
    img = np.zeros((5, 10, 3))
    img[:3] = [0.45, 0.7, 0.95]
    img[3:] = [0.25, 0.6, 0.2]
    img[1:3, 3:5] = [0.9, 0.1, 0.1]
    img[0, 8] = [1.0, 0.95, 0.6]
    return img


def test_without_colour_the_notes_picture_keeps_square_sky_and_grass_apart():
    # by value (darkest blank … brightest █) the red square and the grass were both blank
    lines = lines_of(picture_text(notes_picture(), color=False))
    assert len(lines) == 5 and all(len(l) == 20 for l in lines)
    cell = lambda r, c: lines[r][2 * c: 2 * c + 2]  # noqa: E731
    square, sky, grass, sun = cell(1, 3), cell(0, 0), cell(4, 0), cell(0, 8)
    assert len({square, sky, grass, sun}) == 4 and " " not in square + sky + grass + sun
    assert {cell(r, c) for r in (1, 2) for c in (3, 4)} == {square}  # the square is whole
    assert sun == "██" and sky == "▓▓"  # brighter colours get brighter shades (luminance order)
    assert [cell(r, 0) for r in range(5)] == [sky] * 3 + [grass] * 2


def test_without_colour_a_photo_still_uses_every_shade(demo):
    text = picture_text(demo.media, color=False).plain
    assert set(text) - {"\n"} == set(" ░▒▓█")


@pytest.mark.parametrize("size, patch, english, chinese", [
    (1, None, "1 × 1 = 1 pixel (3-d)", "1 × 1 = 1 个像素"),
    (2, None, "2 × 2 = 4 pixels (3-d)", "2 × 2 = 4 个像素"),
    (2, 2, "1 × 1 = 1 patch of 2 × 2 px", "1 × 1 = 1 个 2 × 2 像素的块"),
    (4, 2, "2 × 1 = 2 patches of 2 × 2 px", "2 × 1 = 2 个 2 × 2 像素的块"),  # the picture is taller than wide
])
def test_the_header_counts_one_pixel_or_patch_in_the_singular(size, patch, english, chinese):
    import attnviz

    r = attnviz.analyze(image="demo", size=size, patch=patch)
    assert english in r.table(width=100) and "1 pixels" not in r.table(width=100)
    assert chinese in r.table(width=100, lang="zh")
