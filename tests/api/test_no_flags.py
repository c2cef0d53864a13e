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
PENDING: set[str] = set()


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
    table = {id(n) for call in ast.walk(tree) if isinstance(call, ast.Call) and _name(call.func) == "Option"
             for n in ast.walk(call)}  # the option table's entries: each flag's spelling and --help text, the CLI's by design
    lines = {node.lineno for node in ast.walk(tree) if id(node) not in table
             and isinstance(node, ast.Constant) and isinstance(node.value, str) and BARE.fullmatch(node.value)}
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


# ---- at run time: the library names the parameter, the CLI the flag --------------------------------

def _focus(result, focus):
    return result.figure(focus=focus)


# parameter, the library's call (tmp: a folder of nothing), the same through `attnviz show`
CASES = [
    ("image", lambda a, tmp: a.analyze(image=str(tmp / "nope.png")), lambda tmp: ["--image", tmp / "nope.png"]),
    ("audio", lambda a, tmp: a.analyze(audio=str(tmp / "nope.wav")), lambda tmp: ["--audio", tmp / "nope.wav"]),
    ("input", lambda a, tmp: a.analyze(input=str(tmp / "nope.npy")), lambda tmp: ["--input", tmp / "nope.npy"]),
    ("attention", lambda a, tmp: a.view_file(str(tmp / "x.txt")), lambda tmp: ["--attention", tmp / "x.txt"]),
    ("vectors", lambda a, tmp: a.analyze("the cat sat", vectors=str(tmp / "v.vec")),
     lambda tmp: ["the cat sat", "--vectors", tmp / "v.vec"]),
    ("model", lambda a, tmp: a.analyze("the cat sat", model=str(tmp / "m")), lambda tmp: ["the cat sat", "--model", tmp / "m"]),
    ("save", lambda a, tmp: a.analyze("the cat sat").save(str(tmp / "x.jpg")),
     lambda tmp: ["the cat sat", "--save", tmp / "x.jpg"]),
    ("save", lambda a, tmp: a.analyze("the cat sat").save(str(tmp / "no" / "x.png")),
     lambda tmp: ["the cat sat", "--save", tmp / "no" / "x.png"]),
    ("frame_ms", lambda a, tmp: a.analyze(audio="demo", frame_ms=0), lambda tmp: ["--audio", "demo", "--frame-ms", "0"]),
    ("hop_ms", lambda a, tmp: a.analyze(audio="demo", hop_ms=40), lambda tmp: ["--audio", "demo", "--hop-ms", "40"]),
    ("window", lambda a, tmp: a.analyze(audio="demo", window="1.2.3s"), lambda tmp: ["--audio", "demo", "--window", "1.2.3s"]),
    ("patch", lambda a, tmp: a.analyze(image="demo", size=8, patch=9), lambda tmp: ["--image", "demo", "--size", "8", "--patch", "9"]),
    ("temperature", lambda a, tmp: a.analyze("the cat sat", temperature=-1), lambda tmp: ["the cat sat", "--temperature", "-1"]),
    ("compare", lambda a, tmp: a.analyze("the cat sat", compare="bogus"), lambda tmp: ["the cat sat", "--compare", "bogus"]),
    ("focus", lambda a, tmp: _focus(a.analyze("the cat sat"), "dog"), lambda tmp: ["the cat sat", "--focus", "dog"]),
    ("focus", lambda a, tmp: _focus(a.analyze(image="demo", size=8), "0,0"),
     lambda tmp: ["--image", "demo", "--size", "8", "--focus", "0,0"]),
    ("focus", lambda a, tmp: _focus(a.analyze(audio="demo"), "99s"), lambda tmp: ["--audio", "demo", "--focus", "99s"]),
    ("size", lambda a, tmp: a.analyze(image="demo", size=0), None),  # the CLI's own range check comes first
    ("features", lambda a, tmp: a.analyze(audio="demo", features="nope"), None),
]


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_call_names_the_parameter_and_the_cli_the_flag(case, tmp_path, runner):
    import attnviz
    from attnviz.errors import AttnvizError
    from attnviz.options import flag

    from conftest import invoke, one_line

    name, call, cli = CASES[case]
    with pytest.raises(AttnvizError) as raised:
        call(attnviz, tmp_path)
    message = str(raised.value)
    assert f"`{name}`" in message and "--" not in message, message
    if cli is not None:
        line = one_line(invoke(runner, "show", *cli(tmp_path)), raised.value.exit_code, flag(name))
        assert f"`{name}`" not in line, line


def test_show_compare_writes_the_advice_with_flags_as_show_does(runner):
    """#21's named fix: `show --compare` printed the unknown-words advice with `vectors` where
    `show` prints --vectors."""
    from conftest import invoke

    text = "猫坐在垫子上 狗 跑"  # Han script, unknown to the embedded English vectors: the advice
    plain, compared = (invoke(runner, "show", text, *more).stderr for more in ([], ["--compare", "score=dot,cosine"]))
    advice = [line for line in plain.splitlines() if "Ways forward" in line]
    assert len(advice) == 1 and "--vectors FILE" in advice[0], plain
    assert advice == [line for line in compared.splitlines() if "Ways forward" in line], compared


def test_as_flags_writes_only_flags_the_cli_has():
    """A name as_flags rewrites is a flag of some command (`n_mels` is the library's alone: it stays)."""
    import typer.main

    from attnviz.cli import app
    from attnviz.options import API_OPTIONS, as_flags, flag, option_names

    flags = {o for command in typer.main.get_command(app).commands.values() for p in command.params
             for o in [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])]}
    assert sorted(n for n in set(option_names()) | API_OPTIONS if flag(n) not in flags) == []
    assert as_flags("`n_mels` 3; `from` a `to` b; `file` F `lines`") == "`n_mels` 3; --from a --to b; --file F --lines"
