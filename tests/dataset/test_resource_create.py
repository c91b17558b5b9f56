"""resource_show/create/update/patch/delete."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError


@pytest.fixture
def dataset(call, sysadmin, org):
    return call("package_create", sysadmin, name="avec-ressources", owner_org=org["id"],
                resources=[{"url": "http://example.org/a.csv", "name": "a"}])


def test_resource_create_appends_and_returns_resource(call, sysadmin, dataset):
    resource = call("resource_create", sysadmin, package_id=dataset["name"], url="http://example.org/b.csv",
                    name="b", size="2048", custom_field="kept")
    assert resource["position"] == 1 and resource["package_id"] == dataset["id"]
    assert resource["size"] == 2048 and resource["format"] == "CSV" and resource["custom_field"] == "kept"
    assert call("resource_show", ANONYMOUS, id=resource["id"]) == resource
    assert call("package_show", ANONYMOUS, id=dataset["id"])["num_resources"] == 2


def test_resource_create_reports_errors_for_the_new_resource_only(call, sysadmin, dataset):
    with pytest.raises(ValidationError) as caught:
        call("resource_create", sysadmin, package_id=dataset["id"], url="x", size="big")
    assert caught.value.errors == {"size": ["Invalid integer"]}
    with pytest.raises(ValidationError) as caught:
        call("resource_create", sysadmin, package_id=dataset["id"], url="x", created="yesterday")
    assert caught.value.errors == {"created": ["Date format incorrect"]}


def test_resource_update_keeps_some_fields_and_drops_extras(call, sysadmin, dataset):
    rid = dataset["resources"][0]["id"]
    call("resource_patch", sysadmin, id=rid, description="desc", extra_key="v")
    updated = call("resource_update", sysadmin, id=rid, url="http://example.org/a2.csv")
    assert updated["name"] == "a" and updated["format"] == "CSV"  # kept when omitted
    assert updated["description"] is None and "extra_key" not in updated  # cleared when omitted
    assert updated["id"] == rid and updated["url"] == "http://example.org/a2.csv"


def test_resource_patch_and_delete(call, sysadmin, dataset):
    rid = dataset["resources"][0]["id"]
    patched = call("resource_patch", sysadmin, id=rid, name="renommée")
    assert patched["name"] == "renommée" and patched["url"] == "http://example.org/a.csv"
    with pytest.raises(NotAuthorized):
        call("resource_delete", ANONYMOUS, id=rid)
    assert call("resource_delete", sysadmin, id=rid) is None
    with pytest.raises(NotFound):
        call("resource_show", sysadmin, id=rid)
    assert call("package_show", sysadmin, id=dataset["id"])["resources"] == []


def test_resource_show_of_private_dataset_is_forbidden(call, sysadmin, org):
    private = call("package_create", sysadmin, name="prive-res", owner_org=org["id"], private=True,
                   resources=[{"url": "http://example.org/s.csv"}])
    with pytest.raises(NotAuthorized):
        call("resource_show", ANONYMOUS, id=private["resources"][0]["id"])
