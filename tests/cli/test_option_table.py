"""One option table (options.TABLE): every command's parameters are built from it, the library's
keywords and the CLI's flag names are checked against it."""

import pytest
import typer

import attnviz
from attnviz.cli import app
from attnviz.cli.params import escaped
from attnviz.errors import UsageError
from attnviz.i18n import LANGUAGES
from attnviz.options import API_OPTIONS, COMMANDS, LANGS, TABLE, as_flags, entries


def test_each_commands_parameters_are_its_table_entries_in_order():
    group = typer.main.get_command(app)
    for command in COMMANDS:
        params = [p for p in group.commands[command].params if p.name != "help"]
        assert [p.name for p in params] == [o.param for o in entries(command)], command
        assert [tuple(p.opts + p.secondary_opts) for p in params if not p.opts[0].isidentifier()] == \
            [o.flags for o in entries(command) if not o.argument], command
        assert [p.help for p in params] == [escaped(o.help) for o in entries(command)], command


def test_the_choices_and_ranges_reach_the_cli():
    group = typer.main.get_command(app)
    for command in COMMANDS:
        for p, o in zip([p for p in group.commands[command].params if p.name != "help"], entries(command)):
            assert tuple(getattr(p.type, "choices", ())) == (o.choices or ()), (command, o.name)
            assert getattr(p.type, "min", None) == (o.min if o.cli_range else None), (command, o.name)


def test_langs_are_auto_and_the_languages_of_i18n():
    assert LANGS == ("auto",) + LANGUAGES


def test_a_name_is_unique_and_one_flag_means_one_entry_per_command():
    assert len({o.name for o in TABLE}) == len(TABLE)
    for command in COMMANDS:
        flags = [f for o in entries(command) for f in o.flags]
        assert len(flags) == len(set(flags)), command


def test_as_flags_rewrites_every_flag_of_the_table():
    for o in TABLE:
        if not o.argument:
            name = o.flags[0][2:].replace("-", "_")
            assert name in API_OPTIONS and as_flags(f"`{name}` x") == f"{o.flags[0]} x", o.name


@pytest.mark.parametrize("typo, meant", [("headz", "heads"), ("widow", "window"), ("topk", "top_k"), ("temprature", "temperature"),
                                         ("Heads", "heads")])
def test_an_unknown_keyword_of_analyze_names_the_closest(typo, meant):
    with pytest.raises(UsageError) as e:
        attnviz.analyze("ham sandwich", **{typo: 2})
    assert str(e.value) == f"analyze() has no parameter `{typo}`; did you mean `{meant}`?" and e.value.option == typo


def test_an_unknown_keyword_far_from_every_name_lists_the_options():
    with pytest.raises(UsageError, match=r"no parameter `zzzz`; the options are accept_cost, audio, backend, causal, ") as e:
        attnviz.analyze("ham sandwich", zzzz=1)
    listed = str(e.value).split("the options are ")[1].split(", ")  # every keyword analyze() takes, not only Options'
    assert {"model", "image", "layer", "head", "top_k", "compare", "d_k", "window"} <= set(listed), listed


def test_a_command_that_names_a_parameter_the_table_does_not_give_it_is_refused():
    from attnviz.cli.params import takes

    def pe(length, dims, save, dpi, accept_cost, lang):  # dims is explain's
        pass

    with pytest.raises(TypeError, match=r"names \['dims'\] that `pe` does not take"):
        takes("pe")(pe)


def test_help_shows_every_bracket_of_the_table():
    """typer's help is rich markup: '[transformers]' or a shape '[layers, heads, n, n]' would be read
    as a style tag and vanish from --help (they did) unless escaped."""
    import os
    import re
    import subprocess
    import sys

    checked = 0
    for command in COMMANDS:
        env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
        out = subprocess.run([sys.executable, "-m", "attnviz", command, "--help"], capture_output=True, text=True,
                             env=env, timeout=120).stdout
        shown = " ".join(out.replace("│", " ").split())
        spans = {m for o in entries(command) for m in re.findall(r"\[[^\]]*\]", o.help)}
        assert all(" ".join(span.split()) in shown for span in spans), (command, spans)
        checked += len(spans)
    assert checked >= 4  # [transformers], [layers, heads, n, n], [hidden, d], NAME[:TAG], …
