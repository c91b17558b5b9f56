"""member_list and member_delete."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound


def test_member_list_triples_with_role_labels(call, sysadmin, org, people):
    listed = call("member_list", ANONYMOUS, id="cnaf", object_type="user")
    by_id = {m[0]: m for m in listed}
    assert by_id[people["editor"].user_id] == [people["editor"].user_id, "user", "Editor"]
    assert by_id[people["boss"].user_id][2] == "Admin"
    assert [m[0] for m in call("member_list", ANONYMOUS, id="cnaf", capacity="member")] == [
        people["member"].user_id]
    with pytest.raises(NotFound):
        call("member_list", ANONYMOUS, id="nope")


def test_member_list_hides_private_datasets_from_outsiders(call, sysadmin, org, people):
    call("package_create", people["editor"], name="private-one", owner_org=org["id"], private=True)
    call("group_create", sysadmin, name="famille", packages=[{"name": "private-one"}])
    assert call("member_list", people["outsider"], id="famille", object_type="package") == []
    assert len(call("member_list", people["member"], id="famille", object_type="package")) == 1


def test_member_delete_needs_update_permission(call, sysadmin, org, people):
    with pytest.raises(NotAuthorized):
        call("member_delete", people["editor"], id="cnaf", object="member", object_type="user")
    assert call("member_delete", people["boss"], id="cnaf", object="member", object_type="user") is None
    assert people["member"].user_id not in [m[0] for m in call("member_list", ANONYMOUS, id="cnaf")]
    with pytest.raises(NotFound) as error:
        call("member_delete", people["boss"], id="cnaf", object="nobody", object_type="user")
    assert error.value.message == "User was not found."


def test_member_create_cannot_reach_a_private_dataset_of_another_organization(call, sysadmin, org, people,
                                                                               users_create_groups):
    call("package_create", people["editor"], name="private-one", owner_org=org["id"], private=True)
    group = call("group_create", people["outsider"], name="famille")
    with pytest.raises(NotFound) as error:
        call("member_create", people["outsider"], id="famille", object="private-one", object_type="package",
             capacity="public")
    assert error.value.message == "Package was not found."
    call("member_create", sysadmin, id=group["id"], object="private-one",
         object_type="package", capacity="public")
    assert call("member_list", people["outsider"], id="famille", object_type="package") == []


def test_group_update_keeps_datasets_the_caller_cannot_see(call, sysadmin, org, people, users_create_groups):
    call("package_create", people["editor"], name="private-one", owner_org=org["id"], private=True)
    call("package_create", people["editor"], name="public-one", owner_org=org["id"])
    call("group_create", people["outsider"], name="famille", packages=[{"name": "private-one"}])
    assert call("member_list", sysadmin, id="famille", object_type="package") == []  # not added: unseen
    call("member_create", sysadmin, id="famille", object="private-one", object_type="package", capacity="public")
    call("group_update", people["outsider"], id="famille", packages=[{"name": "public-one"}])
    assert len(call("member_list", sysadmin, id="famille", object_type="package")) == 2
