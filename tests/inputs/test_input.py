"""--input: any n × d matrix (.npy, .npz, .csv, .tsv) is the sequence; checked against the naive loop."""

import json

import numpy as np
import pytest

import attnviz
from attnviz.errors import AttnvizError
from conftest import invoke, one_line
from reference import naive_head

X = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 2.0, 0.0, 2.0], [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 3.0, 1.0]])  # the notes' a¹ … a⁴
EYE = np.eye(4).tolist()


def write(tmp_path, kind):
    path = tmp_path / f"a.{kind}"
    if kind == "npy":
        np.save(path, X)
    elif kind == "npz":
        np.savez(path, vectors=X, labels=np.array(["w", "x", "y", "z"]))
    elif kind == "csv":
        path.write_text("name,d1,d2,d3,d4\n" + "".join(f"{l},{','.join(map(str, r))}\n" for l, r in zip("wxyz", X)))
    else:
        path.write_text("".join("\t".join(map(str, r)) + "\n" for r in X))
    return path


@pytest.mark.parametrize("kind,labels", [("npy", ["a1", "a2", "a3", "a4"]), ("npz", list("wxyz")),
                                         ("csv", list("wxyz")), ("tsv", ["a1", "a2", "a3", "a4"])])
def test_every_format_matches_the_naive_loop(cli, tmp_path, kind, labels):
    doc = json.loads(cli("show", "--input", write(tmp_path, kind), "--temperature", "1", "--json").stdout)
    assert doc["tokens"] == labels and doc["source"]["kind"] == "matrix" and doc["source"]["dim"] == 4
    alpha, alpha_prime, _ = naive_head(X.tolist(), EYE, EYE, EYE)
    head = doc["layers"][0]["heads"][0]
    np.testing.assert_allclose(head["alpha"], alpha, rtol=1e-12)
    np.testing.assert_allclose(head["alpha_prime"], alpha_prime, rtol=1e-12)


def test_masks_and_random_projection_apply(cli, tmp_path):
    path = write(tmp_path, "npy")
    doc = json.loads(cli("show", "--input", path, "--temperature", "1", "--window", "1", "--projection", "random",
                         "--d-k", "3", "--seed", "5", "--json", "--include-vectors").stdout)
    from attnviz.core.attention import random_projections

    p = random_projections(4, 1, 3, 5)
    allowed = [[abs(i - j) <= 1 for j in range(4)] for i in range(4)]
    alpha, alpha_prime, b = naive_head(X.tolist(), p.wq.tolist(), p.wk.tolist(), p.wv.tolist(), allowed=allowed)
    head = doc["layers"][0]["heads"][0]
    np.testing.assert_allclose(head["alpha_prime"], alpha_prime, rtol=1e-5, atol=1e-7)
    assert head["alpha"][0][2] is None and head["alpha_prime"][0][2] == 0
    np.testing.assert_allclose(head["b"], b, rtol=1e-5, atol=1e-6)


def test_focus_names_a_label(cli, tmp_path):
    out = cli("show", "--input", write(tmp_path, "npz"), "--focus", "y").stdout
    assert "query 3 “y”" in out and "b^3 =" in out  # labels w, x, y, z: y is item 3, numbered from 1


@pytest.mark.parametrize("content,needle", [
    ("1,2\n3\n", "line 2 has 1 cells"),
    ("1,2\n3,abc\n", "'abc' is not a number"),
    ("1,2\nnan,3\n", "NaN or inf"),
    ("1,2\ninf,3\n", "NaN or inf"),
    ("", "0 rows"),
    ("\n\n", "0 rows"),
])
def test_bad_tables_get_one_line(runner, tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = invoke(runner, "show", "--input", path)
    assert result.exit_code == 1 and needle in result.stderr and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("array,needle", [(np.zeros((0, 3)), "0 rows"), (np.zeros((3, 0)), "0 columns"),
                                          (np.zeros(5), "1-D"), (np.zeros((2, 2, 2)), "2-D"),
                                          (np.array([["a", "b"]]), "real numbers")])
def test_bad_arrays_get_one_line(runner, tmp_path, array, needle):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    result = invoke(runner, "show", "--input", path)
    assert result.exit_code == 1 and needle in result.stderr, result.output


def test_bad_files_and_usage(runner, tmp_path):
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    (tmp_path / "y.npy").write_bytes(b"\x93NUMPY garbage")
    np.savez(tmp_path / "z.npz", other=X)
    for path, code, needle in [(tmp_path / "x.npz", 1, "could not read"), (tmp_path / "y.npy", 1, "could not read"),
                               (tmp_path / "z.npz", 1, "no array named 'vectors'"), (tmp_path / "none.npy", 2, "no such file"),
                               (tmp_path / "a.txt", 2, "unknown format")]:
        result = invoke(runner, "show", "--input", path)
        assert result.exit_code == code and needle in result.stderr, result.output
    np.save(tmp_path / "ok.npy", X)
    result = invoke(runner, "show", "ham", "--input", tmp_path / "ok.npy")
    assert result.exit_code == 2 and "not both" in result.stderr


def test_a_file_over_one_gigabyte_is_refused_before_reading(runner, tmp_path):
    path = tmp_path / "big.npy"
    with open(path, "wb") as f:
        f.truncate((1 << 30) + 1)  # sparse: no disk used
    result = invoke(runner, "show", "--input", path)
    assert result.exit_code == 1 and "over the 1 GB limit" in result.stderr


def test_an_array_of_strings_says_it_holds_strings_not_numbers(runner, tmp_path):
    path = tmp_path / "s.npy"
    np.save(path, np.array(["a", "b"]))  # 1-D as well: its dtype is the cause, not its shape
    one_line(invoke(runner, "show", "--input", path), 1, "s.npy: the array holds strings (dtype <U1), not real numbers",
             "e.g. np.save(path, X.astype(float))")
    with pytest.raises(AttnvizError, match=r"^`input` array: the array holds strings .* e\.g\. pass X\.astype\(float\)$"):
        attnviz.analyze(input=np.array([["a", "b"], ["c", "d"]]))  # an array in memory: no file to save


def test_a_directory_given_as_input_is_named_a_directory(runner, tmp_path):
    for folder in (tmp_path / "adir", tmp_path / "vectors.npy"):
        folder.mkdir()
        one_line(invoke(runner, "show", "--input", folder), 2, f"--input {folder}: is a directory; give a .npy")


def test_random_bytes_as_input_or_kernel_get_the_same_clean_words(runner, tmp_path):
    junk = tmp_path / "junk.npy"
    junk.write_bytes(np.random.default_rng(0).bytes(300))
    words = "as a .npy array (it holds Python objects or is not an array file at all); save"
    for args in (["--input", junk], ["--image", "demo", "--conv", "3", "--kernel", junk]):
        line = one_line(invoke(runner, "show", *args), 1, words)
        assert "pickle" not in line, line


def test_a_npy_header_claiming_more_than_the_file_holds_is_refused_from_the_header(runner, tmp_path):
    """A 200-byte .npy whose header says 2²⁰ × 2²⁰ float32 (4 TB) was 'out of memory … cut the work with
    --window', as --input and --kernel; now the header is checked before numpy allocates (as --attention was)."""
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }"
    header += b" " * (118 - len(header)) + b"\n"
    big = tmp_path / "big.npy"
    big.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 64)
    for args in (["--input", big], ["--image", "demo", "--conv", "3", "--kernel", big]):
        one_line(invoke(runner, "show", *args), 1, "its header says shape (1048576, 1048576) (4,398,046,511,104 bytes) "
                                                   "but 64 bytes follow")
