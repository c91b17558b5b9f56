"""activity_show / activity_data_show: one activity, readable only where its dataset is."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound


def _first(call, actor, dataset):
    return call("package_activity_list", actor, id=dataset)[0]


def test_activity_show_returns_the_activity(call, people, datasets):
    activity = _first(call, ANONYMOUS, "allocations-publiques")
    assert call("activity_show", ANONYMOUS, id=activity["id"]) == activity
    short = call("activity_show", ANONYMOUS, id=activity["id"], include_data=False)
    assert short["data"]["package"] == {"title": activity["data"]["package"]["title"]}


def test_activity_show_private_dataset_activity_is_refused(call, people, datasets):
    activity = _first(call, people["member"], "allocations-privees")
    for actor in (ANONYMOUS, people["outsider"]):
        with pytest.raises(NotAuthorized):
            call("activity_show", actor, id=activity["id"])
        with pytest.raises(NotAuthorized):
            call("activity_data_show", actor, id=activity["id"], object_type="package")
    assert call("activity_show", people["member"], id=activity["id"])["id"] == activity["id"]


def test_activity_show_organization_activities_are_for_sysadmins(call, sysadmin, org, people):
    activity = call("organization_activity_list", sysadmin, id="cnaf")[-1]
    with pytest.raises(NotAuthorized) as error:
        call("activity_show", people["member"], id=activity["id"])
    assert error.value.message == "object_type not recognized"
    assert call("activity_show", sysadmin, id=activity["id"])["activity_type"] == "new organization"


def test_activity_show_unknown(call):
    with pytest.raises(NotFound):
        call("activity_show", ANONYMOUS, id="nope")


def test_activity_data_show_returns_the_stored_object(call, sysadmin, people, datasets):
    activity = _first(call, ANONYMOUS, "allocations-publiques")
    package = call("activity_data_show", ANONYMOUS, id=activity["id"], object_type="package")
    assert package == activity["data"]["package"]
    assert call("activity_data_show", ANONYMOUS, id=activity["id"]) == activity["data"]
    with pytest.raises(NotFound) as error:
        call("activity_data_show", ANONYMOUS, id=activity["id"], object_type="user")
    assert error.value.message == "Could not find that object_type in the activity"
    org_activity = call("organization_activity_list", sysadmin, id="cnaf")[-1]
    assert call("activity_data_show", sysadmin, id=org_activity["id"], object_type="organization")["name"] == "cnaf"
