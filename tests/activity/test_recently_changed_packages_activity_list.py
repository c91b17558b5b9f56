"""recently_changed_packages_activity_list: site-wide dataset activities the caller may see."""

from __future__ import annotations

import time

from catalog.context import ANONYMOUS


def test_recently_changed_packages_activity_list_privacy(call, sysadmin, people, datasets):
    anonymous = call("recently_changed_packages_activity_list", ANONYMOUS)
    assert [a["object_id"] for a in anonymous] == [datasets["public"]["id"]]
    assert [a["object_id"] for a in call("recently_changed_packages_activity_list", people["outsider"])] == [
        datasets["public"]["id"]]
    member = call("recently_changed_packages_activity_list", people["member"])
    assert [a["object_id"] for a in member] == [datasets["private"]["id"], datasets["public"]["id"]]
    assert len(call("recently_changed_packages_activity_list", sysadmin)) == 2


def test_recently_changed_packages_activity_list_excludes_other_types(call, sysadmin, org):
    assert call("recently_changed_packages_activity_list", sysadmin) == []


def test_recently_changed_packages_activity_list_after_before(call, people, datasets):
    middle = time.time()
    time.sleep(0.05)
    call("package_patch", people["editor"], id="allocations-publiques", title="Later")
    later = call("recently_changed_packages_activity_list", ANONYMOUS, after=middle)
    assert [a["activity_type"] for a in later] == ["changed package"]
    earlier = call("recently_changed_packages_activity_list", ANONYMOUS, before=str(middle))
    assert [a["activity_type"] for a in earlier] == ["new package"]


def test_recently_changed_packages_activity_list_limit_is_clamped(call, people, datasets):
    for i in range(3):
        call("package_patch", people["editor"], id="allocations-publiques", title=f"v{i}")
    assert len(call("recently_changed_packages_activity_list", ANONYMOUS, limit=1000)) == 4
    assert len(call("recently_changed_packages_activity_list", ANONYMOUS, limit=2)) == 2


def test_recently_changed_packages_activity_list_forgets_a_dataset_made_private(call, people, datasets):
    """Activities written while a dataset was public disappear for outsiders once it is private."""
    call("package_patch", people["editor"], id="allocations-publiques", private=True)
    for actor in (ANONYMOUS, people["outsider"]):
        assert call("recently_changed_packages_activity_list", actor) == []
        assert call("organization_activity_list", actor, id="cnaf")[0]["activity_type"] == "new organization"
        assert call("user_activity_list", actor, id="editor")[0]["activity_type"] == "new user"
    member_view = call("recently_changed_packages_activity_list", people["member"])
    assert len(member_view) == 3


def test_recently_changed_packages_activity_list_query_string_values(client, call, people, datasets):
    body = client.get("/api/3/action/recently_changed_packages_activity_list?exclude_activity_types=4").get_json()
    assert body["success"] is True and len(body["result"]) == 1
    url = "/api/3/action/recently_changed_packages_activity_list?activity_types=changed%20package,deleted%20package"
    assert client.get(url).get_json()["result"] == []
    response = client.get("/api/3/action/recently_changed_packages_activity_list?after=99999999999999999999")
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error", "after": ["Invalid number"]}
    response = client.get("/api/3/action/recently_changed_packages_activity_list?before=yesterday")
    assert response.status_code == 409
