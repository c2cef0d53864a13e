import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from attnviz.views import figures
from attnviz.api import Options, analyze
from conftest import SEED, invoke, one_line

pytest.importorskip("matplotlib")
ROOT = Path(__file__).resolve().parents[2]


def valid(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    return ET.fromstring(data).tag.endswith("svg")


@pytest.mark.parametrize("ext", ["png", "svg", "pdf"])
@pytest.mark.parametrize("args", [[], ["--heads", "4"], ["--focus", "it"], ["--causal", "--heads", "2", "--matrix", "both"]])
def test_show_save_writes_valid_files(runner, tmp_path, ext, args):
    path = tmp_path / f"fig.{ext}"
    result = invoke(runner, "show", SEED, *args, "--save", path)
    assert result.exit_code == 0, result.output
    assert valid(path) and f"saved {path}" in result.stderr
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)  # an ordinary file, not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_comma_separated_and_repeated_save(runner, tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "b.svg", tmp_path / "c.pdf"
    result = invoke(runner, "show", "ham sandwich", "--save", f"{a},{b}", "--save", c)
    assert result.exit_code == 0, result.output
    assert all(valid(p) for p in (a, b, c))


def test_a_file_named_twice_is_saved_once(runner, tmp_path, monkeypatch):
    """x.png, ./x.png, sub/../x.png and link/x.png (link -> .) are one file: one save, one "saved" line,
    under the first spelling; other files keep their order."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path)
    written = []
    real_save = figures.save
    monkeypatch.setattr(figures, "save", lambda fig, path, dpi: (written.append(os.path.realpath(path)), real_save(fig, path, dpi)))
    result = invoke(runner, "show", "ham sandwich", "--save", "x.png,./x.png", "--save", "y.svg",
                    "--save", "sub/../x.png", "--save", "link/x.png,y.svg")
    assert result.exit_code == 0, result.output
    assert written == [str(tmp_path / "x.png"), str(tmp_path / "y.svg")]
    assert [line for line in result.stderr.splitlines() if "saved" in line] == ["attnviz: saved x.png", "attnviz: saved y.svg"]
    assert valid(tmp_path / "x.png") and valid(tmp_path / "y.svg")


def test_pair_figure_draws_the_data_and_masks():
    a = analyze(SEED, Options(window=2))
    head = a.layers[0].heads[0]
    fig, warning = figures.pair_figure(a.tokens, head.alpha, head.alpha_prime, "t", a.layers[0].mask)
    try:
        alpha_img, prime_img = (ax.images[0].get_array() for ax in fig.axes if ax.images)
        allowed = a.layers[0].mask
        np.testing.assert_allclose(alpha_img.data[allowed], head.alpha[allowed], rtol=1e-6)
        np.testing.assert_allclose(prime_img.data[allowed], head.alpha_prime[allowed], rtol=1e-6)
        np.testing.assert_array_equal(alpha_img.mask, ~allowed)
        np.testing.assert_array_equal(prime_img.mask, ~allowed)  # drawn as masked, not as a 0 cell
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels == a.tokens and warning is None
        norm = fig.axes[0].images[0].norm
        assert norm(0.0) == pytest.approx(0.5)  # α diverges around 0
        assert fig.axes[1].images[0].norm.vmax == pytest.approx(head.alpha_prime.max())  # 0 … the largest weight shown
    finally:
        figures._pyplot().close(fig)


def test_grid_figure_takes_layers_by_heads():
    a = analyze(SEED, Options(heads=3))
    heads = a.layers[0].heads
    rows = [[figures.Panel(h.alpha_prime, "alpha-prime", f"L{l} H{i}") for i, h in enumerate(heads)] for l in range(2)]
    fig, _ = figures.grid_figure(a.tokens, rows, ["layer 1", "layer 2"], "grid")
    try:
        images = [ax.images[0] for ax in fig.axes if ax.images]
        assert len(images) == 6
        for k, img in enumerate(images):
            np.testing.assert_allclose(img.get_array(), heads[k % 3].alpha_prime, rtol=1e-6)
        colorbars = [ax for ax in fig.axes if not ax.images and ax.get_ylabel() == figures.LABELS["alpha-prime"]]
        assert len(colorbars) == 1  # one shared colorbar
    finally:
        figures._pyplot().close(fig)


def test_focus_figure_bars_are_the_row():
    a = analyze(SEED)
    head = a.layers[0].heads[0]
    i = a.tokens.index("it")
    fig, _ = figures.focus_figure(a.tokens, i, [("head 1", head.alpha_prime[i], head.alpha[i])], "t")
    try:
        widths = [p.get_width() for p in fig.axes[0].patches]
        np.testing.assert_allclose(sorted(widths, reverse=True), np.sort(head.alpha_prime[i])[::-1], rtol=1e-6)
        assert widths == sorted(widths, reverse=True)  # strongest first
    finally:
        figures._pyplot().close(fig)


def test_forty_tokens_labels_do_not_overlap(tmp_path):
    vocab = "the restaurant refused to serve me a ham sandwich because it only cooks vegetarian food bread".split()
    text = " ".join(vocab[i % len(vocab)] for i in range(40))
    a = analyze(text, Options(vectors=str(ROOT / "tests" / "data" / "tiny.w2v.txt")))
    assert len(a.tokens) == 40
    head = a.layers[0].heads[0]
    fig, _ = figures.pair_figure(a.tokens, head.alpha, head.alpha_prime, "forty")
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels()]
        assert all(not b1.overlaps(b2) for b1, b2 in zip(boxes, boxes[1:]))
        xboxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_xticklabels()]
        assert all(not b1.overlaps(b2) for b1, b2 in zip(xboxes, xboxes[1:]))
        page = fig.bbox
        assert all(page.x0 <= b.x0 and b.x1 <= page.x1 + 1 for b in boxes)
    finally:
        figures._pyplot().close(fig)


@pytest.mark.parametrize("spec,code,needle", [
    ("out.gif", 2, "unknown format"), ("noext", 2, "unknown format"), ("missing/dir/out.png", 2, "does not exist"),
])
def test_bad_save_paths(runner, tmp_path, spec, code, needle):
    result = invoke(runner, "show", "ham sandwich", "--save", tmp_path / spec)
    assert result.exit_code == code and needle in result.stderr and result.stdout == ""


def test_a_save_path_under_a_file_or_device_says_it_is_not_a_folder(runner, tmp_path):
    (tmp_path / "afile").write_text("x")
    one_line(invoke(runner, "show", "ham", "--save", tmp_path / "afile" / "sub" / "x.png"), 2,
             f"{tmp_path / 'afile'} is a file, not a folder; save into an existing folder")
    if Path("/dev/full").is_char_device():
        one_line(invoke(runner, "show", "ham", "--save", "/dev/full/x.png"), 2, "/dev/full is a device, not a folder")


@pytest.mark.parametrize("spec", [",,", " , ", ""])
def test_a_save_of_no_name_is_a_usage_error(runner, tmp_path, monkeypatch, spec):
    monkeypatch.chdir(tmp_path)
    one_line(invoke(runner, "show", "ham", "--save", spec), 2, f"--save {spec!r}: empty; give a file name")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("spec, ending", [("adir.png/", "a separator"), ("out/", "a separator"), ("adir.png/.", "'.'"),
                                          ("adir.png/..", "'..'")])
def test_a_save_path_ending_in_a_separator_names_a_folder_and_is_refused(runner, tmp_path, monkeypatch, spec, ending):
    """adir.png/ (and adir.png/., which Path() also reads as adir.png) wrote a file named adir.png."""
    monkeypatch.chdir(tmp_path)
    one_line(invoke(runner, "show", "ham", "--save", spec), 2, f"--save {spec}: ends in {ending}, so it names a folder")
    assert list(tmp_path.iterdir()) == []


def test_failed_save_leaves_existing_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "keep.png"
    path.write_bytes(b"old contents")
    a = analyze("ham sandwich")
    head = a.layers[0].heads[0]
    fig, _ = figures.pair_figure(a.tokens, head.alpha, head.alpha_prime, "t")

    def boom(*args, **kwargs):
        Path(args[0]).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(figures.AttnvizError, match="disk full"):
        figures.save(fig, path)
    assert path.read_bytes() == b"old contents" and [p.name for p in tmp_path.iterdir()] == ["keep.png"]


def test_cjk_labels_get_a_font_or_a_warning():
    families, warning = figures.font_for(["自注意力", "it"])
    cjk_installed = len(families) > 1
    assert (warning is None) == cjk_installed
    if warning:
        assert "fonts-noto-cjk" in warning and "自" in warning
    assert figures.font_for(["restaurant"])[1] is None


def test_show_without_save_does_not_import_matplotlib():
    code = ("import sys; from attnviz.cli import main; main(['show', 'ham sandwich']); "
            "print('MPL', 'matplotlib' in sys.modules, 'gensim' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "MPL False False" in out.stdout


def test_pe_save_draws_the_encoding(runner, tmp_path):
    from attnviz.core.positions import sinusoidal

    path = tmp_path / "pe.svg"
    result = invoke(runner, "pe", "--length", "20", "--dim", "16", "--save", path)
    assert result.exit_code == 0 and valid(path)
    fig, _ = figures.pe_figure(sinusoidal(20, 16), "t")
    try:
        np.testing.assert_allclose(fig.axes[0].images[0].get_array(), sinusoidal(20, 16))
    finally:
        figures._pyplot().close(fig)
