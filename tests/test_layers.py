"""Imports go one way (issue #21, item 1): a module imports only its own layer or lower ones, and no
modules import each other round in a cycle, counting every import, those inside functions too
(Python runs those late, but they are a dependency all the same).

Bottom to top:
  attnviz (the root: its lazy table and __version__), errors, options, score_names, i18n, cost
  < core/ < inputs/ < models/ < analysis/ < views/ < api/ < cli/ (and __main__)

Imports through importlib (the root's lazy table of the public API, models' family modules by
name) are not import statements and are not counted.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "attnviz"
BOTTOM = ("errors", "options", "command_help", "score_names", "i18n", "cost")  # modules directly in attnviz/, beside the root
ORDER = ("core", "inputs", "models", "analysis", "views", "api", "cli")  # the packages, bottom to top
TOP = ("__main__",)  # `python -m attnviz`: the CLI's level

# Cycles another part of #21 is breaking (api/ and cli/ are being rewritten).  This list must shrink
# to empty: once a cycle is gone, test_known_cycles_still_exist fails until it is removed from here.
KNOWN: list[set[str]] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    """0 for the root and BOTTOM, then 1 + the index of its package in ORDER; TOP is the CLI's."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BOTTOM:
        return 0
    if parts[1] in TOP:
        return 1 + ORDER.index("cli")
    assert parts[1] in ORDER, f"{module} is in no layer: put it in a package of ORDER, or name it in BOTTOM"
    return 1 + ORDER.index(parts[1])


def layer_name(module: str) -> str:
    n = layer(module)
    return "the bottom (root, " + ", ".join(BOTTOM) + ")" if n == 0 else ORDER[n - 1]


def targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The attnviz modules an import statement names (relative ones resolved), each the longest
    module that exists: `from ..core import attention` is attnviz.core.attention, `from ..inputs
    import Sequence` is attnviz.inputs (the package's __init__)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = module.split(".")
            if not MODULES[module].name == "__init__.py":
                base = base[:-1]  # a module's package
            base = base[:len(base) - (node.level - 1)]
        else:
            base = []
        stem = ".".join(base + ([node.module] if node.module else []))
        names = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in MODULES else stem for a in node.names]
    found = []
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.append(name)
    return found


def imports() -> dict[str, list[tuple[str, int]]]:
    """module -> [(imported module, line)] for every import statement in it, at any depth."""
    edges: dict[str, list[tuple[str, int]]] = {m: [] for m in MODULES}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges[module] += [(target, node.lineno) for target in targets(module, node)]
    return edges


def cycles(edges: dict[str, list[tuple[str, int]]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    graph = {m: sorted({t for t, _ in out}) for m, out in edges.items()}
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(root: str) -> None:
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = set()
                    while True:
                        u = stack.pop()
                        on_stack.discard(u)
                        component.add(u)
                        if u == v:
                            break
                    if len(component) > 1:
                        found.append(component)
            elif w not in index:
                index[w] = low[w] = counter[0]
                counter[0] += 1
                stack.append(w)
                on_stack.add(w)
                work.append((w, iter(graph[w])))
            elif w in on_stack:
                low[v] = min(low[v], index[w])

    for m in graph:
        if m not in index:
            visit(m)
    return found


def upward(edges) -> list[str]:
    """Every import of a higher layer, as 'importer -> imported (line N): layer -> layer'."""
    return [f"{m} -> {t} (line {line}): {layer_name(m)} may not import {layer_name(t)}"
            for m, out in edges.items() for t, line in out if layer(t) > layer(m)]


def test_every_import_goes_down_or_stays_in_its_layer():
    bad = upward(imports())
    assert not bad, "imports against the layer order (bottom < core < inputs < models < analysis < views < api < cli):\n  " \
        + "\n  ".join(bad)


def test_no_import_cycle_between_modules():
    edges = imports()
    new = [c for c in cycles(edges) if c not in KNOWN]
    described = [f"{len(c)} modules: " + ", ".join(sorted(c)) + "\n    e.g. " + shortest_cycle(edges, c) for c in new]
    assert not new, "import cycles (move the shared piece into a module both import, or pass a function in):\n  " \
        + "\n  ".join(described)


def shortest_cycle(edges, component: set[str]) -> str:
    """One shortest way round the component from its first module, as 'a -> b (line N) -> … -> a'."""
    start = min(component)
    came = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for m in frontier:
            for t, line in edges[m]:
                if t == start:
                    path, at = [f"{t} (line {line})"], m
                    while at is not None:
                        path.append(at if came[at] is None else f"{at} (line {came[at][1]})")
                        at = came[at][0] if came[at] else None
                    return " -> ".join(reversed(path))
                if t in component and t not in came:
                    came[t] = (m, line)
                    following.append(t)
        frontier = following
    return start


def test_known_cycles_still_exist():
    """KNOWN lists only cycles that are there: one broken is taken off the list."""
    found = cycles(imports())
    gone = [sorted(c) for c in KNOWN if c not in found]
    assert not gone, f"these cycles are gone: remove them from KNOWN in {Path(__file__).name}: {gone}"


def test_the_walk_sees_imports_inside_functions_and_relative_ones():
    """The walk itself: a function's relative import of a view from core is found, with its line."""
    source = "def f():\n    from ..views import present\n"
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom))
    assert targets("attnviz.core.attention", node) == ["attnviz.views.present"]
    assert layer("attnviz.views.present") > layer("attnviz.core.attention") > layer("attnviz.cost")
    edges = {"attnviz.core.attention": [("attnviz.views.present", 2)], "attnviz.views.present": [("attnviz.core.attention", 9)]}
    assert upward(edges) == ["attnviz.core.attention -> attnviz.views.present (line 2): core may not import views"]
    assert cycles(edges) == [{"attnviz.core.attention", "attnviz.views.present"}]


def test_importing_core_loads_nothing_above_it():
    """A second, independent check of the walk (top-level imports, as Python runs them): a fresh
    interpreter that imports every core module holds no attnviz module above core."""
    core = sorted(m for m in MODULES if m.startswith("attnviz.core."))
    code = "import sys\n" + "".join(f"import {m}\n" for m in core) + \
        "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] == 'attnviz')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    loaded = out.stdout.split()
    assert set(core) <= set(loaded), loaded
    above = [m for m in loaded if layer(m) > layer("attnviz.core")]
    assert not above, f"importing attnviz.core loads {above}"
