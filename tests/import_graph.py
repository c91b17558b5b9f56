"""The import graph of catalog/ and harvest/, read from the source (ast), for tests/test_codebase.py and for
people: `python -m tests.import_graph` prints the packages' layers, the imports that run upward and the cycles
between packages as JSON.

Every import counts, including those inside functions (a deferred import is still a dependency); imports under
`if TYPE_CHECKING:` do not (they name types and never run).

Each module belongs to the longest prefix of its name listed in LAYERS (a package such as `catalog.dataset`, or an
entry-point module such as `harvest.queue`); its layer says which way the arrows may point.
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lower numbers are nearer the ground: a module may import its own layer or lower ones. Keys are module prefixes
# (the longest that matches wins); each key is also one node of the package graph whose cycles are counted.
# web/api/cli -> composition (services, the list of action modules) -> harvest -> features (search, storage,
# datastore, dcat) -> domain actions and dataset core -> registry -> foundation. Features are reached by the
# core only through services (catalog/services.py), never by import.
LAYERS: dict[str, int] = {
    # foundation: no domain knowledge
    "catalog": 0, "catalog.clock": 0, "catalog.settings": 0, "catalog.errors": 0, "catalog.nesting": 0,
    "catalog.ids": 0, "catalog.db": 0, "catalog.outbound": 0, "catalog.validation": 0, "catalog.mail": 0,
    # the dispatcher: actions register with it and call each other through it
    "catalog.context": 1, "catalog.registry": 1,
    # domain cores: models, queries, rules, dictize, save, the write path (dataset/publish.py), the privacy filter
    "catalog.authz": 2, "catalog.user": 2, "catalog.vocab": 2, "catalog.activity": 2, "catalog.organization": 2,
    "catalog.dataset": 2, "catalog.resource": 2, "catalog.site": 2, "catalog.review": 2,
    # domain actions: each domain's actions and auth functions (DOMAIN_ACTIONS below)
    "catalog.user:actions": 3, "catalog.vocab:actions": 3, "catalog.activity:actions": 3,
    "catalog.organization:actions": 3, "catalog.dataset:actions": 3, "catalog.resource:actions": 3,
    "catalog.site:actions": 3, "catalog.review:actions": 3,
    **{f"{domain}:models": 2 for domain in ("catalog.user", "catalog.vocab", "catalog.activity",
                                             "catalog.organization", "catalog.dataset", "catalog.resource",
                                             "catalog.site", "catalog.review", "catalog.resource_view")},
    # features built on the domains, plugged into the core as services
    "catalog.search": 4, "catalog.storage": 4, "catalog.datastore": 4, "catalog.dcat": 4,
    # resource views: a chart view is checked against the DataStore's aggregation rules, so views sit beside it
    "catalog.resource_view": 4, "catalog.resource_view:actions": 4,
    # harvesting, built on the catalog's actions
    "harvest": 5,
    # what builds a process: every model (Alembic), every action module, the backends
    "catalog.models": 6, "catalog.migrate": 6, "catalog.action_modules": 6, "catalog.services": 6,
    # entry points: web app, pages, API, CLI commands, worker entry functions
    "catalog.app": 7, "catalog.api": 7, "catalog.web": 7, "catalog.demo": 7, "catalog.responses": 7,
    "catalog.cli": 7, "catalog.server": 7, "catalog.search.cli": 7, "catalog.search.indexer_main": 7, "catalog.dcat.cli": 7,
    "catalog.cli_support": 7, "catalog.datastore.worker": 7, "catalog.storage.views": 7, "catalog.dcat.views": 7, "harvest.cli": 7,
    "harvest.queue": 7, "harvest.worker": 7,
}
# Within a domain package, modules named so are its action tier (node "<package>:actions"), and its models.py
# is a node of its own at the bottom of the domain layer ("<package>:models": tables refer to other domains'
# tables, which is no dependency on their code).
DOMAIN_ACTIONS = ("actions", "auth")
DOMAINS = ("catalog.user", "catalog.vocab", "catalog.activity", "catalog.organization", "catalog.dataset",
           "catalog.resource", "catalog.site", "catalog.review", "catalog.resource_view")


def package_of(module: str) -> str:
    """The LAYERS key a module belongs to: its longest matching prefix, and for a domain's actions and auth
    functions that domain's action tier."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        prefix = ".".join(parts[:size])
        if prefix in LAYERS:
            if prefix in DOMAINS and len(parts) > size:
                if parts[size].endswith(DOMAIN_ACTIONS):
                    return f"{prefix}:actions"
                if parts[size] == "models":
                    return f"{prefix}:models"
            return prefix
    raise KeyError(f"{module} has no layer in tests/import_graph.LAYERS: give it one")


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
    return LAYERS[package_of(module)]


def upward_imports() -> list[str]:
    return sorted({f"{source} -> {target}" for source, target, _ in edges() if layer_of(target) > layer_of(source)})


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of more than one node that reach each other round a loop (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
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


def package_cycles() -> list[list[str]]:
    """Groups of packages (LAYERS keys) that import each other round a loop."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target, _ in edges():
        if package_of(source) != package_of(target):
            graph[package_of(source)].add(package_of(target))
    return strongly_connected(graph)


def module_cycle_size() -> int:
    """The size of the largest group of modules that import each other round a loop."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target, _ in edges():
        graph[source].add(target)
    return max((len(group) for group in strongly_connected(graph)), default=0)


def main() -> None:
    upward = upward_imports()
    cycles = package_cycles()
    print(json.dumps({"upward_imports": len(upward), "package_cycles": len(cycles),
                      "largest_module_cycle": module_cycle_size(), "upward": upward, "cycles": cycles}, indent=1))


if __name__ == "__main__":
    main()
