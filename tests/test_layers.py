"""The package's import structure: no cycles, no private names across modules.

Every ``import`` and ``from ... import`` in ``xentlint/`` counts, also those inside
functions and ``TYPE_CHECKING`` blocks: a cycle through a lazy import is still a cycle in
the design (CONTRIBUTING.md, "Layers").
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "xentlint"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The module of ours that ``name`` (a module or a module.attribute) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import statement of ``module``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            names = [alias.name for alias in node.names]
            out.append((base, names))
            out.extend((f"{base}.{name}", []) for name in names)  # submodules
    return [(target, names) for target, names in out if target.split(".")[0] == "xentlint"]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module in MODULES:
        for target, _names in _imports(module):
            owner = _owner(target)
            # a package's own parents are not edges: importing a.b runs a/__init__ first
            if owner and owner != module and not module.startswith(owner + "."):
                graph[module].add(owner)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
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


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_the_checker_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_modules_were_found() -> None:
    assert {"xentlint.cli", "xentlint.facts", "xentlint.static.interpreter"} <= set(MODULES)
    graph = _graph()
    assert "xentlint.facts" in graph["xentlint.checks.xen101"]  # imports are seen
    assert sum(len(edges) for edges in graph.values()) > 100


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_no_private_names_across_modules() -> None:
    offenders = []
    for module in MODULES:
        for target, names in _imports(module):
            owner = _owner(target)
            if owner is None or owner == module:
                continue
            private_module = any(_private(part) for part in target.split(".")[1:])
            private_names = [n for n in names if _private(n) and f"{target}.{n}" not in MODULES]
            if private_module or private_names:
                offenders.append(f"{module}: {target} {private_names or ''}".rstrip())
    assert offenders == []
