"""Data nested too deeply for code that recurses through it is CKAN's 400 JSON error, never a 500, whatever
the way in: JSON body, form, query string, or a JSON string parsed by the action (both databases)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog.nesting import MAX_DEPTH

TOO_DEEP = ("Bad request - JSON Error: data nested too deeply: at most 100 levels of lists and objects are "
            "accepted; send flatter data")


def lists(depth: int) -> Any:
    """A value of exactly `depth` levels: [[...["leaf"]...]]."""
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def objects(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def deep_text(depth: int) -> str:
    """JSON text too deep for Python's decoder to build (json.dumps would overflow too)."""
    return "[" * depth + '"leaf"' + "]" * depth


@pytest.fixture
def post(client, sysadmin_token):
    def send(action: str, *, body: str | None = None, form: dict[str, str] | None = None) -> Any:
        headers = {"Authorization": sysadmin_token}
        if body is not None:
            return client.post(f"/api/3/action/{action}", data=body, headers={
                **headers, "Content-Type": "application/json"})
        return client.post(f"/api/3/action/{action}", data=form, headers=headers)
    return send


def assert_too_deep(response: Any) -> None:
    assert (response.status_code, response.get_json()) == (400, TOO_DEEP), response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_json_body_too_deep_to_decode_is_a_400(post, org, depth):
    body = '{"name": "deep", "owner_org": "' + org["id"] + '", "notes": ' + deep_text(depth) + "}"
    assert_too_deep(post("package_create", body=body))


@pytest.mark.parametrize("where", ["resource custom field", "extra value", "tag"])
def test_a_json_body_one_level_too_deep_is_a_400(post, org, where):
    # The request object, the list and the dict holding the value are 3 levels: 3 + 98 = MAX_DEPTH + 1.
    value = objects(MAX_DEPTH - 2)
    data = {"name": "deep", "owner_org": org["id"]}
    if where == "resource custom field":
        data["resources"] = [{"url": "http://example.org/a.csv", "custom": value}]
    elif where == "extra value":
        data["extras"] = [{"key": "k", "value": value}]
    else:
        data["tags"] = [{"name": value}]
    assert_too_deep(post("package_create", body=json.dumps(data)))


def test_data_at_the_limit_is_stored_and_served(post, call, sysadmin, org):
    """MAX_DEPTH levels go through validation, saving, indexing, package_show, patch and the activity."""
    custom = lists(MAX_DEPTH - 3)
    body = {"name": "at-limit", "owner_org": org["id"], "resources": [{"url": "http://e.org/a", "custom": custom}]}
    created = post("package_create", body=json.dumps(body))
    assert created.status_code == 200, created.get_data(as_text=True)[:300]
    patched = post("package_patch", body=json.dumps({"id": "at-limit", "title": "Patched"}))
    assert patched.status_code == 200, patched.get_data(as_text=True)[:300]
    shown = call("package_show", sysadmin, id="at-limit")
    assert (shown["title"], shown["resources"][0]["custom"]) == ("Patched", custom)


def test_a_form_holding_one_json_key_too_deep_is_a_400(post):
    assert_too_deep(post("package_create", form={deep_text(1_000): ""}))


@pytest.mark.parametrize("depth", [MAX_DEPTH, 1_000])
def test_a_form_value_parsed_as_json_too_deep_is_a_400(post, org, depth):
    # `resources` is a list, so a form string is parsed as JSON (CKAN's form encoding of lists).
    resources = deep_text(depth)
    assert_too_deep(post("package_create", form={"name": "deep", "owner_org": org["id"], "resources": resources}))


@pytest.mark.parametrize("form", [
    {"match": '{"name": "target"}', "update": '{"notes": ' + deep_text(1_000) + "}"},
    {"match__name": "target", "update__notes": deep_text(1_000)},
    {"match__name": "target", "update__notes": deep_text(MAX_DEPTH)},
])
def test_package_revise_json_strings_too_deep_are_a_400(post, call, sysadmin, org, form):
    call("package_create", sysadmin, name="target", owner_org=org["id"])
    assert_too_deep(post("package_revise", form=form))
    assert call("package_show", sysadmin, id="target")["notes"] is None


def test_a_query_string_value_too_deep_is_a_400(client):
    response = client.get("/api/3/action/package_search", query_string={"facet.field": deep_text(1_000)})
    assert_too_deep(response)
