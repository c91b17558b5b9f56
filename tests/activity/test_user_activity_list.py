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
