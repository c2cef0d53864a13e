"""`show --image … --compare`: each grid's "brightest" is its own brightest cell (it said the shared
scale's top, the other setting's weight, under every grid) and the shared scale is said apart."""

from __future__ import annotations

import json
import re

import numpy as np

from attnviz.views.image_terminal import alpha_grid_text


def test_each_compared_grid_names_its_own_brightest_weight(cli):
    args = ("show", "--image", "demo", "--compare", "window=none,1")
    out = cli(*args).stdout
    doc = json.loads(cli(*args, "--json").stdout)
    cols = doc["source"]["cols"]
    q = (doc["source"]["rows"] // 2) * cols + cols // 2  # the centre, the query the terminal shows
    tops = []
    for setting in doc["settings"]:
        row = np.array([np.nan if x is None else x for x in setting["heads"][0]["alpha_prime"][q]], dtype=float)
        tops.append(float(np.nanmax(np.delete(row, q))))
    said = re.findall(r"brightest: α′ = (\S+) ·", out)
    assert said == [f"{t:.3g}" for t in tops], (said, tops)
    assert tops[0] < tops[1] / 10  # window=none spreads: its brightest is far below the shared top
    assert out.count(f"full shade: α′ = {max(tops):.3g}, one scale for every setting") == 2


def test_a_single_grid_says_no_shared_scale():
    grid = np.array([[0.1, 0.2], [0.3, 0.4]])
    alone = alpha_grid_text(grid, 3, color=False).plain
    assert "brightest: α′ = 0.3 ·" in alone and "full shade" not in alone
    shared = alpha_grid_text(grid, 3, color=False, scale=0.9).plain
    assert "brightest: α′ = 0.3 ·" in shared and "full shade: α′ = 0.9," in shared
