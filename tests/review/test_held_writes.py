"""The write path's side of the review (catalog/dataset/held.py): which writes are held, what the pending version
is, uploads kept apart until approval, and what approval publishes."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from catalog.context import ANONYMOUS, Actor
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import Caller, make_user

OLD_CSV = b"commune;allocataires\nAjaccio;5400\n"
NEW_CSV = b"commune;allocataires\nAjaccio;5600\nCorte;700\n"


@pytest.fixture
def people(call: Caller, sysadmin: Actor) -> dict[str, Any]:
    org = call("organization_create", sysadmin, name="caf-corse", review_required=True)
    people: dict[str, Any] = {"org": org, "sysadmin": sysadmin}
    for name, capacity in (("redac", "editor"), ("autre", "editor"), ("relecteur", "reviewer")):
        people[name] = make_user(call, name)
        call("organization_member_create", sysadmin, id=org["id"], username=name, role=capacity)
    return people


def _token(call: Caller, actor: Actor) -> str:
    return call("api_token_create", actor, user=actor.name, name="t")["token"]


def _post_file(client: Any, token: str, action: str, content: bytes, **fields: Any) -> dict[str, Any]:
    response = client.post(f"/api/3/action/{action}", content_type="multipart/form-data",
                           data={**fields, "upload": (io.BytesIO(content), "donnees.csv")},
                           headers={"Authorization": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["result"]


def _download(client: Any, url: str) -> bytes:
    response = client.get(url.replace("http://test.moisson.local", ""))
    assert response.status_code == 200
    return response.get_data()


def test_create_by_editor_is_a_draft_even_when_asking_for_active(call: Caller, people: dict[str, Any]) -> None:
    created = call("package_create", people["redac"], name="prestations", owner_org=people["org"]["id"],
                   state="active")
    assert created["state"] == "draft"
    assert created["review"]["held"] is True and created["review"]["status"] == "draft"
    with pytest.raises(NotAuthorized):
        call("package_show", ANONYMOUS, id="prestations")
    updated = call("package_patch", people["redac"], id="prestations", title="Prestations", state="active")
    assert updated["state"] == "draft" and updated["title"] == "Prestations"
    # A reviewer publishes directly.
    direct = call("package_create", people["relecteur"], name="direct", owner_org=people["org"]["id"])
    assert direct["state"] == "active" and "review" not in direct


def test_org_without_review_is_unchanged(call: Caller, sysadmin: Actor) -> None:
    org = call("organization_create", sysadmin, name="libre")
    assert org["review_required"] is False
    editor = make_user(call, "ed")
    call("organization_member_create", sysadmin, id=org["id"], username="ed", role="editor")
    created = call("package_create", editor, name="libre-1", owner_org=org["id"], title="A")
    assert created["state"] == "active" and "review" not in created
    assert call("package_patch", editor, id="libre-1", title="B")["title"] == "B"
    assert call("package_show", ANONYMOUS, id="libre-1")["title"] == "B"


def test_held_edit_with_upload_then_approval(call: Caller, client: Any, people: dict[str, Any]) -> None:
    org_id = people["org"]["id"]
    redac_token = _token(call, people["redac"])
    sys_token = _token(call, people["sysadmin"])
    call("package_create", people["sysadmin"], name="effectifs", owner_org=org_id, title="Effectifs 2023")
    published_resource = _post_file(client, sys_token, "resource_create", OLD_CSV, package_id="effectifs",
                                    name="2023")
    # The editor changes the title, replaces the file and adds a resource: all held.
    held = call("package_patch", people["redac"], id="effectifs", title="Effectifs 2024")
    assert held["review"]["kind"] == "edit" and held["title"] == "Effectifs 2024"
    replaced = _post_file(client, redac_token, "resource_update", NEW_CSV, id=published_resource["id"],
                          name="2024")
    assert replaced["name"] == "2024"
    added = call("resource_create", people["redac"], package_id="effectifs", url="https://example.org/x.csv",
                 name="extra")
    # A resource that exists only in the held changes can be read back and patched by its author, by nobody else.
    assert call("resource_show", people["redac"], id=added["id"])["name"] == "extra"
    with pytest.raises(NotFound):
        call("resource_show", ANONYMOUS, id=added["id"])
    with pytest.raises(NotFound):
        call("resource_show", people["autre"], id=added["id"])
    call("resource_patch", people["redac"], id=added["id"], description="ajout")
    # Another editor may not pile onto someone else's held changes.
    with pytest.raises(Exception, match="awaiting review"):
        call("package_patch", people["autre"], id="effectifs", notes="x")

    public = call("package_show", ANONYMOUS, id="effectifs")
    assert public["title"] == "Effectifs 2023" and len(public["resources"]) == 1
    assert public["resources"][0]["name"] == "2023"
    assert _download(client, public["resources"][0]["url"]) == OLD_CSV

    shown = call("review_show", people["relecteur"], id="effectifs")
    assert shown["status"] == "draft" and shown["published"]["title"] == "Effectifs 2023"
    assert {"field": "title", "published": "Effectifs 2023", "pending": "Effectifs 2024"} in shown["diff"]["fields"]
    changes = {r["name"]: r for r in shown["diff"]["resources"]}
    assert changes["2024"]["change"] == "changed" and changes["2024"]["file_changed"] is True
    assert changes["extra"]["change"] == "added"
    assert any(f["field"] == "description" and f["pending"] == "ajout" for f in changes["extra"]["fields"])
    assert set(shown["files"]) == {published_resource["id"]}

    call("review_submit", people["redac"], id="effectifs", comment="Mise à jour annuelle")
    approved = call("review_approve", people["relecteur"], id="effectifs", comment="OK")
    assert approved["review"]["status"] == "approved"
    public = call("package_show", ANONYMOUS, id="effectifs")
    assert public["title"] == "Effectifs 2024"
    assert [r["name"] for r in public["resources"]] == ["2024", "extra"]
    assert public["resources"][1]["id"] == added["id"] and public["resources"][1]["description"] == "ajout"
    assert _download(client, public["resources"][0]["url"]) == NEW_CSV
    activities = call("package_activity_list", people["sysadmin"], id="effectifs")
    change = next(a for a in activities if a["activity_type"] == "changed package")
    assert change["data"]["review"]["author"] == "redac" and change["data"]["review"]["reviewer"] == "relecteur"
    # The round is closed: the next edit opens a new one and the author gets no 409.
    assert call("package_patch", people["autre"], id="effectifs", notes="suite")["review"]["status"] == "draft"


def test_discard_keeps_the_published_version(call: Caller, people: dict[str, Any]) -> None:
    call("package_create", people["sysadmin"], name="stable", owner_org=people["org"]["id"], title="Stable")
    call("package_patch", people["redac"], id="stable", title="Changé")
    withdrawn = call("review_withdraw", people["redac"], id="stable", discard=True)
    assert withdrawn["status"] == "withdrawn"
    assert call("package_show", ANONYMOUS, id="stable")["title"] == "Stable"
    # Nothing held any more: the editor's next patch starts from the published version.
    assert call("package_patch", people["redac"], id="stable", notes="n")["title"] == "Stable"


def test_noop_edit_holds_nothing(call: Caller, people: dict[str, Any]) -> None:
    created = call("package_create", people["sysadmin"], name="pareil", owner_org=people["org"]["id"], title="T")
    same = call("package_patch", people["redac"], id="pareil", title="T")
    assert "review" not in same and same["metadata_modified"] == created["metadata_modified"]
    with pytest.raises(Exception, match="no review"):
        call("review_show", people["relecteur"], id="pareil")


def test_deleting_the_dataset_closes_its_round(call: Caller, people: dict[str, Any]) -> None:
    call("package_create", people["sysadmin"], name="a-supprimer", owner_org=people["org"]["id"], title="T")
    call("package_patch", people["redac"], id="a-supprimer", title="U")
    call("review_submit", people["redac"], id="a-supprimer")
    assert call("review_list", people["relecteur"])["count"] == 1
    call("package_delete", people["relecteur"], id="a-supprimer")
    assert call("review_list", people["relecteur"])["count"] == 0
    assert call("review_show", people["relecteur"], id="a-supprimer")["status"] == "withdrawn"
    call("dataset_purge", people["sysadmin"], id="a-supprimer")


def test_held_removal_keeps_the_public_datastore_table(call: Caller, client: Any, people: dict[str, Any]) -> None:
    """The held write's savepoint drops what it scheduled for after the commit: removing a resource in a held
    change must not drop the published resource's DataStore table."""
    from catalog.datastore.jobs import wait_for_in_process_loads

    call("package_create", people["sysadmin"], name="tableau", owner_org=people["org"]["id"])
    resource = _post_file(client, _token(call, people["sysadmin"]), "resource_create", OLD_CSV,
                          package_id="tableau", name="2023")
    wait_for_in_process_loads()
    assert call("datastore_search", ANONYMOUS, resource_id=resource["id"])["total"] == 1
    call("resource_delete", people["redac"], id=resource["id"])
    wait_for_in_process_loads()
    assert call("datastore_search", ANONYMOUS, resource_id=resource["id"])["total"] == 1
    assert [r["id"] for r in call("package_show", ANONYMOUS, id="tableau")["resources"]] == [resource["id"]]
    assert call("review_show", people["redac"], id="tableau")["diff"]["resources"][0]["change"] == "removed"


def test_direct_write_during_an_edit_round_is_refused(call: Caller, people: dict[str, Any]) -> None:
    """Approval publishes the round's whole version: a reviewer's direct change made meanwhile would be undone."""
    call("package_create", people["sysadmin"], name="en-cours", owner_org=people["org"]["id"], title="T")
    call("package_patch", people["redac"], id="en-cours", title="U")
    with pytest.raises(ValidationError, match="awaiting review"):
        call("package_patch", people["relecteur"], id="en-cours", notes="direct")
    call("review_withdraw", people["redac"], id="en-cours", discard=True)
    assert call("package_patch", people["relecteur"], id="en-cours", notes="direct")["notes"] == "direct"


def test_approval_refused_when_the_changes_moved_since_they_were_read(call: Caller, people: dict[str, Any]) -> None:
    call("package_create", people["sysadmin"], name="relu", owner_org=people["org"]["id"], title="T")
    call("package_patch", people["redac"], id="relu", title="U")
    call("review_submit", people["redac"], id="relu")
    read = call("review_show", people["relecteur"], id="relu")
    call("package_patch", people["redac"], id="relu", title="V")
    with pytest.raises(ValidationError, match="edited after you read them"):
        call("review_approve", people["relecteur"], id="relu", modified=read["modified"])
    again = call("review_show", people["relecteur"], id="relu")
    call("review_approve", people["relecteur"], id="relu", modified=again["modified"])
    assert call("package_show", ANONYMOUS, id="relu")["title"] == "V"


def test_a_dataset_moved_into_a_reviewed_organization_is_reviewed_there(call: Caller, people: dict[str, Any]) -> None:
    libre = call("organization_create", people["sysadmin"], name="libre")
    call("organization_member_create", people["sysadmin"], id=libre["id"], username="redac", role="editor")
    call("package_create", people["redac"], name="arrivant", owner_org=libre["id"], title="T")
    moved = call("package_patch", people["redac"], id="arrivant", owner_org=people["org"]["id"])
    assert moved["review"]["held"] is True
    assert call("package_show", ANONYMOUS, id="arrivant")["owner_org"] == libre["id"]
    call("review_submit", people["redac"], id="arrivant")
    queue = call("review_list", people["relecteur"])
    assert queue["count"] == 1 and queue["counts"] == {"caf-corse": 1}
    call("review_approve", people["relecteur"], id="arrivant")
    assert call("package_show", ANONYMOUS, id="arrivant")["owner_org"] == people["org"]["id"]


def test_a_harvest_resubmits_its_round_when_it_brings_more_changes(services: Any, call: Caller,
                                                                    people: dict[str, Any]) -> None:
    """A harvest's round has no author to resubmit it after changes were requested: the harvest's next held write
    does."""
    from catalog.context import SYSTEM
    from catalog.registry import unit

    call("package_create", people["sysadmin"], name="moissonne", owner_org=people["org"]["id"], title="T")
    with unit(services, SYSTEM, write=True) as ctx:
        held = ctx.holding_for_review().call("package_patch", {"id": "moissonne", "title": "U"})
    assert held["review"]["status"] == "pending"
    call("review_reject", people["relecteur"], id="moissonne", comment="Titre à revoir")
    with unit(services, SYSTEM, write=True) as ctx:
        again = ctx.holding_for_review().call("package_patch", {"id": "moissonne", "title": "W"})
    assert again["review"]["status"] == "pending"
    assert [e["action"] for e in call("review_show", people["relecteur"], id="moissonne")["history"]] == [
        "created", "submitted", "changes_requested", "edited", "submitted"]
    # Each submission is an activity too (by the site user, which activity lists hide, as CKAN's do).
    from sqlalchemy import func, select

    from catalog.activity.models import Activity

    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).where(Activity.activity_type == "review submitted")) == 2


def test_the_review_actions_are_in_the_openapi_document(client: Any) -> None:
    paths = json.loads(client.get("/api/3/openapi.json").get_data(as_text=True))["paths"]
    for name in ("review_submit", "review_approve", "review_reject", "review_withdraw", "review_list",
                 "review_show"):
        assert f"/api/3/action/{name}" in paths, name
    show = json.dumps(paths["/api/3/action/review_show"])
    assert "review_show" in show and '"id"' in show


# Regressions of the review of issue 16 -----------------------------------------------------------------------


def test_a_draft_published_directly_closes_its_round(call: Caller, people: dict[str, Any]) -> None:
    call("package_create", people["redac"], name="brouillon", owner_org=people["org"]["id"], title="V1")
    call("review_submit", people["redac"], id="brouillon")
    call("package_patch", people["relecteur"], id="brouillon", state="active")
    assert call("review_list", people["relecteur"])["count"] == 0
    held = call("package_patch", people["redac"], id="brouillon", title="V2")
    assert held["review"]["kind"] == "edit"
    call("review_submit", people["redac"], id="brouillon")
    call("review_approve", people["relecteur"], id="brouillon")
    assert call("package_show", ANONYMOUS, id="brouillon")["title"] == "V2"


def test_approval_keeps_what_other_paths_changed_meanwhile(call: Caller, people: dict[str, Any]) -> None:
    """Approval lays the author's changes over today's published version: a group added with member_create and a
    move by a sysadmin made during the round survive it."""
    other = call("organization_create", people["sysadmin"], name="autre-org", review_required=True)
    call("organization_member_create", people["sysadmin"], id=other["id"], username="relecteur", role="reviewer")
    call("organization_member_create", people["sysadmin"], id=other["id"], username="redac", role="editor")
    group = call("group_create", people["sysadmin"], name="famille")
    call("package_create", people["sysadmin"], name="fusion", owner_org=people["org"]["id"], title="T")
    call("package_patch", people["redac"], id="fusion", title="Proposé")
    call("member_create", people["sysadmin"], id=group["id"], object="fusion", object_type="package",
         capacity="public")
    call("package_owner_org_update", people["sysadmin"], id="fusion", organization_id=other["id"])
    call("review_submit", people["redac"], id="fusion")
    call("review_approve", people["relecteur"], id="fusion")
    public = call("package_show", ANONYMOUS, id="fusion")
    assert public["title"] == "Proposé" and public["owner_org"] == other["id"]
    assert [g["name"] for g in public["groups"]] == ["famille"]


def test_datastore_flag_survives_approval(call: Caller, people: dict[str, Any]) -> None:
    call("package_create", people["sysadmin"], name="chargee", owner_org=people["org"]["id"], title="T")
    call("resource_create", people["sysadmin"], package_id="chargee", url="https://example.org/a.csv", name="a")
    call("package_patch", people["redac"], id="chargee", title="U")  # the round starts before the load
    shown = call("package_show", people["sysadmin"], id="chargee")
    call("datastore_create", people["sysadmin"], resource_id=shown["resources"][0]["id"], force=True,
         fields=[{"id": "n", "type": "int"}], records=[{"n": 1}])
    assert call("package_show", ANONYMOUS, id="chargee")["resources"][0]["datastore_active"] is True
    call("review_submit", people["redac"], id="chargee")
    call("review_approve", people["relecteur"], id="chargee")
    public = call("package_show", ANONYMOUS, id="chargee")
    assert public["title"] == "U" and public["resources"][0]["datastore_active"] is True


def test_nobody_approves_their_own_move(call: Caller, people: dict[str, Any]) -> None:
    mine = call("organization_create", people["sysadmin"], name="mon-org")
    call("organization_member_create", people["sysadmin"], id=mine["id"], username="redac", role="admin")
    call("package_create", people["sysadmin"], name="demenage", owner_org=people["org"]["id"], title="T")
    call("package_patch", people["redac"], id="demenage", owner_org=mine["id"], title="Sorti")
    call("review_submit", people["redac"], id="demenage")
    with pytest.raises(NotAuthorized):
        call("review_approve", people["redac"], id="demenage")
    # The source organization's reviewer decides, though not an editor of the destination.
    call("review_approve", people["relecteur"], id="demenage")
    public = call("package_show", ANONYMOUS, id="demenage")
    assert public["owner_org"] == mine["id"] and public["title"] == "Sorti"


def test_an_author_who_left_the_organization_sees_nothing_more(call: Caller, people: dict[str, Any]) -> None:
    call("package_create", people["sysadmin"], name="prive", owner_org=people["org"]["id"], title="T", private=True)
    call("package_patch", people["redac"], id="prive", title="U")
    call("organization_member_delete", people["sysadmin"], id=people["org"]["id"], username="redac")
    for action in ("review_show", "review_withdraw"):
        with pytest.raises(NotAuthorized):
            call(action, people["redac"], id="prive")


def test_members_do_not_read_review_activities_of_drafts(call: Caller, people: dict[str, Any]) -> None:
    member = make_user(call, "simple-membre")
    call("organization_member_create", people["sysadmin"], id=people["org"]["id"], username=member.name,
         role="member")
    call("package_create", people["redac"], name="secret", owner_org=people["org"]["id"], title="Titre secret")
    call("review_submit", people["redac"], id="secret", comment="commentaire interne")
    seen = json.dumps(call("user_activity_list", member, id="redac"))
    assert "Titre secret" not in seen and "commentaire interne" not in seen
    assert "commentaire interne" in json.dumps(call("user_activity_list", people["relecteur"], id="redac"))


def test_editors_do_not_write_a_published_datastore_table_directly(call: Caller, people: dict[str, Any]) -> None:
    call("package_create", people["sysadmin"], name="table-publique", owner_org=people["org"]["id"])
    resource = call("resource_create", people["sysadmin"], package_id="table-publique",
                    url="https://example.org/t.csv", name="t")
    with pytest.raises(NotAuthorized, match="upload the new file"):
        call("datastore_create", people["redac"], resource_id=resource["id"], force=True,
             fields=[{"id": "n", "type": "int"}], records=[{"n": 1}])
    call("datastore_create", people["relecteur"], resource_id=resource["id"], force=True,
         fields=[{"id": "n", "type": "int"}], records=[{"n": 1}])


def test_review_list_with_an_unknown_filter_lists_nothing(call: Caller, people: dict[str, Any]) -> None:
    call("package_create", people["redac"], name="sans-suite", owner_org=people["org"]["id"])
    call("review_submit", people["redac"], id="sans-suite")
    assert call("review_list", people["sysadmin"])["count"] == 1
    assert call("review_list", people["sysadmin"], organization="inconnue")["count"] == 0
    assert call("review_list", people["sysadmin"], author="personne")["count"] == 0
