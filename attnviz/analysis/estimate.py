"""Estimates before heavy work: how long and how much memory an attention run will take.

The rates are this project's measurements on a 2-core machine (bench/long_bench.py); an estimate
is meant to be right within a factor of 2 or 3, enough to say "this will take 20 minutes; try
`window`".  Over WARN_SECONDS or WARN_BYTES, one line on stderr gives the estimate and how to cut it;
over the memory the machine has free, the run is refused (UsageError, exit 2) with the same advice.
"""

from __future__ import annotations


from ..errors import UsageError

WARN_SECONDS = 10.0
WARN_BYTES = 1 << 30
CELL_SECONDS = 6e-9  # per cell of a block of scores (query × key × head): softmax, top-k, block means
FLOP_SECONDS = 1 / 20e9  # per multiply-add of the score products (a loaded 2-core machine)
TANH_SECONDS = 1.5e-8  # per element of the additive score's tanh(W1ᵀq + W2ᵀk) [cells × d_a]
BASE_BYTES = 90 << 20  # the interpreter, numpy and the embedded vectors' pages


def available_bytes() -> int:
    """MemAvailable from /proc/meminfo (elsewhere: 8 GiB)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 << 30


def keys_per_query(n: int, window: int | None, causal: bool, block: int) -> float:
    """Keys a query's block scores: block + 2·window with a window; n (n/2 causal) without."""
    if window is not None:
        return min(n, block + 2 * window)
    return n / 2 if causal else n


def stream_cost(n: int, dim: int, distinct: int, heads: int, d_k: int, window: int | None, causal: bool,
                score: str, d_a: int | None, identity: bool) -> tuple[float, float]:
    """(seconds, bytes) of analysis.stream.attend over n tokens of dimension dim."""
    from ..core.blockwise import block_size

    block = block_size(window, 512, n)
    cells = n * heads * keys_per_query(n, window, causal, block)
    seconds = cells * (CELL_SECONDS + 2 * d_k * FLOP_SECONDS)
    if score == "additive":
        band = min(n, 2 * window + 1) if window is not None else keys_per_query(n, window, causal, block)
        seconds += n * heads * band * (d_a or d_k) * TANH_SECONDS
    held = (block + 2 * window + 8192) if window is not None else n  # rows of q and k kept
    row_bytes = 4 * (dim if identity else 2 * heads * d_k)
    block_bytes = 8 * 6 * block * min(n, keys_per_query(n, window, causal, block) if window is not None else n)
    memory = BASE_BYTES + 4 * n + 4 * distinct * dim + held * row_bytes + block_bytes + 24 * n // 8
    return seconds, memory


def advice(window: int | None, heads: int, score: str) -> str:
    tips = []
    if window is None:
        tips.append("`window` W (each query sees 2W+1 keys)")
    if heads > 1:
        tips.append("fewer `heads`")
    if score == "additive":
        tips.append("`score` scaled-dot, or a smaller `d_a`")
    return "; to cut it: " + ", ".join(tips) if tips else ""


def report(what: str, seconds: float, memory: float, tips: str, err=None) -> None:
    """The estimate line on err (default: stderr), or the refusal when memory would not fit."""
    import sys

    err = err or sys.stderr
    free = available_bytes()
    if memory > 0.8 * free:
        raise UsageError(f"{what} would need about {memory / 2**30:.1f} GB of memory and this machine has "
                         f"{free / 2**30:.1f} GB free{tips}")
    if seconds > WARN_SECONDS or memory > WARN_BYTES:
        from ..options import as_flags

        cost = (f"about {duration(seconds)} and " if seconds >= 1 else "") + f"{memory / 2**20:,.0f} MB"
        err.write(f"attnviz: estimate: {what} will take {cost}{as_flags(tips)}\n")
        err.flush()


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def check_stream(n: int, table_shape: tuple[int, int], proj, opts, top_k: int, err) -> None:
    """Before analysis.stream.attend: warn (one stderr line) or refuse."""
    distinct, dim = table_shape
    seconds, memory = stream_cost(n, dim, distinct, proj.n_head, proj.d_k, opts.window, opts.causal,
                                  opts.score, opts.d_a, proj.kind == "identity")
    kind = "windowed" if opts.window is not None else ("causal" if opts.causal else "full")
    what = f"{kind} attention over {n:,} tokens × {proj.n_head} head{'s' if proj.n_head > 1 else ''}"
    report(what, seconds, memory, advice(opts.window, proj.n_head, opts.score), err)


DENSE_CELL_BYTES = 8 * 5 + 64  # per query × key × head: α, α′ and normalize()'s temporaries in float64,
#                                 and the views' copies (JSON: Python floats in lists, then the text)


def dense_cost(n: int, heads: int, d_k: int, score: str, d_a: int | None) -> tuple[float, float]:
    """(seconds, bytes) of the dense path (vectorset.analyze_sequence) and its views: every α and α′."""
    cells = n * n * heads
    seconds = cells * (CELL_SECONDS + 2 * d_k * FLOP_SECONDS)
    if score == "additive":
        seconds += cells * (d_a or d_k) * TANH_SECONDS
    return seconds, BASE_BYTES + DENSE_CELL_BYTES * cells


def check_dense(n: int, heads: int, d_k: int, opts, err=None) -> None:
    """Before the dense path: warn or refuse (full matrices of n × n per head)."""
    seconds, memory = dense_cost(n, heads, d_k, opts.score, opts.d_a)
    tips = "; to cut it: `top_k` K (blockwise: each query's K strongest keys, any length)"
    if heads > 1:
        tips += ", fewer `heads`"
    if opts.score == "additive":
        tips += ", `score` scaled-dot"
    report(f"full matrices of {n:,} × {n:,} items × {heads} head{'s' if heads > 1 else ''}", seconds, memory, tips, err)


def check_pe(n: int, d: int, err=None) -> None:
    """Before `attnviz pe`: the n × d encoding in float64 and its temporaries (≈ 2 n × d × 8 bytes)."""
    cells = n * d
    report(f"the positional encoding of {n:,} positions × {d:,} dimensions", cells * 5e-9, BASE_BYTES + 16 * cells,
           "; to cut it: a smaller --length or --dim (the terminal shows at most 200 positions)", err)
