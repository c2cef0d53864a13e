"""Library errors and warnings name parameters (`top_k`), never CLI flags (--top-k): only the CLI
writes flags (options.as_flags, applied at its one error edge, cli.guarded).  #21 item 3."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "attnviz"
FLAG = re.compile(r"(?<![\w-])--[a-z]")  # --top-k, not a--b
BARE = re.compile(r"--[a-z][a-z-]*")  # a flag on its own: a label a message is built with ("--window")
QUOTED = re.compile(r"`pip install [^`]*`")  # pip's own flags (--no-deps), not attnviz's
# calls whose string arguments a library user reads: warnings and the notes of the estimate channel
SPEAKERS = {"warn", "_warn", "AttnvizWarning", "note", "notify", "Note", "report"}  # report: an estimate line and its tips
# moved by another engineer of #21 while this test was written: their messages change with the move
# (the lead empties this on merge; test_pending_files_are_still_there keeps it from going stale)
PENDING = {"analysis/estimate.py", "analysis/stream.py"}


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _messages(tree):
    """Every expression a user reads as an error or warning message: what a raise raises, the
    arguments of an …Error(…) call and of the SPEAKERS."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            yield node.exc
        elif isinstance(node, ast.Call) and (_name(node.func).endswith("Error") or _name(node.func) in SPEAKERS):
            yield from node.args
            yield from (k.value for k in node.keywords)


def _assigned(tree) -> dict[str, list[ast.expr]]:
    """name -> the values assigned to it anywhere in the module: a message built in a variable first
    (`message = f"…"; raise UsageError(message)`) is read too."""
    values: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for target in getattr(node, "targets", [getattr(node, "target", None)]):
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
    return values


def _flag(text: str) -> bool:
    return FLAG.search(QUOTED.sub("", text)) is not None


def flagged(source: str, filename: str = "<string>") -> list[int]:
    """The lines of the string constants (f-string parts included) in messages that contain --x,
    and of every constant that is a bare flag (a label passed on, or a parameter's default)."""
    tree = ast.parse(source, filename)
    values, seen = _assigned(tree), set()
    lines = {node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and BARE.fullmatch(node.value)}
    todo = list(_messages(tree))
    while todo:
        expr = todo.pop()
        for node in ast.walk(expr):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _flag(node.value):
                lines.add(node.lineno)
            elif isinstance(node, ast.Name) and node.id in values and node.id not in seen:
                seen.add(node.id)
                todo.extend(values[node.id])
    return sorted(lines)


def library_files() -> list[Path]:
    """Every module of attnviz outside cli/ (the CLI writes flags) and PENDING."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts
                  and p.relative_to(PACKAGE).as_posix() not in PENDING)


def test_the_library_never_words_a_message_as_a_flag():
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in library_files()
             for line in flagged(path.read_text(encoding="utf-8"), str(path))]
    assert not found, "library messages naming a --flag (write `name`; the CLI writes flags):\n" + "\n".join(found)


def test_pending_files_are_still_there():
    """PENDING only while those files still hold flags: once moved or reworded, empty it."""
    for name in PENDING:
        path = PACKAGE / name
        assert path.exists() and flagged(path.read_text(encoding="utf-8"), str(path)), \
            f"{name} was moved or reworded: drop it from PENDING so the rule covers it"


@pytest.mark.parametrize("source,lines", [
    ('raise UsageError("--bad")', [1]),
    ('raise UsageError(f"`bad` {x}; try\\n"\n f"--other")', [1]),  # the f-string's parts
    ('message = f"use --x {y}"\nraise AttnvizError(message)', [1]),  # built in a variable first
    ('warnings.warn("give --seed", AttnvizWarning)', [1]),
    ('def f(text, what="--focus"): ...', [1]),  # a bare flag as a label
    ('raise UsageError("`seed` 3; install it with `pip install --no-deps x`")', []),
    ('raise UsageError("a--b 2 -- 3")', []),
])
def test_the_walk_finds_flags(source, lines):
    assert flagged(source) == lines
