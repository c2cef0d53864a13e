"""README, --help and the JSON schema doc describe the code."""

import json
import re

import pytest
from pathlib import Path

from conftest import invoke

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def fenced_commands():
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in fenced_commands() if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_option_of_every_command_is_in_the_readme(runner):
    import typer

    from attnviz.cli import app

    commands = typer.main.get_command(app).commands
    assert set(commands) >= {"show", "explain", "pe"}
    for name, command in commands.items():
        assert f"attnviz {name}" in README, name
        options = [o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"]
        missing = [o for o in options if o not in README]
        assert not missing, (name, missing)
    show_options = [o for p in commands["show"].params for o in p.opts if o.startswith("--")]
    assert len(show_options) > 25 and all(f"`{o}" in README for o in show_options if o != "--help")


def test_every_config_key_is_documented(cli):
    doc = json.loads(cli("show", "ham sandwich", "--json").stdout)
    schema_doc = (ROOT / "docs" / "json-schema.md").read_text()
    missing = [k for k in doc["config"] if f"`{k}`" not in schema_doc]
    assert not missing, missing


def test_documented_enumerations_are_the_codes():
    """The values the docs list for an option or a source field are exactly the code's, in both docs."""
    from attnviz.options import CHOICES
    from attnviz.views.jsondoc import FORMATS, SOURCE_KINDS

    doc = (ROOT / "docs" / "json-schema.md").read_text()
    schema = json.loads((ROOT / "docs" / "attnviz-1.schema.json").read_text())
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", doc, re.M))
    for name in ("score", "normalize", "input_norm", "embedding"):
        assert set(re.findall(r"`([\w-]+)`", rows[name])) == set(CHOICES[name]), name
    assert set(re.findall(r"`([\w-]+)`", rows["projection"])) == set(CHOICES["projection"]) | {"weights"}
    kinds = re.search(r"^\| `source.kind` \| (.+) \|$", doc, re.M).group(1)
    assert set(re.findall(r'`"(\w+)"`', kinds)) == set(SOURCE_KINDS)
    source = schema["properties"]["source"]["properties"]
    assert set(source["kind"]["enum"]) == set(SOURCE_KINDS) and set(source["format"]["examples"]) >= set(FORMATS)
    formats = re.search(r"^\| `source.format` \| (.+) \|$", doc, re.M).group(1)
    enumerated = formats.split("; audio and image")[0]  # audio and image name their file's own format (WAV, PNG, …)
    assert set(re.findall(r"`([\w-]+)`", enumerated)) == set(FORMATS)


def test_top_level_help_names_every_command_and_the_inputs(runner):
    out = invoke(runner, "--help").stdout
    for word in ("show", "explain", "heads", "pe", "--model", "--input", "--version"):
        assert word in out, word


@pytest.mark.parametrize("command, panels", [
    ("show", ["Input", "Attention", "Masks", "Output", "Figures"]),
    ("explain", ["Input", "Attention", "Masks", "Output"]),
])
def test_help_groups_options_in_panels_and_ends_with_examples(runner, command, panels):
    """show and explain: options in panels; every command ends with examples (test below)."""
    import typer

    from attnviz.cli import app

    out = invoke(runner, command, "--help").stdout
    found = [p for p in re.findall(r"─ (\w+) ─", out) if p not in ("Arguments", "Options")]
    assert found == panels, found
    examples = out.split("Examples:")[1]
    lines = [line.strip() for line in examples.splitlines() if line.strip().startswith("attnviz ")]
    assert 3 <= len(lines) <= 8, lines
    # every option of the command sits in one of the panels (only --help is left in "Options")
    params = typer.main.get_command(app).commands[command].params
    assert all(getattr(p, "rich_help_panel", None) in panels for p in params if p.opts[0].startswith("--")), \
        [p.opts[0] for p in params if p.opts[0].startswith("--") and getattr(p, "rich_help_panel", None) not in panels]


def test_version(runner):
    from attnviz import __version__

    assert invoke(runner, "--version").stdout.strip() == f"attnviz {__version__}"


@pytest.mark.parametrize("command", ["show", "explain", "heads", "pe", "atlas"])
def test_every_command_ends_with_examples(runner, command):
    out = invoke(runner, command, "--help").stdout
    lines = [line.strip() for line in out.split("Examples:")[1].splitlines() if line.strip().startswith("attnviz ")]
    assert 3 <= len(lines) <= 8, lines


def test_the_package_and_the_command_give_one_version():
    import tomllib

    from attnviz import __version__

    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == __version__
