import pytest

from attnviz.inputs.tokens import tokenize


@pytest.mark.parametrize("text,keep,expected", [
    ("The restaurant refused, because it only cooks.", False, ["The", "restaurant", "refused", "because", "it", "only", "cooks"]),
    ("I don't like well-known food!", True, ["I", "don't", "like", "well-known", "food", "!"]),
    ("3.5 kg cost 1,000 yen.", False, ["3.5", "kg", "cost", "1,000", "yen"]),
    ("自注意力 is great 😀", False, ["自", "注", "意", "力", "is", "great"]),
    ("自注意力 is great 😀", True, ["自", "注", "意", "力", "is", "great", "😀"]),
    ("abc自def", False, ["abc", "自", "def"]),
    ("?!.,", False, []),
    ("", False, []),
    ("ｃａｆé", False, ["ｃａｆé"]),
])
def test_tokenize(text, keep, expected):
    assert tokenize(text, keep) == expected
