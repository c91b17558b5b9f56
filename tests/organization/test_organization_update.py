"""organization_update / _patch: admins only, 2.12 keeps omitted members, raw return shape, messages."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError


def _members(call, sysadmin):
    shown = call("organization_show", sysadmin, id="cnaf", include_users=True)
    return {(u["name"], u["capacity"]) for u in shown["users"]}


def test_organization_update_keeps_omitted_users(call, sysadmin, org, people):
    before = _members(call, sysadmin)
    result = call("organization_update", people["boss"], id="cnaf", title="CNAF", description="Branche famille")
    assert result["title"] == "CNAF" and result["description"] == "Branche famille"
    assert _members(call, sysadmin) == before
    # The return value is the raw dictization: users and packages, no num_followers.
    assert {"users", "packages", "package_count"} <= set(result) and "num_followers" not in result


def test_organization_update_replaces_given_users_and_extras(call, sysadmin, org, people):
    call("organization_update", sysadmin, id="cnaf", users=[{"name": "boss", "capacity": "admin"},
                                                          {"name": "outsider", "capacity": "member"}],
         extras=[{"key": "siren", "value": "180035024"}])
    assert _members(call, sysadmin) == {("boss", "admin"), ("outsider", "member")}
    shown = call("organization_show", ANONYMOUS, id="cnaf")
    assert shown["extras"] == [{"key": "siren", "value": "180035024"}]
    call("organization_update", sysadmin, id="cnaf", extras=[])  # empty extras are ignored, as CKAN
    assert call("organization_show", ANONYMOUS, id="cnaf")["extras"] == [{"key": "siren", "value": "180035024"}]


def test_organization_update_roles(call, org, people):
    for name in ("editor", "member", "outsider"):
        with pytest.raises(NotAuthorized) as error:
            call("organization_update", people[name], id="cnaf", title="x")
        assert error.value.message == f"User {name} not authorized to edit organization {org['id']}"
    with pytest.raises(NotAuthorized) as error:
        call("organization_update", ANONYMOUS, id="cnaf", title="x")
    assert error.value.message == "Action organization_update requires an authenticated user"


def test_organization_update_messages(call, sysadmin, org):
    call("organization_create", sysadmin, name="caf-paris")
    with pytest.raises(ValidationError) as error:
        call("organization_update", sysadmin, id="cnaf", name="caf-paris")
    assert error.value.errors == {"name": ["Group name already exists in database"]}
    with pytest.raises(ValidationError) as error:
        call("organization_update", sysadmin, id="cnaf", type="group")
    assert error.value.errors == {"message": "Type cannot be updated"}
    with pytest.raises(ValidationError) as error:
        call("organization_update", sysadmin, title="x")
    assert error.value.errors == {"id": ["Missing value"]}
    with pytest.raises(NotFound) as error:
        call("organization_update", sysadmin, id="nope")
    assert error.value.message == "Group was not found."
    assert call("organization_update", sysadmin, id="cnaf", name="cnaf-2")["name"] == "cnaf-2"


def test_organization_patch_changes_only_given_fields(call, sysadmin, org, people):
    call("organization_patch", people["boss"], id="cnaf", description="Branche famille")
    result = call("organization_patch", people["boss"], id="cnaf", image_url="https://example.org/logo.png")
    assert result["title"] == org["title"] and result["description"] == "Branche famille"
    assert result["image_url"] == "https://example.org/logo.png"
    assert ("editor", "editor") in _members(call, sysadmin)
    with pytest.raises(NotAuthorized):
        call("organization_patch", people["editor"], id="cnaf", title="x")


def test_group_update_keeps_packages_unless_given(call, sysadmin, org):
    call("package_create", sysadmin, name="ds-one", owner_org=org["id"])
    call("package_create", sysadmin, name="ds-two", owner_org=org["id"])
    call("group_create", sysadmin, name="famille", packages=[{"name": "ds-one"}])
    call("group_update", sysadmin, id="famille", title="Famille")
    assert call("group_show", ANONYMOUS, id="famille")["package_count"] == 1
    call("group_update", sysadmin, id="famille", packages=[{"name": "ds-one"}, {"name": "ds-two"}])
    assert call("group_show", ANONYMOUS, id="famille")["package_count"] == 2
    call("group_patch", sysadmin, id="famille", packages=[])
    assert call("group_show", ANONYMOUS, id="famille")["package_count"] == 0
    with pytest.raises(NotFound):
        call("group_update", sysadmin, id="cnaf", title="x")


def test_organization_update_null_lists_count_as_omitted(call, sysadmin, org, people):
    before = _members(call, sysadmin)
    call("organization_update", sysadmin, id="cnaf", users=None, groups=None, extras=None)
    assert _members(call, sysadmin) == before
    call("organization_update", sysadmin, id="cnaf", users=[])
    assert _members(call, sysadmin) == set()
