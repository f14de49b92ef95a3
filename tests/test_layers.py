"""The package's shape: imports point down the layers, never in a cycle, never at private names.

Every module under qa/ is parsed (not imported) and every import in it is read, those inside
functions and `if TYPE_CHECKING:` blocks too: a late import is still a dependency. The layers,
from the user's side down:

    ui, serve -> chat -> bot -> milvus -> rank -> knowledge -> vectors -> index -> embed -> ingest -> text
       -> (config, errors, disk)

A module may import its own package and the packages below it. qa/__init__.py and
qa/__main__.py are the public surface on top of everything and may import anything; no module
inside may import them back.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qa"
# Top first. Names on one line share a layer: config, errors and disk are the floor.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("ui", "serve"), ("chat",), ("bot",), ("milvus",), ("rank",), ("knowledge",), ("vectors",),
    ("index",),
    ("embed",), ("ingest",), ("text",), ("config", "errors", "disk"),
)
SURFACE = {"qa", "qa.__main__"}  # the public surface: exempt as importers, off limits as targets
RANK = {name: depth for depth, names in enumerate(LAYERS) for name in names}


@dataclass(frozen=True)
class Import:
    """One import statement's dependency on one module of qa."""

    source: str  # the importing module, e.g. qa.bot
    target: str  # the imported module, e.g. qa.rank (a package means its __init__.py)
    names: tuple[str, ...]  # what `from target import ...` takes; () for `import target`
    where: str  # file:line, for the message

    def __str__(self) -> str:
        taken = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.where}: {self.source} imports {self.target}{taken}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, level: int, base: str | None) -> str:
    """The absolute name an import's `from` part points at (relative imports included)."""
    if level == 0:
        return base or ""
    path = _modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    parts = package.split(".")
    parts = parts[: len(parts) - level + 1]
    return ".".join(parts + ([base] if base else []))


def _owner(name: str) -> str | None:
    """The module of qa that defines `name` (its longest known prefix), or None outside qa."""
    modules = _modules()
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _read(source: str, tree: ast.AST, file: str) -> list[Import]:
    """The imports of qa modules in one module's syntax tree, at any depth."""
    modules = _modules()
    found: list[Import] = []
    for node in ast.walk(tree):
        where = f"{file}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _owner(alias.name)
                if target is not None:
                    found.append(Import(source, target, (), where))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(source, node.level, node.module)
            owner = _owner(base)
            if owner is None:
                continue  # not ours
            plain: list[str] = []
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:  # `from qa import text`: a module
                    found.append(Import(source, f"{base}.{alias.name}", (), where))
                else:
                    plain.append(alias.name)
            if plain:
                found.append(Import(source, owner, tuple(plain), where))
    return found


@cache
def _imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for source, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += _read(source, tree, str(path.relative_to(PACKAGE.parent)))
    return tuple(found)


def _layer(module: str) -> str:
    """ui, chat, ..., config: the second part of the module's name."""
    return module.split(".")[1]


def test_every_module_has_a_layer() -> None:
    """A new package must be placed in LAYERS before the other rules can judge it."""
    unplaced = sorted(m for m in _modules() if m not in SURFACE and _layer(m) not in RANK)
    assert not unplaced, f"modules in no layer (add them to LAYERS in {__file__}): {unplaced}"


def test_imports_point_down_the_layers() -> None:
    broken = []
    for imp in _imports():
        if imp.source in SURFACE:
            continue
        if imp.target in SURFACE:
            broken.append(f"{imp}: the public surface is for users; import from the package "
                          "that defines the name")
            continue
        low, high = _layer(imp.source), _layer(imp.target)
        if low in RANK and high in RANK and RANK[high] < RANK[low]:
            broken.append(f"{imp}: {high} is above {low} in the layers")
    if broken:
        pytest.fail("imports pointing up the layers:\n" + "\n".join(broken), pytrace=False)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _shortest_cycle(start: str, edges: dict[str, dict[str, Import]]) -> list[Import]:
    """The fewest imports that lead from `start` back to it (breadth first)."""
    came: dict[str, Import] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, imp in sorted(edges.get(node, {}).items()):
                if target == start:
                    path = [imp]
                    while path[0].source != start:
                        path.insert(0, came[path[0].source])
                    return path
                if target not in came:
                    came[target] = imp
                    following.append(target)
        frontier = following
    return []


def test_no_import_cycles() -> None:
    """A package's __init__.py counts as a module: a submodule importing its own package's
    __init__ (instead of the sibling module) closes a cycle through it."""
    edges: dict[str, dict[str, Import]] = {m: {} for m in _modules() if m not in SURFACE}
    for imp in _imports():
        if imp.source not in SURFACE and imp.target not in SURFACE and imp.source != imp.target:
            edges[imp.source].setdefault(imp.target, imp)
    lines = []
    for component in _cycles({m: set(t) for m, t in edges.items()}):
        members = set(component)
        inside = {m: {t: i for t, i in edges[m].items() if t in members} for m in component}
        lines.append("cycle between " + ", ".join(component) + "; the shortest:")
        lines += [f"  {i}" for i in _shortest_cycle(component[0], inside)]
    if lines:
        pytest.fail("import cycles:\n" + "\n".join(lines), pytrace=False)


def test_no_private_names_of_another_module() -> None:
    broken = [f"{imp}: {name} is private to {imp.target}"
              for imp in _imports() if imp.target != imp.source
              for name in imp.names if name.startswith("_") and not name.startswith("__")]
    broken += [f"{imp}: a private module" for imp in _imports() if not imp.names
               and any(p.startswith("_") and not p.startswith("__")
                       for p in imp.target.split("."))]
    if broken:
        pytest.fail("imports of private names:\n" + "\n".join(broken), pytrace=False)


@pytest.mark.parametrize("line, expected", [
    ("from qa.rank import Hit", "qa.rank (Hit)"),
    ("from qa import text", "qa.text"),
    ("from ..index.store import sync", "qa.index.store (sync)"),
    ("from . import render", "qa.ui.render"),
    ("import qa.vectors.dense as dense", "qa.vectors.dense"),
    ("def f():\n    from qa.bot import Bot", "qa.bot (Bot)"),
    ("import numpy", ""),
])
def test_imports_are_read_as_written(line: str, expected: str) -> None:
    """The walker resolves absolute, relative and `from package import module` forms."""
    found = _read("qa.ui.cli", ast.parse(line), "qa/ui/cli.py")
    assert "; ".join(str(i).split(" imports ")[1] for i in found) == expected
