"""Property-based: random text and random option combinations never crash the CLI.

CI runs a quick sample; the long run (≥ 10 000 cases) is
    ATTNVIZ_PROPERTY_EXAMPLES=10000 .venv/bin/pytest tests/test_properties.py -q
"""

import json
import os

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import invoke

EXAMPLES = int(os.environ.get("ATTNVIZ_PROPERTY_EXAMPLES", "60"))

WORDS = st.sampled_from(["the", "restaurant", "ham", "sandwich", "it", "food", "cooks", "Vegetarian", "because", "a"])
ODD = st.sampled_from(list("abcxyz '-.,!?;:09\t\n") + ["自", "注意", "😀", "\x00", "\x1b", "\u202e", "مطعم", "é", "\u3000", "xqzzy"])
TEXT = st.lists(st.one_of(WORDS.map(lambda w: w + " "), WORDS.map(lambda w: w + " "), ODD), max_size=30).map("".join)

# mostly valid values, a few invalid ones (each option's last values)
OPTIONS = {
    "--heads": [1, 2, 3, 4, 7, 0],
    "--score": ["scaled-dot", "dot", "additive", "cosine", "bogus"],
    "--normalize": ["softmax", "softmax", "relu", "none"],
    "--temperature": [0.5, 2, 1e-9, 1e9, 0, -1],
    "--window": [0, 1, 3, 20, -1],
    "--projection": ["identity", "random"],
    "--pos": ["none", "sinusoidal"],
    "--embedding": ["vectors", "vectors", "onehot"],
    "--input-norm": ["standard", "center", "none"],
    "--top-k": [1, 5],
    "--edges": ["0-1", "1-0,2-3", "ham-food", "x"],
    "--focus": ["0", "1", "ham"],
    "--matrix": ["both", "alpha", "alpha-prime"],
    "--cells": ["numbers", "heat"],
}
RARE = {"--d-k": [3, 7, 150], "--d-a": [4], "--pos-scale": [0.5]}  # only valid with other options
FLAGS = ["--causal", "--no-self", "--punct", "--json", "--include-vectors", "--directed"]


@st.composite
def arguments(draw):
    args = ["show", draw(TEXT)]
    for option, values in OPTIONS.items():
        if draw(st.integers(0, 4)) == 0:  # each option present a fifth of the time
            args += [option, str(draw(st.sampled_from(values)))]
    for option, values in RARE.items():
        if draw(st.integers(0, 15)) == 0:
            args += [option, str(draw(st.sampled_from(values)))]
    args += [flag for flag in FLAGS if draw(st.integers(0, 5)) == 0]
    return args


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(arguments())
def test_cli_never_crashes(runner, args):
    result = invoke(runner, *args)
    event(f"exit code {result.exit_code}" + (": " + result.stderr.strip().splitlines()[-1][16:50] if result.exit_code else ""))
    assert result.exit_code in (0, 1, 2), (args, result.output)
    assert "Traceback" not in result.output and "internal error" not in result.stderr, (args, result.output)
    if result.exit_code:
        assert len(result.stderr.strip().splitlines()) >= 1 and result.stderr.strip().splitlines()[-1].startswith("attnviz: error:")
    elif "--json" in args:
        lines = result.stdout.strip().splitlines()
        docs = [json.loads(line) for line in lines] if "--top-k" in args else [json.loads(result.stdout)]
        assert docs[0]["schema"] == "attnviz/1"
