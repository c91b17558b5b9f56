"""A deleted dataset's activities follow package_show's rule (issue 11, finding 7): only those who may edit it
(the organization's editors and admins, sysadmins) still see them, in every stream and in activity_show."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import ANONYMOUS, Actor
from catalog.errors import NotAuthorized


@pytest.fixture
def deleted(call: Any, sysadmin: Actor, org: dict[str, Any], people: dict[str, Actor],
            datasets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The organization's public dataset, put in a group, edited, then deleted by the organization's editor."""
    call("group_create", sysadmin, name="social")
    public = datasets["public"]
    call("member_create", sysadmin, id="social", object=public["id"], object_type="package", capacity="public")
    call("package_patch", people["editor"], id=public["id"], title="Allocations publiques (archive)")
    call("package_delete", people["editor"], id=public["id"])
    return public


def _streams(call: Any, actor: Actor) -> dict[str, list[dict[str, Any]]]:
    return {
        "organization": call("organization_activity_list", actor, id="cnaf"),
        "user": call("user_activity_list", actor, id="editor"),
        "recent": call("recently_changed_packages_activity_list", actor),
        "group": call("group_activity_list", actor, id="social"),
    }


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member"])
def test_activity_streams_hide_a_deleted_dataset_from_those_who_cannot_edit_it(call, sysadmin, people, deleted,
                                                                               who):
    actor = ANONYMOUS if who == "anonymous" else people[who]
    for name, stream in _streams(call, actor).items():
        assert deleted["id"] not in {a["object_id"] for a in stream}, name
    with pytest.raises(NotAuthorized):
        call("package_activity_list", actor, id=deleted["id"])
    for activity in call("package_activity_list", sysadmin, id=deleted["id"]):
        with pytest.raises(NotAuthorized):
            call("activity_show", actor, id=activity["id"])
        with pytest.raises(NotAuthorized):
            call("activity_data_show", actor, id=activity["id"])


@pytest.mark.parametrize("who", ["editor", "sysadmin"])
def test_those_who_may_edit_a_deleted_dataset_still_see_its_history(call, sysadmin, people, deleted, who):
    actor = sysadmin if who == "sysadmin" else people[who]
    history = call("package_activity_list", actor, id=deleted["id"])
    assert [a["activity_type"] for a in history] == ["deleted package", "changed package", "new package"]
    streams = _streams(call, actor)
    for name in ("organization", "user", "recent"):
        assert "deleted package" in {a["activity_type"] for a in streams[name]
                                     if a["object_id"] == deleted["id"]}, name
    assert call("activity_show", actor, id=history[0]["id"])["data"]["package"]["state"] == "deleted"
