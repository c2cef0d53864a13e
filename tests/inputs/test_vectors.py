import gzip
import shutil

import numpy as np
import pytest

from attnviz.inputs import vectorfile
from attnviz.inputs import wordvectors as vec
from attnviz.errors import AttnvizError, UsageError
from conftest import DATA


def read_w2v_text(path):
    """Reference reader for the word2vec text format, independent of gensim."""
    lines = path.read_text().splitlines()[1:]
    return {w: np.array(rest, dtype=np.float32) for w, *rest in (l.split() for l in lines)}


REF = read_w2v_text(DATA / "tiny.w2v.txt")


def test_embedded_table_shape_and_size():
    root = vec.data_dir()
    v = vec.EmbeddedVectors()
    assert (v.dim, len(v._vectors)) == (300, 20000)
    assert sum(p.stat().st_size for p in root.iterdir()) <= 25 * 2**20
    assert (root / "NOTICE").read_text().count("en_core_web_md") >= 1


def test_embedded_lookup_exact_then_lowercase():
    v = vec.EmbeddedVectors()
    assert v.lookup("restaurant") is not None
    # "Restaurant" has its own vector; a form that is not a key falls back to lowercase
    assert not np.array_equal(v.lookup("Restaurant"), v.lookup("restaurant"))
    assert v._get("ReStAuRaNt") is None
    assert np.array_equal(v.lookup("ReStAuRaNt"), v.lookup("restaurant"))
    assert v.lookup("xqzzyvv") is None


def test_embedded_keys_are_sorted_so_binary_search_finds_every_key():
    v = vec.EmbeddedVectors()
    blob, off, rows = v._keys
    keys = bytes(blob).split(b"\n")[:-1]
    assert keys == sorted(keys) and len(keys) == len(rows) > 500_000
    rng = np.random.default_rng(0)
    picks = list(rng.choice(len(keys), 300, replace=False)) + [0, 15, 16, 17, len(keys) - 1] + list(range(16 * 999, 16 * 1001))
    for i in picks:
        word = keys[i].decode()
        assert np.array_equal(v._get(word), np.asarray(v._vectors[rows[i]], dtype=np.float32)), word
    known = set(keys)
    for i in picks[:100]:  # near misses sort between keys: they must not be found
        for miss in (keys[i] + b"qx", keys[i][:-1], b"!" + keys[i]):
            if miss not in known:
                assert v._get(miss.decode("utf-8", "ignore")) is None or miss.decode("utf-8", "ignore").encode() in known


@pytest.mark.parametrize("name,kind", [
    ("tiny.w2v.txt", "word2vec-text"), ("tiny.w2v.bin", "word2vec-bin"), ("tiny.vec", "word2vec-text"),
    ("tiny.glove.txt", "glove-text"), ("tiny.fasttext.bin", "fasttext-bin"),
])
def test_formats_are_sniffed(name, kind):
    assert vectorfile.sniff_format(DATA / name) == kind


@pytest.mark.parametrize("name", ["tiny.w2v.txt", "tiny.w2v.bin", "tiny.vec", "tiny.glove.txt"])
def test_formats_give_the_same_vectors(name):
    v = vec.open_vectors(str(DATA / name))
    assert v.dim == 8
    for word, ref in REF.items():
        np.testing.assert_allclose(v.lookup(word), ref, atol=1e-5)
    assert v.lookup("Restaurant") is not None  # lowercase fallback
    assert v.lookup("zebra") is None


def test_fasttext_bin_gives_subword_vectors_for_oov():
    v = vec.open_vectors(str(DATA / "tiny.fasttext.bin"))
    assert v.has_subwords and v.lookup("restaurant") is not None
    assert v.lookup("restaurants") is None
    sub = v.subword("restaurants")
    assert sub is not None and sub.shape == (8,) and np.isfinite(sub).all()
    e = vec.embed(["restaurants", "food"], v, "none")
    assert e.oov == [True, False] and e.subword == [True, False]
    np.testing.assert_allclose(e.x[0], sub)


def test_oov_gets_zero_stand_in():
    v = vec.open_vectors(str(DATA / "tiny.w2v.txt"))
    e = vec.embed(["ham", "zebra", "food"], v, "standard")
    assert e.oov == [False, True, False] and e.subword == [False, False, False]
    assert not e.x[1].any()
    np.testing.assert_allclose(np.linalg.norm(e.x[[0, 2]], axis=1), np.sqrt(8), rtol=1e-5)


def test_input_norms():
    v = vec.open_vectors(str(DATA / "tiny.w2v.txt"))
    mean = np.mean(list(REF.values()), axis=0)
    raw = vec.embed(["ham"], v, "none").x[0]
    centered = vec.embed(["ham"], v, "center").x[0]
    standard = vec.embed(["ham"], v, "standard").x[0]
    np.testing.assert_allclose(raw, REF["ham"], atol=1e-6)
    np.testing.assert_allclose(centered, REF["ham"] - mean, atol=1e-5)
    np.testing.assert_allclose(standard, (REF["ham"] - mean) / np.linalg.norm(REF["ham"] - mean) * np.sqrt(8), atol=1e-5)


def test_pickle_formats_need_trust(tmp_path):
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(DATA / "tiny.w2v.txt"))
    kv.save(str(tmp_path / "tiny.kv"))
    with pytest.raises(UsageError, match="`trust_pickle`"):
        vec.open_vectors(str(tmp_path / "tiny.kv"))
    assert vec.open_vectors(str(tmp_path / "tiny.kv"), trust_pickle=True).lookup("ham") is not None


@pytest.mark.parametrize("content", [b"", b"\x00\x01", b"3 4\nthe 1 2\n", b"not vectors at all\n"])
def test_broken_files_are_clear_errors(tmp_path, content):
    path = tmp_path / "broken.txt"
    path.write_bytes(content)
    with pytest.raises(AttnvizError) as err:
        vec.open_vectors(str(path))
    assert str(path) in str(err.value)


def test_missing_path_like_spec_is_a_usage_error():
    with pytest.raises(UsageError, match="no such file"):
        vec.open_vectors("/nonexistent/glove.txt")


def test_gensim_data_name_read_locally_without_network(tmp_path, monkeypatch):
    folder = tmp_path / "tiny-model"
    folder.mkdir()
    with open(DATA / "tiny.w2v.txt", "rb") as src, gzip.open(folder / "tiny-model.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    (folder / "__init__.py").write_text("raise SystemExit('gensim-data code must not run')\n")
    monkeypatch.setenv("GENSIM_DATA_DIR", str(tmp_path))
    v = vec.open_vectors("tiny-model")
    assert v.kind == "gensim-data"
    np.testing.assert_allclose(v.lookup("ham"), REF["ham"], atol=1e-5)


def test_gensim_data_offline_fails_clearly(tmp_path, monkeypatch):
    import gensim.downloader as api

    monkeypatch.setenv("GENSIM_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(api, "DATA_LIST_URL", "http://127.0.0.1:9/list.json")  # closed port: refused at once
    with pytest.raises(AttnvizError, match="internet"):
        vec.open_vectors("glove-wiki-gigaword-50")


def test_non_finite_vectors_are_refused(tmp_path):
    path = tmp_path / "nan.txt"
    path.write_text("2 3\nham 1 nan 2\nfood 1 2 3\n")
    with pytest.raises(AttnvizError, match="NaN or inf"):
        vec.embed(["ham", "food"], vec.open_vectors(str(path)), "none")


def test_nearest_words_finds_the_word_itself():
    v = vec.EmbeddedVectors()
    e = vec.embed(["restaurant", "sandwich"], v, "standard")
    near = vec.nearest_words(e.x, v, "standard", 3)
    assert near[0][0][0] == "restaurant" and near[1][0][0] == "sandwich"
    assert near[0][0][1] == pytest.approx(1.0, abs=1e-3)


def test_stored_row_norms_match_the_table():
    v = vec.EmbeddedVectors()
    table = np.asarray(v._vectors, dtype=np.float32)
    np.testing.assert_allclose(v.row_norms(False), np.linalg.norm(table, axis=1), rtol=1e-4)
    np.testing.assert_allclose(v.row_norms(True), np.linalg.norm(table - v.mean(), axis=1), rtol=1e-4)


def test_a_bom_copy_is_removed_when_the_copy_stops(tmp_path, monkeypatch):
    """A vectors file with a byte order mark is read through a temporary copy without it; a copy that
    stops (Ctrl-C during a large file, a full disk) leaves no copy behind, and a full disk says so."""
    import errno
    import os
    import tempfile

    from attnviz.inputs.vectorfile import without_bom

    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + (DATA / "tiny.w2v.txt").read_bytes())
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    for stop, caught in ((KeyboardInterrupt(), KeyboardInterrupt), (OSError(errno.ENOSPC, "No space left on device"), AttnvizError)):
        def copy(src, dst, length, stop=stop):
            dst.write(b"part")
            raise stop

        monkeypatch.setattr(shutil, "copyfileobj", copy)
        with pytest.raises(caught) as e:
            with without_bom(bom):
                pass
        assert os.listdir(tmp_path / "tmp") == []
    assert "No space left on device" in str(e.value) and "tail -c +4" in str(e.value)
    monkeypatch.undo()
    with without_bom(bom) as readable:
        assert readable != bom and readable.read_bytes()[:3] != b"\xef\xbb\xbf"
        assert readable.stat().st_mode & 0o077 == 0  # in a shared TMPDIR, readable by its owner only
    assert not readable.exists()


def test_a_text_file_that_is_not_vectors_says_what_a_vectors_file_is(tmp_path):
    prose = tmp_path / "notes.md"
    prose.write_text("# attnviz\n\nSee self-attention over any set of vectors.\n", encoding="utf-8")
    with pytest.raises(AttnvizError) as e:
        vec.open_vectors(str(prose))
    message = str(e.value)
    assert "notes.md" in message and "a vectors file is word2vec or GloVe text" in message and "\n" not in message


@pytest.mark.parametrize("header", ["", "3 2\n"])
@pytest.mark.parametrize("row, count", [("sat 0.5", "1 number"), ("sat 0.5 0.6 0.7 0.8", "4 numbers")])
def test_a_text_row_of_the_wrong_length_is_refused_naming_its_line_and_word(tmp_path, header, row, count):
    path = tmp_path / "bad.txt"
    path.write_text(f"{header}the 0.1 0.2\ncat 0.3 0.4 \n{row}\n")  # a trailing space is fine, as gensim rstrips
    with pytest.raises(AttnvizError) as e:
        vec.open_vectors(str(path))
    line = 4 if header else 3
    said = "the header (line 1) says 2" if header else "the first line has 2"
    assert str(e.value) == (f"{path}: the vector of 'sat' (line {line}) has {count} where {said}; every line of a "
                            f"vectors file is a word and the same count of numbers: fix or delete this line")


@pytest.mark.parametrize("text, line", [("the 0.1 0.2\n\ncat 0.3 0.4\n", 2), ("\nthe 0.1 0.2\ncat 0.3 0.4\n", 1),
                                        ("2 2\nthe 0.1 0.2\n  \n", 3)])
def test_a_blank_line_in_a_vectors_file_is_named(tmp_path, text, line):
    path = tmp_path / "blank.txt"
    path.write_text(text)
    with pytest.raises(AttnvizError, match=rf"blank.txt: line {line} is blank; .*: delete it$"):
        vec.open_vectors(str(path))


def test_a_gzipped_text_row_of_the_wrong_length_is_named(tmp_path):
    path = tmp_path / "bad.txt.gz"
    path.write_bytes(gzip.compress(b"2 2\nthe 0.1 0.2\nsat 0.5\n"))
    with pytest.raises(AttnvizError, match=r"the vector of 'sat' \(line 3\) has 1 number where the header"):
        vec.open_vectors(str(path))


def test_strict_rows_leave_a_good_file_as_gensim_reads_it():
    kv = vectorfile.read_vectors_file(DATA / "tiny.w2v.txt")
    assert type(kv).__name__ == "KeyedVectors" and kv.vectors.shape == (len(REF), len(REF["ham"]))
    np.testing.assert_allclose(kv["ham"], REF["ham"], atol=1e-6)
