"""Regressions found by the second review of issue 16 (editorial review): approval must publish today's published
version plus exactly what the author changed, rounds follow the dataset's organization, and nothing reaches the
public that the review did not show."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from catalog.context import ANONYMOUS, SYSTEM, Actor
from catalog.errors import NotAuthorized, NotFound
from catalog.registry import unit
from tests.conftest import Caller, make_user

OLD = b"commune;n\nAjaccio;1\n"
NEW = b"commune;n\nHIDDEN;666\n"


@pytest.fixture
def p(call: Caller, sysadmin: Actor) -> dict[str, Any]:
    """org-a and org-b require review, org-c does not; the author edits in a and b; one reviewer each."""
    a = call("organization_create", sysadmin, name="org-a", review_required=True)
    b = call("organization_create", sysadmin, name="org-b", review_required=True)
    c = call("organization_create", sysadmin, name="org-c")
    people: dict[str, Any] = {"a": a, "b": b, "c": c, "sys": sysadmin}
    for name in ("author", "rev-a", "rev-b", "rev-c"):
        people[name] = make_user(call, name)
    call("organization_member_create", sysadmin, id=a["id"], username="author", role="editor")
    call("organization_member_create", sysadmin, id=b["id"], username="author", role="editor")
    call("organization_member_create", sysadmin, id=a["id"], username="rev-a", role="reviewer")
    call("organization_member_create", sysadmin, id=b["id"], username="rev-b", role="reviewer")
    call("organization_member_create", sysadmin, id=c["id"], username="rev-c", role="admin")
    call("package_create", sysadmin, name="ds", owner_org=a["id"], title="T0", notes="N0")
    return people


def test_raw_package_update_undoes_pending_move(call: Caller, p: dict[str, Any]) -> None:
    """Edit 1 moves the dataset to org-b (held). Edit 2, a CKAN package_update that omits owner_org (keep it),
    should keep the pending move; it sends it back to org-a."""
    r1 = call("package_patch", p["author"], id="ds", owner_org=p["b"]["id"])
    assert r1["owner_org"] == p["b"]["id"] and r1["review"]["held"]
    r2 = call("package_update", p["author"], id="ds", title="T1", notes="N0")
    shown = call("review_show", p["rev-a"], id="ds")
    assert shown["pending"]["owner_org"] == p["b"]["id"], (r2["owner_org"], shown["diff"]["fields"])


def test_group_added_by_author_blocks_approval_by_reviewer(call: Caller, p: dict[str, Any]) -> None:
    g = call("group_create", p["sys"], name="grp")
    call("group_member_create", p["sys"], id=g["id"], username="author", role="editor")
    call("package_patch", p["author"], id="ds", groups=[{"name": "grp"}])
    call("review_submit", p["author"], id="ds")
    # rev-a reviews org-a but is not a member of the group the author added.
    call("review_approve", p["rev-a"], id="ds")
    assert [g["name"] for g in call("package_show", ANONYMOUS, id="ds")["groups"]] == ["grp"]


def test_group_added_meanwhile_lost_when_author_also_changes_groups(call: Caller, p: dict[str, Any]) -> None:
    g1 = call("group_create", p["sys"], name="g1")
    g2 = call("group_create", p["sys"], name="g2")
    call("group_member_create", p["sys"], id=g1["id"], username="author", role="editor")
    call("package_patch", p["author"], id="ds", groups=[{"name": "g1"}])
    # Meanwhile a group's admin adds the published dataset to g2 (member_create, not a dataset write).
    call("member_create", p["sys"], id=g2["id"], object="ds", object_type="package", capacity="public")
    assert [g["name"] for g in call("package_show", ANONYMOUS, id="ds")["groups"]] == ["g2"]
    shown = call("review_show", p["sys"], id="ds")
    call("review_submit", p["author"], id="ds")
    call("review_approve", p["sys"], id="ds")
    groups = sorted(g["name"] for g in call("package_show", ANONYMOUS, id="ds")["groups"])
    assert groups == ["g1", "g2"], (groups, shown["diff"]["groups"])


def test_author_removed_from_group_cannot_edit_round(call: Caller, p: dict[str, Any]) -> None:
    g = call("group_create", p["sys"], name="grp")
    call("group_member_create", p["sys"], id=g["id"], username="author", role="editor")
    call("package_patch", p["author"], id="ds", groups=[{"name": "grp"}])
    call("group_member_delete", p["sys"], id=g["id"], username="author")
    # The author removes the group from their pending version: the replay of their earlier change re-adds it
    # first and fails.
    call("package_patch", p["author"], id="ds", groups=[], title="T2")


def test_sysadmin_move_to_org_without_review_leaves_round_to_old_org(call: Caller, p: dict[str, Any]) -> None:
    call("package_patch", p["author"], id="ds", title="T1")
    call("review_submit", p["author"], id="ds")
    call("package_owner_org_update", p["sys"], id="ds", organization_id=p["c"]["id"])
    # org-a's reviewer no longer has anything to do with the dataset (it is org-c's now)
    with pytest.raises(NotAuthorized):
        call("review_show", p["rev-a"], id="ds")


def test_sysadmin_move_private_leak_and_approve(call: Caller, p: dict[str, Any]) -> None:
    call("package_create", p["sys"], name="secret", owner_org=p["a"]["id"], title="S0", private=True)
    call("package_patch", p["author"], id="secret", title="S1")
    call("review_submit", p["author"], id="secret")
    call("package_owner_org_update", p["sys"], id="secret", organization_id=p["c"]["id"])
    with pytest.raises(NotAuthorized):
        call("package_show", p["rev-a"], id="secret")  # org-a's reviewer cannot read org-c's private dataset
    leaked = None
    try:
        leaked = call("review_show", p["rev-a"], id="secret")
    except NotAuthorized:
        pass
    approved = None
    try:
        approved = call("review_approve", p["rev-a"], id="secret")
    except NotAuthorized:
        pass
    assert leaked is None and approved is None, (leaked and leaked["published"]["owner_org"],
                                                 approved and approved["package"]["title"])


def test_resource_extra_removed_by_author(call: Caller, p: dict[str, Any]) -> None:
    res = call("resource_create", p["sys"], package_id="ds", url="http://example.org/a.csv", name="a",
               couleur="bleu")
    assert res["couleur"] == "bleu"
    stored = call("resource_show", p["sys"], id=res["id"])
    new = {k: v for k, v in stored.items() if k != "couleur"}
    call("resource_update", p["author"], **new)
    shown = call("review_show", p["rev-a"], id="ds")
    call("review_submit", p["author"], id="ds")
    call("review_approve", p["rev-a"], id="ds")
    after = call("resource_show", ANONYMOUS, id=res["id"])
    assert "couleur" not in after, (after.get("couleur", "absent"), shown["pending"]["resources"][0].get("couleur", "absent"))


def test_resource_show_pending_after_leaving_org(call: Caller, p: dict[str, Any]) -> None:
    res = call("resource_create", p["author"], package_id="ds", url="http://example.org/x.csv", name="secret-r")
    call("organization_member_delete", p["sys"], id=p["a"]["id"], username="author")
    with pytest.raises(NotAuthorized):
        call("review_show", p["author"], id="ds")
    with pytest.raises((NotAuthorized, NotFound)):
        call("resource_show", p["author"], id=res["id"])


def test_review_list_after_sysadmin_move(call: Caller, p: dict[str, Any]) -> None:
    call("package_create", p["sys"], name="secret", owner_org=p["a"]["id"], title="S0", private=True)
    call("package_patch", p["author"], id="secret", title="S1 pending")
    call("review_submit", p["author"], id="secret")
    call("package_owner_org_update", p["sys"], id="secret", organization_id=p["b"]["id"])
    listed = call("review_list", p["rev-a"])
    assert listed["count"] == 0


def _post(client: Any, token: str, action: str, content: bytes, **fields: Any) -> dict[str, Any]:
    response = client.post(f"/api/3/action/{action}", content_type="multipart/form-data",
                           data={**fields, "upload": (io.BytesIO(content), "a.csv")}, headers={"Authorization": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["result"]


def test_a_file_put_back_to_its_published_dict_is_not_promoted(call: Caller, client: Any,
                                                              p: dict[str, Any]) -> None:
    """An upload, then the resource sent back as package_show has it: review_show shows no change, so approval
    must not publish the uploaded file either."""
    tokens = {who: call("api_token_create", p[who], user=p[who].name, name="t")["token"] for who in ("sys", "author")}
    published = _post(client, tokens["sys"], "resource_create", OLD, package_id="ds", name="data")
    _post(client, tokens["author"], "resource_update", NEW, id=published["id"], name="data")
    public_copy = call("package_show", ANONYMOUS, id="ds")["resources"][0]
    call("resource_update", p["author"], **{k: v for k, v in public_copy.items() if k != "package_id"})
    call("review_submit", p["author"], id="ds")
    shown = call("review_show", p["rev-a"], id="ds")
    assert shown["diff"]["resources"] == [] and shown["files"] == {}
    call("review_approve", p["rev-a"], id="ds", modified=shown["modified"])
    url = call("resource_show", ANONYMOUS, id=published["id"])["url"].replace("http://test.moisson.local", "")
    assert client.get(url).get_data() == OLD


def test_a_deleted_dataset_brought_back_by_an_editor_is_a_draft_to_review(call: Caller, p: dict[str, Any]) -> None:
    call("package_delete", p["author"], id="ds")
    back = call("package_patch", p["author"], id="ds", state="active", title="Unreviewed")
    assert back["state"] == "draft" and back["review"]["kind"] == "new"
    with pytest.raises(NotAuthorized):
        call("package_show", ANONYMOUS, id="ds")
    call("review_submit", p["author"], id="ds")
    call("review_approve", p["rev-a"], id="ds")
    assert call("package_show", ANONYMOUS, id="ds")["title"] == "Unreviewed"


def test_a_harvest_bringing_back_a_deleted_dataset_submits_it(services: Any, call: Caller,
                                                             p: dict[str, Any]) -> None:
    call("package_delete", p["sys"], id="ds")
    with unit(services, SYSTEM, write=True) as ctx:
        back = ctx.holding_for_review().call("package_patch", {"id": "ds", "state": "active", "title": "Upstream"})
    assert back["state"] == "draft" and back["review"]["status"] == "pending"
    with pytest.raises(NotAuthorized):
        call("package_show", ANONYMOUS, id="ds")


def test_only_those_who_decide_withdraw(call: Caller, p: dict[str, Any]) -> None:
    """org-b's reviewer sees a round moving the dataset into org-b, but org-a (which requires review) decides it."""
    call("package_patch", p["author"], id="ds", owner_org=p["b"]["id"], title="T1")
    call("review_submit", p["author"], id="ds")
    assert call("review_show", p["rev-b"], id="ds")["can_review"] is False
    for action, data in (("review_approve", {}), ("review_withdraw", {"discard": True})):
        with pytest.raises(NotAuthorized):
            call(action, p["rev-b"], id="ds", **data)
    call("review_withdraw", p["author"], id="ds")


def test_editors_datastore_create_with_a_resource_is_refused_with_the_reason(call: Caller,
                                                                            p: dict[str, Any]) -> None:
    with pytest.raises(NotAuthorized, match="upload the new file"):
        call("datastore_create", p["author"], resource={"package_id": "ds", "name": "tbl"},
             fields=[{"id": "a", "type": "int"}], records=[{"a": 1}])
    with pytest.raises(NotFound):
        call("review_show", p["rev-a"], id="ds")  # nothing held either


def test_package_show_review_key_follows_review_show_rule(call: Caller, p: dict[str, Any]) -> None:
    """package_show's `review` key goes to whoever review_show answers: the destination organization's reviewer of
    a dataset moving in, not an author who has left the organization."""
    call("package_patch", p["author"], id="ds", owner_org=p["b"]["id"], title="T1")
    assert "review" in call("package_show", p["rev-b"], id="ds")
    call("organization_member_delete", p["sys"], id=p["a"]["id"], username="author")
    call("organization_member_delete", p["sys"], id=p["b"]["id"], username="author")
    assert "review" not in call("package_show", p["author"], id="ds")
