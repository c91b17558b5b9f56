"""Search input PostgreSQL cannot hold (issue 11, finding 9): words over its 2,047-byte lexeme limit and NUL
characters get the same answer on both databases, an answer or a CKAN error envelope, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

# Behaviour every search backend must share: each test runs on the database's search and on Tantivy.
pytestmark = pytest.mark.usefixtures("each_search_backend")

LONG = "allocataires" + "x" * 3000
OTHER_LONG = LONG[:-1] + "y"  # the same first 3,011 characters


@pytest.fixture
def long_word(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    """A dataset whose description and one extra (with a 2,100-character key) hold a 3,012-character word, with
    a 3,000-byte resource URL and extra value (each was a 500 on PostgreSQL: the index could not hold it)."""
    return call("package_create", sysadmin, name="mot-long", owner_org=org["id"], notes=f"Un mot : {LONG}.",
                extras=[{"key": "k" * 2100, "value": LONG}, {"key": "note", "value": "é" * 1500}],
                resources=[{"url": "http://example.org/" + "a" * 3000, "format": "CSV"}])


def _search(client: Any, **params: Any) -> Any:
    return client.get("/api/3/action/package_search", query_string=params)


@pytest.mark.parametrize("params", [
    {"q": LONG}, {"q": f"{LONG}*"}, {"q": f'"un mot {LONG}"'}, {"fq": f"notes:{LONG}"}, {"q": f"text:{LONG}"},
    {"q": f"extras_{'k' * 2100}:{LONG}"}, {"fq_list": json.dumps([f"notes:{LONG}"])},
])
def test_a_word_longer_than_postgresql_lexemes_finds_itself(client, long_word, params):
    response = _search(client, **params)
    assert response.status_code == 200, response.get_json()
    assert [r["name"] for r in response.get_json()["result"]["results"]] == ["mot-long"]


def test_long_exact_values_are_indexed(client, long_word):
    response = _search(client, fq="note:*", **{"facet.field": json.dumps(["res_format"])})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["result"]["facets"]["res_format"] == {"CSV": 1}


@pytest.mark.parametrize("params", [{"q": OTHER_LONG}, {"fq": f"notes:{OTHER_LONG}"}, {"q": "z" * 5000}])
def test_a_long_word_that_is_not_there_finds_nothing(client, org, params):
    response = _search(client, **params)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["result"]["count"] == 0


@pytest.mark.parametrize("name", ["facet.field", "fq_list"])
def test_a_nul_inside_a_json_list_parameter_is_a_search_query_error(client, org, name):
    response = _search(client, **{name: json.dumps(["tags\x00"])})  # JSON's \u0000, past the raw NUL check
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["__type"] == "Search Query Error"
    assert f'Invalid \\"{name}\\" parameter' in error["message"] or f'Invalid "{name}" parameter' in error["message"]
    assert "NUL" in error["message"]


@pytest.mark.parametrize("name", ["q", "fq", "sort"])
def test_a_nul_in_q_fq_or_sort_is_a_validation_error(client, org, name):
    response = _search(client, **{name: "name:x\x00y"})
    assert response.status_code == 409
    assert response.get_json()["error"]["__type"] == "Validation Error"
