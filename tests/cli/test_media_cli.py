"""Sounds and pictures through the command line (#13, #14) and the page `--save x.html` (#15):
options, time and (row, col) parsing, the JSON items, the views chosen, and the saved files.
The features, masks and figures themselves are tested in test_audio.py, test_image*.py, test_html.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import attnviz
from attnviz.views.pack import unpack
from attnviz.analysis.rows import focus_rows
from conftest import DATA

ROOT = Path(__file__).resolve().parents[2]


def doc_of(cli, *args) -> dict:
    return json.loads(cli("show", *args, "--json").stdout)


def embedded(path: Path) -> dict:
    m = re.search(r'<script type="application/json" id="attnviz-main-data">(.*?)</script>', path.read_text("utf-8"), re.S)
    return json.loads(m.group(1))


# ---------------------------------------------------------------- audio


def test_audio_json_has_every_frame_time(cli):
    doc = doc_of(cli, "--audio", "demo")
    s = doc["source"]
    n = len(doc["tokens"])
    assert s["kind"] == "audio" and doc["text"] is None and n == s["n_frames"] == -(-s["n_samples"] // s["hop_length"])
    start, end = np.array(s["items"]["start_s"]), np.array(s["items"]["end_s"])
    assert np.allclose(start, np.arange(n) * 160 / 16000) and np.allclose(end - start, 400 / 16000)
    assert doc["tokens"][125] == "1.25s"


def test_audio_window_takes_a_time(cli):
    for value, frames in (("150ms", 15), ("0.15s", 15), ("15", 15), ("0.1s", 10)):
        assert doc_of(cli, "--audio", "demo", "--window", value)["config"]["window"] == frames, value
    a = np.array(doc_of(cli, "--audio", "demo", "--window", "50ms")["layers"][0]["heads"][0]["alpha_prime"])
    i, j = np.nonzero(a)
    assert np.abs(i - j).max() == 5  # exactly the frames within 50 ms, nothing beyond


@pytest.mark.parametrize("args, says", [
    (["--audio", "demo", "--window", "1.5"], "add a unit"),
    (["--audio", "demo", "--window", "soon"], "--window"),
    (["The cat sat.", "--window", "150ms"], "--audio"),
    (["The cat sat.", "--frame-ms", "30"], "--frame-ms goes with --audio"),
    (["--image", "demo", "--features", "mfcc"], "--features goes with --audio"),
    (["--audio", "demo", "--focus", "99s"], "past the last frame"),
    (["--audio", "demo", "--focus", "1.25s", "--focus", "2s"], "one --focus"),
    (["--audio", "demo", "--image", "demo"], "one input"),
    (["--audio", "demo", "--vectors", "x.txt"], "--vectors"),
    (["--audio", "demo", "--hop-ms", "0"], "--hop-ms"),
    (["--audio", str(ROOT / "README.md")], "cannot read it as sound"),
])
def test_audio_usage_errors_are_one_line(cli, args, says):
    result = cli("show", *args, code=1 if "cannot read" in says else 2)
    assert says in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_audio_terminal_summary_lists_links_at_least_100ms_apart(cli):
    out = cli("show", "--audio", "demo").stdout
    assert "613 frames" in out and "0s" in out and "6s" in out  # the header and the time ruler
    links = re.findall(r"^\s+(\d+\.\d+)s → +(\d+\.\d+)s\s+α′ = (\d\.\d+)", out, re.M)
    assert len(links) == 6
    assert all(abs(float(a) - float(b)) >= 0.1 - 1e-9 for a, b, _ in links)


def test_audio_focus_names_the_frames_it_attends_to(cli):
    out = cli("show", "--audio", "demo", "--focus", "2.38s").stdout
    assert "α′ of the frame at 2.38s" in out
    strongest = [float(t) for t in re.findall(r"(\d+\.\d+)s 0\.\d+", out.split("strongest:")[1].splitlines()[0])]
    row = focus_rows(attnviz.analyze(audio="demo").analysis, [238])[0, 0]  # [n]
    assert strongest[0] == pytest.approx(np.argmax(np.where(np.abs(np.arange(len(row)) - 238) >= 10, row, 0)) / 100)


def test_long_audio_goes_blockwise_and_still_focuses_and_saves(cli, tmp_path):
    out = cli("show", "--audio", "demo", "--top-k", "3", "--focus", "1.25s", "--save", tmp_path / "f.png").stdout
    assert "α′ of the frame at 1.25s" in out and (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    lines = cli("show", "--audio", "demo", "--top-k", "3", "--json").stdout.splitlines()
    header = json.loads(lines[0])
    assert header["source"]["kind"] == "audio" and len(header["source"]["items"]["start_s"]) == len(lines) - 1


def test_explain_follows_a_frame_given_by_time(cli):
    out = cli("explain", "--audio", "demo", "--focus", "0.80s").stdout
    assert "“0.80s”" in out


def test_audio_figures_are_written(cli, tmp_path):
    cli("show", "--audio", "demo", "--window", "150ms", "--heads", "2", "--save", f"{tmp_path / 'a.png'},{tmp_path / 'a.svg'}")
    assert (tmp_path / "a.png").stat().st_size > 10_000 and b"<svg" in (tmp_path / "a.svg").read_bytes()[:400]


# ---------------------------------------------------------------- pictures


def test_image_json_has_every_items_row_and_col(cli):
    doc = doc_of(cli, "--image", "demo", "--size", "12")
    s = doc["source"]
    rows, cols = s["rows"], s["cols"]
    assert s["kind"] == "image" and len(doc["tokens"]) == rows * cols and max(rows, cols) == 12
    assert s["items"]["row"] == [i // cols for i in range(rows * cols)] and s["items"]["col"] == [i % cols for i in range(rows * cols)]
    assert doc["tokens"][cols + 2] == "(2,3)"


def test_image_patches_are_768_numbers(cli):
    s = doc_of(cli, "--image", "demo", "--size", "224", "--patch", "16")["source"]
    assert s["dim"] == 768 and (s["rows"], s["cols"]) == (224 // 16, 191 // 16)


def test_image_window_is_a_receptive_field(cli):
    doc = doc_of(cli, "--image", "demo", "--size", "10", "--window", "1")
    cols = doc["source"]["cols"]
    a = np.array(doc["layers"][0]["heads"][0]["alpha_prime"])
    q, k = np.nonzero(a)
    assert np.abs(q // cols - k // cols).max() == 1 and np.abs(q % cols - k % cols).max() == 1
    assert np.count_nonzero(a[4 * cols + 4]) == 9  # an inner pixel sees its 3 × 3 neighbourhood


def test_image_terminal_draws_each_focus(cli):
    out = cli("show", "--image", "demo", "--focus", "3,7", "--focus", "(5,5)").stdout
    assert "α′ of the query (3,7)" in out and "α′ of the query (5,5)" in out and "(the centre" not in out
    assert "α′ of the query (17,14) (the centre" in cli("show", "--image", "demo").stdout  # 32 × 27


@pytest.mark.parametrize("focus, says", [("0,1", "numbered from 1"), ("40,1", "outside the picture"), ("x", "ROW,COL")])
def test_image_focus_errors(cli, focus, says):
    assert says in cli("show", "--image", "demo", "--focus", focus, code=2).stderr


def test_large_picture_goes_blockwise_with_exact_focus_rows(cli):
    long = attnviz.analyze(image="demo", size=64, top_k=4)
    dense = attnviz.analyze(image="demo", size=64)
    assert type(long.analysis).__name__ == "LongAnalysis"
    assert np.allclose(focus_rows(long.analysis, [100, 2000]), focus_rows(dense.analysis, [100, 2000]), atol=1e-6)
    assert "α′ of the query (2,3)" in cli("show", "--image", "demo", "--size", "64", "--top-k", "4", "--focus", "2,3").stdout


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("args, view", [
    (["The cat sat on the mat.", "--heads", "2"], set()),
    (["--audio", "demo", "--window", "150ms"], {"audio"}),
    (["--image", "demo", "--size", "16"], {"image"}),
    (["--audio", "demo", "--top-k", "3"], {"audio", "long"}),
])
def test_save_html_embeds_the_json_document(cli, tmp_path, args, view):
    path = tmp_path / "view.html"
    cli("show", *args, "--save", path)
    page = embedded(path)
    assert set(page["view"]) == {"header"} | view
    if "long" not in view:
        doc = doc_of(cli, *args)
        assert page["tokens"] == doc["tokens"] and page["source"] == doc["source"]
        mine = unpack(page["layers"][0]["heads"][-1]["alpha_prime"])  # a sound's page holds it packed (views/pack.py)
        assert np.allclose(mine, np.array(doc["layers"][0]["heads"][-1]["alpha_prime"], dtype=float), atol=5e-4)
    assert not re.search(r"https?://", path.read_text("utf-8").split("<script")[0])


def test_result_shows_itself_in_a_notebook():
    r = attnviz.analyze("The cat sat on the mat.")
    a, b = r._repr_html_(), r._repr_html_()
    assert a.startswith('<div class="attnviz-root" id="attnviz-') and a[:60] != b[:60]  # a fresh id per output


def test_cli_pages_draw_and_respond_in_a_browser(browser, tmp_path, cli):
    from browser import at_offset, open_page

    image, audio = tmp_path / "image.html", tmp_path / "audio.html"
    cli("show", "--image", "demo", "--size", "16", "--save", image)
    cli("show", "--audio", "demo", "--window", "150ms", "--save", audio)
    doc = embedded(image)
    rows, cols = doc["source"]["rows"], doc["source"]["cols"]
    open_page(browser, image)
    w, h = browser.execute_script("const b = document.querySelector('canvas.av-overlay').getBoundingClientRect(); return [b.width, b.height];")
    at_offset(browser, "canvas.av-overlay", (4 + 0.5) * w / cols, (2 + 0.5) * h / rows, do_click=True)
    assert browser.execute_script("return document.querySelector('canvas.av-overlay').dataset.query") == str(2 * cols + 4)
    assert browser.execute_script("return document.querySelector('.av-caption').textContent").startswith("query: pixel (3,5)")
    open_page(browser, audio)
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert browser.execute_script("return document.querySelector('canvas.av-spec') !== null")


# ---------------------------------------------------------------- --compare on sounds and pictures


def test_image_compare_is_self_attention_against_a_receptive_field(cli, tmp_path):
    doc = json.loads(cli("show", "--image", "demo", "--size", "12", "--compare", "window=none,1", "--json").stdout)
    cols = doc["source"]["cols"]
    full, field = (np.array(s["heads"][0]["alpha_prime"]) for s in doc["settings"])
    i = 5 * cols + 5
    assert np.count_nonzero(full[i]) == full.shape[1] and np.count_nonzero(field[i]) == 9
    out = cli("show", "--image", "demo", "--size", "12", "--focus", "6,6", "--compare", "window=none,1",
              "--save", tmp_path / "c.png").stdout
    assert "window=1: α′ of the query (6,6)" in out and (tmp_path / "c.png").stat().st_size > 10_000


def test_audio_compare_takes_times(cli):
    doc = json.loads(cli("show", "--audio", "demo", "--compare", "window=none,150ms", "--json").stdout)
    assert [s["config"]["window"] for s in doc["settings"]] == [None, 15]
    out = cli("show", "--audio", "demo", "--focus", "2.38s", "--compare", "window=none,150ms").stdout
    assert "window=150ms" in out and "α′ of the frame at 2.38s over key time, per setting" in out


@pytest.mark.parametrize("args, says", [
    (["The cat sat.", "--top-k", "2", "--json", "--include-vectors"], "--include-vectors needs full matrices"),
    (["--audio", "demo", "--top-k", "2", "--json", "--include-vectors"], "--include-vectors needs full matrices"),
    (["The cat sat.", "--top-k", "2", "--focus", "cat"], "show a summary"),
    (["The cat sat.", "--top-k", "2", "--focus", "cat"], "need full matrices; drop --top-k (3 items fit in full matrices)\n"),
])
def test_long_inputs_refuse_what_needs_full_matrices(cli, args, says):
    assert says in cli("show", *args, code=2).stderr


def test_long_sounds_still_focus_and_draw(cli, tmp_path):
    cli("show", "--audio", "demo", "--top-k", "2", "--focus", "1.25s", "--save", tmp_path / "a.png")
    assert (tmp_path / "a.png").exists()


def test_a_ten_second_sound_saves_its_focus_figure(cli, tmp_path):
    # 1 000 frames: the token bars' height rule (0.28 in a token) once refused this fixed-size figure
    import soundfile as sf
    from samples import signal

    sf.write(str(tmp_path / "ten.wav"), signal(16000, 10.0), 16000)
    cli("show", "--audio", tmp_path / "ten.wav", "--focus", "1.25s", "--save", tmp_path / "focus.png")
    from PIL import Image

    with Image.open(tmp_path / "focus.png") as im:
        width, height = im.size
    assert 800 < width < 1400 and 1000 < height < 1600, im.size  # 7.6 × 10.4 inches at 150 dpi, trimmed


@pytest.mark.parametrize("args, focus", [(["--audio", "demo"], "0.80s"), (["--image", "demo"], "16,14")])
def test_explain_lists_the_strongest_keys_and_counts_the_rest(cli, args, focus):
    # every key was listed in each step: 2 479 lines for the demo sound, 3 483 for the picture
    from attnviz.analysis.rows import focus_rows
    from attnviz.views.present import item_index

    out = cli("explain", *args, "--focus", focus).stdout
    r = attnviz.analyze(**{args[0].lstrip("-"): "demo"})
    n, i = len(r.tokens), item_index(r.analysis, focus)
    row = r.alpha_prime[0, 0, i]  # [n]
    strongest = sorted(int(j) + 1 for j in np.argsort(-row, kind="stable")[:20])
    step3 = out.split("3. ")[1].split("4. ")[0].splitlines()
    listed = [int(l.split()[0]) for l in step3 if re.match(r"\s*\d+\s", l)]
    assert listed == strongest and len(out.splitlines()) < 150
    rest = f"… {n - 20:,} more keys (α′ {1 - row[np.array(strongest) - 1].sum():.3g} in all); listed: the 20 largest α′ · --all-keys"
    assert out.count(rest) == 4, out  # under the tables of steps 3, 4, 5 and 6
    every = cli("explain", *args, "--focus", focus, "--all-keys").stdout
    step5 = every.split("5. ")[1].split("6. ")[0].splitlines()
    assert len([l for l in step5 if re.match(r"\s*\d+\s", l)]) == n and "more keys" not in every


def test_explain_keeps_every_key_of_a_sentence(cli):
    out = cli("explain", "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food.",
              "--focus", "it").stdout
    step4 = out.split("4. ")[1].split("5. ")[0].splitlines()
    assert len([l for l in step4 if re.match(r"\s*\d+\s", l)]) == 15 and "more keys" not in out
    assert "masked keys (1–9, 13–15)" in cli("explain", "The restaurant refused to serve me a ham sandwich, because it only "
                                                         "cooks vegetarian food.", "--focus", "it", "--window", "1").stdout
