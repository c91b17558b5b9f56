"""organization_create: the show dict, the creator as admin, CKAN messages and auth."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, ValidationError
from tests.conftest import make_user

SHOW_KEYS = {"approval_status", "created", "description", "display_name", "extras", "groups", "id",
             "image_display_url", "image_url", "is_organization", "name", "num_followers", "package_count",
             "state", "title", "type",
             "review_required"}  # Moisson's (issue 16): whether editors' datasets are reviewed before publication


def test_organization_create_returns_the_2_12_show_dict(org):
    assert set(org) == SHOW_KEYS | {"users"}  # organization_show's default include_users is true
    assert org["name"] == "cnaf" and org["type"] == "organization" and org["is_organization"] is True
    assert org["display_name"] == "Caisse nationale des allocations familiales"
    assert org["package_count"] == 0 and org["extras"] == [] and org["groups"] == []
    # Deliberate deviation: "" rather than null, which udata-ckan rejects.
    assert org["description"] == "" and org["image_url"] == ""
    assert "tags" not in org and [(u["name"], u["capacity"]) for u in org["users"]] == [("admin", "admin")]


def test_organization_create_makes_the_creator_admin(call, users_create_groups):
    jane = make_user(call, "jane")
    org = call("organization_create", jane, name="caf-paris", extras=[{"key": "siret", "value": "123"}])
    assert org["extras"] == [{"key": "siret", "value": "123"}]
    shown = call("organization_show", ANONYMOUS, id="caf-paris", include_users=True)
    assert [(u["name"], u["capacity"]) for u in shown["users"]] == [("jane", "admin")]
    assert "email" not in shown["users"][0] and "apikey" not in shown["users"][0]


def test_organization_create_messages(call, sysadmin, org):
    with pytest.raises(ValidationError) as error:
        call("organization_create", sysadmin, name="cnaf")
    assert error.value.errors == {"name": ["Group name already exists in database"]}
    with pytest.raises(ValidationError) as error:
        call("organization_create", sysadmin, name="Bad Name")
    assert error.value.errors == {
        "name": ["Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"]}
    with pytest.raises(ValidationError) as error:
        call("organization_create", sysadmin, name="x")
    assert error.value.errors == {"name": ["Must be at least 2 characters long"]}
    with pytest.raises(ValidationError) as error:
        call("organization_create", sysadmin)
    assert error.value.errors == {"name": ["Missing value"]}


def test_organization_create_needs_a_user(call):
    with pytest.raises(NotAuthorized) as error:
        call("organization_create", ANONYMOUS, name="caf-paris")
    assert error.value.message == "Action organization_create requires an authenticated user"


def test_organization_create_over_http(client, call, sysadmin):
    token = call("api_token_create", sysadmin, user="admin", name="t")["token"]
    response = client.post("/api/3/action/organization_create", json={"name": "caf-lyon"},
                           headers={"Authorization": token})
    assert response.status_code == 200
    body = response.get_json()
    assert body["success"] is True and body["result"]["name"] == "caf-lyon"
    assert body["help"] == "http://test.moisson.local/api/3/action/help_show?name=organization_create"
    response = client.post("/api/3/action/organization_create", json={"name": "caf-lyon"},
                           headers={"Authorization": token})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error",
                                            "name": ["Group name already exists in database"]}


@pytest.mark.parametrize(("action", "setting", "kind"), [
    ("organization_create", "user_create_organizations", "organizations"),
    ("group_create", "user_create_groups", "groups"),
])
def test_ordinary_users_create_organizations_and_groups_only_when_the_setting_is_on(
        client, call, services, monkeypatch, action, setting, kind):
    """Off by default (CKAN: on): any new account could otherwise make an organization, then resources whose
    URLs Moisson fetches. The refusal is CKAN's 403 Authorization Error, which CKAN clients already handle."""
    from dataclasses import replace

    jane = make_user(call, "jane")
    token = call("api_token_create", jane, user="jane", name="t")["token"]
    response = client.post(f"/api/3/action/{action}", json={"name": "caf-lyon"}, headers={"Authorization": token})
    assert response.status_code == 403
    assert response.get_json()["error"] == {"__type": "Authorization Error",
                                            "message": f"Access denied: User jane not authorized to create {kind}"}
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, **{setting: True}))
    response = client.post(f"/api/3/action/{action}", json={"name": "caf-lyon"}, headers={"Authorization": token})
    assert response.status_code == 200, response.get_json()
    shown = call(action.replace("create", "show"), ANONYMOUS, id="caf-lyon", include_users=True)
    assert [(u["name"], u["capacity"]) for u in shown["users"]] == [("jane", "admin")]
