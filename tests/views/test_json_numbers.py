"""The numpy number formatter of views/jsonstream.py against Python's own '%.6e' (the independent
reference: correctly rounded from the exact binary value), number by number, as text."""

import json
from fractions import Fraction

import numpy as np
import pytest

from attnviz.errors import AttnvizError
from attnviz.views.jsonstream import matrix_bytes, matrix_json


def numbers_of(x: np.ndarray) -> list[str]:
    """The matrix's numbers as the formatter wrote them (a leading space of a signed matrix removed)."""
    text = matrix_bytes(x).decode("ascii")
    assert text.startswith("[[") and text.endswith("]]")
    rows = text[2:-2].split("],[")
    assert len(rows) == x.shape[0]
    return [number.strip() for row in rows for number in row.split(",")]


def near_tie(v: float) -> bool:
    """True when v's digits after the 7th are within 10⁻⁹ of a half, but not exactly a half: there
    an inexact float64 product may round either way (the only place the formatter may differ from
    correct rounding, by one unit).  Exact halves are exact products: rounded half to even, as Python."""
    exact = abs(Fraction(v))
    d = len(str(int(exact))) - 1 if exact >= 1 else -len(str(int(1 / exact)))
    while exact >= Fraction(10) ** (d + 1):
        d += 1
    while exact < Fraction(10) ** d:
        d -= 1
    m = exact * Fraction(10) ** (6 - d)
    return 0 < abs(m - int(m) - Fraction(1, 2)) < Fraction(1, 10**9)


def assert_like_python(x: np.ndarray) -> None:
    x = x.astype(np.float32)
    want = [f"{v:.6e}" for v in x.astype(np.float64).ravel().tolist()]
    got = numbers_of(x)
    bad = [(v, g, w) for v, g, w in zip(x.astype(np.float64).ravel().tolist(), got, want) if g != w and not near_tie(v)]
    assert not bad, bad[:5]


def test_random_bit_patterns_every_exponent_subnormals_and_signs():
    """Uniform over float32 bit patterns: every binary exponent, subnormals, both signs."""
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2**32, size=(300, 400), dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    x = np.where(np.isfinite(x), x, np.float32(1.5))
    assert_like_python(x)
    assert_like_python(np.abs(x))  # the unsigned layout


def test_edges_powers_of_ten_and_the_roll_to_the_next_decade():
    """Zero, -0, the extremes, every power of ten and the float32 values around each rounding edge
    9.9999995·10^k (below it the digits are 9.999999, from it on 1.000000 of the next decade)."""
    tiny, big = np.finfo(np.float32).smallest_subnormal, np.finfo(np.float32).max
    values = [0.0, 1.0, tiny, 2 * tiny, np.finfo(np.float32).smallest_normal, big, 1e-45, 3.4e38]
    for k in range(-45, 39):
        for centre in (10.0**k, 9.9999995 * 10.0**k, 9.999995 * 10.0**k, 5.0000005 * 10.0**k):
            with np.errstate(over="ignore"):
                c = np.float32(centre)
            if np.isfinite(c):
                steps = [c]
                for direction in (np.float32(np.inf), np.float32(0)):
                    v = c
                    for _ in range(3):
                        v = np.nextafter(v, direction)
                        steps.append(v)
                values += steps
    x = np.array(values, dtype=np.float32)
    x = np.concatenate([x, -x]).reshape(-1, 2)
    assert_like_python(x)
    assert_like_python(np.abs(x))


def test_minus_zero_keeps_its_sign_and_every_binade_edge():
    """Each binade's first and last float32 (the decimal exponent is taken from the binary one)."""
    e = np.arange(0, 255, dtype=np.uint32)
    first = (e << 23).view(np.float32)
    last = ((e << 23) | np.uint32(2**23 - 1)).view(np.float32)
    assert_like_python(np.stack([first, last], axis=1))
    assert numbers_of(np.array([[-0.0, 1.0]], dtype=np.float32)) == ["-0.000000e+00", "1.000000e+00"]


def test_nan_null_inf_refused_float64_input_empty_and_buffer_reuse():
    x = np.array([[np.nan, -1.5, 2.0], [0.25, np.nan, 1e-30]])
    assert json.loads(matrix_bytes(x)) == [[None, -1.5, 2.0], [0.25, None, 1e-30]]
    for bad in (np.array([[1.0, -np.inf]]), np.array([[1e39]]), np.array([[np.nan, np.inf]])):
        with pytest.raises(AttnvizError, match="infinity"):
            matrix_bytes(bad)
    assert matrix_bytes(np.zeros((0, 0))) == b"[]" and matrix_bytes(np.zeros((2, 0))) == b"[[],[]]"
    buffer = np.full(10**5, ord("x"), np.uint8)  # larger than needed: the text is its start
    a = np.array([[0.5, 0.25], [1.0, 2.0]])
    text = matrix_json(a, buffer)
    assert np.shares_memory(text, buffer) and text.tobytes() == matrix_bytes(a)
    assert json.loads(matrix_json(-a, buffer).tobytes()) == (-a).tolist()  # the wider signed layout in the same buffer
    assert len(matrix_json(a, np.empty(3, np.uint8))) == len(matrix_bytes(a))  # too small: a new array


def test_stdout_is_written_in_pieces_of_at_most_one_mib():
    """Big writes make the kernel take page-cache pages in blocks over 2 MB, slow once memory is
    fragmented (bench/model_bench.py): sink() cuts them, and the bytes arrive whole and in order."""
    import io

    from attnviz.views import jsonstream

    sizes, out = [], io.BytesIO()

    class Buffer:
        def write(self, b):
            sizes.append(len(b))
            return out.write(b)

    class Stdout:
        buffer = Buffer()

        def flush(self):
            pass

    data = np.random.default_rng(0).integers(0, 256, 3 * jsonstream.WRITE_BYTES + 12345, dtype=np.uint8)
    write = jsonstream.sink(Stdout())
    write(b"[")
    write(memoryview(data))
    write(b"]")
    assert out.getvalue() == b"[" + data.tobytes() + b"]"
    assert max(sizes) == jsonstream.WRITE_BYTES and sizes[1:5] == [jsonstream.WRITE_BYTES] * 3 + [12345]
