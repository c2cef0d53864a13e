"""A picture as a set of vectors: each pixel an RGB vector, or each P × P patch a flattened vector (ViT).

The notes' image lesson: a 5 × 10 RGB picture is 50 three-dimensional vectors; a pixel makes a
query, every other pixel a key.  Reading: Pillow (imported inside the functions), PNG, JPEG, GIF
(first frame), BMP and WebP.  Transparent pixels are laid onto white.

Resizing (`size`, default 32): the long side becomes `size` pixels when the picture is larger; a
smaller picture keeps its pixels (enlarging would only repeat pixels: more vectors, nothing new).
The filter is Pillow's BOX, an area average: each new pixel is the exact mean colour of the part
of the original it covers — no ringing, no colour outside the picture's own.  It runs on float
channels, so the values are not rounded to 1/255 after averaging.

Items are numbered in row-major order (row 1 left to right, then row 2, …); labels "(row,col)"
count from 1 like tokens, positions [n, 2] are the 0-based (row, col) the masks and the 2-D
positional encoding use.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import AttnvizError, UsageError
from . import Sequence
from .sources import ImageSource

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")  # Pillow reads camera JPEGs with several pictures as MPO, through JPEG
DEMO = "grace_hopper.jpg"  # public-domain photograph in matplotlib's sample data
MAX_SIZE = 1024  # longest side after resizing; 1024² pixels is already a million vectors
INPUT_NORMS = ("standard", "center", "none")
_CELL = re.compile(r"\s*\(?\s*([0-9]+)\s*,\s*([0-9]+)\s*\)?\s*", re.ASCII)


def demo_path() -> Path:
    """The demo picture: Grace Hopper's portrait that ships with matplotlib (nothing to download).
    Found without importing matplotlib (whose import logs two lines when HOME is not writable)."""
    from importlib.util import find_spec

    spec = find_spec("matplotlib")
    folder = Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else Path(".")
    path = folder / "mpl-data" / "sample_data" / DEMO
    if not path.is_file():
        raise AttnvizError(f"the demo picture {DEMO} is missing from matplotlib's sample data ({path}); "
                           f"reinstall matplotlib, or give `image` a file of your own")
    return path


def read_image(path: str | Path, size: int = 32) -> tuple[np.ndarray, dict]:
    """A picture file (or "demo") -> rgb [H, W, 3] float32 in [0, 1], and what was read (meta).

    size (default 32): the long side after resizing; pictures already that small keep their size.
    Alpha is laid onto white; a GIF gives its first frame; EXIF orientation is applied.
    meta: name, format, mode, frames, original_width, original_height, width, height, filter.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= MAX_SIZE:
        raise UsageError(f"`size` must be a whole number of pixels from 1 to {MAX_SIZE} (got {size!r})")
    if not isinstance(path, (str, bytes)) and not hasattr(path, "__fspath__"):
        from .arrays import array_picture

        rgb, meta = array_picture(path), {"name": "array", "format": "array", "mode": "RGB", "frames": 1}
        meta.update(original_width=int(rgb.shape[1]), original_height=int(rgb.shape[0]))
        name = "array"
    else:
        name = "demo" if str(path) == "demo" else str(path)
        path = demo_path() if name == "demo" else Path(path).expanduser()
        if not path.exists():
            raise UsageError(f"`image` {name}: no such file (give a PNG, JPEG, GIF, BMP or WebP picture, or 'demo')")
        if not path.is_file():
            raise UsageError(f"`image` {name}: is not a file (give a PNG, JPEG, GIF, BMP or WebP picture)")
        im, meta = _open(path, name)
        rgb = _to_rgb(im)  # [h, w, 3]
    rgb = _shrink(rgb, size)  # [H, W, 3]
    meta.update(width=int(rgb.shape[1]), height=int(rgb.shape[0]),
                filter="box (area average)" if rgb.shape[:2] != (meta["original_height"], meta["original_width"]) else "none")
    if name == "demo":
        meta["name"] = f"{DEMO} (demo)"
    return rgb, meta


def _open(path: Path, name: str):
    """Decode the first frame with Pillow; every failure becomes one AttnvizError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a bomb is refused, not warned about
            with Image.open(path, formats=FORMATS) as im:
                frames, fmt = int(getattr(im, "n_frames", 1)), im.format
                im.seek(0)
                if im.width == 0 or im.height == 0:
                    raise AttnvizError(f"`image` {name}: the picture has no pixels ({im.width} × {im.height}); give another picture")
                _estimate(im)
                im = ImageOps.exif_transpose(im)  # a phone photo stands the way it was taken (copies and loads)
                im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AttnvizError(f"`image` {name}: refused, the picture claims more than {Image.MAX_IMAGE_PIXELS:,} pixels "
                           f"(a decompression bomb, or a huge scan); shrink it first, e.g. to 1024 pixels") from None
    except UnidentifiedImageError:
        if _declares_no_pixels(path):
            raise AttnvizError(f"`image` {name}: the picture has no pixels (its header says 0 wide or 0 high); "
                               f"give another picture") from None
        raise AttnvizError(f"`image` {name}: not a picture Pillow can read as PNG, JPEG, GIF, BMP or WebP; "
                           f"convert it to PNG") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:  # truncated or corrupt data
        raise AttnvizError(f"`image` {name}: the picture is damaged or truncated ({e}); re-save it as PNG") from None
    meta = {"name": name, "format": "JPEG" if fmt == "MPO" else fmt, "mode": im.mode, "frames": frames,
            "original_width": int(im.width), "original_height": int(im.height)}
    return im, meta


def _estimate(im) -> None:
    """Before decoding: one estimate line for a big picture, or a refusal where it cannot fit
    (cost.check_image; the header's size, channels and bits)."""
    from ..cost import check_image

    bits = 16 if im.mode.startswith("I;16") or im.mode in ("I", "F") else 8
    check_image(im.width, im.height, len(im.getbands()), 32 if im.mode in ("I", "F") else bits)


def _declares_no_pixels(path: Path) -> bool:
    """True when a PNG, GIF or BMP header gives a width or height of 0 (Pillow only says it cannot identify it)."""
    with open(path, "rb") as f:
        head = f.read(26)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        w, h = int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    elif head[:2] == b"BM" and len(head) >= 26:
        w, h = int.from_bytes(head[18:22], "little", signed=True), int.from_bytes(head[22:26], "little", signed=True)
    else:
        return False
    return w == 0 or h == 0


def _to_rgb(im) -> np.ndarray:
    """A decoded Pillow image -> [h, w, 3] float32 in [0, 1]; transparency laid onto white."""
    if im.mode.startswith("I"):  # 16-bit greyscale PNG ('I;16', 'I'): Pillow's RGB conversion would clip at 255
        grey = np.clip(np.asarray(im, dtype=np.float32) / 65535.0, 0.0, 1.0)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0  # [h, w, 4]
        a = rgba[:, :, 3:]
        return rgba[:, :, :3] * a + (1.0 - a)  # over white: c·α + 1·(1 − α)
    return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0


def _shrink(rgb: np.ndarray, size: int) -> np.ndarray:
    """[h, w, 3] -> [H, W, 3] with max(H, W) = size when max(h, w) > size (BOX filter, float channels)."""
    from PIL import Image

    h, w = rgb.shape[:2]
    if max(h, w) <= size:
        return rgb
    scale = size / max(h, w)
    new = (max(1, round(w * scale)), max(1, round(h * scale)))  # Pillow sizes are (width, height)
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(rgb[:, :, c], dtype=np.float32))  # mode F: float
                           .resize(new, Image.Resampling.BOX)) for c in range(3)]
    return np.clip(np.stack(channels, axis=2), 0.0, 1.0).astype(np.float32)


def patches(rgb: np.ndarray, patch: int) -> np.ndarray:
    """[H, W, 3] -> [rows, cols, P·P·3] ViT patches: rows = H // P, cols = W // P (the remainder at
    the bottom and right is cropped, as a stride-P convolution does).  Each patch is flattened
    row-major over (y, x, channel): element (y·P + x)·3 + c is pixel (y, x) of the patch, channel c."""
    H, W, _ = rgb.shape
    rows, cols = H // patch, W // patch
    x = rgb[: rows * patch, : cols * patch]  # [rows·P, cols·P, 3]
    x = x.reshape(rows, patch, cols, patch, 3).transpose(0, 2, 1, 3, 4)  # [rows, cols, P, P, 3]
    return x.reshape(rows, cols, patch * patch * 3)


def normalize_items(x: np.ndarray, input_norm: str = "standard") -> np.ndarray:
    """[n, d] -> [n, d] like the text path (μ = the mean item of this picture):
    standard: √d · (x − μ)/‖x − μ‖ (an item equal to μ becomes 0); center: x − μ; none: x."""
    if input_norm not in INPUT_NORMS:
        raise UsageError(f"unknown `input_norm` {input_norm!r}; choose one of {', '.join(INPUT_NORMS)}")
    if input_norm == "none":
        return x
    centered = x - x.mean(axis=0, dtype=np.float64).astype(np.float32)  # [n, d]
    if input_norm == "center":
        return centered
    norms = np.sqrt(np.einsum("ij,ij->i", centered, centered))[:, None]  # [n, 1]
    return np.divide(centered, norms, out=np.zeros_like(centered), where=norms > 1e-6) * np.float32(np.sqrt(x.shape[1]))


def image_sequence(path: str | Path, size: int = 32, patch: int | None = None, input_norm: str = "standard") -> Sequence:
    """A picture (or "demo") -> one Sequence: pixels (patch None, the default) or P × P patches.

    size (default 32): the long side in pixels after resizing (see read_image).
    patch (default None): P; the picture is cut into (H // P) × (W // P) patches, the bottom and
    right remainder cropped; each patch is a P·P·3 vector (see patches).
    input_norm (default "standard"): how vectors are normalized (see normalize_items).
    media: the picture the items cover [rows·P, cols·P, 3] (P = 1 for pixels).
    """
    if patch is not None and (isinstance(patch, bool) or not isinstance(patch, (int, np.integer)) or patch < 1):
        raise UsageError(f"`patch` must be a whole number of pixels, at least 1 (got {patch!r})")
    rgb, meta = read_image(path, size)
    H, W, _ = rgb.shape
    p = patch or 1
    if p > min(H, W):
        raise UsageError(f"`patch` {p} is larger than the picture's short side ({W} × {H} pixels after resizing); "
                         f"use a smaller `patch` or a larger `size` (e.g. `size` {p * 14})")
    grid = patches(rgb, p)  # [rows, cols, d]
    rows, cols, d = grid.shape
    x = normalize_items(grid.reshape(rows * cols, d).astype(np.float32), input_norm)  # [n, d]
    r, c = np.divmod(np.arange(rows * cols), cols)
    positions = np.stack([r, c], axis=1).astype(np.int64)  # [n, 2] 0-based (row, col)
    labels = [f"({i + 1},{j + 1})" for i, j in zip(r.tolist(), c.tolist())]
    picture = rgb[: rows * p, : cols * p]
    source = ImageSource(**{**meta, "width": int(cols * p), "height": int(rows * p)}, dim=int(d),
                         items="patches" if patch else "pixels", patch=patch, rows=int(rows), cols=int(cols),
                         resized_width=int(W), resized_height=int(H), cropped=[int(H - rows * p), int(W - cols * p)],
                         input_norm=input_norm)
    return Sequence(labels, x, positions, "image", np.zeros(rows * cols, dtype=bool), source, media=picture)


def parse_cell(text: str, rows: int, cols: int, what: str = "pixel") -> int:
    """"ROW,COL" (1-based, like the labels; "(3,7)" also accepted) -> the 0-based item index
    (row − 1)·cols + (col − 1).  ASCII digits only: superscripts or full-width digits are refused.
    what (default "pixel"): the item's name in error messages ("patch")."""
    m = _CELL.fullmatch(str(text))
    if not m:
        raise UsageError(f"`focus` {text!r}: expected ROW,COL with whole numbers counted from 1, e.g. 3,7")
    row, col = int(m.group(1)), int(m.group(2))
    if row < 1 or col < 1:
        raise UsageError(f"`focus` {text}: rows and columns are numbered from 1 (the top-left {what} is 1,1)")
    if row > rows or col > cols:
        raise UsageError(f"`focus` {text}: outside the picture, which has {rows} rows and {cols} columns of "
                         f"{'patches' if what == 'patch' else what + 's'} "
                         f"(the bottom-right {what} is {rows},{cols})")
    return (row - 1) * cols + (col - 1)
