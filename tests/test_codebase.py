"""House-style checks on the code base itself (STYLE.md): actions documented, guarded and schema'd; short
modules; ruff clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import catalog.action_modules  # noqa: F401  (registers every action)
from catalog.registry import ACTIONS

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
MAX_MODULE_LINES = 500
# Actions that may run without a schemas/<name>.json: keep this list short, each entry a conscious decision.
ALLOWED_MISSING_SCHEMAS: set[str] = set()


def registered() -> dict:
    return dict(ACTIONS)


def test_every_action_has_a_docstring_and_a_guard():
    actions = registered()
    assert len(actions) > 50
    undocumented = sorted(name for name, spec in actions.items() if not spec.doc.strip())
    unguarded = sorted(name for name, spec in actions.items() if spec.auth is None and not spec.is_public)
    assert undocumented == [] and unguarded == []


def test_every_action_has_a_schema_file():
    missing = sorted(name for name in registered() if not (SCHEMAS / f"{name}.json").is_file())
    assert sorted(set(missing) - ALLOWED_MISSING_SCHEMAS) == [], "actions without schemas/<name>.json"
    stale = sorted(ALLOWED_MISSING_SCHEMAS - set(missing))
    assert stale == [], "ALLOWED_MISSING_SCHEMAS lists actions that now have a schema (or no longer exist)"


def test_every_schema_file_belongs_to_an_action():
    orphans = sorted(path.stem for path in SCHEMAS.glob("*.json") if path.stem not in registered())
    assert orphans == [], "schema files named after no registered action (a typo never validates anything)"


def test_modules_stay_short():
    too_long = {}
    for package in ("catalog", "harvest"):
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_MODULE_LINES:
                too_long[str(path.relative_to(ROOT))] = lines
    assert too_long == {}, f"modules over {MAX_MODULE_LINES} lines"


def test_ruff_is_clean():
    command = [shutil.which("ruff")] if shutil.which("ruff") else [sys.executable, "-m", "ruff"]
    result = subprocess.run([*command, "check", "--no-cache", str(ROOT)], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# Libraries that open network connections. Only the guarded fetcher may use them (issue 11: private addresses
# refused, pinned connections, deadline, size cap); redis and the database drivers talk to configured services.
# The fetcher's own package may use `socket` for what is not a connection: resolving (policy.py) and shutting a
# trickling socket down (deadline.py).
NETWORK_MODULES = ("requests", "urllib3", "urllib.request", "http.client", "socket", "httpx", "aiohttp")
GUARDED_FETCHER = Path("catalog/outbound/client.py")
SOCKET_ONLY = {Path("catalog/outbound/policy.py"), Path("catalog/outbound/deadline.py")}


def test_only_the_guarded_fetcher_opens_connections():
    import ast

    offenders = []
    for path in sorted([*ROOT.glob("catalog/**/*.py"), *ROOT.glob("harvest/**/*.py")]):
        relative = path.relative_to(ROOT)
        if relative == GUARDED_FETCHER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{relative}: {name}" for name in names
                          if any(name == lib or name.startswith(lib + ".") for lib in NETWORK_MODULES)
                          and not (relative in SOCKET_ONLY and name == "socket")]
    assert offenders == [], f"fetch through catalog.outbound.Outbound instead: {offenders}"


# Issue 14: the dependency arrows point one way (tests/import_graph.py draws the graph and names the layers).
FEATURES = ("catalog.datastore", "catalog.search", "catalog.storage")


def test_the_dataset_core_does_not_import_the_features_built_on_it():
    from tests.import_graph import edges

    offenders = sorted(f"{source} -> {target} (line {line})" for source, target, line in edges()
                       if source.startswith("catalog.dataset") and target.startswith(FEATURES))
    assert offenders == [], "reach search, DataStore and storage through ctx.services"


def test_no_import_runs_upward_and_no_packages_import_each_other():
    from tests.import_graph import package_cycles, upward_imports

    assert upward_imports() == [], "a module imports a higher layer (tests/import_graph.LAYERS)"
    assert package_cycles() == [], "packages that import each other round a loop"


def test_action_contexts_are_made_only_by_the_registry():
    """Every entry point opens its unit of work with registry.unit (one transaction, one context, the
    after-commit callbacks run once), or derives one (ctx.as_system(), ctx.as_anonymous())."""
    constructor = "ActionContext" + "("  # split so this file does not count itself
    makers = sorted(str(path.relative_to(ROOT)) for folder in ("catalog", "harvest", "tests", "bench")
                    for path in (ROOT / folder).rglob("*.py") if constructor in path.read_text(encoding="utf-8"))
    assert makers == ["catalog/registry.py"]
