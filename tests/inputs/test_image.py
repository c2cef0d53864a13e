"""The image input (#14): a picture as a set of vectors, checked against naive loops and Pillow itself."""

import io
import math
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from attnviz.core import attention as att
from attnviz.core import masks
from attnviz.errors import AttnvizError, UsageError
from attnviz.inputs.image import image_sequence, parse_cell, read_image


def save(tmp_path, array, name="pic.png", **kw):
    path = tmp_path / name
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path, **kw)
    return path


def colourful(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def png_header(w, h):
    """A PNG that only declares its size (enough for Pillow to decide it will not decode it)."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


# --- pixels and patches against naive loops -------------------------------------------------------

def test_pixels_in_row_major_order_with_one_based_labels(tmp_path):
    path = save(tmp_path, colourful(5, 10))  # the notes' 5 × 10 picture: 50 three-dimensional vectors
    seq = image_sequence(path, size=10, input_norm="none")
    with Image.open(path) as im:
        original = im.convert("RGB")
    n = 0
    for r in range(5):
        for c in range(10):
            assert seq.labels[n] == f"({r + 1},{c + 1})"
            assert seq.positions[n].tolist() == [r, c]
            assert seq.vectors[n].tolist() == pytest.approx([v / 255 for v in original.getpixel((c, r))])
            n += 1
    assert len(seq) == 50 and seq.dim == 3 and seq.kind == "image" and not seq.unknown.any()
    assert seq.source.kind == "image" and (seq.source.width, seq.source.height) == (10, 5)
    assert seq.source.patch is None and (seq.source.rows, seq.source.cols) == (5, 10)
    assert seq.media.shape == (5, 10, 3)


def test_a_small_picture_is_not_enlarged(tmp_path):
    seq = image_sequence(save(tmp_path, colourful(5, 10)))  # default size 32 > 10
    assert len(seq) == 50 and seq.source.filter == "none"


def test_shrinking_is_an_area_average(tmp_path):
    """BOX filter: halving a 12 × 16 picture makes each pixel the exact mean of a 2 × 2 block."""
    a = colourful(12, 16, seed=1)
    rgb, meta = read_image(save(tmp_path, a), size=8)
    assert rgb.shape == (6, 8, 3) and meta["filter"].startswith("box")
    for r in range(6):
        for c in range(8):
            for ch in range(3):
                block = [int(a[2 * r + y, 2 * c + x, ch]) for y in range(2) for x in range(2)]
                assert rgb[r, c, ch] == pytest.approx(sum(block) / 4 / 255, abs=1e-5)


def test_long_side_becomes_size(tmp_path):
    rgb, meta = read_image(save(tmp_path, colourful(30, 90)), size=32)
    assert rgb.shape == (11, 32, 3)  # 30 · 32/90 = 10.7 → 11
    assert (meta["original_width"], meta["original_height"], meta["width"], meta["height"]) == (90, 30, 32, 11)


def test_patch_vectors_flatten_row_major_over_y_x_channel(tmp_path):
    a = colourful(10, 13, seed=2)  # not a multiple of 4: the bottom 2 rows and the right column are cropped
    seq = image_sequence(save(tmp_path, a), size=13, patch=4, input_norm="none")
    assert (seq.source.rows, seq.source.cols, seq.source.cropped) == (2, 3, [2, 1])
    assert seq.dim == 4 * 4 * 3 and seq.media.shape == (8, 12, 3)
    n = 0
    for pr in range(2):
        for pc in range(3):
            want = []
            for y in range(4):
                for x in range(4):
                    for ch in range(3):
                        want.append(a[pr * 4 + y, pc * 4 + x, ch] / 255)
            assert seq.vectors[n].tolist() == pytest.approx(want)
            assert seq.labels[n] == f"({pr + 1},{pc + 1})" and seq.positions[n].tolist() == [pr, pc]
            n += 1


def test_vit_patches_of_the_demo():
    seq = image_sequence("demo", size=224, patch=16)
    assert seq.dim == 768 and seq.source.height == 224 and seq.source.rows == 14
    assert seq.source.cols == seq.source.width // 16


def test_standard_input_norm_like_the_text_path(tmp_path):
    """a = √d (x − μ)/‖x − μ‖ with μ the picture's mean item."""
    path = save(tmp_path, colourful(4, 6, seed=3))
    raw = image_sequence(path, input_norm="none").vectors.astype(np.float64)
    std = image_sequence(path).vectors
    mu = [sum(raw[i][c] for i in range(len(raw))) / len(raw) for c in range(3)]
    for i in range(len(raw)):
        centered = [raw[i][c] - mu[c] for c in range(3)]
        length = math.sqrt(sum(v * v for v in centered))
        assert std[i].tolist() == pytest.approx([math.sqrt(3) * v / length for v in centered], abs=1e-5)


def test_a_uniform_picture_gives_zero_vectors_not_nan(tmp_path):
    seq = image_sequence(save(tmp_path, np.full((4, 5, 3), 128)))
    assert np.isfinite(seq.vectors).all() and not seq.vectors.any()  # every pixel is the mean: a = 0, like an OOV word


# --- attention on a picture -----------------------------------------------------------------------

def two_red_squares(tmp_path, seed=0):
    """16 × 16 blue picture with two 4 × 4 red squares far apart, plus a little noise."""
    rng = np.random.default_rng(seed)
    a = np.zeros((16, 16, 3))
    a[:] = (30, 60, 200)
    a[2:6, 2:6] = (210, 30, 30)
    a[10:14, 9:13] = (210, 30, 30)
    a = np.clip(a + rng.normal(0, 12, a.shape), 0, 255)
    red = np.zeros((16, 16), dtype=bool)
    red[2:6, 2:6] = red[10:14, 9:13] = True
    return save(tmp_path, a), red.reshape(-1)


@pytest.mark.parametrize("temperature", [1.0, math.sqrt(3) / 3])
def test_a_red_query_attends_to_red_pixels(tmp_path, temperature):
    """Identity projection, scaled-dot softmax.  T = 1 (the textbook) and T = √d_k/3 (what attnviz
    picks by default for standard vectors and the identity projection)."""
    path, red = two_red_squares(tmp_path)
    seq = image_sequence(path, size=16)
    layer = att.self_attention(seq.vectors.astype(np.float64), att.identity_projections(3, 1),
                               att.AttentionConfig(temperature=temperature))
    i = parse_cell("4,4", 16, 16)
    alpha_prime = layer.heads[0].alpha_prime[i]
    share = red.mean()  # 32 / 256 = 1/8 of the picture
    assert alpha_prime[red].sum() > max(0.5, 4 * share)
    far = red & (seq.positions[:, 0] >= 8)  # the other square, ≥ 6 rows away
    near_blue = ~red & (np.abs(seq.positions - [3, 3]).max(axis=1) <= 3)  # blue pixels right beside the query
    assert alpha_prime[far].mean() > 5 * alpha_prime[near_blue].mean()  # colour, not distance, decides


def test_window_1_is_a_3x3_receptive_field(tmp_path):
    path, red = two_red_squares(tmp_path)
    seq = image_sequence(path, size=16)
    allowed = masks.mask(len(seq), window=1, positions=seq.positions)
    alpha_prime = att.self_attention(seq.vectors, att.identity_projections(3, 1), att.AttentionConfig(),
                                     allowed).heads[0].alpha_prime
    for i, (r, c) in enumerate(seq.positions):
        for j, (r2, c2) in enumerate(seq.positions):
            inside = abs(r - r2) <= 1 and abs(c - c2) <= 1
            assert (alpha_prime[i, j] > 0) == inside, (i, j)
            if not inside:
                assert alpha_prime[i, j] == 0.0


# --- files: formats and errors --------------------------------------------------------------------

@pytest.mark.parametrize("fmt,kw,tol", [("png", {}, 0), ("bmp", {}, 0), ("webp", {"lossless": True}, 0),
                                        ("jpg", {"quality": 95, "subsampling": 0}, 12)])
def test_formats(tmp_path, fmt, kw, tol):
    a = np.zeros((8, 16, 3), dtype=np.uint8)
    a[:, :8] = (250, 20, 20)  # the edge on JPEG's 8 × 8 block grid
    a[:, 8:] = (20, 20, 250)
    rgb, meta = read_image(save(tmp_path, a, f"p.{fmt}", **kw))
    assert rgb.shape == (8, 16, 3) and meta["format"] == {"jpg": "JPEG"}.get(fmt, fmt.upper())
    assert np.abs(rgb * 255 - a).max() <= tol + 1e-3


def test_gif_gives_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (5, 4), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    rgb, meta = read_image(path)
    assert meta["frames"] == 2
    assert np.allclose(rgb, [1, 0, 0], atol=0.01)


def test_alpha_is_laid_onto_white(tmp_path):
    a = np.zeros((2, 3, 4), dtype=np.uint8)
    a[0] = (255, 0, 0, 255)  # opaque red
    a[1, 0] = (255, 0, 0, 0)  # transparent: white whatever its colour
    a[1, 1] = (0, 0, 255, 51)  # 20 % blue over white
    a[1, 2] = (0, 0, 0, 255)
    rgb, _ = read_image(save(tmp_path, a))
    assert rgb[0, 0].tolist() == pytest.approx([1, 0, 0])
    assert rgb[1, 0].tolist() == pytest.approx([1, 1, 1])
    assert rgb[1, 1].tolist() == pytest.approx([0.8, 0.8, 1.0])
    assert rgb[1, 2].tolist() == pytest.approx([0, 0, 0])


def test_palette_transparency_onto_white(tmp_path):
    im = Image.new("P", (2, 1))
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.putpixel((0, 0), 0)
    im.putpixel((1, 0), 1)
    path = tmp_path / "p.png"
    im.save(path, transparency=0)
    rgb, _ = read_image(path)
    assert rgb[0, 0].tolist() == pytest.approx([1, 1, 1]) and rgb[0, 1].tolist() == pytest.approx([1, 0, 0])


def test_16_bit_grey_keeps_its_range(tmp_path):
    a = np.array([[0, 32768, 65535]], dtype=np.uint16)
    path = tmp_path / "g16.png"
    Image.fromarray(a).save(path)
    rgb, _ = read_image(path)
    assert rgb[0, :, 0].tolist() == pytest.approx([0, 0.5, 1], abs=1e-4)


def bad_files(tmp_path):
    (tmp_path / "text.png").write_text("not a picture at all")
    jpeg = io.BytesIO()
    Image.fromarray(colourful(64, 64)).save(jpeg, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(jpeg.getvalue()[:300])
    Image.fromarray(colourful(4, 4)).save(tmp_path / "pic.tiff")
    (tmp_path / "empty.png").write_bytes(b"")
    return tmp_path


@pytest.mark.parametrize("name,words", [
    ("text.png", "not a picture"),
    ("empty.png", "not a picture"),
    ("cut.jpg", "damaged or truncated"),
    ("pic.tiff", "not a picture Pillow can read as PNG, JPEG, GIF, BMP or WebP"),
])
def test_unreadable_pictures_are_one_clear_error(tmp_path, name, words):
    with pytest.raises(AttnvizError, match=words) as e:
        read_image(bad_files(tmp_path) / name)
    assert not isinstance(e.value, UsageError)  # a bad file: exit 1


@pytest.mark.parametrize("w,h", [(0, 5), (7, 0)])
def test_zero_pixel_picture(tmp_path, w, h):
    path = tmp_path / "zero.png"
    path.write_bytes(png_header(w, h))
    with pytest.raises(AttnvizError, match="no pixels"):
        read_image(path)


@pytest.mark.parametrize("side", [10000, 20000])  # Pillow warns past 89 M pixels and refuses past 179 M
def test_decompression_bomb_is_refused(tmp_path, side):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(side, side))  # a few bytes that claim side² pixels
    with pytest.raises(AttnvizError, match="decompression bomb"):
        read_image(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(UsageError, match="not a file"):
        read_image(tmp_path)


@pytest.mark.parametrize("size", [0, -3, 5000, 2.5, True, "32"])
def test_bad_size(tmp_path, size):
    with pytest.raises(UsageError, match="`size`"):
        read_image(save(tmp_path, colourful(4, 4)), size=size)


@pytest.mark.parametrize("patch,words", [(0, "at least 1"), (-2, "at least 1"), (1.5, "whole number"), (9, "larger than")])
def test_bad_patch(tmp_path, patch, words):
    with pytest.raises(UsageError, match=words):
        image_sequence(save(tmp_path, colourful(8, 12)), patch=patch)


def test_bad_input_norm(tmp_path):
    with pytest.raises(UsageError, match="`input_norm`"):
        image_sequence(save(tmp_path, colourful(4, 4)), input_norm="zscore")


def test_demo_loads():
    rgb, meta = read_image("demo")
    assert rgb.dtype == np.float32 and max(rgb.shape[:2]) == 32 and rgb.shape[2] == 3
    assert meta["original_width"] == 512 and meta["original_height"] == 600
    assert 0 <= rgb.min() and rgb.max() <= 1 and rgb.std() > 0.1  # a real photograph, not a blank
    assert "grace_hopper.jpg" in meta["name"]


# --- --focus ROW,COL -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,index", [("3,7", 2 * 10 + 6), (" 3 , 7 ", 26), ("(3,7)", 26), ("1,1", 0), ("5,10", 49)])
def test_parse_cell(text, index):
    assert parse_cell(text, 5, 10) == index


@pytest.mark.parametrize("text,words", [
    ("³,7", "expected ROW,COL"), ("３,7", "expected ROW,COL"), ("3", "expected ROW,COL"), ("3,7,1", "expected ROW,COL"),
    ("-1,2", "expected ROW,COL"), ("3.0,7", "expected ROW,COL"), ("", "expected ROW,COL"),
    ("0,4", "numbered from 1"), ("6,1", "5 rows and 10 columns"), ("1,11", "bottom-right pixel is 5,10"),
])
def test_parse_cell_errors(text, words):
    with pytest.raises(UsageError, match=words):
        parse_cell(text, 5, 10)
