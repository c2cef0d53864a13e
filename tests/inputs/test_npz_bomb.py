"""A .npz is read array by array, only the arrays used, each one's size checked in the zip header
before it is inflated (issue #25, item 17: a 5 MB file whose unused array inflates to 5 GB)."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

S = "The restaurant refused to serve me a ham sandwich."
GB = 1.1  # the bomb inflates to this; the CLI runs with 1 GB of address space, so reading it fails


def add(path, **arrays):
    with zipfile.ZipFile(path, "a") as z:
        for name, a in arrays.items():
            with z.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array(f, np.asarray(a), allow_pickle=False)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """w.npz: Wk, Wv and Wz, an array of zeros that inflates to GB (a few MB on disk, written in
    pieces, never whole in memory)."""
    path = tmp_path_factory.mktemp("bomb") / "w.npz"
    rng = np.random.default_rng(0)
    np.savez(path, Wk=rng.normal(size=(300, 64)), Wv=rng.normal(size=(300, 64)))
    n = int(GB * 2**30) // 8
    header = {**np.lib.format.header_data_from_array_1_0(np.zeros(0)), "shape": (n,)}
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z, \
            z.open("Wz.npy", "w", force_zip64=True) as f:
        np.lib.format.write_array_header_1_0(f, header)
        chunk = bytes(1 << 24)
        for _ in range(n * 8 // len(chunk)):
            f.write(chunk)
    return path


def copy(bomb, tmp_path, rename: bytes | None = None):
    """The bomb copied; rename: the bomb's 2-letter name in the zip's headers (b"Wq": now a used array)."""
    path = tmp_path / "w.npz"
    shutil.copy(bomb, path)
    if rename:
        data = path.read_bytes()
        assert data.count(b"Wz.npy") == 2  # its local header and the central directory
        path.write_bytes(data.replace(b"Wz.npy", rename + b".npy"))
    return path


def run(*args, memory_gb: float = 1.0):
    """The CLI in a child process whose address space is capped: reading the bomb would fail."""
    cap = int(memory_gb * 2**30)
    return subprocess.run([sys.executable, "-m", "attnviz", *args], capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))


def test_an_unused_array_is_never_inflated(bomb, tmp_path):
    path = copy(bomb, tmp_path)
    add(path, Wq=np.random.default_rng(1).normal(size=(300, 64)))
    assert path.stat().st_size < 20 << 20
    r = run("show", S, "--weights", str(path), "--heads", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("{") and "error" not in r.stderr


def test_a_used_array_over_the_limit_is_refused_from_its_header(bomb, tmp_path):
    r = run("show", S, "--weights", str(copy(bomb, tmp_path, rename=b"Wq")))
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert f"Wq would inflate to {GB} GB" in r.stderr and "over the 1 GB limit" in r.stderr


def test_a_vector_set_npz_reads_only_vectors_and_labels(bomb, tmp_path):
    path = copy(bomb, tmp_path)
    add(path, vectors=np.eye(4))
    r = run("show", "--input", str(path), "--json")
    assert r.returncode == 0, r.stderr
