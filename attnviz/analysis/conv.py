"""`show --image … --conv K`: a picture through Cordonnier et al.'s K²-head layer, compared with conv2d.

The picture goes through the image adapter as for `show` (pixels or patches, normalized by `input_norm`);
the layer itself is core.conv.  `compare` over α shows the weights and the output approach the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from ..core.conv import ALPHA, SIZES, ConvAttention, check_kernel, conv_attention, default_kernel
from ..errors import UsageError
from ..inputs import Sequence
from ..inputs.load import Media, load_sequence
from ..inputs.npzfile import read_npy
from ..options import Options

MAX_KERNEL_BYTES = 1 << 26  # 64 MB: a K × K × d_in × d_out kernel is small; a larger .npy is not one


@dataclass
class ConvAnalysis:
    sequence: Sequence
    layer: ConvAttention
    kernel: np.ndarray  # [K, K, d_in, d_out]
    kernel_name: str  # the file, or "laplacian" (the default)
    focus: tuple[int, int]  # 0-based (row, col)
    steps: list[tuple[float, float, float]]  # `compare`: (α, min α′ on the shift, max |b − conv2d|) per α

    tokens = property(lambda self: self.sequence.labels)
    source = property(lambda self: self.sequence.source)

    @property
    def k(self) -> int:
        return int(self.kernel.shape[0])


def check_conv(k, alpha) -> float:
    if isinstance(k, bool) or not isinstance(k, int) or k not in SIZES:
        raise UsageError(f"`conv` {k!r}: K must be 3 or 5 (odd, so a pixel is the centre of its K × K window; "
                         f"K = 7 would be 49 heads)", "conv")
    alpha = ALPHA if alpha is None else alpha
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha) or not 0 < alpha <= 1e6:
        raise UsageError(f"`conv_alpha` must be a positive number up to 1e6 (got {alpha!r})", "conv_alpha")
    return float(alpha)


def only_conv_options(opts: Options) -> None:
    """The layer is fixed by the construction: any attention option set away from its default is refused."""
    default = Options()
    for f in fields(Options):
        if f.name not in ("input_norm", "trust_pickle") and getattr(opts, f.name) != getattr(default, f.name):
            raise UsageError(f"`conv` builds its own layer (K² heads, quadratic positional scores, softmax, values and "
                             f"W^o from the kernel); drop `{f.name}`", f.name)


def read_kernel(path: str, k: int, d_in: int) -> np.ndarray:
    file = Path(path).expanduser()
    if not file.is_file():
        raise UsageError(f"`kernel` {path}: no such file; give a .npy of shape [{k}, {k}, {d_in}, d_out]", "kernel")
    if file.stat().st_size > MAX_KERNEL_BYTES:
        raise UsageError(f"`kernel` {path} is over {MAX_KERNEL_BYTES >> 20} MB; a kernel is [{k}, {k}, {d_in}, d_out]", "kernel")
    kernel = read_npy(file, f"`kernel` {path}", f"save one with numpy.save('kernel.npy', k) where k has shape "
                                                 f"[{k}, {k}, {d_in}, d_out]")
    if not isinstance(kernel, np.ndarray):
        raise UsageError(f"`kernel` {path} is a .npz archive; save the kernel alone with numpy.save", "kernel")
    return check_kernel(kernel, k, d_in, f"`kernel` {path}")


def analyze_conv(media: Media, opts: Options, k: int = 3, kernel: str | np.ndarray | None = None, alpha: float | None = None,
                 focus: str | tuple[int, int] | None = None, compare: list[float] | None = None) -> ConvAnalysis:
    """The K²-head layer over the picture in `media` (focus: "ROW,COL" from 1, or 0-based (row, col); default the centre)."""
    alpha = check_conv(k, alpha)
    only_conv_options(opts)
    if media.image is None:
        given = media.given()
        raise UsageError(f"`conv` runs over a picture's pixels: give `image` (a file or demo){f', not `{given[0]}`' if given else ''}",
                         "image")
    seq, _ = load_sequence(None, opts, media)
    rows, cols, d = seq.source.rows, seq.source.cols, seq.dim
    image = np.asarray(seq.vectors, dtype=np.float64).reshape(rows, cols, d)
    if kernel is None:
        weights, name = default_kernel(k, d), "laplacian"
    elif isinstance(kernel, (str, Path)):
        weights, name = read_kernel(str(kernel), k, d), str(kernel)
    else:
        weights, name = check_kernel(kernel, k, d, "`kernel`"), "array"
    if focus is None:
        focus = (rows // 2, cols // 2)
    elif isinstance(focus, str):
        from ..inputs.image import parse_cell

        focus = divmod(parse_cell(focus, rows, cols, "patch" if seq.source.patch else "pixel"), cols)
    steps = []
    for a in compare or []:
        layer = conv_attention(image, weights, check_conv(k, a), focus)
        steps.append((a, float(layer.on_shift.min()), layer.error))
    return ConvAnalysis(seq, conv_attention(image, weights, alpha, focus), weights, name, focus, steps)
