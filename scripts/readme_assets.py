"""Regenerate the README's pictures of terminal output (docs/img/*.svg).

    python scripts/readme_assets.py
"""

import io
from pathlib import Path

from rich.console import Console

import attnviz
from attnviz.views.present import Request, present

SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
OUT = Path(__file__).resolve().parent.parent / "docs" / "img"


def terminal_svg(name: str, **options) -> None:
    """What `attnviz show "$SEED"` prints in an 80-column colour terminal, as an SVG."""
    result = attnviz.analyze(SEED, **options)
    console = Console(record=True, width=80, force_terminal=True, color_system="truecolor", file=io.StringIO(),
                      highlight=False, markup=False, emoji=False)
    console.print(f"$ attnviz show \"{SEED}\"", style="dim", soft_wrap=True)
    present(result.analysis, Request(), console, err=io.StringIO())
    OUT.mkdir(parents=True, exist_ok=True)
    console.save_svg(str(OUT / f"{name}.svg"), title="attnviz show")


def figure(name: str, *args: str) -> None:
    from attnviz.cli import main

    OUT.mkdir(parents=True, exist_ok=True)
    code = main(["show", SEED, *args, "--save", str(OUT / name), "--dpi", "80"])
    assert code == 0, code


if __name__ == "__main__":
    terminal_svg("show")
    figure("heads.png", "--heads", "4", "--matrix", "both", "--window", "3")
    figure("it-restaurant.png", "--model", "minilm", "--words", "--layer", "4", "--head", "2")
