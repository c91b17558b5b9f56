"""No anonymous or ordinary read holds the database longer than read_statement_timeout_ms (issue 11, finding 10):
PostgreSQL's statement_timeout, SQLite's progress handler. A search that runs out of it is CKAN's 409 Search
Error, another read a 503; sysadmins and writes are not bound, and the bound never stays on a pooled connection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text

from catalog.context import ANONYMOUS, ActionContext
from catalog.errors import SearchError, ServiceUnavailable
from catalog.registry import ACTIONS, action
from tests.search.conftest import MATCHES

BOUND_MS = 1
FACETS = {"q": "allocataires", "rows": 0, "facet.field": json.dumps(["tags", "res_format", "license_id"])}
# A genuinely long read, the same on both databases: counting to two million row by row.
COUNTING = text("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :upto) SELECT count(*) FROM c")


@pytest.fixture
def bounded(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, read_statement_timeout_ms=BOUND_MS))


@pytest.fixture
def slow_read() -> Iterator[str]:
    """A read action whose one statement is long (not an action of the catalog: the bound is the dispatcher's)."""

    @action(public=True, read_only=True)
    def test_slow_read(ctx: ActionContext, data: dict[str, Any]) -> int:
        """Count to two million in SQL."""
        return ctx.session.scalar(COUNTING, {"upto": 2_000_000})

    yield "test_slow_read"
    del ACTIONS["test_slow_read"]


def test_a_search_beyond_the_bound_is_a_409_search_error(client, many_matches, bounded):
    response = client.get("/api/3/action/package_search", query_string=FACETS)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["__type"] == "Search Error"
    assert f"took longer than the {BOUND_MS} ms" in error["message"]


def test_other_reads_beyond_the_bound_are_a_503(client, call, slow_read, bounded):
    with pytest.raises(ServiceUnavailable):
        call(slow_read, ANONYMOUS)
    response = client.get(f"/api/3/action/{slow_read}")
    assert response.status_code == 503
    body = response.get_json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Service Unavailable"
    assert "MOISSON_READ_STATEMENT_TIMEOUT_MS" in body["error"]["message"]


def test_sysadmins_and_ordinary_users_without_a_bound(call, sysadmin, many_matches, bounded, services, monkeypatch):
    assert call("package_search", sysadmin, **FACETS)["count"] == MATCHES
    with pytest.raises(SearchError):
        call("package_search", ANONYMOUS, **FACETS)
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, read_statement_timeout_ms=0))
    assert call("package_search", ANONYMOUS, **FACETS)["count"] == MATCHES


def test_the_bound_does_not_stay_on_the_connection(call, services, many_matches, bounded):
    services.db.engine.dispose()  # one pooled connection from here on: the next unit gets the bounded one
    with pytest.raises(SearchError):
        call("package_search", ANONYMOUS, **FACETS)
    with services.db.unit_of_work(write=True) as session:
        if not services.db.is_sqlite:
            assert session.scalar(text("SHOW statement_timeout")) == "0"
        assert session.scalar(COUNTING, {"upto": 200_000}) == 200_000
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(COUNTING, {"upto": 200_000}) == 200_000
