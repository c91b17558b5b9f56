"""The import graph of catalog/ and harvest/, read from the source (ast), for tests/test_codebase.py and for
people: `python -m tests.import_graph` prints the packages' layers, the imports that run upward and the cycles
between packages as JSON.

Every import counts, including those inside functions (a deferred import is still a dependency); imports under
`if TYPE_CHECKING:` do not (they name types and never run).

A module's *package* is its first two dotted parts (`catalog.dataset`, `catalog.registry`, `harvest.backends`);
the layer of each package says which way the arrows may point: a module may import its own layer or lower ones.
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lower numbers are nearer the ground. web/api/cli → registry → domain actions → dataset core, with features
# (search, datastore, storage, dcat) plugged in as services beside the domains, and harvest on top of all.
LAYERS: dict[str, int] = {
    # foundation: no domain knowledge
    "catalog.clock": 0, "catalog.settings": 0, "catalog.errors": 0, "catalog.nesting": 0, "catalog.ids": 0,
    "catalog.db": 0, "catalog.models": 0, "catalog.outbound": 0, "catalog.context": 0, "catalog.services": 0,
    "catalog.validation": 0, "catalog.migrate": 0, "catalog.cli_support": 0, "catalog.__init__": 0,
    # the dispatcher sits under the domains: actions register themselves with it and call each other through it
    "catalog.registry": 1, "catalog.authz": 1,
    # domain core
    "catalog.user": 2, "catalog.vocab": 2, "catalog.activity": 2, "catalog.organization": 2,
    "catalog.dataset": 2, "catalog.resource": 2, "catalog.site": 2,
    # features built on the domains, reached by the core only through services
    "catalog.search": 3, "catalog.storage": 3, "catalog.datastore": 3, "catalog.dcat": 3,
    # the list of every action module, and what builds the process
    "catalog.action_modules": 4, "catalog.composition": 4,
    # entry points
    "harvest": 5, "catalog.api": 6, "catalog.web": 6, "catalog.demo": 6, "catalog.app": 7, "catalog.cli": 7,
    "catalog.server": 7,
}


def package_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "harvest":
        return "harvest"
    return ".".join(parts[:2])


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] if len(parts) > 1 else parts
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import of catalog/harvest code in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_lines(tree)
    own = module_name(path)
    package_parts = own.split(".") if path.name == "__init__.py" else own.split(".")[:-1]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if node.lineno in skipped if hasattr(node, "lineno") else False:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found += [(f"{target}.{alias.name}" if _is_module(f"{target}.{alias.name}") else target, node.lineno)
                      for alias in node.names]
    return [(name, line) for name, line in found if name.split(".")[0] in ("catalog", "harvest")]


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def source_files() -> list[Path]:
    return sorted([*ROOT.glob("catalog/**/*.py"), *ROOT.glob("harvest/**/*.py")])


def edges() -> list[tuple[str, str, int]]:
    """(importing module, imported module, line)."""
    return [(module_name(path), target, line) for path in source_files() for target, line in imports_of(path)]


def layer_of(module: str) -> int:
    package = package_of(module)
    if package not in LAYERS:
        raise KeyError(f"{package} has no layer in tests/import_graph.LAYERS: give it one")
    return LAYERS[package]


def upward_imports() -> list[str]:
    return sorted({f"{source} -> {target}" for source, target, _ in edges() if layer_of(target) > layer_of(source)})


def package_cycles() -> list[list[str]]:
    """Strongly connected groups of more than one package (Tarjan)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target, _ in edges():
        if package_of(source) != package_of(target):
            graph[package_of(source)].add(package_of(target))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if node not in index:
            visit(node)
    return groups


def module_cycle_size() -> int:
    """The size of the largest group of modules that import each other round a loop."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target, _ in edges():
        graph[source].add(target)
    # iterative Tarjan over modules
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    largest = 0
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        nonlocal largest
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            size = 0
            while True:
                member = stack.pop()
                on_stack.discard(member)
                size += 1
                if member == node:
                    break
            largest = max(largest, size if size > 1 else 0)

    for node in sorted(set(graph)):
        if node not in index:
            visit(node)
    return largest


def main() -> None:
    upward = upward_imports()
    cycles = package_cycles()
    print(json.dumps({"upward_imports": len(upward), "package_cycles": len(cycles),
                      "largest_module_cycle": module_cycle_size(), "upward": upward, "cycles": cycles}, indent=1))


if __name__ == "__main__":
    main()
