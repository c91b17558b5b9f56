"""organization_list_for_user, group_list_authz, organization_autocomplete, group_autocomplete."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotFound

ITEM_KEYS = {"id", "name", "title", "type", "description", "image_url", "image_display_url", "created",
             "is_organization", "approval_status", "state", "display_name", "capacity"}


def test_organization_list_for_user_by_permission(call, sysadmin, org, people):
    call("organization_create", sysadmin, name="caf-paris", title="CAF de Paris")
    items = call("organization_list_for_user", people["member"])
    assert [(o["name"], o["capacity"]) for o in items] == [("cnaf", "member")]
    assert set(items[0]) == ITEM_KEYS
    assert call("organization_list_for_user", people["member"], permission="create_dataset") == []
    assert [o["name"] for o in call("organization_list_for_user", people["editor"], permission="create_dataset")] \
        == ["cnaf"]
    assert call("organization_list_for_user", people["editor"], permission="update") == []
    assert [o["name"] for o in call("organization_list_for_user", ANONYMOUS, id="boss", permission="update")] \
        == ["cnaf"]
    every = call("organization_list_for_user", sysadmin)
    assert [(o["name"], o["capacity"]) for o in every] == [("caf-paris", "admin"), ("cnaf", "admin")]


def test_organization_list_for_user_counts(call, org, people):
    call("package_create", people["editor"], name="ds-one", owner_org=org["id"], private=True)
    item = call("organization_list_for_user", people["member"], include_dataset_count=True,
                include_member_count=True)[0]
    assert item["package_count"] == 1 and item["member_count"] == 4


def test_organization_list_for_user_anonymous_and_unknown(call, org):
    assert call("organization_list_for_user", ANONYMOUS) == []
    with pytest.raises(NotFound):
        call("organization_list_for_user", ANONYMOUS, id="nobody")


def test_group_list_authz(call, sysadmin, org, people, users_create_groups):
    call("group_create", people["member"], name="famille")
    call("group_create", sysadmin, name="logement")
    assert [g["name"] for g in call("group_list_authz", people["member"])] == ["famille"]
    assert call("group_list_authz", people["outsider"]) == []
    assert call("group_list_authz", ANONYMOUS) == []
    assert sorted(g["name"] for g in call("group_list_authz", sysadmin)) == ["famille", "logement"]


def test_organization_autocomplete(call, sysadmin, org):
    call("organization_create", sysadmin, name="caf-paris", title="CAF de Paris")
    call("group_create", sysadmin, name="caf-group")
    assert call("organization_autocomplete", ANONYMOUS, q="PARIS") == [
        {"id": call("organization_show", ANONYMOUS, id="caf-paris")["id"], "name": "caf-paris",
         "title": "CAF de Paris"}]
    assert [o["name"] for o in call("organization_autocomplete", ANONYMOUS, q="ca")] == ["caf-paris", "cnaf"]
    assert [g["name"] for g in call("group_autocomplete", ANONYMOUS, q="caf")] == ["caf-group"]
