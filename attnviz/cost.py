"""Estimates before heavy work: how long and how much memory a run will take, from its sizes.

A leaf module: numbers in (tokens, dimensions, heads, pixels, frames), seconds and bytes out, and
the one place that warns or refuses (report).  Every layer may call it; it imports nothing of
attnviz but errors, i18n and options, so the callers compute the sizes (analysis.estimate for a
Sequence's projections and a scanned file).

The rates are this project's measurements on a 2-core machine (bench/long_bench.py); an estimate
is meant to be right within a factor of 2 or 3, enough to say "this will take 20 minutes; try
`window`".  Over WARN_SECONDS or WARN_BYTES, one line gives the estimate and how to cut it (in the
language in use): an AttnvizWarning for library callers, or a `listening` callback's (the CLI prints
`attnviz: estimate: …` on stderr); over the memory the machine has free, or over REFUSE_SECONDS
unless the cost was accepted (`accepting`: the API's `accept_cost`, the CLI's --accept-cost), the
run is refused (UsageError, exit 2) with the same advice.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import AttnvizWarning, UsageError
from .i18n import N_, _, ngettext, using

WARN_SECONDS = 10.0
WARN_BYTES = 1 << 30
CELL_SECONDS = 6e-9  # per cell of a block of scores (query × key × head): softmax, top-k, block means
FLOP_SECONDS = 1 / 20e9  # per multiply-add of the score products (a loaded 2-core machine)
BASE_BYTES = 90 << 20  # the interpreter, numpy and the embedded vectors' pages
REFUSE_SECONDS = 300.0  # work estimated longer than this is refused unless accepted: a first command never starts an hour's job


@dataclass(frozen=True)
class ScoreCost:
    """What a cell (query × key × head) of the chosen score costs beyond scaled-dot's, as numbers:
    analysis.estimate reads them off the score's entry (core.scores.Cost) and the options, so this
    module knows no score by name.  The default is a plain dot product's."""

    factor: float = 1.0  # × a scaled-dot cell (CELL_SECONDS and the 2·d_k multiply-adds)
    rate: float = 0.0  # + seconds per cell and per number of `width` (a score's own work, e.g. a tanh over `d_a`)
    width: int = 0  # the numbers that extra term runs over in a cell (`d_a`, or d_k)
    banded: bool = False  # under a window the extra term is paid on the band of 2W+1 keys only, not a block's keys
    cheaper: bool = False  # worth suggesting `score` scaled-dot
    d_a: bool = False  # the extra term grows with `d_a`: worth suggesting a smaller one


DOT = ScoreCost()


def available_bytes() -> int:
    """MemAvailable from /proc/meminfo (elsewhere: 8 GiB), or less under an address-space limit
    (`ulimit -v`): what is left of it."""
    free = 8 << 30
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    return min(free, address_space_left())


def address_space_left() -> float:
    """RLIMIT_AS minus this process's VmSize (/proc/self/status); inf without a limit."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft == resource.RLIM_INFINITY:
            return float("inf")
        with open("/proc/self/status") as f:
            size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        return max(soft - size, 0)
    except (ImportError, OSError, StopIteration, ValueError):
        return float("inf")


def keys_per_query(n: int, window: int | None, causal: bool, block: int) -> float:
    """Keys a query's block scores: block + 2·window with a window; n (n/2 causal) without."""
    if window is not None:
        return min(n, block + 2 * window)
    return n / 2 if causal else n


def stream_cost(n: int, dim: int, distinct: int, heads: int, d_k: int, window: int | None, causal: bool,
                score: ScoreCost, identity: bool, block: int) -> tuple[float, float]:
    """(seconds, bytes) of analysis.stream.attend over n tokens of dimension dim, `block` queries at
    a time (core.blockwise.block_size: the caller's, so this module needs no core)."""
    keys = keys_per_query(n, window, causal, block)
    cells = n * heads * keys
    seconds = cells * (CELL_SECONDS + 2 * d_k * FLOP_SECONDS) * score.factor * out_of_cache(keys)
    if score.rate:
        band = min(n, 2 * window + 1) if window is not None and score.banded else keys
        seconds += n * heads * band * score.width * score.rate
    held = (block + 2 * window + 8192) if window is not None else n  # rows of q and k kept
    row_bytes = 4 * (dim if identity else 2 * heads * d_k)
    block_bytes = 8 * 6 * block * min(n, keys_per_query(n, window, causal, block) if window is not None else n)
    memory = BASE_BYTES + 4 * n + 4 * distinct * dim + held * row_bytes + block_bytes + 24 * n // 8
    return seconds, memory


def out_of_cache(keys: float) -> float:
    """How much slower a cell is when a query block's row of scores outgrows the caches: √(keys /
    120 000), from 1 up to 2.  Measured (full attention over a sound's log-mel frames, 2 loaded
    cores, seconds a cell): 20 000 frames 5.4e-9, 60 000 9.2e-9, 120 000 1.5e-8 (the flat rate
    above is 1.4e-8 at d_k 80)."""
    return min(max(1.0, (keys / 120_000) ** 0.5), 2.0)


def advice(window: int | None, heads: int, score: ScoreCost) -> list[str]:
    """Ways to cut a streamed run, as catalog messages (options as `name`)."""
    tips = []
    if window is None:
        tips.append(N_("`window` W (each query sees 2W+1 keys)"))
    if heads > 1:
        tips.append(N_("fewer `heads`"))
    if score.cheaper:
        tips.append(N_("`score` scaled-dot, or a smaller `d_a`") if score.d_a else N_("`score` scaled-dot"))
    return tips


def report(what, seconds: float, memory: float, tips: list[str], err=None) -> None:
    """Refuse (UsageError) when memory would not fit; else, over WARN_SECONDS or WARN_BYTES, say
    how long and how much, in the language in use (i18n), with the tips: one line on err when
    given, else to the listener (`listening`), else an AttnvizWarning.  what(): the work, in the
    language in use; tips: catalog messages (N_)."""
    free = available_bytes()
    if memory - BASE_BYTES > 0.8 * free:  # the process itself (BASE_BYTES) is already in memory: a tiny run always fits
        with using("en"):  # errors are English, as every error is
            message = refusal(what(), memory, free, tips)
        raise UsageError(message)
    if seconds > REFUSE_SECONDS and not _accepted.get():
        with using("en"):
            message = too_long(what(), seconds, tips)
        raise UsageError(message, "accept_cost")
    if seconds > WARN_SECONDS or memory > WARN_BYTES:
        message = estimate_line(what(), seconds, memory, tips)
        if err is None:
            notify(message)
            return
        from .i18n import spoken

        err.write(f"attnviz: estimate: {spoken(message)}\n")  # --flags for the CLI, names for a library caller
        err.flush()


def refusal(what: str, memory: float, free: float, tips: list[str]) -> str:
    """What report() compares: the memory the run adds (beyond BASE_BYTES) with 80 % of what is free."""
    return (f"{what} would need about {(memory - BASE_BYTES) / 2**30:.1f} GB more memory, over the {0.8 * free / 2**30:.1f} GB "
            f"a run may take (80% of the {free / 2**30:.1f} GB free on this machine)"
            + ("; to cut it: " + ", ".join(tips) if tips else ""))


def too_long(what: str, seconds: float, tips: list[str]) -> str:
    """The refusal of work over REFUSE_SECONDS: the estimate and both ways forward."""
    cut = ("cut it with " + ", ".join(tips) + ", or ") if tips else ""
    return f"{what} would take about {duration(seconds)}; {cut}run it anyway with `accept_cost`"


def estimate_line(what: str, seconds: float, memory: float, tips: list[str]) -> str:
    """'{what} will take about 3 minutes and 800 MB; to cut it: …' in the language in use."""
    mb = f"{memory / 2**20:,.0f}"
    cost = _("about {duration} and {mb} MB").format(duration=duration(seconds), mb=mb) if seconds >= 1 else \
        _("{mb} MB").format(mb=mb)
    if not tips:
        return _("{what} will take {cost}").format(what=what, cost=cost)
    return _("{what} will take {cost}; to cut it: {tips}").format(what=what, cost=cost, tips=_(", ").join(_(t) for t in tips))


_listener: ContextVar = ContextVar("attnviz_estimate_listener", default=None)
_accepted: ContextVar = ContextVar("attnviz_cost_accepted", default=False)


@contextmanager
def accepting(accept: bool):
    """Inside, with accept True: work estimated over REFUSE_SECONDS runs (with its estimate line)
    instead of being refused.  The API's `accept_cost` and the CLI's --accept-cost."""
    token = _accepted.set(bool(accept) or _accepted.get())
    try:
        yield
    finally:
        _accepted.reset(token)


@contextmanager
def listening(callback):
    """Inside: every estimate line (a library message, options as `name`) goes to callback(message)
    instead of the warnings module.  The CLI prints them as `attnviz: estimate: …` on stderr."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


class Note(str):
    """A notice that is not an estimate (the GGUF cache cannot be written): the CLI prints it as
    `attnviz: note: …`; a listener that takes strings takes it as one."""


def note(message: str) -> None:
    """message as a Note, through notify's channel."""
    notify(Note(message))


def notify(message: str) -> None:
    """message to the listener, or as an AttnvizWarning at the caller's first line outside attnviz."""
    callback = _listener.get()
    if callback is not None:
        callback(message)
        return
    import warnings

    warnings.warn(message, AttnvizWarning, stacklevel=outside_attnviz())


def outside_attnviz() -> int:
    """The stacklevel of notify's first caller outside the attnviz package (a user's line)."""
    root = os.path.dirname(os.path.abspath(__file__))  # this file is attnviz/cost.py
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(root + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def duration(seconds: float) -> str:
    """A time span in the language in use: 45 s, 20 minutes, 2.5 hours."""
    if seconds < 120:
        return _("{n} s").format(n=f"{seconds:.0f}")
    if seconds < 7200:
        return _("{n} minutes").format(n=f"{seconds / 60:.0f}")
    return _("{n} hours").format(n=f"{seconds / 3600:.1f}")


def stream_work(kind: str, n: int, heads: int) -> str:
    """'windowed attention over 1,000 tokens × 2 heads' (kind: windowed, causal, full) in the language in use."""
    if kind == "windowed":
        text = ngettext("windowed attention over {n} tokens × {heads} head", "windowed attention over {n} tokens × {heads} heads", heads)
    elif kind == "causal":
        text = ngettext("causal attention over {n} tokens × {heads} head", "causal attention over {n} tokens × {heads} heads", heads)
    else:
        text = ngettext("full attention over {n} tokens × {heads} head", "full attention over {n} tokens × {heads} heads", heads)
    return text.format(n=f"{n:,}", heads=heads)


def check_stream(n: int, dim: int, distinct: int, heads: int, d_k: int, identity: bool, block: int, opts,
                 score: ScoreCost = DOT, err=None) -> None:
    """Before analysis.stream.attend over n tokens (`distinct` words of dimension dim, projected to
    heads × d_k, or not at all: identity): warn (one line; see report) or refuse.  opts: the
    Options (window, causal); score: what the chosen score's cells cost (analysis.estimate)."""
    seconds, memory = stream_cost(n, dim, distinct, heads, d_k, opts.window, opts.causal, score, identity, block)
    kind = "windowed" if opts.window is not None else ("causal" if opts.causal else "full")
    report(lambda: stream_work(kind, n, heads), seconds, memory, advice(opts.window, heads, score), err)


DENSE_CELL_BYTES = 8 * 5 + 64  # per query × key × head: α, α′ and normalize()'s temporaries in float64,
#                                 and the views' copies (JSON: Python floats in lists, then the text)


def dense_cost(n: int, heads: int, d_k: int, score: ScoreCost = DOT) -> tuple[float, float]:
    """(seconds, bytes) of the dense path (vectorset.analyze_sequence) and its views: every α and α′."""
    cells = n * n * heads
    seconds = cells * (CELL_SECONDS + 2 * d_k * FLOP_SECONDS) * score.factor
    if score.rate:
        seconds += cells * score.width * score.rate
    return seconds, BASE_BYTES + DENSE_CELL_BYTES * cells


def check_dense(n: int, heads: int, d_k: int, score: ScoreCost = DOT, err=None) -> None:
    """Before the dense path: warn or refuse (full matrices of n × n per head; see report).  score:
    what the chosen score's cells cost (analysis.estimate.check_dense reads it off its entry)."""
    seconds, memory = dense_cost(n, heads, d_k, score)
    tips = [N_("`top_k` K (blockwise: each query's K strongest keys, any length)")]
    if heads > 1:
        tips.append(N_("fewer `heads`"))
    if score.cheaper:
        tips.append(N_("`score` scaled-dot"))
    report(lambda: ngettext("full matrices of {n} × {n} items × {heads} head", "full matrices of {n} × {n} items × {heads} heads",
                            heads).format(n=f"{n:,}", heads=heads), seconds, memory, tips, err)


def check_pe(n: int, d: int, dpi: int | None = None, err=None) -> None:
    """Before `attnviz pe`: the terminal's first 200 rows, and with a figure (dpi given) its
    sampled cells (views.figures.pe_sample: at most one a pixel) and its canvas (see pe_cost)."""
    seconds, memory = pe_cost(n, d, dpi)
    report(lambda: _("the positional encoding of {n} positions × {d} dimensions").format(n=f"{n:,}", d=f"{d:,}"),
           seconds, memory, [N_("a smaller `dpi`, `length` or `dim`")] if dpi else
           [N_("a smaller `length` or `dim` (the terminal shows at most 200 positions)")], err)


PE_FIGURE_BYTES, PE_FIGURE_SECONDS = 300 << 20, 2.0  # matplotlib and a figure's fixed cost
PE_PIXEL_BYTES, PE_PIXEL_SECONDS = 40, 2.3e-7  # per canvas pixel: the sampled cells (about one a pixel), RGBA,
#   resampling, the PNG encoder (measured: -n 100000 -d 4096 at 150 dpi 0.65 GB 3.7 s, at 600 dpi 3.4 GB 21 s)


def pe_cost(n: int, d: int, dpi: int | None) -> tuple[float, float]:
    """(seconds, bytes) of `attnviz pe`: 200 rows × d for the terminal; with a figure at dpi, its
    canvas pixels (PE_PIXEL_*; views.figures.pe_sample draws at most one cell a pixel)."""
    seconds, memory = min(n, 200) * d * 2e-6, BASE_BYTES + 16 * min(n, 200) * d
    if dpi is None:
        return seconds, memory
    width, height = pe_inches(n, d)
    pixels = (width + 1.5) * (height + 1) * dpi * dpi
    return seconds + PE_FIGURE_SECONDS + pixels * PE_PIXEL_SECONDS, memory + PE_FIGURE_BYTES + pixels * PE_PIXEL_BYTES


def pe_inches(n: int, d: int) -> tuple[float, float]:
    """(width, height) of views.figures.pe_figure's matrix in inches: 0.12 a cell, 5 … 16 across, 3 …
    12 down.  Here (views.figures imports it) because the estimate needs the canvas before drawing."""
    return float(min(max(d * 0.12, 5), 16)), float(min(max(n * 0.12, 3), 12))


MIN_OWN_BYTES, MIN_OWN_SECONDS = 64 << 20, 1.0  # an input's own estimate (vectors, picture, sound) under both: silent


def negligible(seconds: float, memory: float) -> bool:
    """True when an input's own work (memory beyond BASE_BYTES) is too small to mention or refuse:
    the attention's estimate that follows speaks for the run."""
    return seconds < MIN_OWN_SECONDS and memory - BASE_BYTES < MIN_OWN_BYTES


def projection_cost(n: int, d: int, heads: int, projection: str, d_k: int | None) -> tuple[float, float]:
    """(seconds, bytes) of resolving n vectors of dimension d (vectorset.resolve): the identity
    projection is a view of 2d − 1 numbers (core.attention.identity_matrix; q = k = v = a, nothing
    multiplied); a random one draws W^q, W^k, W^v [d, heads·d_k] and W^o [heads·d_k, d] (float64
    draws cast to float32), then projects the n rows (float32 q, k, v).  The n × d vectors are the
    input's (already held)."""
    if projection == "identity":  # the vectors themselves are already held (the input's own estimate): not counted
        return 0.0, BASE_BYTES + 8 * d
    width = heads * (d_k or max(d // max(heads, 1), 1))
    return 4 * d * width * 2e-8 + 3 * n * d * width * FLOP_SECONDS, BASE_BYTES + 24 * d * width + 12 * n * width


def dimension_advice(projection: str, own: list[str]) -> list[str]:
    """Ways to cut the cost of long vectors, as catalog messages: the input kind's own (own: audio raw
    frames: log-mel, shorter frames; a matrix: fewer columns), then a smaller `d_k`."""
    if projection == "identity":
        return [*own, N_("`projection` random with a small `d_k` (no d × d identity)")]
    return [*own, N_("a smaller `d_k`")]


def check_vectors(n: int, d: int, opts, tips: list[str] = (), err=None) -> None:
    """Before the projections are built: warn (one line) or refuse n vectors of dimension d (e.g.
    raw audio frames of 32 000 samples: a 4 GB identity; see report).  The shapes' own checks come
    first, in analysis.estimate.check_vectors (they need core).  tips: the input kind's own advice."""
    seconds, memory = projection_cost(n, d, opts.heads, opts.projection, opts.d_k)
    if negligible(seconds, memory):
        return
    report(lambda: ngettext("{n} vector of {d} dimensions", "{n} vectors of {d} dimensions", n).format(n=f"{n:,}", d=f"{d:,}"),
           seconds, memory, dimension_advice(opts.projection, list(tips)), err)


def check_image(width: int, height: int, bands: int, bits: int, err=None) -> None:
    """Before a picture is decoded (inputs.image; Pillow reads the size from the header): warn
    (one line) or refuse width × height pixels of `bands` channels of `bits` bits (see report).
    Per pixel (measured: 9000² RGB 2.2 GB 5 s, 6000² RGBA 1.7 GB 5 s): the decoded bytes, 8 bytes
    a channel in float32 arrays and their temporaries (12 more to lay alpha onto white); 20 ns a
    channel (30 ns more for alpha)."""
    pixels = width * height
    alpha = bands in (2, 4)
    memory = BASE_BYTES + pixels * (bands * max(bits, 8) // 8 + 8 * bands + (12 if alpha else 0))
    seconds = pixels * (2e-8 * bands + (3e-8 if alpha else 0))
    if negligible(seconds, memory):
        return
    report(lambda: _("decoding a picture of {w} × {h} pixels").format(w=f"{width:,}", h=f"{height:,}"),
           seconds, memory,
           [N_("a smaller picture file (`size` and `patch` act after the whole picture is decoded; resize it first, "
               "e.g. to 2,000 pixels a side)")], err)


def check_audio(n: int, n_samples: int, n_fft: int, d: int, n_mels: int, err=None) -> None:
    """Before a sound's features are computed (inputs.audio): warn (one line) or refuse n frames
    of d numbers (see report).  Per frame: an FFT of n_fft (~20 ns a point, measured), the log-mel
    rows in float64 and float32 (12 bytes a band), the vectors standardized (~20 bytes a number);
    the samples in float64 (8 bytes each)."""
    seconds = n * n_fft * 2e-8
    memory = BASE_BYTES + 8 * n_samples + n * (12 * n_mels + 20 * d)
    if negligible(seconds, memory):
        return
    report(lambda: ngettext("the features of {n} frame of {d} numbers", "the features of {n} frames of {d} numbers", n).format(
        n=f"{n:,}", d=f"{d:,}"), seconds, memory, [N_("a larger `hop_ms` (fewer frames), or a shorter excerpt of the sound")], err)


MODEL_FLOP_SECONDS = 1 / 15e9  # per multiply-add of a model's linear maps (float32 BLAS, a loaded 2-core machine)
MAP_BYTES = 4 * 2  # per query × key of a kept head: α and α′ in float32
LAYER_CELL_BYTES = 4 * 6  # per query × key × head of the layer being computed: scores, weights and temporaries


def model_cost(n: int, params: int, layers: int, heads: int, d_k: int, kept: int) -> tuple[float, float]:
    """(seconds, bytes) of a model's forward pass over n tokens with `kept` heads' α, α′ kept for
    the views (every head unless --layer/--head): the linear maps (n × params multiply-adds), the
    attention (4 · n² · d_k a head), the maps kept, and one layer's maps while it is computed."""
    cells = n * n
    seconds = (n * params + layers * heads * cells * 2 * d_k) * MODEL_FLOP_SECONDS + kept * cells * CELL_SECONDS
    return seconds, BASE_BYTES + cells * (kept * MAP_BYTES + heads * LAYER_CELL_BYTES)


def check_model(name: str, n: int, params: int, layers: int, heads: int, d_k: int, kept: int, err=None) -> None:
    """Before a model runs over n tokens: warn or refuse (see report); the way out is fewer heads kept."""
    seconds, memory = model_cost(n, params, layers, heads, d_k, kept)
    tips = ([N_("one head (show `layer` L `head` H)")] if kept > 1 else []) + [N_("a shorter text")]
    report(lambda: ngettext("{model} over {n} tokens, α and α′ of {k} head kept", "{model} over {n} tokens, α and α′ of {k} heads kept",
                            kept).format(model=name, n=f"{n:,}", k=f"{kept:,}"), seconds, memory, tips, err)
