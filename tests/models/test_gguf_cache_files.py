"""The GGUF cache's files: a write that fails (a NaN tensor, Ctrl-C) leaves no temporary file, and
those of a run killed outright (a dead pid), and the entries of GGUF files that no longer exist, are
removed by the next write."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from test_gguf_sources import tiny_llama


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


class Interrupted:
    """A source whose second tensor read is interrupted (Ctrl-C while the cache is written)."""

    def __init__(self, source):
        self.source, self.keys, self.reads = source, source.keys, 0

    def shape(self, key):
        return self.source.shape(key)

    def tensor(self, key):
        self.reads += 1
        if self.reads == 2:
            raise KeyboardInterrupt
        return self.source.tensor(key)


def test_ctrl_c_while_writing_leaves_no_temporary_file(tmp_path, cache_home):
    from attnviz.models import gguf_cache
    from attnviz.models.gguf import open_uncached
    from attnviz.models.gguf_tokenizer import build_tokenizer

    path = tiny_llama(tmp_path / "t.gguf")
    header, raw, source = open_uncached(path)
    with pytest.raises(KeyboardInterrupt):
        gguf_cache.save(path, raw, Interrupted(source), build_tokenizer(header.meta, path))
    assert cache_home.is_dir() and list(cache_home.iterdir()) == []


META = {"llama.embedding_length": 32, "llama.attention.head_count": 2, "llama.block_count": 1, "llama.feed_forward_length": 64,
        "llama.context_length": 64, "llama.attention.layer_norm_rms_epsilon": 1e-5}


def shapes() -> dict:
    from gguf_fixtures import bpe_vocab

    return {"token_embd.weight": (len(bpe_vocab()[0]), 32), "output_norm.weight": (32,), "blk.0.attn_norm.weight": (32,),
            "blk.0.ffn_norm.weight": (32,), "blk.0.attn_q.weight": (32, 32), "blk.0.attn_k.weight": (32, 32),
            "blk.0.attn_v.weight": (32, 32), "blk.0.attn_output.weight": (32, 32), "blk.0.ffn_gate.weight": (64, 32),
            "blk.0.ffn_up.weight": (64, 32), "blk.0.ffn_down.weight": (32, 64)}


def test_a_nan_tensor_leaves_no_temporary_file(runner, tmp_path, cache_home):
    from conftest import invoke
    from gguf_fixtures import write_gguf
    from conftest import one_line

    tensors = {k: np.full(s, 0.01, np.float32) for k, s in shapes().items()}
    tensors["blk.0.attn_v.weight"][1, 2] = np.nan
    one_line(invoke(runner, "show", "the cat", "--model", write_gguf(tmp_path / "t.gguf", "llama", META, tensors)), 1,
             "tensor blk.0.attn_v.weight holds NaN or infinite values")
    assert cache_home.is_dir() and list(cache_home.iterdir()) == []


def test_a_dead_runs_temporary_files_are_removed_a_live_ones_kept(tmp_path, cache_home):
    from attnviz.models import gguf_cache
    from attnviz.models.gguf import open_uncached
    from attnviz.models.gguf_tokenizer import build_tokenizer

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead, live = int(done.stdout), subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        cache_home.mkdir()
        orphan, busy = cache_home / f"gguf-{'a' * 24}.bin.{dead}.tmp", cache_home / f"gguf-{'b' * 24}.bin.{live.pid}.tmp"
        orphan.write_bytes(b"\0" * 64)
        busy.write_bytes(b"\0" * 64)
        path = tiny_llama(tmp_path / "t.gguf")
        header, raw, source = open_uncached(path)
        assert gguf_cache.save(path, raw, source, build_tokenizer(header.meta, path))
        assert not orphan.exists() and busy.exists()
    finally:
        live.kill()
        live.wait()


def test_a_missing_tensor_is_refused_before_the_tokenizer_and_the_cache(runner, tmp_path, cache_home, monkeypatch):
    """The tensor set is checked from the header first: a 2 M-token vocabulary once took 30 s to be refused."""
    from conftest import invoke
    from gguf_fixtures import write_gguf
    from conftest import one_line

    from attnviz.models import gguf_tokenizer

    built = []
    monkeypatch.setattr(gguf_tokenizer, "build_tokenizer", lambda *a: built.append(a) or pytest.fail("tokenizer built"))
    tensors = {k: np.full(s, 0.01, np.float32) for k, s in shapes().items() if k != "blk.0.attn_k.weight"}
    path = write_gguf(tmp_path / "m.gguf", "llama", META, tensors)
    one_line(invoke(runner, "show", "the cat", "--model", path), 1, "the GGUF file lacks model.layers.0.self_attn.k_proj.weight")
    assert built == [] and list(cache_home.glob("*")) == []


@pytest.mark.parametrize("where", ["file", "proc"])
def test_an_unusable_cache_folder_is_said_once(runner, tmp_path, monkeypatch, where):
    """A file where the folder should be, or a folder that cannot be made: one note on stderr, naming
    the variables that move it; the run goes on (exit 0)."""
    from conftest import invoke
    from gguf_fixtures import write_gguf

    from attnviz.models import gguf_cache

    monkeypatch.setattr(gguf_cache, "_told", set())
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("ATTNVIZ_CACHE_DIR", str(tmp_path / "a-file" / "x") if where == "file" else "/proc/self/attnviz")
    path = write_gguf(tmp_path / "t.gguf", "llama", META, {k: np.full(s, 0.01, np.float32) for k, s in shapes().items()})
    for run in range(2):
        result = invoke(runner, "show", "the cat", "--model", path)
        assert result.exit_code == 0, result.stderr
        notes = [line for line in result.stderr.splitlines() if line.startswith("attnviz: note:")]
        if run == 0:
            assert len(notes) == 1 and "GGUF cache folder" in notes[0] and "ATTNVIZ_CACHE_DIR (or XDG_CACHE_HOME)" in notes[0], result.stderr
        else:
            assert notes == [], result.stderr  # once a process


def test_a_large_entry_is_announced_as_it_is_written(tmp_path, cache_home, monkeypatch):
    """A first SmolLM2 run wrote 538 MB to ~/.cache without a word (a new user found the folder at
    1.1 GB); an entry of NOTE_BYTES or more is said once, as it is written, and a tiny one is not."""
    from attnviz.cost import listening
    from attnviz.models import gguf_cache
    from attnviz.models.gguf import open_uncached
    from attnviz.models.gguf_tokenizer import build_tokenizer

    path = tiny_llama(tmp_path / "t.gguf")
    header, raw, source = open_uncached(path)
    heard = []
    with listening(heard.append):
        assert gguf_cache.save(path, raw, source, build_tokenizer(header.meta, path))  # ~60 KB: quiet
        monkeypatch.setattr(gguf_cache, "NOTE_BYTES", 1)
        assert gguf_cache.save(path, raw, source, build_tokenizer(header.meta, path))
    assert len(heard) == 1 and heard[0].startswith("t.gguf: writing its weights as float32") and str(cache_home) in heard[0]


def test_the_entries_of_gguf_files_that_no_longer_exist_are_removed_by_the_next_write(tmp_path, cache_home):
    """Each entry holds 4 bytes a parameter (538 MB for SmolLM2) and is keyed by its file's path: once
    that file is gone no run can use it, so the next write removes it; others stay."""
    from attnviz.models import gguf_cache
    from attnviz.models.gguf import open_uncached
    from attnviz.models.gguf_tokenizer import build_tokenizer

    def write(path):
        header, raw, source = open_uncached(path)
        assert gguf_cache.save(path, raw, source, build_tokenizer(header.meta, path))
        return gguf_cache._key(path)[0]

    gone, kept = tiny_llama(tmp_path / "gone.gguf"), tiny_llama(tmp_path / "kept.gguf")
    stems = {write(gone), write(kept)}
    assert {p.name for p in cache_home.iterdir()} == {f"{s}.{e}" for s in stems for e in ("json", "bin")}
    damaged = cache_home / f"gguf-{'c' * 24}.json"
    damaged.write_text("{not json", encoding="utf-8")  # not ours to judge: load() rebuilds a damaged entry
    gone_stem = gguf_cache._key(gone)[0]
    gone.unlink()
    write(tiny_llama(tmp_path / "new.gguf"))
    names = {p.name for p in cache_home.iterdir()}
    assert f"{gone_stem}.json" not in names and f"{gone_stem}.bin" not in names, names
    assert gguf_cache.load(kept) is not None and damaged.exists()
    assert len(names) == 5, names  # kept's two, new's two, the damaged .json


def test_a_cache_too_large_for_its_disk_is_said_in_the_write_notes_megabytes(tmp_path, cache_home, monkeypatch):
    """The same SmolLM2 entry was "538 MB" when written and "513 MB do not fit" when refused (MiB)."""
    import shutil
    from collections import namedtuple

    from attnviz.cost import listening
    from attnviz.models import gguf_cache
    from attnviz.models.gguf import open_uncached
    from attnviz.models.gguf_tokenizer import build_tokenizer

    monkeypatch.setattr(gguf_cache, "_told", set())
    monkeypatch.setattr(shutil, "disk_usage", lambda p: namedtuple("Usage", "total used free")(1 << 30, 1 << 30, 0))
    class Large:  # 36 MB of float32 (34 MiB): sized, never read (the disk is checked first)
        keys = ["w"]
        shape = staticmethod(lambda key: (3000, 3000))

    path = tiny_llama(tmp_path / "t.gguf")
    header, raw, _ = open_uncached(path)
    heard = []
    with listening(heard.append):
        assert not gguf_cache.save(path, raw, Large(), build_tokenizer(header.meta, path))
    assert len(heard) == 1 and "(36 MB do not fit on its disk)" in heard[0], heard


def test_an_unreachable_gguf_keeps_its_entry_and_a_lone_old_bin_is_removed(tmp_path, cache_home, monkeypatch):
    """Only a GGUF file that is not found loses its entry (one on an unmounted drive or behind a
    permission error keeps it: rebuilding takes minutes); a .bin left without its .json goes once old."""
    import os
    import time

    from attnviz.models import gguf_cache
    from attnviz.models.gguf import open_uncached
    from attnviz.models.gguf_tokenizer import build_tokenizer

    def write(path):
        header, raw, source = open_uncached(path)
        assert gguf_cache.save(path, raw, source, build_tokenizer(header.meta, path))

    away = tiny_llama(tmp_path / "away.gguf")
    write(away)
    away_stem = gguf_cache._key(away)[0]
    old, young = cache_home / f"gguf-{'d' * 24}.bin", cache_home / f"gguf-{'e' * 24}.bin"
    for lone in (old, young):
        lone.write_bytes(b"\0" * 64)
    past = time.time() - gguf_cache.ORPHAN_SECONDS - 60
    os.utime(old, (past, past))
    real_lstat, away_path = os.lstat, str(away.resolve())

    def unreachable(path, *a, **k):
        if str(path) == away_path:
            raise PermissionError(13, "Permission denied", str(path))
        return real_lstat(path, *a, **k)

    monkeypatch.setattr(gguf_cache.os, "lstat", unreachable)
    write(tiny_llama(tmp_path / "new.gguf"))
    names = {p.name for p in cache_home.iterdir()}
    assert {f"{away_stem}.json", f"{away_stem}.bin", young.name} <= names and old.name not in names, names
