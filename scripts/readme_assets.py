"""Regenerate the README's pictures of terminal output (docs/img/*.svg).

    python scripts/readme_assets.py
"""

from pathlib import Path

from rich.console import Console

from attnviz.api import Options, analyze
from attnviz.views.terminal import render
from attnviz.inputs.wordvectors import nearest_words

SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
OUT = Path(__file__).resolve().parent.parent / "docs" / "img"


def terminal_svg(name: str, opts: Options, **kw) -> None:
    a = analyze(SEED, opts)
    near = nearest_words(a.layers[0].output, a.vectors, a.config["input_norm"], 4) if a.in_embedding_space else None
    console = Console(record=True, width=80, force_terminal=True, color_system="truecolor", file=open("/dev/null", "w"))
    console.print(f"$ attnviz show \"{SEED}\"" + (" " + kw.pop("cmd") if "cmd" in kw else ""), style="dim", soft_wrap=True)
    render(a, console, nearest=near, **kw)
    OUT.mkdir(parents=True, exist_ok=True)
    console.save_svg(str(OUT / f"{name}.svg"), title="attnviz show")


def figure(name: str, *args: str) -> None:
    from attnviz.cli import main

    OUT.mkdir(parents=True, exist_ok=True)
    code = main(["show", SEED, *args, "--save", str(OUT / name), "--dpi", "80"])
    assert code == 0, code


if __name__ == "__main__":
    terminal_svg("show", Options())
    figure("heads.png", "--heads", "4", "--matrix", "both", "--window", "3")
    figure("it-restaurant.png", "--model", "minilm", "--words", "--layer", "4", "--head", "2")
