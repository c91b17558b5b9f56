"""Search entries follow changes made outside package writes (they embed organization and group dicts)."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS

# Behaviour every search backend must share: each test runs on the database's search and on Tantivy.
pytestmark = pytest.mark.usefixtures("each_search_backend")


def search(call, q):
    return call("package_search", ANONYMOUS, q=q)["results"]


def test_member_create_and_delete_refresh_group_search(call, sysadmin, org):
    call("group_create", sysadmin, name="logement", title="Logement")
    call("package_create", sysadmin, name="aides-logement", owner_org=org["id"])
    assert search(call, "groups:logement") == []
    call("member_create", sysadmin, id="logement", object="aides-logement", object_type="package", capacity="public")
    [found] = search(call, "groups:logement")
    assert [g["name"] for g in found["groups"]] == ["logement"]
    call("member_delete", sysadmin, id="logement", object="aides-logement", object_type="package")
    assert search(call, "groups:logement") == []


def test_organization_rename_refreshes_search_results(call, sysadmin, org):
    call("package_create", sysadmin, name="rsa", owner_org=org["id"])
    call("organization_patch", sysadmin, id=org["id"], name="caisse-nationale", title="CNAF renommée")
    [found] = search(call, "organization:caisse-nationale")
    assert found["organization"]["title"] == "CNAF renommée"
    assert search(call, "organization:cnaf") == []
    assert call("package_show", ANONYMOUS, id="rsa")["organization"] == found["organization"]
