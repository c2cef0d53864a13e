"""Estimates and refusals before heavy work (issue 16 item 2): the decision, never the GBs."""

import pytest

from conftest import SEED


def test_a_focus_figure_too_tall_is_refused_before_it_is_drawn(cli, tmp_path, monkeypatch):
    """-H 300 --focus it --save was refused only after 16 s of drawing 300 charts."""
    from attnviz.views import figures

    def drawn(*args, **kwargs):
        raise AssertionError("the figure was drawn before the refusal")

    monkeypatch.setattr(figures, "focus_figure", drawn)
    result = cli("show", SEED, "-H", "300", "--focus", "it", "--save", tmp_path / "x.png", code=2)
    assert "300 panels" in result.stderr and "--head H" in result.stderr and "fewer --heads" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and list(tmp_path.iterdir()) == []


def test_a_focus_figure_that_fits_is_saved(cli, tmp_path):
    cli("show", SEED, "-H", "4", "--focus", "it", "--save", tmp_path / "x.png")
    assert (tmp_path / "x.png").stat().st_size > 0


@pytest.fixture
def wide(tmp_path):
    """3 items of dimension 4 000 (small to allocate; the limits below are monkeypatched)."""
    import numpy as np

    path = tmp_path / "wide.npy"
    np.save(path, np.random.default_rng(0).normal(size=(3, 4000)))
    return path


def test_long_vectors_under_the_identity_need_no_d_by_d_matrix(runner, wide, monkeypatch):
    """3 × 200 000 was 'out of memory … use --window/--top-k' (a d × d identity), then refused with
    advice about d; the identity is now a view of 2d − 1 numbers (issue #25, item 19): it runs where
    a d × d matrix would not fit, and drawn weights of that size are refused with the advice about d."""
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from conftest import invoke

    monkeypatch.setattr(estimate, "MIN_OWN_BYTES", 0)
    monkeypatch.setattr(estimate, "available_bytes", lambda: 4 * 4000 * 4000)  # 80 % of it: under a d × d float32 matrix
    result = invoke(runner, "show", "--input", wide)
    assert result.exit_code == 0, result.output
    result = invoke(runner, "show", "--input", wide, "--projection", "random", "--d-k", "4000")
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.output
    assert "3 vectors of 4,000 dimensions" in result.stderr and "a smaller --d-k" in result.stderr
    assert "--window" not in result.stderr and "--top-k" not in result.stderr
    result = invoke(runner, "show", "--input", wide, "--projection", "random", "--d-k", "8")
    assert result.exit_code == 0, result.output  # small weights: it fits


def test_long_vectors_get_an_estimate_line(runner, wide, monkeypatch):
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from conftest import invoke

    monkeypatch.setattr(estimate, "MIN_OWN_BYTES", 0)
    monkeypatch.setattr(estimate, "WARN_BYTES", 4 * 4000 * 4000)
    result = invoke(runner, "show", "--input", wide)
    assert result.exit_code == 0, result.output
    lines = [l for l in result.stderr.splitlines() if l.startswith("attnviz: estimate: 3 vectors of 4,000 dimensions")]
    assert len(lines) == 1 and "fewer columns" in lines[0]


def test_projection_cost_counts_the_identity_and_the_random_weights():
    from attnviz.cost import BASE_BYTES, projection_cost

    assert projection_cost(3, 32_000, 1, "identity", None)[1] - BASE_BYTES <= 8 * 32_000  # a view, not np.eye(d)
    _s, random = projection_cost(3, 32_000, 1, "random", 16)
    assert random - BASE_BYTES < 32_000 * 16 * 32  # d × d_k weights, not d × d


def test_a_csv_with_a_header_and_no_rows_is_a_clear_error(runner, tmp_path):
    from conftest import invoke

    (tmp_path / "h.csv").write_text("x,y\n")
    result = invoke(runner, "show", "--input", tmp_path / "h.csv")
    assert result.exit_code == 1 and "a header row and no data rows" in result.stderr and "internal" not in result.stderr


def test_a_big_picture_is_estimated_before_it_is_decoded(runner, tmp_path, monkeypatch):
    """A 9000 × 9000 PNG (236 KB) was 2.2 GB and 5-12 s with no word: the header's size is enough to say so."""
    from PIL import Image

    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from attnviz.inputs import image
    from conftest import invoke

    Image.new("RGBA", (300, 200), (10, 20, 30, 128)).save(tmp_path / "p.png")
    pixels_bytes = 300 * 200 * (4 + 32 + 12)  # what check_image counts for RGBA, beyond the process itself
    monkeypatch.setattr(estimate, "MIN_OWN_BYTES", 0)
    monkeypatch.setattr(estimate, "available_bytes", lambda: int(pixels_bytes / 0.8) - 1)

    def decoded(*args):
        raise AssertionError("decoded before the refusal")

    monkeypatch.setattr(image, "_to_rgb", decoded)
    result = invoke(runner, "show", "--image", tmp_path / "p.png")
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.output
    assert "decoding a picture of 300 × 200 pixels" in result.stderr and "a smaller picture file" in result.stderr
    monkeypatch.undo()
    monkeypatch.setattr(estimate, "MIN_OWN_BYTES", 0)
    monkeypatch.setattr(estimate, "WARN_BYTES", pixels_bytes - 1)
    result = invoke(runner, "show", "--image", tmp_path / "p.png")
    assert result.exit_code == 0, result.output
    assert [l for l in result.stderr.splitlines() if l.startswith("attnviz: estimate: decoding a picture of 300 × 200")]


@pytest.mark.parametrize("n,d,dpi", [(40, 16, 150), (9, 5, 30), (100_000, 4096, 30), (3000, 7, 40)])
def test_pe_sample_is_the_encoding_at_evenly_spaced_rows_and_columns(n, d, dpi):
    """The figure draws pe_sample, never the whole n × d: every cell equals positions.encode's (the
    textbook formula), at most one row and column a pixel, first and last kept."""
    import numpy as np

    from attnviz.core.positions import encode
    from attnviz.views.figures import pe_inches, pe_sample

    sample = pe_sample(n, d, dpi)
    width, height = pe_inches(n, d)
    assert sample.shape[0] == min(n, int(height * dpi)) and sample.shape[1] == min(d, int(width * dpi))
    rows = np.linspace(0, n - 1, sample.shape[0]).round().astype(int) if sample.shape[0] < n else np.arange(n)
    cols = np.linspace(0, d - 1, sample.shape[1]).round().astype(int) if sample.shape[1] < d else np.arange(d)
    np.testing.assert_allclose(sample, encode(rows, d)[:, cols], rtol=0, atol=1e-12)


def test_pe_figure_that_cannot_fit_is_refused_with_pe_advice(runner, tmp_path, monkeypatch):
    """-n 100000 -d 4096 --save was 23 GB then killed (a 0-byte temporary left): refused first, pe's own advice."""
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from conftest import invoke

    _s, memory = estimate.pe_cost(100_000, 4096, 1200)
    monkeypatch.setattr(estimate, "available_bytes", lambda: int(memory))  # 80 % of it is not enough
    result = invoke(runner, "pe", "-n", "100000", "-d", "4096", "--save", tmp_path / "pe.png", "--dpi", "1200")
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.output
    assert "positional encoding of 100,000 positions × 4,096 dimensions" in result.stderr
    assert "--dpi, --length or --dim" in result.stderr and "--window" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_pe_estimate_line_counts_the_figure(runner, tmp_path, monkeypatch):
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from conftest import invoke

    monkeypatch.setattr(estimate, "WARN_BYTES", estimate.pe_cost(40, 16, None)[1] + 1)  # the terminal alone: no line
    result = invoke(runner, "pe", "-n", "40", "-d", "16")
    assert result.exit_code == 0 and "estimate" not in result.stderr, result.output
    result = invoke(runner, "pe", "-n", "40", "-d", "16", "--save", tmp_path / "pe.png", "--dpi", "60")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("attnviz: estimate: the positional encoding of 40 positions × 16 dimensions")
    assert (tmp_path / "pe.png").stat().st_size > 0


def test_pe_out_of_memory_while_saving_leaves_no_file(runner, tmp_path, monkeypatch):
    """A MemoryError inside savefig: pe's advice, and neither the figure nor its temporary file."""
    from matplotlib.figure import Figure

    from conftest import invoke

    def savefig(self, name, **kwargs):
        open(name, "wb").write(b"partial")
        raise MemoryError

    monkeypatch.setattr(Figure, "savefig", savefig)
    result = invoke(runner, "pe", "-n", "40", "-d", "16", "--save", tmp_path / "pe.png")
    assert result.exit_code == 1 and "--dpi, --length or --dim" in result.stderr, result.output
    assert list(tmp_path.iterdir()) == []


def test_pe_terminal_names_the_whole_size_and_shows_its_first_rows(cli):
    """The terminal computes its 200 rows only, and still names the whole n × d."""
    out = cli("pe", "-n", "5000", "-d", "8").stdout
    assert "5000 positions × 8 dimensions" in out and "showing positions 0 … 199" in out
    assert out.rstrip().splitlines()[-1].lstrip().startswith("199 ")


def test_raw_audio_frames_are_estimated_with_their_dimension(runner, monkeypatch):
    """--features raw --frame-ms 2000: 32 000 numbers a frame and no word; here 1000 ms (16 000
    numbers a frame) with drawn weights of 16 000 × 1 000 on a machine with 0.3 GB free.  (The
    identity needs no d × d matrix any more: the same frames under it run, checked below.)"""
    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from conftest import invoke

    monkeypatch.setattr(estimate, "available_bytes", lambda: int(0.3 * 2**30))
    args = ["show", "--audio", "demo", "--features", "raw", "--frame-ms", "1000", "--top-k", "2", "--json"]
    result = invoke(runner, *args, "--projection", "random", "--d-k", "1000")
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1 and result.stdout == "", result.output
    assert "of 16,000 dimensions" in result.stderr and "--features logmel" in result.stderr and "--frame-ms" in result.stderr
    result = invoke(runner, *args)
    assert result.exit_code == 0, result.output


def test_progress_guesses_the_time_left_from_the_rate_after_the_first_block(monkeypatch, capsys):
    """A 30-minute WAV: the first lines said 11-17 h (the clock had run while the input was read).
    Fake clock: 60 s of loading, then 1 % of the work every 2 s: the time left is 2 s a percent."""
    import time

    from attnviz.views.progress import progress_bar

    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(progress_bar, "EVERY", 0.0)
    total = 100_000
    with progress_bar() as advance:
        clock[0] = 60.0
        advance(total // 100, total)  # the first block, after the input was read
        for _k in range(9):
            clock[0] += 2.0
            advance(total // 100, total)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "attnviz: attention 1% done, 60 s so far"
    assert lines[1] == "attnviz: attention 2% done, 62 s so far"  # 1 % since the first block: not settled
    assert lines[-1] == f"attnviz: attention 10% done, 78 s so far, about {90 * 2 // 60} minutes left"


def test_a_sounds_features_are_estimated_before_they_are_computed(runner, monkeypatch):
    """--hop-ms 1 on a 30-minute WAV: 1.8 M frames of features with no word first."""
    import soundfile

    from attnviz import cost as estimate  # the rates, thresholds and report (attnviz/cost.py)
    from attnviz.inputs import audio
    from conftest import invoke

    monkeypatch.setattr(estimate, "MIN_OWN_BYTES", 0)
    monkeypatch.setattr(estimate, "available_bytes", lambda: 1 << 10)  # nothing fits

    def computed(*args, **kwargs):
        raise AssertionError("features computed before the refusal")

    monkeypatch.setattr(audio, "features_of", computed)
    result = invoke(runner, "show", "--audio", "demo", "--hop-ms", "5")
    info = soundfile.info(str(audio.demo_path()))
    frames = -(-info.frames // 80) if info.samplerate == 16000 else None  # a frame starts every hop: ceil(N / hop)
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.output
    assert "the features of" in result.stderr and "frames of 80 numbers" in result.stderr and "--hop-ms" in result.stderr
    if frames is not None:
        assert f"the features of {frames:,} frames" in result.stderr
