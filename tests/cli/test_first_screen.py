"""A first screen that fits and guides (issue #11, 3), at 80 columns (conftest pins COLUMNS=80)."""

import re

import pytest

from attnviz.analysis.summaries import model_installed
from attnviz.views.cells import width
from conftest import SEED

NOTES = ("The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food. In the end, "
         "they just gave me two slices of bread. Their ambience was just as good as the food and service.")  # notes 000


def test_seed_header_and_alpha_prime_are_on_the_first_screen(cli):
    lines = cli("show", SEED).stdout.splitlines()
    header = lines[: lines.index("")]
    assert 1 <= len(header) <= 3 and header[0].startswith("attnviz ·")
    assert any(l.startswith("auto T =") for l in header)
    screen = lines[:24]
    title = next(k for k, l in enumerate(screen) if l.startswith("α′ weights"))
    assert screen[title + 2].startswith(" 1 The") and screen[title + 16].startswith("15 food")  # all 15 rows
    assert any(l.startswith("α (scores") for l in lines[title + 17:])  # α remains, after α′


def test_notes_paragraph_fits_80_columns_one_character_per_cell(cli):
    lines = cli("show", NOTES).stdout.splitlines()
    assert max(width(l) for l in lines) <= 80, max(lines, key=width)
    rows = [l for l in lines if re.match(r"(\s\d|\d\d) \S", l) and re.search("[░▒▓█]", l)]
    assert len(rows) == 2 * 37  # α′ and α, every query on one line
    units = next(l for l in lines if l.strip().startswith("1234567890"))
    tens = lines[lines.index(units) - 1]
    assert units.strip() == "".join(str(j % 10) for j in range(1, 38)) and tens.strip() == "1111111111222222222233333333"


@pytest.mark.parametrize("text", [SEED, NOTES])
def test_run_ends_with_next_steps_fitting_the_input(cli, text):
    last = cli("show", text).stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("next: --focus it") and "--save" in last and width(last) <= 80
    if model_installed():
        assert "heads --model minilm --from it --to restaurant" in last
    else:
        assert "heads" not in last


def test_next_steps_without_a_pronoun_follow_the_strongest_link(cli):
    last = cli("show", "ham sandwich with vegetarian food").stdout.rstrip("\n").splitlines()[-1]
    assert re.match(r"next: --focus (ham|sandwich|vegetarian|food) ", last), last


@pytest.mark.parametrize("args", [["--heads", "4"], ["--top", "2"], ["--model", "minilm", "--layer", "2", "--head", "9"]])
def test_every_matrix_title_fits_80_columns(cli, args):
    if "--model" in args and not model_installed():
        pytest.skip("MiniLM is not installed")
    lines = cli("show", SEED, *args).stdout.splitlines()
    titles = [l for l in lines if "α′" in l and "row i = query" in l]
    assert titles and all(width(l) <= 80 for l in titles), titles
    if args == ["--top", "2"]:
        row = next(l for l in lines if l.startswith(" 8 ham") and "sandwich" in l and "." in l and "░" not in l and "  " in l[14:])
        assert row.count(".") >= 3  # self weight and two keys


def test_chinese_text_gets_no_english_model_hint(cli):
    from conftest import DATA

    out = cli("show", "餐厅拒绝给我一个火腿三明治，因为它只做素食。", "--vectors", DATA / "tiny.zh.w2v.txt").stdout
    last = out.strip().splitlines()[-1]
    assert last.startswith("next: --focus") and "minilm" not in last and "heads" not in last


@pytest.mark.parametrize("text, source, target", [
    ("the cat saw the dog and the cat ran", "3", "9"),  # the model's [CLS] is token 1: show's 2 and 8
    ("Attnviz visualizes the attnviz tool, and it works.", "it", "10"),  # the second attnviz's first piece
])
def test_the_heads_hint_names_the_same_tokens_in_the_models_numbering(cli, text, source, target):
    if not model_installed():
        pytest.skip("MiniLM is not installed")
    import attnviz
    from attnviz.analysis.summaries import suggested_link

    last = cli("show", text).stdout.rstrip("\n").splitlines()[-1]
    assert f"heads --model minilm --from {source} --to {target}" in last, last
    shown = attnviz.analyze(text)
    i, j = suggested_link(shown.analysis)
    ranked = cli("heads", text, "--model", "minilm", "--from", source, "--to", target).stdout
    a, word_a, b, word_b = re.search(r"heads ranked by α′\((\d+) (\S+) → (\d+) (\S+)\)", ranked).groups()
    model = attnviz.analyze(text, model="minilm").tokens
    occurrence = lambda tokens, k: [t.lower() for t in tokens[:k]].count(tokens[k].lower())  # noqa: E731
    for k, (number, word) in zip((i, j), ((a, word_a), (b, word_b))):
        assert shown.tokens[k].lower().startswith(word), (shown.tokens[k], word)
        assert occurrence(model, int(number) - 1) == occurrence(shown.tokens, k)  # the same occurrence of the word


def test_the_hint_names_without_the_tokenizer_only_what_the_tokenizer_would():
    """summaries.names_by_vocabulary (the first screen's shortcut: no tokenizer) answers only when it
    gives what model_names gets from the tokenizer, for every pair of words of these texts."""
    import pytest

    from attnviz.analysis import summaries
    from attnviz.errors import AttnvizError
    from attnviz.models.files import resolve_model

    try:
        folder = resolve_model("minilm")
    except AttnvizError:
        pytest.skip("MiniLM not installed")
    texts = [SEED, "the cat saw the dog and the cat ran", "It is what it is.", "Items matter; it items.",
             "it itself restaurant restaurants", "The café served crêpes, and it was fine."]
    answered = 0
    for text in texts:
        tokens = text.replace(",", " ,").replace(".", " .").replace(";", " ;").split()
        for i in range(len(tokens)):
            for j in range(len(tokens)):
                quick = summaries.names_by_vocabulary(text, [tokens[i], tokens[j]], folder) if i != j else None
                if quick is None:
                    continue
                answered += 1
                saved, summaries.names_by_vocabulary = summaries.names_by_vocabulary, lambda *a: None
                try:
                    assert summaries.model_names(text, tokens, [i, j]) == quick, (text, tokens[i], tokens[j])
                finally:
                    summaries.names_by_vocabulary = saved
    assert answered > 20
