"""Honest knobs (issue #11, 1): the automatic temperature belongs to the input, not to the option
being varied, so switching `score`, `normalize`, `pos`, `window` or `heads` shows its own effect."""

import math

import numpy as np
import pytest

from attnviz.api import Options, analyze
from conftest import SEED


def textbook_auto_t(vectors: np.ndarray) -> float:
    """Independent reference: median over known items of a·a/√d, divided by 3 (a plain loop)."""
    d = vectors.shape[1]
    scores = sorted(sum(float(x) * float(x) for x in row) / math.sqrt(d) for row in vectors)
    scores = [s for s in scores if s > 0]
    m = len(scores)
    return (scores[(m - 1) // 2] + scores[m // 2]) / 2 / 3


def bits(p: np.ndarray) -> float:
    """Mean row entropy of α′ in bits (0·log 0 = 0)."""
    safe = np.where(p > 0, p, 1.0)
    return float((-(p * np.log2(safe)).sum(axis=1)).mean())


@pytest.fixture(scope="module")
def seed():
    return analyze(SEED)


def test_auto_t_is_the_inputs_median_self_score(seed):
    assert seed.config.temperature == pytest.approx(textbook_auto_t(seed.sequence.vectors), rel=1e-6)
    assert seed.config.temperature == pytest.approx(math.sqrt(300) / 3, rel=1e-4)  # standard vectors: ‖a‖ = √d


@pytest.mark.parametrize("change", [dict(score="dot"), dict(score="cosine"), dict(score="additive"), dict(heads=4),
                                    dict(pos="sinusoidal"), dict(pos="sinusoidal", pos_scale=5.0), dict(window=2),
                                    dict(causal=True), dict(no_self=True)])
def test_auto_t_does_not_follow_the_option(seed, change):
    assert analyze(SEED, Options(**change)).config.temperature == pytest.approx(seed.config.temperature)


def test_dot_saturates_the_softmax_that_scaled_dot_keeps_soft(seed):
    dot = analyze(SEED, Options(score="dot")).layers[0].heads[0].alpha_prime
    scaled = seed.layers[0].heads[0].alpha_prime
    assert bits(dot) < 0.1 < 1.0 < bits(scaled)  # dot: every row (nearly) one-hot on itself
    assert (np.diag(dot) > 0.99).all()


def test_textbook_temperature_one_is_kept():
    a = analyze(SEED, Options(temperature=1.0))
    assert a.config.temperature == 1.0 and a.config.temperature_auto is False


def test_random_projection_auto_t_is_the_textbook():
    assert analyze(SEED, Options(projection="random")).config.temperature == 1.0


def test_header_says_what_auto_means(seed):
    text = seed.table(width=80)
    line = next(l for l in text.splitlines() if l.startswith("auto T"))
    assert "a^i·a^i/√d" in line and "÷ 3" in line and len(line) <= 80
    assert "auto T" not in analyze(SEED, Options(temperature=1.0)).table(width=80)


@pytest.mark.parametrize("command", ["show", "explain"])
def test_temperature_auto_is_taken_wherever_auto_is_the_default(cli, seed, command):
    args = [command, SEED, "--json"] if command == "show" else [command, SEED, "--focus", "it"]
    given, default = cli(*args, "--temperature", "auto").stdout, cli(*args).stdout
    assert given == default and ('"temperature_auto": true' in default or "(auto)" in default)
    assert cli(*args, "--temperature", "AUTO").stdout == default
    assert analyze(SEED, temperature="auto").config.temperature == seed.config.temperature
    bad = cli(command, SEED, "--temperature", "warm", code=2).stderr
    assert "'warm' is not a number or auto" in bad and bad.count("\n") == 1
