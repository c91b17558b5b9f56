"""organization_show / group_show: 2.12 defaults, include_* switches, counts and datasets by visibility."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError

SHOW_KEYS = {"approval_status", "created", "description", "display_name", "extras", "groups", "id",
             "image_display_url", "image_url", "is_organization", "name", "num_followers", "package_count",
             "state", "title", "type",
             "review_required"}  # Moisson's (issue 16): whether editors' datasets are reviewed before publication
MEMBER_KEYS = {"about", "activity_streams_email_notifications", "capacity", "created", "display_name",
               "email_hash", "fullname", "id", "image_display_url", "image_url", "last_active", "name",
               "number_created_packages", "state", "sysadmin"}


@pytest.fixture
def datasets(call, people, org):
    call("package_create", people["editor"], name="public-one", owner_org=org["id"])
    call("package_create", people["editor"], name="private-one", owner_org=org["id"], private=True)


def test_organization_show_defaults(call, org, people):
    shown = call("organization_show", ANONYMOUS, id="cnaf")
    assert set(shown) == SHOW_KEYS | {"users"}  # CKAN 2.12: include_users defaults to public_user_details
    assert shown["num_followers"] == 0 and shown["created"] == org["created"]


def test_organization_show_include_switches(call, org, people):
    shown = call("organization_show", ANONYMOUS, id=org["id"], include_users=True, include_member_count=True,
                 include_extras=False, include_groups=False, include_followers=False,
                 include_dataset_count=False)
    assert set(shown) == SHOW_KEYS - {"extras", "groups", "num_followers", "package_count"} | {
        "users", "member_count"}
    assert shown["member_count"] == 4  # the creating sysadmin is an admin too
    assert {(u["name"], u["capacity"]) for u in shown["users"]} == {
        ("admin", "admin"), ("boss", "admin"), ("editor", "editor"), ("member", "member")}
    assert all(set(u) == MEMBER_KEYS for u in shown["users"])


def test_organization_show_counts_and_lists_only_visible_datasets(call, org, people, datasets):
    for actor, expected in ((ANONYMOUS, ["public-one"]), (people["outsider"], ["public-one"]),
                            (people["member"], ["private-one", "public-one"])):
        shown = call("organization_show", actor, id="cnaf", include_datasets=True)
        assert shown["package_count"] == len(expected)
        assert sorted(p["name"] for p in shown["packages"]) == expected


def test_organization_show_bad_boolean(call, org):
    with pytest.raises(ValidationError) as error:
        call("organization_show", ANONYMOUS, id="cnaf", include_users="maybe")
    assert error.value.errors == {"include_users": ["Parameter is not an bool"]}


def test_organization_show_refuses_groups_and_vice_versa(call, sysadmin, org):
    call("group_create", sysadmin, name="famille")
    with pytest.raises(NotFound) as error:
        call("organization_show", ANONYMOUS, id="famille")
    assert error.value.message == ""
    with pytest.raises(NotFound):
        call("group_show", ANONYMOUS, id="cnaf")
    with pytest.raises(NotFound):
        call("organization_show", ANONYMOUS, id="nope")


def test_organization_show_deleted_only_for_members(call, sysadmin, org, people):
    call("organization_delete", sysadmin, id="cnaf")
    with pytest.raises(NotAuthorized) as error:
        call("organization_show", people["outsider"], id="cnaf")
    assert error.value.message == f"User outsider not authorized to read group {org['id']}"
    assert call("organization_show", sysadmin, id="cnaf")["state"] == "deleted"


def test_group_show_lists_public_datasets_only(call, sysadmin, org, people, datasets):
    call("group_create", sysadmin, name="famille", title="Famille",
         packages=[{"name": "public-one"}, {"name": "private-one"}])
    for actor in (ANONYMOUS, people["member"]):
        shown = call("group_show", actor, id="famille", include_datasets=True)
        assert shown["is_organization"] is False and shown["type"] == "group"
        assert [p["name"] for p in shown["packages"]] == ["public-one"]
    assert call("group_show", people["member"], id="famille")["package_count"] == 1


def test_organization_show_over_http(client, org):
    response = client.get("/api/3/action/organization_show?id=cnaf&include_users=true")
    body = response.get_json()
    assert response.status_code == 200 and body["result"]["users"][0]["name"] == "admin"
    response = client.get("/api/3/action/organization_show?id=nope")
    assert response.status_code == 404
    assert response.get_json()["error"] == {"__type": "Not Found Error", "message": "Not found"}
