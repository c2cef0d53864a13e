"""The atlas's list names an example head of the model's own (a 6-layer model was told
"L18H3: layer 18, head 3")."""

from __future__ import annotations

import numpy as np

from attnviz.analysis.atlas import SCORES, Atlas
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


def test_the_lists_example_is_a_head_the_model_has():
    out = AtlasResult(toy()).table(width=80, lang="en")
    assert "heads per role, strongest first (L1H1: layer 1, head 1):" in out  # the first head listed
    zh = AtlasResult(toy()).table(width=80, lang="zh")
    assert "（L1H1：第 1 层第 1 个头）" in zh
