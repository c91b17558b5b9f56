"""organization_activity_list: the organization's own activities and its datasets' — private ones for members."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotFound


def _types(stream):
    return [(a["activity_type"], a["object_id"]) for a in stream]


def test_organization_activity_list_outsiders_see_public_datasets_only(call, org, people, datasets):
    public_id = datasets["public"]["id"]
    for actor in (ANONYMOUS, people["outsider"]):
        stream = call("organization_activity_list", actor, id="cnaf")
        assert _types(stream) == [("new package", public_id), ("new organization", org["id"])]
        assert all(a["permission_labels"] == ["public"] for a in stream)


def test_organization_activity_list_members_see_private_datasets(call, sysadmin, org, people, datasets):
    public_id, private_id = datasets["public"]["id"], datasets["private"]["id"]
    expected = [("new package", private_id), ("new package", public_id), ("new organization", org["id"])]
    for actor in (people["member"], people["editor"], sysadmin):
        assert _types(call("organization_activity_list", actor, id=org["id"])) == expected


def test_organization_activity_list_records_changes_and_deletion(call, sysadmin, org):
    call("organization_patch", sysadmin, id="cnaf", description="Branche famille")
    call("organization_delete", sysadmin, id="cnaf")
    stream = call("organization_activity_list", sysadmin, id="cnaf")
    assert [a["activity_type"] for a in stream] == ["deleted organization", "changed organization",
                                                   "new organization"]
    assert stream[1]["data"]["group"]["description"] == "Branche famille"
    assert stream[1]["data"]["actor"] == "admin"


def test_organization_activity_list_refuses_groups(call, sysadmin):
    call("group_create", sysadmin, name="famille")
    with pytest.raises(NotFound):
        call("organization_activity_list", ANONYMOUS, id="famille")
