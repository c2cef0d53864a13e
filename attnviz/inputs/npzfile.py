"""Arrays from a .npz (a zip of .npy files), read one by one and only those asked for: each
member's size is taken from the zip's own header before a byte of it is inflated, so a small file
whose unused (or used) array inflates to gigabytes is refused, not read (a zip bomb)."""

from __future__ import annotations

import os
import zipfile

import numpy as np

from ..errors import AttnvizError

MAX_ARRAY_BYTES = 1 << 30  # one array: the same 1 GB as a whole vector-set file (inputs/matrix.py)


def read_npy(path, what: str, fix: str) -> np.ndarray:
    """One .npy array, pickle disabled (a .npz under a .npy name comes back as numpy's NpzFile: callers
    check).  A file numpy cannot read is one AttnvizError: "could not read {what} as a .npy array
    ({why}); {fix}", numpy's advice to load pickles left out (data must never run code here)."""
    try:
        with open(path, "rb") as f:
            npy = f.read(len(np.lib.format.MAGIC_PREFIX)) == np.lib.format.MAGIC_PREFIX  # not a .npz under a .npy name
        if npy:
            check_npy_header(path)
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise AttnvizError(f"could not read {what} as a .npy array ({numpy_reason(e)}); {fix}") from None


def check_npy_header(path) -> None:
    """The header's shape against the bytes that follow it: a 2⁶⁰ shape is refused before numpy
    allocates it (ValueError, with the numbers)."""
    size = os.stat(path).st_size
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        shape, _, dtype = (np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0)(f)
        left = size - f.tell()
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if not dtype.hasobject and need > left:
        raise ValueError(f"its header says shape {shape} ({need:,} bytes) but {left:,} bytes follow; the file is damaged "
                         f"or not made by numpy.save")


def numpy_reason(e: Exception) -> str:
    """numpy's message for a file it could not read, without its advice to load pickles."""
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    return "it holds Python objects or is not an array file at all" if "pickle" in text.lower() else text


def read_arrays(path: str, names: tuple[str, ...], what: str) -> dict[str, np.ndarray]:
    """{name: array} for the names the archive has (others are not read), pickle disabled.  A
    member over MAX_ARRAY_BYTES, by the zip header's uncompressed size, is an AttnvizError naming
    it (what: how messages name the file, e.g. "`weights` w.npz").  Zip errors are left to the caller."""
    with zipfile.ZipFile(path) as z:
        members = {info.filename.removesuffix(".npy"): info for info in z.infolist()}
        out = {}
        for name in names:
            info = members.get(name)
            if info is None:
                continue
            if info.file_size > MAX_ARRAY_BYTES:
                raise AttnvizError(f"{what}: the array {name} would inflate to {info.file_size / 2**30:.1f} GB "
                                   f"({info.compress_size / 2**20:.1f} MB in the file), over the {MAX_ARRAY_BYTES >> 30} GB "
                                   f"limit for one array; save smaller matrices")
            check_header(z, info, what)
            with z.open(info) as f:  # reads at most the header's file_size bytes
                out[name] = np.lib.format.read_array(f, allow_pickle=False)
        return out


def names_in(path: str) -> list[str]:
    """The arrays a .npz holds, from its directory (nothing inflated)."""
    with zipfile.ZipFile(path) as z:
        return [info.filename.removesuffix(".npy") for info in z.infolist()]


def check_header(z: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> None:
    """The member's .npy header against its size: a shape of 2⁶⁰ in a small member is refused before
    numpy allocates it.  A member that is not a .npy is left to numpy's own error."""
    name = info.filename.removesuffix(".npy")
    with z.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            shape, _, dtype = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)(f)
        except ValueError:
            return
    if dtype.hasobject:
        return  # numpy refuses it (pickle disabled)
    size = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if size > info.file_size:
        raise AttnvizError(f"{what}: the array {name}'s header says shape {shape} ({size:,} bytes) but it holds "
                           f"{info.file_size:,} bytes; the file is damaged or not made by numpy.savez")
