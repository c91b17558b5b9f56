"""group_activity_list: the group's activities and its datasets' — never private ones for outsiders."""

from __future__ import annotations

from catalog.context import ANONYMOUS


def test_group_activity_list_filters_private_datasets(call, sysadmin, people, datasets):
    group = call("group_create", sysadmin, name="famille")
    for name in ("allocations-publiques", "allocations-privees"):
        call("member_create", sysadmin, id="famille", object=name, object_type="package", capacity="public")
    call("package_patch", people["editor"], id="allocations-publiques", title="A")
    call("package_patch", people["editor"], id="allocations-privees", title="B")
    outsider_view = call("group_activity_list", people["outsider"], id="famille")
    assert [(a["activity_type"], a["object_id"]) for a in outsider_view] == [
        ("changed package", datasets["public"]["id"]), ("new group", group["id"]),
        ("new package", datasets["public"]["id"])]
    member_view = call("group_activity_list", people["member"], id="famille")
    assert datasets["private"]["id"] in {a["object_id"] for a in member_view}
    assert len(call("group_activity_list", ANONYMOUS, id="famille")) == 3
