"""The atlas page (views/atlas_html.py + html_assets/atlas.js) in headless Chromium: the legend of the
role letters as the terminal's, SmolLM2's page under 2 MB (its α′ bytes deflated, 3.7 MB before) and
each head's α′ drawn from the inflated bytes, checked pixel by pixel against the atlas's own α′."""

import numpy as np
import pytest

from conftest import SEED

VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99],
           [170, 220, 50], [253, 231, 37]]  # the page's colour stops (matplotlib's viridis at 9 points)


def viridis(t: float) -> list[int]:
    t = min(max(t, 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    f = t - i
    return [int(np.floor(a + (b - a) * f + 0.5)) for a, b in zip(VIRIDIS[i], VIRIDIS[i + 1])]


def pixel(browser, which: str, i: int, j: int) -> list[int]:
    """The RGB at the centre of cell (query i, key j) of the detail's `which` canvas."""
    return browser.execute_script("""const c = document.querySelector(`.av-atlas-detail canvas[data-which="${arguments[0]}"]`);
      const n = arguments[3], cell = c.width / n;
      return [...c.getContext("2d").getImageData(Math.floor((arguments[2] + 0.5) * cell), Math.floor((arguments[1] + 0.5) * cell), 1, 1).data].slice(0, 3);""",
                                  which, i, j, len_of(browser, which))


def len_of(browser, which: str) -> int:
    return browser.execute_script("return JSON.parse(document.getElementById('attnviz-atlas-data').textContent)"
                                  f".alpha.{which}.shape[2]")


def test_smollm2_page_is_under_2_mb_and_draws_each_heads_alpha(smollm2_atlas, tmp_path, browser):
    import browser as chromium

    a = smollm2_atlas.atlas
    page = tmp_path / "atlas.html"
    smollm2_atlas.save(page)
    assert page.stat().st_size < 2_000_000, page.stat().st_size  # 3.7 MB when the bytes were base64 alone
    chromium.open_page(browser, page)
    ln, hn = np.unravel_index(np.argmax(a.scores["induction"]), a.scores["induction"].shape)  # an induction head
    browser.execute_script(f"document.querySelector('[data-layer=\"{ln}\"][data-head=\"{hn}\"]').click()")
    assert browser.execute_script("return document.querySelector('.av-atlas-detail h3').textContent").startswith(
        f"layer {ln + 1}, head {hn + 1}: induction")
    n = a.probe_alpha.shape[-1]
    rng = np.random.default_rng(0)
    cells = [(i, int(np.argmax(a.probe_alpha[ln, hn, i]))) for i in (n // 2 + 3, n - 1)] + \
            [(int(i), int(j)) for i, j in rng.integers(0, n, size=(6, 2)) if j <= i]
    for i, j in cells:
        want = viridis(round(float(a.probe_alpha[ln, hn, i, j]) * 255) / 255)
        got = pixel(browser, "probe", i, j)
        assert max(abs(x - y) for x, y in zip(got, want)) <= 1, (i, j, got, want)
    assert pixel(browser, "probe", 0, n - 1) == [229, 231, 235]  # a decoder's masked cell
    assert a.probe_alpha[ln, hn, cells[0][0], cells[0][1]] > 0.5  # the induction stripe, far from flat
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_the_page_has_the_legend_of_the_role_letters(smollm2_atlas, tmp_path, browser):
    """The terminal's legend (I induction ≥ .40 … · none) above the "atlas" tab's grid, hidden on a score's tab."""
    import browser as chromium

    from attnviz.views.atlas import legend_parts

    page = tmp_path / "atlas.html"
    smollm2_atlas.save(page)
    chromium.open_page(browser, page)
    keys = browser.execute_script("return [...document.querySelectorAll('.av-atlas-legend .av-atlas-key')].map(e => e.textContent)")
    assert keys == legend_parts()[1] and keys[0] == "I induction ≥ .40" and keys[-1] == "· none"
    assert [k.split()[0] for k in keys[:-1]] == list("IDPNCBS")
    visible = "return document.querySelector('.av-atlas-legend').offsetHeight > 0"
    assert browser.execute_script(visible)
    browser.execute_script("[...document.querySelectorAll('.av-tab')].find(b => b.textContent === 'entropy').click()")
    assert not browser.execute_script(visible)
