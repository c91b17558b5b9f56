"""`users` in organization and group dicts, as CKAN 2.12 (issue 13).

CKAN's _group_or_org_show defaults include_users to ckan.auth.public_user_details (true): the change that made
it false (ckan/ckan#9232) was reverted on dev-v2.12. _group_or_org_create returns organization_show/group_show
output, so the creator is there as admin (ckan/tests/logic/action/test_create.py: `len(org["users"]) == 1`).
Member entries are user dicts without email or apikey (model_dictize.user_list_dictize), plus `capacity`.
"""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import ANONYMOUS, Actor
from tests.conftest import make_user

KINDS = ("organization", "group")


def _member_entry(call: Any, actor: Actor, name: str, capacity: str) -> dict[str, Any]:
    """What CKAN's removed test compared with: the user's own dict minus email/apikey, plus the capacity."""
    own = call("user_show", actor, id=name)
    return {**{key: value for key, value in own.items() if key not in ("email", "apikey")}, "capacity": capacity}


@pytest.mark.parametrize("kind", KINDS)
def test_create_returns_the_creator_as_admin(call, sysadmin, users_create_groups, kind):
    jane = make_user(call, "jane")
    created = call(f"{kind}_create", jane, name="caf-paris")
    assert created["users"] == [_member_entry(call, jane, "jane", "admin")]
    assert "email" not in created["users"][0] and "apikey" not in created["users"][0]


@pytest.mark.parametrize("kind", KINDS)
def test_show_includes_users_by_default(call, sysadmin, kind):
    call(f"{kind}_create", sysadmin, name="caf-paris")
    jane = make_user(call, "jane")
    call(f"{kind}_member_create", sysadmin, id="caf-paris", username="jane", role="member")
    shown = call(f"{kind}_show", ANONYMOUS, id="caf-paris")
    assert [(user["name"], user["capacity"]) for user in shown["users"]] == [("admin", "admin"), ("jane", "member")]
    # Even to the member herself, a member entry carries no e-mail: CKAN's user_list_dictize drops it.
    assert call(f"{kind}_show", jane, id="caf-paris")["users"][1] == _member_entry(call, ANONYMOUS, "jane", "member")
    assert "users" not in call(f"{kind}_show", ANONYMOUS, id="caf-paris", include_users=False)


def test_member_entries_count_only_public_datasets_whoever_asks(call, sysadmin, org):
    """CKAN's group dictization does not set count_private_and_draft_datasets, unlike user_show for oneself."""
    call("package_create", sysadmin, name="public-one", owner_org=org["id"])
    call("package_create", sysadmin, name="private-one", owner_org=org["id"], private=True)
    assert call("user_show", sysadmin, id="admin")["number_created_packages"] == 2
    users = call("organization_show", sysadmin, id="cnaf")["users"]
    assert [(user["name"], user["number_created_packages"]) for user in users] == [("admin", 1)]


@pytest.mark.parametrize("kind", KINDS)
def test_update_and_patch_return_the_members(call, sysadmin, kind):
    call(f"{kind}_create", sysadmin, name="caf-paris")
    make_user(call, "jane")
    updated = call(f"{kind}_update", sysadmin, id="caf-paris", users=[{"name": "jane", "capacity": "member"}])
    assert [(user["name"], user["capacity"]) for user in updated["users"]] == [("jane", "member")]
    patched = call(f"{kind}_patch", sysadmin, id="caf-paris", title="Paris")
    assert [(user["name"], user["capacity"]) for user in patched["users"]] == [("jane", "member")]


def test_list_all_fields_has_users_only_on_request(call, org):
    """organization_list keeps include_users default false (CKAN's _group_or_org_list)."""
    assert "users" not in call("organization_list", ANONYMOUS, all_fields=True)[0]
    listed = call("organization_list", ANONYMOUS, all_fields=True, include_users=True)[0]
    assert [(user["name"], user["capacity"]) for user in listed["users"]] == [("admin", "admin")]


def test_users_over_http(client, call, sysadmin_token):
    response = client.post("/api/3/action/organization_create", json={"name": "caf-paris"},
                           headers={"Authorization": sysadmin_token})
    body = response.get_json()
    assert response.status_code == 200 and body["success"] is True
    assert [(user["name"], user["capacity"]) for user in body["result"]["users"]] == [("admin", "admin")]
    response = client.get("/api/3/action/group_show?id=caf-paris")
    assert response.status_code == 404  # an organization is not a group
    response = client.get("/api/3/action/organization_show?id=caf-paris")
    users = response.get_json()["result"]["users"]
    assert response.status_code == 200 and [user["name"] for user in users] == ["admin"]
    assert "email" not in users[0] and "apikey" not in users[0]
    response = client.get("/api/3/action/organization_show?id=caf-paris&include_users=false")
    assert response.status_code == 200 and "users" not in response.get_json()["result"]


def test_member_entries_cost_the_same_queries_however_many_members(call, sysadmin, org, services):
    """The members' dataset counts come from one grouped query, not one query per member."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def show_cost() -> int:
        statements.clear()
        event.listen(services.db.engine, "before_cursor_execute", record)
        try:
            call("organization_show", ANONYMOUS, id="cnaf")
        finally:
            event.remove(services.db.engine, "before_cursor_execute", record)
        return len(statements)

    make_user(call, "jane")
    call("organization_member_create", sysadmin, id="cnaf", username="jane", role="member")
    few = show_cost()
    for name in ("john", "paul", "rita", "suzy"):
        make_user(call, name)
        call("organization_member_create", sysadmin, id="cnaf", username=name, role="member")
    assert show_cost() == few
    assert len(call("organization_show", ANONYMOUS, id="cnaf")["users"]) == 6
