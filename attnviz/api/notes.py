"""The notes' comparisons as library calls (README: "Self-attention, CNN and RNN"):

    attnviz.conv(image="demo", k=3)   # a convolution computed as K² heads of self-attention
    attnviz.rnn(S)                    # an Elman RNN's influence matrix beside α′
"""

from __future__ import annotations

from .checks import options_of
from ..inputs.load import Media
from ..options import Options

__all__ = ["conv", "rnn"]


def rnn(text: str | None = None, options: Options | None = None, *, input=None, audio=None, image=None,
        hidden: int | None = None, bidirectional: bool = False, weights: str | None = None, seed: int = 0,
        frame_ms: float = 25.0, hop_ms: float = 10.0, features: str = "logmel", size: int = 32,
        patch: int | None = None, **kw):
    """An Elman RNN (hidden 16, random from `seed`, or `weights` .npz: W, U, c) over the same vectors as
    one layer of self-attention (options: input and mask options): its influence matrix beside α′
    (views.rnn.RnnResult: influence, alpha_prime, tokens, to_json(), table(), figure(), save())."""
    from ..analysis.rnn import analyze_rnn
    from ..views.rnn import RnnResult

    media = Media(input, audio, image, frame_ms, hop_ms, features, size, patch)
    return RnnResult(analyze_rnn(text, media, options_of(options, kw), hidden, bidirectional, weights, seed))


def conv(options: Options | None = None, *, image="demo", k: int = 3, kernel=None, alpha: float | None = None,
         focus: str | None = None, compare: list[float] | None = None, size: int = 32, patch: int | None = None,
         input=None, audio=None, frame_ms: float = 25.0, hop_ms: float = 10.0, features: str = "logmel", **kw):
    """A K × K convolution computed as K² heads of self-attention (Cordonnier et al. 2020) over a picture:
    kernel a .npy path or an array [K, K, d_in, d_out] (default: a Laplacian per channel), alpha (default 20),
    focus "ROW,COL", compare a list of α (views.conv.ConvResult: error, layer, to_json(), table(), figure())."""
    from ..analysis.conv import analyze_conv
    from ..views.conv import ConvResult

    media = Media(input, audio, image, frame_ms, hop_ms, features, size, patch)
    return ConvResult(analyze_conv(media, options_of(options, kw), k, kernel, alpha, focus, compare))
