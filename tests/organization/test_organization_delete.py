"""organization_delete / _purge and group_delete / _purge."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from catalog.organization.models import Group, Member


def test_organization_delete_refused_while_it_has_datasets(call, sysadmin, org, people, client):
    call("package_create", people["editor"], name="ds-one", owner_org=org["id"], private=True)
    with pytest.raises(ValidationError) as error:
        call("organization_delete", sysadmin, id="cnaf")
    assert error.value.errors == {"message": "Organization cannot be deleted while it still has datasets"}
    token = call("api_token_create", sysadmin, user="admin", name="t")["token"]
    response = client.post("/api/3/action/organization_delete", json={"id": "cnaf"},
                           headers={"Authorization": token})
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "__type": "Validation Error", "message": "Organization cannot be deleted while it still has datasets"}
    call("package_delete", people["editor"], id="ds-one")
    assert call("organization_delete", people["boss"], id="cnaf") is None
    assert call("organization_show", sysadmin, id="cnaf")["state"] == "deleted"
    assert "cnaf" not in call("organization_list", ANONYMOUS)
    assert call("organization_list_for_user", people["editor"]) == []


def test_organization_delete_roles(call, org, people):
    for name in ("editor", "member", "outsider"):
        with pytest.raises(NotAuthorized) as error:
            call("organization_delete", people[name], id="cnaf")
        assert error.value.message == f"User {name} not authorized to delete organization {org['id']}"


def test_organization_purge_sysadmin_only(call, sysadmin, org, people, services):
    with pytest.raises(NotAuthorized) as error:
        call("organization_purge", people["boss"], id="cnaf")
    assert error.value.message == ""
    call("package_create", people["editor"], name="ds-one", owner_org=org["id"])
    with pytest.raises(ValidationError) as error:
        call("organization_purge", sysadmin, id="cnaf")
    assert error.value.errors == {"message": "Organization cannot be purged while it still has datasets"}
    call("package_delete", sysadmin, id="ds-one")
    assert call("organization_purge", sysadmin, id="cnaf") is None
    with pytest.raises(NotFound):
        call("organization_show", sysadmin, id="cnaf")
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(Member).where(Member.group_id == org["id"])) is None
        assert session.get(Group, org["id"]) is None


def test_group_delete_and_purge(call, sysadmin, org):
    call("group_create", sysadmin, name="famille")
    with pytest.raises(NotFound):
        call("group_delete", sysadmin, id="cnaf")
    with pytest.raises(NotFound):
        call("organization_delete", sysadmin, id="famille")
    assert call("group_delete", sysadmin, id="famille") is None
    assert call("group_show", sysadmin, id="famille")["state"] == "deleted"
    assert call("group_purge", sysadmin, id="famille") is None
    with pytest.raises(NotFound):
        call("group_show", sysadmin, id="famille")
