"""organization_member_create/delete, group_member_*, member_create/delete/list, member_roles_list."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user

MEMBER_KEYS = {"id", "table_name", "table_id", "capacity", "group_id", "state"}


def test_organization_member_create_by_admin(call, org, people):
    member = call("organization_member_create", people["boss"], id="cnaf", username="outsider", role="editor")
    assert set(member) == MEMBER_KEYS
    assert (member["table_name"], member["table_id"], member["capacity"], member["group_id"], member["state"]) == (
        "user", people["outsider"].user_id, "editor", org["id"], "active")
    again = call("organization_member_create", people["boss"], id="cnaf", username="outsider", role="member")
    assert again["id"] == member["id"] and again["capacity"] == "member"  # upsert


def test_organization_member_create_roles(call, org, people):
    for name in ("editor", "member", "outsider"):
        with pytest.raises(NotAuthorized) as error:
            call("organization_member_create", people[name], id="cnaf", username="outsider", role="admin")
        assert error.value.message == f"User {name} not authorized to add members"


def test_organization_member_create_messages(call, sysadmin, org, people):
    with pytest.raises(ValidationError) as error:
        call("organization_member_create", sysadmin, id="nope", username="nobody", role="boss")
    assert error.value.errors == {"id": ["That group name or ID does not exist."],
                                  "username": ["Not found: User"], "role": ["role does not exist."]}


def test_organization_member_create_admin_cannot_demote_self(call, org, people):
    with pytest.raises(NotAuthorized) as error:
        call("organization_member_create", people["boss"], id="cnaf", username="boss", role="member")
    assert error.value.message == "Administrators cannot revoke their own admin status"


def test_organization_member_delete(call, sysadmin, org, people):
    assert call("organization_member_delete", people["boss"], id="cnaf", username="editor") is None
    assert call("organization_member_delete", people["boss"], id="cnaf", user_id=people["member"].user_id) is None
    names = {u["name"] for u in call("organization_show", sysadmin, id="cnaf", include_users=True)["users"]}
    assert names == {"admin", "boss"}
    with pytest.raises(NotAuthorized):
        call("organization_member_delete", people["outsider"], id="cnaf", username="boss")


def test_group_member_create_refuses_organizations(call, sysadmin, org, people):
    call("group_create", sysadmin, name="famille")
    member = call("group_member_create", sysadmin, id="famille", username="outsider", role="member")
    assert member["capacity"] == "member"
    with pytest.raises(ValidationError) as error:
        call("group_member_create", sysadmin, id="cnaf", username="outsider", role="member")
    assert error.value.errors == {"id": ["That group name or ID does not exist."]}
    assert call("group_member_delete", sysadmin, id="famille", username="outsider") is None


def test_member_create_and_list(call, sysadmin, org, people, users_create_groups):
    call("package_create", people["editor"], name="public-one", owner_org=org["id"])
    call("package_create", people["editor"], name="private-one", owner_org=org["id"], private=True)
    group = call("group_create", people["member"], name="famille")
    # A group member may add datasets (manage_group); adding users needs the group's admin.
    for name in ("public-one", "private-one"):
        call("member_create", sysadmin, id="famille", object=name, object_type="package", capacity="public")
    with pytest.raises(NotAuthorized) as error:
        call("member_create", people["outsider"], id="famille", object="outsider", object_type="user",
             capacity="member")
    assert error.value.message == f"User outsider not authorized to edit group {group['id']}"
    listed = call("member_list", ANONYMOUS, id="famille")
    assert [m[1:] for m in listed] == [["package", "public"], ["user", "Admin"]]
    assert len(call("member_list", people["member"], id="famille", object_type="package")) == 2
    assert call("member_delete", sysadmin, id="famille", object="public-one", object_type="package") is None
    assert call("member_list", sysadmin, id="famille", object_type="package")[0][0] != ""
    with pytest.raises(NotFound) as error:
        call("member_create", sysadmin, id="famille", object="nope", object_type="package", capacity="public")
    assert error.value.message == "Package was not found."
    with pytest.raises(ValidationError) as error:
        call("member_create", sysadmin, id="famille", object="outsider", object_type="user", capacity="boss")
    assert error.value.errors == {"capacity": ["role does not exist."]}
    with pytest.raises(ValidationError) as error:
        call("organization_update", sysadmin, id="cnaf", users=[{"name": "outsider", "capacity": "boss"}])
    assert error.value.errors == {"users": ["role does not exist."]}
    with pytest.raises(ValidationError) as error:
        call("member_create", sysadmin, id="famille")
    assert error.value.errors == {"object": ["Missing value"], "object_type": ["Missing value"],
                                  "capacity": ["Missing value"]}


def test_member_roles_list(call):
    # CKAN's three, and Moisson's reviewer (issue 16): an editor who also reviews datasets before publication.
    assert call("member_roles_list", ANONYMOUS) == [
        {"text": "Admin", "value": "admin"}, {"text": "Reviewer", "value": "reviewer"},
        {"text": "Editor", "value": "editor"}, {"text": "Member", "value": "member"}]
    assert [r["value"] for r in call("member_roles_list", ANONYMOUS, group_type="group")] == ["admin", "member"]


def test_reviewer_is_an_organization_capacity_only(call, sysadmin, org):
    make_user(call, "relectrice")
    member = call("organization_member_create", sysadmin, id=org["id"], username="relectrice", role="reviewer")
    assert member["capacity"] == "reviewer"
    members = call("member_list", sysadmin, id=org["id"], capacity="reviewer")
    assert [(m[1], m[2]) for m in members] == [("user", "Reviewer")]
    group = call("group_create", sysadmin, name="theme")
    with pytest.raises(ValidationError) as error:
        call("group_member_create", sysadmin, id=group["id"], username="relectrice", role="reviewer")
    assert error.value.errors == {"role": ["role does not exist."]}
