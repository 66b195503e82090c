"""Dependencies point one way: no import cycle in production code, and whatsapp/ imports no app.

The graph is read from the source with ``ast``, function-level imports included: a cycle
broken only by importing inside a function is still a cycle a newcomer has to untangle
(docs/architecture.md draws the intended direction).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "titz_broadcast",
    "whatsapp",
    "subscribers",
    "announcements",
    "audit",
    "staff",
    "privacy",
    "alerts",
)
SKIPPED_PARTS = {"tests", "migrations", "management"}


def production_modules():
    """``{dotted name: path}`` of the production modules (no tests, migrations, commands)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if SKIPPED_PARTS & set(relative.parts):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_names(module, path):
    """Absolute dotted names ``module`` imports (at any depth of its code)."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module
            for alias in node.names:
                yield f"{prefix}.{alias.name}"
                yield prefix


def graph():
    modules = production_modules()
    edges = {}
    for module, path in modules.items():
        targets = set()
        for name in imported_names(module, path):
            # The most specific production module the name lives in.
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
        edges[module] = targets
    return edges


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_function_level_and_relative_imports():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert "whatsapp.signals" in graph()["whatsapp.views"] | graph()["whatsapp.inbox"]


def test_no_import_cycle_in_production_code():
    assert cycles(graph()) == []


def test_the_provider_boundary_imports_no_app():
    apps = ("subscribers", "announcements", "audit", "staff")
    for module, targets in graph().items():
        if module.startswith("whatsapp"):
            assert not [t for t in targets if t.startswith(apps)], module
