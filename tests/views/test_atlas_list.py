"""The atlas's list agrees with its grid: a head is listed under the role its cell shows (SmolLM2's
L18H4 read I79 in the grid and opened the sink list), and the list's example head is one of the
model's own (a 6-layer model was told "L18H3: layer 18, head 3")."""

from __future__ import annotations

import re

import numpy as np

from attnviz.analysis.atlas import ROLES, SCORES, Atlas
from attnviz.api import AtlasResult


def toy(layers: int = 2, heads: int = 3) -> Atlas:
    """Made-up scores: head (1,1) an induction head that also parks on the sink (sink 1.0 beats
    its .79 by margin, as L18H4 on SmolLM2), head (2,3) a sink only, (1,2) a previous-token head."""
    scores = {name: np.zeros((layers, heads)) for name in SCORES}
    scores["induction"][0, 0], scores["sink"][0, 0] = 0.79, 1.0
    scores["sink"][1, 2] = 0.6
    scores["previous"][0, 1] = 0.9
    z = np.zeros((layers, heads, 1, 1))
    return Atlas("toy", "llama", True, heads, "x", ["<s>", "x"], [0, 7], [True, False], [0, 5, 5], ["<s>", "a", "a"], 1, 1, 0,
                 scores, z, z)


def grid_and_lists(out: str, heads: int) -> tuple[dict, dict]:
    """(layer, head) -> the grid's cell ("P72"), and role letter -> [(layer, head, score as listed)], its
    list read whole (a long list wraps onto indented lines)."""
    cells = {}
    for line in out.splitlines():
        parts = line.split()
        if line[:5].strip().isdigit() and len(parts) == heads + 1:
            cells.update({(int(parts[0]), h + 1): c for h, c in enumerate(parts[1:])})
    lists = {}
    for r in ROLES:
        found = re.search(rf"^{r.letter} [^\n]*?\):((?:.*\n)(?:    .*\n)*)", out, re.M)
        lists[r.letter] = [(int(a), int(b), float(v)) for a, b, v in re.findall(r"L(\d+)H(\d+) (1\.0|\.\d+)", found.group(1))]
    return cells, lists


def test_each_listed_head_has_that_letter_in_the_grid():
    out = AtlasResult(toy()).table(width=80, lang="en")
    cells, lists = grid_and_lists(out, 3)
    assert cells[(1, 1)] == "I79" and lists["I"] == [(1, 1, 0.79)]
    assert [h[:2] for h in lists["S"]] == [(2, 3)], out  # the induction head is not listed as a sink
    for letter, heads in lists.items():
        assert all(cells[h[:2]][0] == letter for h in heads), (letter, heads)
    assert "S sink ≥ .50 (if no other role)" in out  # the legend says why (1,1) is not an S


def test_the_more_count_counts_the_grids_letters():
    atlas = toy(4, 6)
    atlas.scores["sink"][2:, :] = 0.7  # 12 more sinks: 13 in all, 5 listed
    out = AtlasResult(atlas).table(width=80, lang="en")  # the top 5 of each role
    cells, lists = grid_and_lists(out, 6)
    shown = sum(cell[0] == "S" for cell in cells.values())
    more = int(re.search(r"\(\+(\d+) more\)", out.split("S sink (")[1]).group(1))
    assert shown == 13 and len(lists["S"]) + more == shown, out


def test_the_lists_example_is_a_head_the_model_has():
    out = AtlasResult(toy()).table(width=80, lang="en")
    assert "heads per role, strongest first (L1H1: layer 1, head 1):" in out  # the first head listed
    zh = AtlasResult(toy()).table(width=80, lang="zh")
    assert "（L1H1：第 1 层第 1 个头）" in zh


def test_the_pages_legend_wraps_between_its_keys(browser, tmp_path):
    """The sink's longer entry made the legend one unbreakable line wider than a 1200-px window:
    its keys (nowrap each) had no space between them to wrap at."""
    import browser as chromium
    from attnviz.views.atlas_html import atlas_page

    page = tmp_path / "atlas.html"
    page.write_text(atlas_page(toy()), encoding="utf-8")
    chromium.open_page(browser, page)
    width, scroll = browser.execute_script(
        "const l = document.querySelector('.av-atlas-legend'); l.style.width = '420px'; return [l.clientWidth, l.scrollWidth]")
    assert scroll <= width, (scroll, width)


def test_a_cell_and_its_list_entry_give_the_same_number():
    """The grid read P71 where the list said .72 (it cut, the list rounded); a wrapped list is read whole."""
    atlas = toy(2, 12)
    atlas.scores["previous"][1, :] = np.r_[np.linspace(0.517, 0.717, 11), 0.725]  # .517: cut P51, rounded .52; .725 ≈ .72499
    out = AtlasResult(atlas).table(width=60, top=13, lang="en")  # 13 previous-token heads: the list wraps
    cells, lists = grid_and_lists(out, 12)
    assert len(lists["P"]) == 13 and "\n    L" in out.split("P previous token (≥")[1].split("N next")[0], out
    for layer, head, score in lists["P"]:
        assert cells[layer, head] == f"P{round(score * 100):02d}", (layer, head, score, cells[layer, head])
