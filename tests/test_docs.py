"""README, --help and the JSON schema doc describe the code."""

import json
import re
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
