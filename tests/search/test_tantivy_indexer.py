"""The indexer's bookkeeping: a rebuild's rows are not pruned before its switch, a failed switch leaves the node
indexing, and positions never move back."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from catalog.search import indexer as indexer_module
from catalog.search.indexer import build_generation
from catalog.search.outbox import SqliteCursor, node_state, prune, read_snapshot
from catalog.search.tantivy_store import current_generation, node_name, pending_switch, request_switch


@pytest.fixture
def tantivy(each_search_backend: str, services: Any) -> Path:
    if each_search_backend != "tantivy":
        pytest.skip("about the Tantivy backend's indexer")
    return Path(services.settings.search_index_path)


def saved_state(services: Any, node: str) -> Any:
    with services.db.engine.connect() as conn:
        return node_state(conn, node)


def wait_for(predicate: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_rows_a_rebuild_needs_are_not_pruned_before_its_switch(tantivy: Path, services: Any, call: Any,
                                                                 sysadmin: Any, org: dict[str, Any],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexer_module, "HEARTBEAT_SECONDS", 0.0)  # the node's saved position follows at once
    call("package_create", sysadmin, name="avant", title="Avant", owner_org=org["id"])
    node = node_name(tantivy, services.settings.search_node)
    generation, position, _ = build_generation(services, tantivy, node)  # minutes at scale: writes go on
    call("package_create", sysadmin, name="pendant", title="Pendant la reconstruction", owner_org=org["id"])
    saved = saved_state(services, node)
    wait_for(lambda: saved_state(services, node) != saved)
    prune(services.db)  # what every node's indexer does each minute: "pendant" is indexed by the live node
    request_switch(tantivy, generation, position)
    wait_for(lambda: current_generation(tantivy) == generation and pending_switch(tantivy) is None)
    assert call("package_search", sysadmin, q="name:pendant")["count"] == 1  # caught up from the held rows
    with services.db.engine.connect() as conn:
        assert node_state(conn, f"{node}@{generation.name}") is None  # the hold went with the switch


def test_a_switch_that_fails_leaves_the_indexer_running(tantivy: Path, services: Any, call: Any, sysadmin: Any,
                                                          org: dict[str, Any]) -> None:
    before = current_generation(tantivy)
    request_switch(tantivy, tantivy / "gen-gone", "0")
    wait_for(lambda: pending_switch(tantivy) is None)
    assert (tantivy / "failed-switch.json").exists()
    assert [t for t in threading.enumerate() if t.name == "search-indexer"]
    assert current_generation(tantivy) == before
    call("package_create", sysadmin, name="apres", title="Après", owner_org=org["id"])
    assert call("package_search", sysadmin, q="name:apres")["count"] == 1


def test_the_sqlite_position_never_goes_back_when_the_outbox_is_emptied(services: Any, call: Any, sysadmin: Any,
                                                                          org: dict[str, Any]) -> None:
    if not services.db.is_sqlite:
        pytest.skip("SQLite positions are sequence numbers")
    call("package_create", sysadmin, name="jeu", title="Jeu", owner_org=org["id"])
    with services.db.unit_of_work(write=True) as session:
        session.execute(text("DELETE FROM search_outbox"))  # as a prune does
    cursor = SqliteCursor()
    with read_snapshot(services.db) as conn:
        head = int(cursor.head(conn))
    assert head >= 1


def test_forget_node_stops_a_retired_node_from_holding_the_outbox(tantivy: Path, services: Any,
                                                                    monkeypatch: pytest.MonkeyPatch, call: Any,
                                                                    sysadmin: Any, org: dict[str, Any]) -> None:
    from click.testing import CliRunner

    from catalog.cli import main
    from catalog.search.outbox import save_position

    monkeypatch.setattr(indexer_module, "HEARTBEAT_SECONDS", 0.0)  # the live node's saved position follows at once
    nothing_indexed = "0" if services.db.is_sqlite else "1:1:"
    with services.db.unit_of_work(write=True) as session:
        save_position(session.connection(), "retired", "gen-x", nothing_indexed, 0)
        save_position(session.connection(), "retired@gen-y", "gen-y", nothing_indexed, 0)
    node = node_name(tantivy, services.settings.search_node)
    saved = saved_state(services, node)
    call("package_create", sysadmin, name="jeu", title="Jeu", owner_org=org["id"])
    wait_for(lambda: saved_state(services, node) != saved)
    assert prune(services.db) == 0  # the retired node's position holds the row the live node has indexed
    monkeypatch.setenv("MOISSON_DATABASE_URL", services.settings.database_url)
    result = CliRunner().invoke(main, ["search-index", "forget-node", "retired"], catch_exceptions=False)
    assert result.exit_code == 0 and "Forgot search node retired" in result.output
    assert saved_state(services, "retired") is None and saved_state(services, "retired@gen-y") is None
    wait_for(lambda: prune(services.db) >= 1)
