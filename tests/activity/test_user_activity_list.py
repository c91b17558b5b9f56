"""user_activity_list: what a user did, filtered for the caller."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotFound


def test_user_activity_list_hides_private_work_from_outsiders(call, people, datasets):
    anonymous = call("user_activity_list", ANONYMOUS, id="editor")
    assert [a["activity_type"] for a in anonymous] == ["new package", "new user"]
    assert anonymous[0]["object_id"] == datasets["public"]["id"]
    member = call("user_activity_list", people["member"], id="editor")
    assert [a["activity_type"] for a in member] == ["new package", "new package", "new user"]
    assert member[-1]["data"] == {}


def test_user_activity_list_records_profile_changes(call, people):
    call("user_patch", people["outsider"], id="outsider", fullname="Olga")
    stream = call("user_activity_list", ANONYMOUS, id=people["outsider"].user_id)
    assert [a["activity_type"] for a in stream] == ["changed user", "new user"]


def test_user_activity_list_unknown_user(call):
    with pytest.raises(NotFound):
        call("user_activity_list", ANONYMOUS, id="nobody")


# From CKAN's ckanext/activity/tests/logic/test_action.py::TestUserActivityList: a user's stream is what that
# user did; activities about an account have the account as subject (subscriptions.user_changed), whoever acted.


def _stream(call, user_id):
    return [(a["activity_type"], a["user_id"], a["object_id"]) for a in call("user_activity_list", ANONYMOUS,
                                                                              id=user_id)]


def test_an_account_created_by_a_sysadmin_is_the_accounts_own_activity(call, sysadmin):
    jane = call("user_create", sysadmin, name="jane", email="jane@example.org", password="long-enough")
    assert _stream(call, jane["id"]) == [("new user", jane["id"], jane["id"])]
    assert ("new user", jane["id"], jane["id"]) not in _stream(call, sysadmin.user_id)


def test_a_sysadmins_user_update_is_in_the_accounts_stream_only(call, sysadmin):
    jane = call("user_create", sysadmin, name="jane", email="jane@example.org", password="long-enough")
    before = _stream(call, sysadmin.user_id)
    call("user_update", sysadmin, id="jane", email="jane@example.org", fullname="updated full name")
    assert _stream(call, jane["id"])[0] == ("changed user", jane["id"], jane["id"])
    assert _stream(call, sysadmin.user_id) == before


def test_a_dataset_changed_by_another_user_is_not_in_the_creators_stream(call, sysadmin, people, datasets):
    editor = people["editor"].user_id
    before = _stream(call, editor)
    call("package_patch", sysadmin, id=datasets["public"]["id"], notes="changed by a sysadmin")
    assert _stream(call, editor) == before
    assert _stream(call, sysadmin.user_id)[0] == ("changed package", sysadmin.user_id, datasets["public"]["id"])


@pytest.mark.parametrize("kind", ["organization", "group"])
def test_group_activities_of_their_admin(call, sysadmin, users_create_groups, kind):
    from tests.conftest import make_user

    jane = make_user(call, "jane")
    created = call(f"{kind}_create", jane, name="caf-paris")
    assert _stream(call, jane.user_id)[0] == (f"new {kind}", jane.user_id, created["id"])
    # CKAN's test_delete_*_by_updating_state: the group admin may set the state, and it is a "deleted" activity.
    call(f"{kind}_update", jane, id="caf-paris", state="deleted")
    assert call(f"{kind}_show", sysadmin, id="caf-paris")["state"] == "deleted"
    stream = call("user_activity_list", ANONYMOUS, id="jane")
    assert (stream[0]["activity_type"], stream[0]["object_id"]) == (f"deleted {kind}", created["id"])
    assert stream[0]["data"]["group"]["name"] == "caf-paris"


def test_user_activity_list_over_http(client, call, sysadmin):
    jane = call("user_create", sysadmin, name="jane", email="jane@example.org", password="long-enough")
    response = client.get("/api/3/action/user_activity_list?id=jane")
    body = response.get_json()
    assert response.status_code == 200 and body["success"] is True
    assert [(a["activity_type"], a["user_id"]) for a in body["result"]] == [("new user", jane["id"])]
    response = client.get("/api/3/action/user_activity_list?id=nobody")
    assert response.status_code == 404
    assert response.get_json()["error"]["__type"] == "Not Found Error"
