"""A dataset write naming a group that does not exist: 404 "Group was not found." (CKAN's _check_group_auth in
ckan/logic/auth/create.py, used by the package_create and package_update auth functions), and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import Actor
from catalog.errors import NotFound
from tests.conftest import make_user


@pytest.fixture
def editor(call, sysadmin, org) -> Actor:
    actor = make_user(call, "editor")
    call("organization_member_create", sysadmin, id=org["id"], username="editor", role="editor")
    return actor


@pytest.fixture
def group(call, sysadmin, editor) -> dict[str, Any]:
    created = call("group_create", sysadmin, name="famille")
    call("group_member_create", sysadmin, id="famille", username="editor", role="member")
    return created


@pytest.mark.parametrize("ref", [{"name": "no-such-group"}, {"id": "no-such-group"}])
def test_package_create_with_unknown_group_is_not_found(call, sysadmin, org, editor, group, ref):
    with pytest.raises(NotFound) as caught:
        call("package_create", editor, name="avec-groupe", owner_org=org["id"], groups=[{"name": "famille"}, ref])
    assert caught.value.message == "Group was not found."
    with pytest.raises(NotFound):
        call("package_show", sysadmin, id="avec-groupe")


def test_package_update_with_unknown_group_changes_nothing(call, sysadmin, org, editor, group):
    dataset = call("package_create", editor, name="avec-groupe", owner_org=org["id"], groups=[{"name": "famille"}])
    with pytest.raises(NotFound) as caught:
        call("package_update", editor, id=dataset["id"], title="Changed",
             groups=[{"name": "famille"}, {"name": "no-such-group"}])
    assert caught.value.message == "Group was not found."
    with pytest.raises(NotFound):  # package_patch goes through package_update's auth
        call("package_patch", editor, id=dataset["id"], groups=[{"id": "no-such-group"}])
    assert call("package_show", sysadmin, id=dataset["id"]) == dataset


def test_known_groups_and_organizations_are_found(call, sysadmin, org, editor, group):
    """Any existing group counts as found (CKAN's Group.get), so naming one by id or name is no 404."""
    dataset = call("package_create", editor, name="avec-groupe", owner_org=org["id"], groups=[{"id": group["id"]}])
    assert [g["name"] for g in dataset["groups"]] == ["famille"]
    updated = call("package_update", editor, id=dataset["id"], groups=[{"name": "famille"}, {}])
    assert [g["name"] for g in updated["groups"]] == ["famille"]


def test_sysadmins_still_have_unknown_groups_skipped(call, sysadmin, org):
    """CKAN checks in the auth function, which sysadmins skip: the unknown group is ignored, not an error."""
    created = call("package_create", sysadmin, name="sans-groupe", owner_org=org["id"], groups=[{"name": "nope"}])
    assert created["groups"] == []


def test_unknown_group_over_http(client, call, org, editor, group):
    token = call("api_token_create", editor, user="editor", name="t")["token"]
    response = client.post("/api/3/action/package_create", headers={"Authorization": token},
                           json={"name": "avec-groupe", "owner_org": org["id"], "groups": [{"name": "nope"}]})
    assert response.status_code == 404
    body = response.get_json()
    assert body["success"] is False
    assert body["error"] == {"__type": "Not Found Error", "message": "Not found: Group was not found."}
