"""Resource extras are the resource's own top-level keys (CKAN's resource schema keeps unknown keys); a key
literally named "extras" is dropped, as CKAN's resource_dict_save drops it (ckan/tests/logic/action/test_create.py,
TestResourceCreate.test_extras)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def dataset(call, sysadmin, org) -> dict[str, Any]:
    return call("package_create", sysadmin, name="avec-ressources", owner_org=org["id"])


def _check_extras(resource: dict[str, Any]) -> None:
    assert resource["somekey"] == "somevalue"
    assert "extras" not in resource
    assert "someotherkey" not in resource
    assert resource["subobject"] == {"hello": "there"}
    assert resource["sublist"] == [1, 2, 3]


def test_resource_create_extras(call, sysadmin, dataset):
    resource = call("resource_create", sysadmin, package_id=dataset["id"],
                    somekey="somevalue",  # this is how to do resource extras
                    extras={"someotherkey": "alt234"},  # this isn't
                    subobject={"hello": "there"}, sublist=[1, 2, 3],
                    format="plain text", url="http://datahub.io/download/")
    _check_extras(resource)
    _check_extras(call("package_show", sysadmin, id=dataset["id"])["resources"][0])
    _check_extras(call("resource_show", sysadmin, id=resource["id"]))


def test_custom_field_round_trips_at_top_level(call, sysadmin, dataset):
    resource = call("resource_create", sysadmin, package_id=dataset["id"], url="http://x", custom_field="x")
    assert call("resource_show", sysadmin, id=resource["id"])["custom_field"] == "x"
    patched = call("resource_patch", sysadmin, id=resource["id"], custom_field="y", other=2)
    assert (patched["custom_field"], patched["other"]) == ("y", 2)
    shown = call("package_show", sysadmin, id=dataset["id"])["resources"][0]
    assert (shown["custom_field"], shown["other"]) == ("y", 2)
    # resource_update replaces: a custom field not sent again is gone (CKAN keeps only core fields).
    updated = call("resource_update", sysadmin, id=resource["id"], url="http://x")
    assert "custom_field" not in updated and "other" not in updated


def test_extras_key_dropped_in_package_create_and_update(call, sysadmin, org):
    created = call("package_create", sysadmin, name="pkg-extras", owner_org=org["id"],
                   resources=[{"url": "http://y", "extras": {"c": "d"}, "tracking_summary": {"total": 3},
                               "foo": "bar"}])
    resource = created["resources"][0]
    assert resource["foo"] == "bar"
    assert "extras" not in resource and "tracking_summary" not in resource
    updated = call("package_update", sysadmin, id=created["id"],
                   resources=[{**resource, "extras": [{"key": "k", "value": "v"}]}])
    assert "extras" not in updated["resources"][0] and updated["resources"][0]["foo"] == "bar"


def test_resource_extras_over_http(client, sysadmin_token, dataset):
    response = client.post("/api/3/action/resource_create", headers={"Authorization": sysadmin_token},
                           json={"package_id": dataset["id"], "url": "http://x", "custom_field": "x",
                                 "extras": {"someotherkey": "alt234"}})
    assert response.status_code == 200
    result = response.get_json()["result"]
    assert result["custom_field"] == "x" and "extras" not in result and "someotherkey" not in result
