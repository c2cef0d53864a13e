"""docs/options.md is what scripts/options_doc.py writes from the option table today."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_options_reference_is_current():
    spec = importlib.util.spec_from_file_location("options_doc", ROOT / "scripts" / "options_doc.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert (ROOT / "docs" / "options.md").read_text(encoding="utf-8") == script.render(), \
        "docs/options.md is stale: run python scripts/options_doc.py"


def test_the_reference_lists_every_flag_of_every_command():
    from attnviz.options import COMMANDS, entries

    text = (ROOT / "docs" / "options.md").read_text(encoding="utf-8")
    sections = dict(zip(COMMANDS, text.split("## attnviz ")[1:]))
    for command in COMMANDS:
        for o in entries(command):
            assert o.argument or f"| `{o.flags[0]}`" in sections[command], (command, o.flags[0])
