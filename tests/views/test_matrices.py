"""`attnviz explain --matrices` (issue #11, 4): the notes' matrix form, equal to the JSON vectors."""

import json
import re

import numpy as np
import pytest

from conftest import SEED

TITLE = re.compile(r"^(\S+) = (.*?)\s+\[(\d+) × (\d+)\]$")


def blocks(out: str) -> dict[str, np.ndarray]:
    """Every matrix printed in full: name -> array (· is NaN).  Elided ones (… or ⋮) are left out."""
    lines = out.splitlines()
    found = {}
    for k, line in enumerate(lines):
        m = TITLE.match(line)
        if not m or "identity projection" in line:
            continue
        rows, cols = int(m.group(3)), int(m.group(4))
        start = k + 3 if not re.match(r"^\s*[\d…]", lines[k + 2]) else k + 2  # token names under the numbers
        body = lines[start: start + rows]
        if any("…" in b or "⋮" in b for b in body + [lines[k + 1]]):
            continue
        values = [[np.nan if x == "·" else float(x) for x in b.split()[-cols:]] for b in body]  # after "i" or "i token"
        assert all(len(v) == cols for v in values), (line, body)
        found[m.group(1)] = np.array(values)
    return found


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("1,0,2\n0,1,1\n3,1,0\n1,1,1\n")
    wq, wk, wv = (np.random.default_rng(k).normal(size=(3, 4)).round(3) for k in range(3))
    weights = tmp_path / "w.npz"
    np.savez(weights, Wq=wq, Wk=wk, Wv=wv)
    return ["--input", str(path), "--weights", str(weights), "--heads", "2", "--window", "1"], (wq, wk, wv)


def close(printed, exact):
    np.testing.assert_allclose(printed, exact, rtol=6e-4, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("head", [1, 2])
def test_row_form_equals_the_json_vectors(cli, small, head):
    args, (wq, wk, wv) = small
    doc = json.loads(cli("show", *args, "--json", "--include-vectors").stdout)
    h = doc["layers"][0]["heads"][head - 1]
    got = blocks(cli("explain", *args, "--matrices", "--head", head).stdout)
    as_array = lambda m: np.array([[np.nan if x is None else x for x in row] for row in m], dtype=float)  # noqa: E731
    close(got["I"], as_array(doc["layers"][0]["input"]))
    cols = slice(2 * (head - 1), 2 * head)
    close(got["W^q"], wq[:, cols]), close(got["W^k"], wk[:, cols]), close(got["W^v"], wv[:, cols])
    for name, key in (("Q", "q"), ("K", "k"), ("V", "v"), ("A", "alpha"), ("A′", "alpha_prime"), ("O", "b")):
        close(got[name], as_array(h[key]))
    assert np.isnan(got["A"][0, 3]) and got["A′"][0, 3] == 0  # the window masks key 4 of query 1
    close(got["output"], as_array(doc["layers"][0]["output"]))


def test_column_form_is_the_notes_transpose(cli, small):
    args, _ = small
    rows = blocks(cli("explain", *args, "--matrices").stdout)
    out = cli("explain", *args, "--matrices", "--columns").stdout
    assert "A = KᵀQ/√d_k" in out and "O = V·A′" in out and "Q = W^q·I" in out
    cols = blocks(out)
    for name in ("I", "W^q", "Q", "K", "V", "A", "A′", "O"):
        close(cols[name], rows[name].T)
    np.testing.assert_allclose(np.nansum(cols["A′"], axis=0), 1.0, atol=2e-3)  # columns of A′ sum to 1


def test_large_matrices_are_elided_but_shapes_always_shown(cli):
    out = cli("explain", SEED, "--matrices").stdout
    for title in ("I = [a¹ … aⁿ] as rows   [15 × 300]", "W^q = I_300 (identity projection)   [300 × 300]",
                  "Q = I·W^q   [15 × 300]", "A = QKᵀ/√d_k   [15 × 15]", "A′ = softmax(A/T) per row   [15 × 15]",
                  "O = A′·V  (row i = b^i)   [15 × 300]"):
        assert title in out
    assert "…" in out and "⋮" in out and max(len(l) for l in out.splitlines()) <= 80


def test_explain_needs_focus_or_matrices(cli):
    assert "--focus WORD" in cli("explain", SEED, code=2).stderr
    assert "--columns goes with --matrices" in cli("explain", SEED, "--focus", "it", "--columns", code=2).stderr


def test_token_rows_and_columns_are_labelled(cli):
    # rows and columns were numbers only: which token each is was left to count
    out = cli("explain", "The cat sat on the mat.", "--matrices").stdout.splitlines()
    a = out.index(next(l for l in out if l.startswith("A′ = ")))
    assert out[a + 1].split() == ["1", "2", "3", "4", "5", "6"] and out[a + 2].split() == ["The", "cat", "sat", "on", "the", "mat"]
    assert [l.split()[:2] for l in out[a + 3: a + 9]] == [["1", "The"], ["2", "cat"], ["3", "sat"], ["4", "on"], ["5", "the"], ["6", "mat"]]
    i = out.index(next(l for l in out if l.startswith("I = ")))
    assert out[i + 2].split()[:2] == ["1", "The"] and "…" in out[i + 1]  # I: tokens are rows, dimensions columns
    cols = cli("explain", "The cat sat on the mat.", "--matrices", "--columns").stdout.splitlines()
    q = cols.index(next(l for l in cols if l.startswith("Q = ")))
    assert cols[q + 2].split() == ["The", "cat", "sat", "on", "the", "mat"] and cols[q + 3].split()[0] == "1"
    assert max(len(l) for l in out + cols) <= 80
