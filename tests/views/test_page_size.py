"""What a page embeds: the demo pages under 2 MB with α′ and α packed (views/pack.py), decoded to
the same 3-decimal values; a page too big for a browser refused before its attention is computed
(issue #25, items 14 and 16)."""

from __future__ import annotations

import base64
import json
import re
import time
import zlib

import numpy as np
import pytest

import attnviz
from attnviz.errors import UsageError
from attnviz.views import pack
from browser import open_page
from conftest import invoke
from installed import minilm_dir

S = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."


def embedded(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="attnviz-main-data">(.*?)</script>', page, re.S).group(1))


def unpacked(m):
    """A reference decoder, written from views/pack.py's docstring (the page's script does the same)."""
    if isinstance(m, list):
        return np.array([[np.nan if x is None else x for x in row] for row in m], dtype=float)
    raw = np.frombuffer(zlib.decompress(base64.b64decode(m["data"])), np.uint8)
    width = {"u16": 2, "i32m": 4}[m["packed"]]
    values = raw.reshape(width, -1).T.copy().view("<u2" if width == 2 else "<i4").reshape(m["shape"])
    if m["packed"] == "u16":
        return values.astype(np.int64) * m["scale"] / 65535
    return np.where(values == pack.MASKED, np.nan, values / 1000)


def same_to_3_decimals(full: np.ndarray, page: np.ndarray) -> None:
    assert np.array_equal(np.isnan(full), np.isnan(page))
    ok = ~np.isnan(full)
    want = np.array([f"{x:.3f}" for x in full[ok]])
    have = np.array([f"{x:.3f}" for x in page[ok]])
    differ = want != have
    assert not differ.any() or set(want[differ]) == {"-0.000"}, list(zip(want[differ], have[differ]))[:5]  # -0.000: 0 thousandths


@pytest.fixture(scope="module")
def demos():
    return {"audio": attnviz.analyze(audio="demo", window="150ms"), "image": attnviz.analyze(image="demo")}


@pytest.mark.parametrize("kind", ["audio", "image"])
def test_the_demo_pages_are_under_2_mb_and_hold_the_same_numbers(demos, kind):
    result = demos[kind]
    page = result.html()
    assert len(page.encode("utf-8")) < 2_000_000, len(page)  # 5.06 and 8.86 MB before
    hd = embedded(page)["layers"][0]["heads"][0]
    assert hd["alpha_prime"]["packed"] == "u16" and hd["alpha"]["packed"] == "i32m"
    ap, al = unpacked(hd["alpha_prime"]), unpacked(hd["alpha"])
    assert np.abs(ap - result.alpha_prime[0, 0]).max() <= 2.5 / 65535  # the nearest level, or one of the next two (3-decimal ties)
    same_to_3_decimals(result.alpha_prime[0, 0], ap)
    same_to_3_decimals(result.alpha[0, 0], al)


def test_small_pages_keep_plain_numbers():
    hd = embedded(attnviz.analyze(S, heads=2).html())["layers"][0]["heads"][1]
    assert isinstance(hd["alpha_prime"], list) and isinstance(hd["alpha"], list)


def test_values_on_rounding_boundaries_and_out_of_scheme_stay_exact():
    a = np.array([[0.0625, 0.0005, 0.1234999, 0.9995], [1 / 3, 0.5, 1e-7, 0.0]])
    same_to_3_decimals(a, unpacked(pack.pack_weights(a)))
    s = np.array([[np.nan, -2.0625, 123.4565, -0.0004], [1e5, 7.0, np.nan, 0.0015]])
    same_to_3_decimals(s, unpacked(pack.pack_scores(s)))
    assert isinstance(pack.pack_scores(np.array([[3e6, 1.0]])), list)  # past int32 thousandths: plain numbers
    assert pack.pack_weights(np.array([[-1.0, 2.0]]))["packed"] == "i32m"  # normalize none: α′ may be negative


def test_a_packed_page_draws_and_downloads_the_decoded_document(browser, demos, tmp_path):
    result = demos["audio"]
    path = tmp_path / "audio.html"
    result.save(str(path))
    browser.get_log("browser")
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(browser.downloads)})
    open_page(browser, path)
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert browser.execute_script("return document.querySelector('.av-stage').dataset.view") == "audio"
    target = browser.downloads / "attnviz.json"
    target.unlink(missing_ok=True)
    browser.find_element("css selector", ".av-download").click()
    for _ in range(200):
        if target.exists() and target.stat().st_size:
            break
        time.sleep(0.05)
    hd = json.loads(target.read_text(encoding="utf-8"))["layers"][0]["heads"][0]
    same_to_3_decimals(result.alpha_prime[0, 0], unpacked(hd["alpha_prime"]))
    same_to_3_decimals(result.alpha[0, 0], unpacked(hd["alpha"]))


def test_a_model_page_of_510_tokens_is_refused_before_the_model_runs():
    minilm_dir()  # skip where the MiniLM wheel is absent
    text = " ".join(["word"] * 508)
    result = attnviz.analyze(text, model="minilm")
    start = time.monotonic()
    with pytest.raises(UsageError) as e:
        result.html()
    assert time.monotonic() - start < 2  # no layer computed (they are computed when read)
    message = str(e.value)
    assert "510 tokens × 6 layers × 12 heads + the rollout" in message and "`layer` L" in message and "`head` H" in message


def test_a_many_headed_page_is_refused_before_attention(runner):
    text = " ".join(["ham", "sandwich", "restaurant", "food"] * 500)  # 2 000 tokens
    start = time.monotonic()
    result = invoke(runner, "show", text, "-H", "12", "--save", "p.html")
    assert result.exit_code == 2, result.output
    assert time.monotonic() - start < 20
    line = result.stderr.strip()
    assert line.count("\n") == 0 and "2,000 items × 12 heads would embed 48.0 M" in line
    assert "--head H" in line and "--top-k K" in line


def test_the_largest_page_allowed_is_2000_tokens_one_head():
    pack.check_page(2000, 1, 1, False)
    pack.check_page(550, 1, 12, True)  # a model's layer: 12 heads and the rollout
    with pytest.raises(UsageError):
        pack.check_page(2000, 1, 2, False)
    pack.check_page(121, 30, 9, True)  # a decoder's 270 maps and the rollout (SmolLM2-135M): up to 121 tokens
    with pytest.raises(UsageError, match="at most 121 tokens"):
        pack.check_page(122, 30, 9, True)
