"""The dequantized tensors of a GGUF file, kept for the next run.

A first run dequantizes every tensor once (one at a time: memory stays one tensor) into
`$XDG_CACHE_HOME/attnviz` (else `~/.cache/attnviz`) as `gguf-<hash of the path>.bin` (float32,
4 bytes a parameter: 540 MB for SmolLM2-135M) with `.json` beside it (the file's size and
modification time, the config dict, the tensor table, the tokenizer as tokenizer.json text).  A
later run checks size and time, memory-maps the .bin and skips the GGUF header, the
dequantization and the tokenizer's construction.  One entry per GGUF path (a changed file
replaces it); written to temporary names and renamed, .json last, so a half-written entry is
never read (a failed or interrupted write removes its temporary files; those of a killed run, and
the entries of GGUF files that no longer exist, are removed by the next write); a cache that cannot be written (read-only, full disk) is skipped and the run reads
the GGUF directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

FORMAT = 1  # bumped when the layout (or a name mapping) changes: old entries are then rebuilt
ALIGN = 64
SPARE = 256 << 20  # free space left on the cache's disk after writing an entry


ORPHAN_SECONDS = 600  # a .bin without its .json this old is removed (a write renames .bin, then .json, at once)
NOTE_BYTES = 100_000_000  # an entry this large is announced as it is written (SmolLM2-135M's: 538 MB)


def cache_dir() -> Path:
    """$ATTNVIZ_CACHE_DIR when set (the tests use their own), else $XDG_CACHE_HOME/attnviz, else ~/.cache/attnviz."""
    if os.environ.get("ATTNVIZ_CACHE_DIR"):
        return Path(os.environ["ATTNVIZ_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "attnviz"


def _key(path: Path) -> tuple[str, dict]:
    """(file stem of the entry, what must match for it to be used)."""
    real = str(path.resolve())
    st = path.stat()
    stem = "gguf-" + hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return stem, {"format": FORMAT, "path": real, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


class CachedSource:
    """The tensors of a cache entry (float32, Hugging Face names and layouts), memory-mapped.

    A mapped page counts in the process's memory from its first read until it is unmapped; release()
    hands back the pages of every tensor read since the last call (madvise DONTNEED: they stay in the
    page cache, and a later read maps them again), so a forward pass that releases after each layer
    holds one layer's weights, not the whole model's (SmolLM2: 538 MB)."""

    def __init__(self, bin_path: Path, table: dict, label: str = "the GGUF file"):
        import mmap

        self.label, self._table = label, table
        self.keys = list(table)
        self._map_path = Path(bin_path).resolve()
        with open(bin_path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self._data = np.frombuffer(self._map, dtype=np.float32)
        self._read: set[str] = set()

    def shape(self, key: str) -> tuple[int, ...]:
        return tuple(self._table[key][1])

    def tensor(self, key: str) -> np.ndarray:
        start, shape = self._table[key]
        self._read.add(key)
        return self._data[start : start + int(np.prod(shape, dtype=np.int64))].reshape(shape)

    def rows(self, key: str, unique: np.ndarray) -> np.ndarray:
        return np.array(self.tensor(key)[unique])

    def release(self) -> None:
        """Unmap the pages of the tensors read since the last release (see the class's note)."""
        import mmap

        page = mmap.PAGESIZE
        advise = getattr(self._map, "madvise", None)
        dontneed = getattr(mmap, "MADV_DONTNEED", None)
        for key in self._read:
            start, shape = self._table[key]
            lo, hi = start * 4 // page * page, -(-(start + int(np.prod(shape, dtype=np.int64))) * 4 // page) * page
            if advise is not None and dontneed is not None and hi > lo:
                advise(dontneed, lo, min(hi, len(self._map)) - lo)
        self._read.clear()


def load(path: Path, tokenizer=None):
    """(config dict, CachedSource, tokenizer factory) from a valid entry for path, else None
    (tokenizer: the one just built, instead of the entry's text)."""
    stem, key = _key(path)
    folder = cache_dir()
    try:
        entry = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        if entry.get("key") != key or (folder / f"{stem}.bin").stat().st_size != entry["bytes"]:
            return None
        source = CachedSource(folder / f"{stem}.bin", entry["tensors"])
        floats = len(source._data)
        for start, shape in entry["tensors"].values():  # a damaged entry is rebuilt, never read past its end
            if not isinstance(start, int) or start < 0 or start + int(np.prod(shape, dtype=np.int64)) > floats:
                return None
        tokenizer = tokenizer or _tokenizer(entry["tokenizer"])
        return entry["config"], source, lambda: tokenizer
    except Exception:  # noqa: BLE001  any damage to an entry (JSON, table, tokenizer text) means: build it again
        return None


def _tokenizer(text: str):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(text)
    tok.no_truncation()
    tok.no_padding()
    return tok


def save(path: Path, raw: dict, source, tokenizer) -> bool:
    """Write the entry for path (every tensor of source dequantized, one at a time); False when it cannot be written."""
    stem, key = _key(path)
    folder = cache_dir()
    sizes = {k: int(np.prod(source.shape(k), dtype=np.int64)) for k in source.keys}
    total = sum(-(-4 * n // ALIGN) * ALIGN for n in sizes.values())
    tmp_bin, tmp_json = folder / f"{stem}.bin.{os.getpid()}.tmp", folder / f"{stem}.json.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_orphans(folder)
        _remove_stale(folder)
        if shutil.disk_usage(folder).free < total + SPARE:
            _unusable(folder, f"{total / 1e6:,.0f} MB do not fit on its disk")  # MB as the write note says them
            return False
        from ..cost import note

        if total >= NOTE_BYTES:  # a large write to the user's home folder is said, once per file
            note(f"{path.name}: writing its weights as float32 ({total / 1e6:,.0f} MB) to the cache {folder}, once: later "
                 f"runs map them instead of dequantizing (delete the folder to reclaim the space; ATTNVIZ_NO_CACHE=1: no cache)")
        table = _write_tensors(tmp_bin, source, sizes)
        tmp_json.write_text(json.dumps({"key": key, "bytes": total, "config": raw, "tensors": table,
                                        "tokenizer": tokenizer.to_str()}), encoding="utf-8")
        os.replace(tmp_bin, folder / f"{stem}.bin")
        os.replace(tmp_json, folder / f"{stem}.json")
        return True
    except OSError as e:
        _unlink(tmp_bin, tmp_json)
        _unusable(folder, f"{type(e).__name__}: {e.strerror or e}")
        return False
    except BaseException:  # a NaN tensor, Ctrl-C: no half-written file is left behind
        _unlink(tmp_bin, tmp_json)
        raise


_told: set[str] = set()  # the folders a note was given for (once a process)


def _unusable(folder: Path, why: str) -> None:
    """Say once (an estimate-channel note: `attnviz: note: …` on the CLI) that the cache is skipped:
    without it every run dequantizes the whole GGUF file again."""
    from ..cost import note

    if str(folder) in _told:
        return
    _told.add(str(folder))
    note(f"the GGUF cache folder {folder} cannot be used ({why}); every run reads and dequantizes the GGUF file again: "
         f"set ATTNVIZ_CACHE_DIR (or XDG_CACHE_HOME) to a writable folder, or ATTNVIZ_NO_CACHE=1 to run without one")


def _unlink(*paths: Path) -> None:
    for tmp in paths:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _remove_orphans(folder: Path) -> None:
    """Temporary files (`<stem>.bin.<pid>.tmp`) of processes no longer running: a run killed while
    writing (SIGKILL, power) leaves one; a live writer's are kept."""
    for tmp in folder.glob("gguf-*.*.tmp"):
        pid = tmp.suffixes[-2][1:] if len(tmp.suffixes) >= 2 else ""
        if pid.isdigit() and not _alive(int(pid)):
            _unlink(tmp)


def _remove_stale(folder: Path) -> None:
    """Entries whose GGUF file is gone (deleted, moved, an Ollama model removed): no run can use them
    again (the entry is keyed by the path), and each holds 4 bytes a parameter.  Only a file that is
    not found counts: one on an unmounted drive or behind a permission error keeps its entry.  The
    .json goes first, so a half-removed entry is a miss, never read; a .bin left without its .json
    (a removal or a write cut short) is removed once it is ORPHAN_SECONDS old (a writer renames the
    .bin a moment before the .json)."""
    for meta in folder.glob("gguf-*.json"):
        try:
            with open(meta, encoding="utf-8") as f:
                source = json.load(f)["key"]["path"]
            os.lstat(source)
        except FileNotFoundError as e:
            if e.filename == source:  # the GGUF file, not the entry (another run removed it first)
                _unlink(meta, meta.with_suffix(".bin"))
        except (OSError, ValueError, KeyError, TypeError):  # unreadable, another layout, an unreachable source: kept
            continue
    for data in folder.glob("gguf-*.bin"):
        try:
            if not data.with_suffix(".json").exists() and time.time() - data.stat().st_mtime > ORPHAN_SECONDS:
                _unlink(data)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's live process
        return True
    return True


def _write_tensors(target: Path, source, sizes: dict[str, int]) -> dict:
    """Every tensor as float32 at a 64-byte-aligned offset; -> {name: [offset in floats, shape]}."""
    table, pos = {}, 0
    with open(target, "wb") as f:
        for key, n in sizes.items():
            w = np.ascontiguousarray(_read(source, key), dtype=np.float32)
            f.write(memoryview(w).cast("B"))
            padded = -(-4 * n // ALIGN) * ALIGN
            f.write(b"\0" * (padded - 4 * n))
            table[key] = [pos // 4, list(w.shape)]
            pos += padded
    return table


def _read(source, key: str) -> np.ndarray:
    """source.tensor(key); a library's exception is one line naming the tensor (as Model's reads)."""
    from ..errors import AttnvizError

    try:
        return source.tensor(key)
    except (AttnvizError, OSError):
        raise
    except Exception as e:  # noqa: BLE001
        raise AttnvizError(f"`model` {source.header.path}: cannot read {key} ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None


def cached_or_build(path: Path, check=None):
    """(config dict, tensor source, tokenizer factory) of a GGUF file: the cache's entry when it is
    valid; else the file read and checked, an entry written for next time, and that entry used.
    check(path, raw, source): refuses a file attnviz cannot compute before the tokenizer is built or
    the cache written (checkpoint.Model passes Model.header_only: passed in, as checkpoint imports this)."""
    from .gguf import open_uncached
    from .gguf_tokenizer import build_tokenizer

    hit = None if os.environ.get("ATTNVIZ_NO_CACHE") else load(path)
    if hit is not None:
        return hit
    header, raw, source = open_uncached(path)
    if check is not None:
        check(path, raw, source)  # a family attnviz does not compute, a missing tensor: refused before the work
    tokenizer = build_tokenizer(header.meta, path)
    if not os.environ.get("ATTNVIZ_NO_CACHE") and save(path, raw, source, tokenizer):
        hit = load(path, tokenizer)
        if hit is not None:
            return hit
    return raw, source, lambda: tokenizer
