"""tag_search, read from CKAN's _tag_search (ckan/logic/action/get.py): every term must be in the name
(case-insensitive, % and _ literal), `count` counts all matches, limit/offset page the results, free tags by
default, a vocabulary's tags with vocabulary_id (id or name; unknown: nothing), no term: nothing."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import ANONYMOUS


@pytest.fixture
def tags(call, sysadmin, org) -> dict[str, Any]:
    call("package_create", sysadmin, name="one", owner_org=org["id"],
         tags=[{"name": "Russian"}, {"name": "russian-literature"}, {"name": "tolstoy"}, {"name": "100_percent"}])
    call("package_create", sysadmin, name="two", owner_org=org["id"], private=True,
         tags=[{"name": "russian-secret"}])
    return call("vocabulary_create", sysadmin, name="genre",
                tags=[{"name": "russian-folk"}, {"name": "jazz"}])


def names(result: dict[str, Any]) -> list[str]:
    return [tag["name"] for tag in result["results"]]


def test_free_tags_containing_the_query(call, tags):
    found = call("tag_search", ANONYMOUS, query="RUSS")
    assert found["count"] == 2 and names(found) == ["Russian", "russian-literature"]
    assert all(set(tag) == {"id", "name", "vocabulary_id"} for tag in found["results"])
    assert all(tag["vocabulary_id"] is None for tag in found["results"])
    assert call("tag_search", ANONYMOUS, q="tolst")["results"][0]["name"] == "tolstoy"


def test_every_term_must_match(call, tags):
    assert names(call("tag_search", ANONYMOUS, query=["russ", "lit"])) == ["russian-literature"]
    assert call("tag_search", ANONYMOUS, query=["russ", "tolstoy"]) == {"count": 0, "results": []}
    # The deprecated `fields` adds its tag(s) value as one more term.
    assert names(call("tag_search", ANONYMOUS, query="russ", fields={"tags": "lit"})) == ["russian-literature"]
    assert names(call("tag_search", ANONYMOUS, fields={"tag": "tolstoy"})) == ["tolstoy"]


def test_no_term_finds_nothing(call, tags):
    assert call("tag_search", ANONYMOUS) == {"count": 0, "results": []}
    assert call("tag_search", ANONYMOUS, query="  ") == {"count": 0, "results": []}


def test_like_wildcards_are_literal(call, tags):
    assert names(call("tag_search", ANONYMOUS, query="0_p")) == ["100_percent"]
    assert call("tag_search", ANONYMOUS, query="%")["count"] == 0
    assert call("tag_search", ANONYMOUS, query="n_l")["count"] == 0  # "_" is not any character


def test_limit_and_offset_page_but_count_all(call, tags):
    page = call("tag_search", ANONYMOUS, query="s", limit=1, offset=1)
    assert page["count"] == 3 and names(page) == ["russian-literature"]
    assert names(call("tag_search", ANONYMOUS, query="s", offset=2)) == ["tolstoy"]


def test_private_datasets_tags_only_for_those_who_see_them(call, sysadmin, tags):
    assert "russian-secret" not in names(call("tag_search", ANONYMOUS, query="russ"))
    assert "russian-secret" in names(call("tag_search", sysadmin, query="russ"))


def test_vocabulary_tags(call, tags):
    found = call("tag_search", ANONYMOUS, query="russ", vocabulary_id=tags["id"])
    assert found == {"count": 1, "results": [{"id": tags["tags"][1]["id"], "name": "russian-folk",
                                              "vocabulary_id": tags["id"]}]}
    assert call("tag_search", ANONYMOUS, query="russ", vocabulary_id="genre") == found
    assert call("tag_search", ANONYMOUS, query="russ", vocabulary_id="nope") == {"count": 0, "results": []}
    assert "russian-folk" not in names(call("tag_search", ANONYMOUS, query="russ"))


def test_over_http(client, tags):
    response = client.get("/api/3/action/tag_search?query=russ&limit=1")
    assert response.status_code == 200
    body = response.get_json()
    assert body["success"] is True
    assert body["result"]["count"] == 2 and names(body["result"]) == ["Russian"]
    posted = client.post("/api/3/action/tag_search", json={"query": ["russ", "lit"]}).get_json()
    assert names(posted["result"]) == ["russian-literature"]
    fields = client.get('/api/3/action/tag_search?fields={"tags": "tolst"}').get_json()
    assert names(fields["result"]) == ["tolstoy"]
    bad = client.get("/api/3/action/tag_search?query=r&limit=-1")
    assert bad.status_code == 409 and bad.get_json()["error"]["__type"] == "Validation Error"
