"""package_delete, dataset_purge, package_list, package_owner_org_update and collaborators."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user


def test_package_delete_hides_and_frees_the_name(call, sysadmin, org):
    first = call("package_create", sysadmin, name="a-supprimer", owner_org=org["id"])
    assert call("package_delete", sysadmin, id="a-supprimer") is None
    assert call("package_list", ANONYMOUS) == []
    with pytest.raises(NotAuthorized):
        call("package_show", ANONYMOUS, id=first["id"])
    assert call("package_show", sysadmin, id=first["id"])["state"] == "deleted"
    second = call("package_create", sysadmin, name="a-supprimer", owner_org=org["id"])
    assert second["id"] != first["id"]
    assert call("package_show", sysadmin, id=first["id"])["name"] == first["id"]


def test_dataset_purge_is_for_sysadmins_and_removes_everything(call, sysadmin, org):
    created = call("package_create", sysadmin, name="a-purger", owner_org=org["id"],
                   resources=[{"url": "http://example.org/a.csv"}])
    admin = make_user(call, "orgadmin")
    call("organization_member_create", sysadmin, id=org["id"], username="orgadmin", role="admin")
    with pytest.raises(NotAuthorized):
        call("dataset_purge", admin, id=created["id"])
    call("dataset_purge", sysadmin, id=created["id"])
    with pytest.raises(NotFound):
        call("package_show", sysadmin, id=created["id"])
    with pytest.raises(NotFound):
        call("resource_show", sysadmin, id=created["resources"][0]["id"])
    with pytest.raises(NotFound) as caught:
        call("dataset_purge", sysadmin, id=created["id"])
    assert caught.value.error_body()["message"] == "Not found: Dataset was not found"


def test_package_list_names_public_active_sorted_with_paging(call, sysadmin, org):
    for name in ("zeta", "alpha", "mu"):
        call("package_create", sysadmin, name=name, owner_org=org["id"])
    call("package_create", sysadmin, name="secret", owner_org=org["id"], private=True)
    call("package_create", sysadmin, name="brouillon", owner_org=org["id"], state="draft")
    assert call("package_list", ANONYMOUS) == ["alpha", "mu", "zeta"]
    assert call("package_list", ANONYMOUS, limit="2", offset="1") == ["mu", "zeta"]
    with pytest.raises(ValidationError) as caught:
        call("package_list", ANONYMOUS, limit="-1")
    assert caught.value.errors == {"limit": ["Must be a natural number"]}
    with pytest.raises(ValidationError) as caught:
        call("package_list", ANONYMOUS, offset="abc")
    assert caught.value.errors == {"offset": ["Invalid integer"]}


def test_package_owner_org_update_moves_dataset(call, sysadmin, org):
    other = call("organization_create", sysadmin, name="autre-org")
    created = call("package_create", sysadmin, name="a-deplacer", owner_org=org["id"])
    call("package_owner_org_update", sysadmin, id=created["id"], organization_id="autre-org")
    assert call("package_show", sysadmin, id=created["id"])["organization"]["id"] == other["id"]
    with pytest.raises(NotFound):
        call("package_owner_org_update", sysadmin, id=created["id"], organization_id="nope")


def test_package_collaborator_create_list_delete(call, sysadmin, org):
    created = call("package_create", sysadmin, name="collab", owner_org=org["id"], private=True)
    friend = make_user(call, "amie")
    with pytest.raises(NotAuthorized):
        call("package_show", friend, id="collab")
    member = call("package_collaborator_create", sysadmin, id="collab", user_id="amie", capacity="editor")
    assert set(member) == {"package_id", "user_id", "capacity", "modified"}
    assert call("package_show", friend, id="collab")["id"] == created["id"]
    assert call("package_patch", friend, id="collab", title="Édité par une collaboratrice")["title"].startswith("Édité")
    assert [c["user_id"] for c in call("package_collaborator_list", sysadmin, id="collab")] == [friend.user_id]
    with pytest.raises(ValidationError) as caught:
        call("package_collaborator_create", sysadmin, id="collab", user_id="amie", capacity="owner")
    assert caught.value.errors == {"message": 'Role must be one of "editor, member"'}
    call("package_collaborator_delete", sysadmin, id="collab", user_id="amie")
    with pytest.raises(NotAuthorized):
        call("package_show", friend, id="collab")
    with pytest.raises(NotFound):
        call("package_collaborator_delete", sysadmin, id="collab", user_id="amie")
