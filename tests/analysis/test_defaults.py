"""The default view must teach something on the seed sentence (issue #2, point 6)."""

import numpy as np
import pytest

from attnviz.api import analyze
from conftest import SEED

CONTENT = ["restaurant", "refused", "serve", "ham", "sandwich", "cooks", "vegetarian", "food"]


@pytest.fixture(scope="module")
def seed():
    a = analyze(SEED)
    return a.tokens, a.layers[0].heads[0].alpha_prime


def top_keys(tokens, p, word, k):
    i = tokens.index(word)
    order = [j for j in np.argsort(-p[i]) if j != i]
    return [tokens[j] for j in order[:k]]


def test_no_content_word_attends_mostly_to_itself(seed):
    tokens, p = seed
    for w in CONTENT:
        i = tokens.index(w)
        assert p[i, i] < 0.9, (w, p[i, i])


def test_no_row_is_near_uniform(seed):
    tokens, p = seed
    n = len(tokens)
    entropy = -(p * np.log(p)).sum(axis=1) / np.log(n)  # 1.0 = uniform
    assert entropy.max() < 0.85, dict(zip(tokens, entropy.round(2)))
    assert (p.max(axis=1) > 3 / n).all()


def test_strongest_links_are_semantic(seed):
    tokens, p = seed
    off = p.copy()
    np.fill_diagonal(off, 0)
    i, j = np.unravel_index(off.argmax(), off.shape)
    assert {tokens[i], tokens[j]} == {"ham", "sandwich"}
    assert top_keys(tokens, p, "ham", 1) == ["sandwich"]
    assert top_keys(tokens, p, "sandwich", 1) == ["ham"]
    assert len({"food", "cooks", "vegetarian"} & set(top_keys(tokens, p, "restaurant", 3))) >= 2
    assert top_keys(tokens, p, "vegetarian", 1) == ["food"] and top_keys(tokens, p, "food", 1) == ["vegetarian"]


def test_multi_head_default_avoids_collapse_and_is_softer_than_one_head():
    """The same auto T for every `heads`: a head of d/4 dimensions has self-scores √(d/4) instead of
    √d, so its rows are flatter than one head's (the honest effect of splitting), yet not uniform."""
    from attnviz.api import Options

    one = analyze(SEED).layers[0].heads[0].alpha_prime
    a = analyze(SEED, Options(heads=4))
    n = len(a.tokens)
    bits = lambda p: float((-(p * np.log2(p)).sum(axis=1)).mean())  # noqa: E731
    for head in a.layers[0].heads:
        assert np.diag(head.alpha_prime).max() < 0.95 and (head.alpha_prime.max(axis=1) > 2 / n).all()
        assert bits(one) < bits(head.alpha_prime) < np.log2(n) - 0.05


def test_raw_vectors_would_collapse_every_row():
    """The reason for the defaults: raw vectors (median norm ≈ 41) with T = 1 turn every row of α′
    (nearly) one-hot, on itself or on whichever key has the largest norm."""
    from attnviz.api import Options

    a = analyze(SEED, Options(input_norm="none", temperature=1.0))
    p = a.layers[0].heads[0].alpha_prime
    assert (p.max(axis=1) > 0.98).mean() > 0.8 and p.max(axis=1).min() > 0.8
