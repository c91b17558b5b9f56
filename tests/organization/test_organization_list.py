"""organization_list / group_list: names or dicts, sort rules, the 25 clamp, visible package counts."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import ValidationError


@pytest.fixture
def orgs(call, sysadmin):
    for name, title in (("b-org", "alpha"), ("a-org", "Charlie"), ("c-org", "bravo")):
        call("organization_create", sysadmin, name=name, title=title)
    call("package_create", sysadmin, name="pub", owner_org="c-org")
    call("package_create", sysadmin, name="priv1", owner_org="a-org", private=True)
    call("package_create", sysadmin, name="priv2", owner_org="a-org", private=True)
    return sysadmin


def test_organization_list_default_sort_is_title(call, orgs):
    assert call("organization_list", ANONYMOUS) == ["b-org", "c-org", "a-org"]
    assert call("organization_list", ANONYMOUS, sort="title desc") == ["a-org", "c-org", "b-org"]
    assert call("organization_list", ANONYMOUS, sort="name") == ["a-org", "b-org", "c-org"]
    assert call("organization_list", ANONYMOUS, sort="name desc", limit=2, offset=1) == ["b-org", "a-org"]


def test_organization_list_package_count_sort_counts_visible_datasets(call, orgs):
    assert call("organization_list", ANONYMOUS, sort="package_count") == ["c-org", "a-org", "b-org"]
    assert call("organization_list", orgs, sort="package_count") == ["a-org", "c-org", "b-org"]
    items = call("organization_list", ANONYMOUS, all_fields=True, sort="name")
    assert [(o["name"], o["package_count"]) for o in items] == [("a-org", 0), ("b-org", 0), ("c-org", 1)]
    items = call("organization_list", orgs, all_fields=True, sort="name")
    assert [o["package_count"] for o in items] == [2, 0, 1]


def test_organization_list_all_fields_shape(call, orgs):
    item = call("organization_list", ANONYMOUS, all_fields=True)[0]
    assert set(item) == {"approval_status", "created", "description", "display_name", "id", "image_display_url",
                         "image_url", "is_organization", "name", "num_followers", "package_count", "state",
                         "title", "type", "review_required"}  # review_required: Moisson's (issue 16)
    item = call("organization_list", ANONYMOUS, all_fields=True, include_extras=True, include_users=True,
                include_dataset_count=False)[0]
    assert {"extras", "users"} <= set(item) and "package_count" not in item


def test_organization_list_all_fields_clamped_to_25(call, sysadmin):
    for i in range(27):
        call("organization_create", sysadmin, name=f"org-{i:02d}")
    assert len(call("organization_list", ANONYMOUS, all_fields=True, limit=100)) == 25
    assert len(call("organization_list", ANONYMOUS, all_fields=True)) == 25
    assert len(call("organization_list", ANONYMOUS)) == 27


def test_organization_list_filters(call, orgs):
    assert call("organization_list", ANONYMOUS, q="BRAV") == ["c-org"]
    assert call("organization_list", ANONYMOUS, organizations="a-org,c-org", sort="name") == ["a-org", "c-org"]
    assert call("organization_list", ANONYMOUS, organizations=["b-org"]) == ["b-org"]
    call("group_create", orgs, name="a-group")
    assert "a-group" not in call("organization_list", ANONYMOUS)
    assert call("group_list", ANONYMOUS) == ["a-group"]


def test_organization_list_bad_sort(call, orgs):
    with pytest.raises(ValidationError) as error:
        call("organization_list", ANONYMOUS, sort="created")
    assert error.value.errors == {"message": "Cannot sort by field `created`"}
    with pytest.raises(ValidationError) as error:
        call("organization_list", ANONYMOUS, sort="name sideways")
    assert error.value.errors == {"message": "Invalid sort direction `sideways`"}
    with pytest.raises(ValidationError) as error:
        call("organization_list", ANONYMOUS, limit="x")
    assert error.value.errors == {"limit": ["Invalid integer"]}


def test_organization_list_over_http(client, orgs):
    body = client.get("/api/3/action/organization_list?sort=name&limit=1&all_fields=true").get_json()
    assert [o["name"] for o in body["result"]] == ["a-org"]
    response = client.get("/api/3/action/organization_list?sort=bogus")
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error",
                                            "message": "Cannot sort by field `bogus`"}


def test_organization_list_integral_floats_are_integers(client, orgs):
    """JSON Schema counts 2.0 as an integer; the slice must still work (was a 500 found by the fuzzer)."""
    body = client.post("/api/3/action/organization_list", json={"limit": 2.0, "offset": 1.0, "sort": "name"})
    assert body.get_json()["result"] == ["b-org", "c-org"]
