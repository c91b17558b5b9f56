"""DataStore queries run on connections of their own, which the dispatcher's read bound does not reach: an
anonymous or ordinary caller's datastore_search_sql and datastore_search stop at read_statement_timeout_ms too
(issue 11, finding 10), with a 409 that says so; sysadmins keep the query's own limit."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import ValidationError

BOUND_MS = 20
ROWS = [{"n": i} for i in range(2000)]


@pytest.fixture
def numbers(call: Any, sysadmin: Any, dataset: dict[str, Any]) -> str:
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"], "name": "nombres"},
                   fields=[{"id": "n", "type": "int"}], records=ROWS)
    return created["resource_id"]


@pytest.fixture
def bounded(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, read_statement_timeout_ms=BOUND_MS))


def pairs_sql(resource_id: str) -> str:
    # Four million pairs: far beyond 20 ms on both databases, far within the query's own 10 s.
    return f'SELECT count(*) AS pairs FROM "{resource_id}" a, "{resource_id}" b WHERE a.n + b.n >= 0'


def test_an_anonymous_sql_query_stops_at_the_read_bound(call, numbers, bounded):
    with pytest.raises(ValidationError) as raised:
        call("datastore_search_sql", ANONYMOUS, sql=pairs_sql(numbers))
    message = raised.value.errors["query"][0]
    assert f"took longer than the {BOUND_MS} ms" in message


def test_the_bound_is_a_409_envelope_over_http(client, numbers, bounded):
    response = client.get("/api/3/action/datastore_search_sql", query_string={"sql": pairs_sql(numbers)})
    assert response.status_code == 409
    body = response.get_json()
    assert body["success"] is False
    assert f"{BOUND_MS} ms" in body["error"]["query"][0]


def test_a_sysadmin_query_keeps_its_own_limit(call, sysadmin, numbers, bounded):
    result = call("datastore_search_sql", sysadmin, sql=pairs_sql(numbers))
    assert result["records"] == [{"pairs": len(ROWS) ** 2}]


def test_quick_queries_are_untouched_by_the_bound(call, numbers, bounded):
    result = call("datastore_search", ANONYMOUS, resource_id=numbers, limit=3, sort="n")
    assert [r["n"] for r in result["records"]] == [0, 1, 2]
