"""The plan of facet counts over search_value (issue 11, finding 10): each dataset's values are reached by doc_id
(PostgreSQL: the (doc_id, field) index of migration 0008), never by probing search_value's primary key (field, value, doc_id) once per match, which read
every tag entry per match (20,000 harvested datasets: 413 s). PostgreSQL plans from statistics, and a catalog
just filled by a harvest has none: the test checks the plan with none, and again once analyzed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import event, text

from catalog.context import ANONYMOUS
from catalog.registry import call_action
from tests.search.conftest import MATCHES

FACETS = {"q": "allocataires", "rows": 0, "facet.field": json.dumps(["tags", "groups", "res_format", "license_id"])}


def _facet_statement(services: Any) -> tuple[str, Any]:
    executed: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "matches" in statement:
            executed.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        result = call_action(services, "package_search", FACETS, actor=ANONYMOUS)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    assert result["count"] == MATCHES and len(result["facets"]["tags"]) == 50
    [found] = executed
    return found


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *[n for child in node.get("Plans", []) for n in _nodes(child)]]


def _postgresql_plan(services: Any) -> list[dict[str, Any]]:
    statement, parameters = _facet_statement(services)
    with services.db.engine.connect() as conn:
        conn.exec_driver_sql("SET plan_cache_mode = force_custom_plan")
        found = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
    [plan] = json.loads(found) if isinstance(found, str) else found
    return _nodes(plan["Plan"])


def _assert_linear(nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        if node.get("Relation Name") == "search_value" and "doc_id" in node.get("Index Cond", ""):
            # A probe for one dataset's values uses the index that starts with doc_id, not the primary key
            # (field, value, doc_id), where it would read every value of the field.
            assert node["Index Name"] == "ix_search_value_doc_field", node
        if node["Node Type"] == "Nested Loop":
            # A nested loop never rescans the matches (or all of search_value) for each row of the other side.
            inner = node["Plans"][1]
            assert inner["Node Type"] not in ("CTE Scan", "Seq Scan", "Materialize"), node


def test_facets_reach_each_datasets_values_by_doc_id_without_statistics(services, many_matches):
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL's plan depends on statistics; SQLite's is checked below")
    with services.db.engine.begin() as conn:
        # As after a harvest that autovacuum has not analyzed yet: no statistics on the index tables.
        conn.execute(text("DELETE FROM pg_statistic WHERE starelid IN "
                          "('search_package'::regclass, 'search_value'::regclass)"))
    _assert_linear(_postgresql_plan(services))


def test_facets_reach_each_datasets_values_by_doc_id_once_analyzed(services, many_matches):
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL's plan depends on statistics; SQLite's is checked below")
    with services.db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE search_package, search_value"))
    _assert_linear(_postgresql_plan(services))


def test_sqlite_facets_join_values_and_matches_by_doc_id(services, many_matches):
    if not services.db.is_sqlite:
        pytest.skip("SQLite plan")
    statement, parameters = _facet_statement(services)
    with services.db.engine.connect() as conn:
        details = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    on_values = [i for i, d in enumerate(details) if "search_value" in d]
    assert on_values, details
    for i in on_values:
        # SQLite reads the field's values in value order (no sort for GROUP BY) and looks each dataset up in the
        # matches by doc_id, or walks the matches and looks their values up by doc_id: never a scan per row.
        beside = [d for d in details[i - 1:i + 2] if "matches" in d]
        assert "doc_id=?" in details[i] or any("doc_id=?" in d for d in beside), details
