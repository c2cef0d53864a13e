"""The CLI's defaults are the library's: for every option an API function takes (options.TABLE's
`api`), the default of the typer parameter the CLI builds equals the default of that function's
parameter, or of the attnviz.Options field it reaches through **kw."""

import inspect
from dataclasses import fields

import pytest
import typer

import attnviz
from attnviz.cli import app
from attnviz.options import TABLE, Options, api_names, option_names

OPTIONS = {f.name: f.default for f in fields(Options)}
BOUND = [(o, function, command) for o in TABLE for function in o.api for command in o.commands]


def cli_default(command: str, param: str):
    click_command = typer.main.get_command(app).commands[command]
    default = next(p.default for p in click_command.params if p.name == param)
    return getattr(default, "value", default)  # a choice is an Enum member; the library takes its value


def library_default(function: str, param: str):
    parameters = inspect.signature(getattr(attnviz, function)).parameters
    if param in parameters:
        return parameters[param].default
    assert param in OPTIONS, f"{function}() takes no `{param}`, neither as a parameter nor as an Options field"
    return OPTIONS[param]


@pytest.mark.parametrize("option, function, command", BOUND, ids=[f"{c}--{o.name}-{f}" for o, f, c in BOUND])
def test_the_cli_default_is_the_librarys(option, function, command):
    assert cli_default(command, option.param) == library_default(function, option.param), \
        f"attnviz {command} {option.flags[0]} and attnviz.{function}({option.param}=…) default differently"


def test_every_options_field_and_every_keyword_of_analyze_is_in_the_table():
    """analyze() takes the Options fields as keywords, and its own parameters: each one a table entry,
    but for those that are not options (Python objects, or the vectors' labels, which --tokens is not)."""
    own = set(inspect.signature(attnviz.analyze).parameters) - {"options", "kw", "sample_rate", "tokens", "progress", "request"}
    assert set(option_names()) | own == set(api_names("analyze"))


def test_the_options_defaults_are_the_tables():
    table = {o.name: o.default for o in TABLE}
    assert OPTIONS == {name: table[name] for name in OPTIONS}
