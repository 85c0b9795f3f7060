"""The layering of the code, checked on its imports (issue 20): every ``import`` statement of the
project, at module level or inside a function, read with ``ast``.

- The shared kit (``tariff.kit``) imports no domain code.
- Dependencies between apps point one way (STYLE.md): tariff ← declarations ← exchange, litigation.
- No import circle: no two modules import each other, directly or through others — an import
  inside a function counts, so a circle cannot be hidden by moving an import into a function.
"""
from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("config", "tariff", "declarations", "exchange", "litigation")
DOMAIN_APPS = ("tariff", "declarations", "exchange", "litigation")

# What each app may import from the other apps (the kit is part of tariff).
ALLOWED = {
    "tariff": set(),
    "declarations": {"tariff"},
    "exchange": {"tariff", "declarations"},
    "litigation": {"tariff", "declarations"},
}


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, pathlib.Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).parts
            if "migrations" in relative or "tests" in relative:
                continue
            modules[_module_name(path)] = path
    return modules


MODULES = _project_modules()


def _imports(name: str, path: pathlib.Path) -> set[str]:
    """The project modules ``name`` imports (a ``from pkg import name`` counts as importing the
    submodule ``pkg.name`` when there is one, else ``pkg``)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] not in PACKAGES:
                continue
            if not any(target == module or module.startswith(target + ".") or target.startswith(module + ".")
                       for module in MODULES):
                raise AssertionError(f"{name} imports {target}, which is no module of the project")
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_kit_imports_no_domain_code():
    kit = {name: deps for name, deps in GRAPH.items() if name == "tariff.kit" or name.startswith("tariff.kit.")}
    assert len(kit) > 20, sorted(kit)  # the kit is found: money, validity, errors, roles, …
    outside = {name: sorted(dep for dep in deps if not (dep == "tariff.kit" or dep.startswith("tariff.kit.")))
               for name, deps in kit.items()}
    assert {name: deps for name, deps in outside.items() if deps} == {}


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_app_dependencies_point_one_way(app):
    wrong = {}
    for name, deps in GRAPH.items():
        if name.split(".")[0] != app:
            continue
        bad = sorted(dep for dep in deps if dep.split(".")[0] not in ALLOWED[app] | {app})
        if bad:
            wrong[name] = bad
    assert wrong == {}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for dep in GRAPH.get(node, ()):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return components


def test_no_import_circles():
    assert _cycles() == []


def test_the_cycle_finder_finds_a_circle():
    """The check above can fail: two modules importing each other form a circle."""
    saved = {name: set(GRAPH[name]) for name in ("tariff.kit.money", "tariff.kit.numbers")}
    try:
        GRAPH["tariff.kit.money"].add("tariff.kit.numbers")
        GRAPH["tariff.kit.numbers"].add("tariff.kit.money")
        assert ["tariff.kit.money", "tariff.kit.numbers"] in _cycles()
    finally:
        GRAPH.update(saved)
