"""Deleting from the web through the test client, on both databases: the confirmation pages of datasets, resources,
organizations and groups (what goes, a Cancel link), the deletion and the sysadmins' purge, the Delete links of the
pages, and the refusals: anonymous visitors to the login page, the others 403, unknown ids 404, no CSRF token 400;
a resource deletion held for review in an organization that requires it."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from catalog.context import Actor
from catalog.errors import NotFound
from tests.conftest import Caller, make_user
from tests.web.conftest import as_user, csrf_token

CSV_URL = "https://example.org/allocataires.csv"


def get(client: Any, path: str, lang: str = "en") -> tuple[int, str]:
    response = client.get(path, headers={"Accept-Language": lang})
    return response.status_code, unescape(response.get_data(as_text=True))


def confirm(client: Any, path: str, lang: str = "en", **data: Any) -> Any:
    """Post the confirmation form with the CSRF token of its own page."""
    token = csrf_token(client.get(path, headers={"Accept-Language": lang}).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, headers={"Accept-Language": lang})


def flashed(client: Any, response: Any, lang: str = "en") -> str:
    return get(client, response.headers["Location"], lang)[1]


@pytest.fixture
def people(call: Caller, sysadmin: Actor, org: dict[str, Any]) -> dict[str, Actor]:
    """cnaf's editor and member, and an editor of another organization."""
    actors = {name: make_user(call, name) for name in ("edith", "marc", "olga")}
    call("organization_member_create", sysadmin, id=org["id"], username="edith", role="editor")
    call("organization_member_create", sysadmin, id=org["id"], username="marc", role="member")
    other = call("organization_create", sysadmin, name="insee", title="Insee")
    call("organization_member_create", sysadmin, id=other["id"], username="olga", role="editor")
    return actors


def dataset(call: Caller, sysadmin: Actor, name: str = "allocataires") -> dict[str, Any]:
    return call("package_create", sysadmin, name=name, title="Allocataires 2024", owner_org="cnaf",
                resources=[{"url": CSV_URL, "name": "Fichier CSV", "format": "CSV"},
                           {"url": "https://example.org/notice.txt", "name": "Notice"}])


def state(call: Caller, sysadmin: Actor, name: str) -> str | None:
    try:
        return call("package_show", sysadmin, id=name)["state"]
    except NotFound:
        return None


def test_an_editor_deletes_a_dataset(client: Any, call: Caller, sysadmin: Actor, people: dict[str, Actor]) -> None:
    pkg = dataset(call, sysadmin)
    as_user(client, people["edith"])
    html = get(client, "/dataset/allocataires", "fr")[1]
    assert 'href="/dataset/delete/allocataires"' in html and "Supprimer" in html
    status, html = get(client, "/dataset/delete/allocataires", "fr")
    assert status == 200 and "Confirmer la suppression" in html
    assert "Supprimer le jeu de données « Allocataires 2024 » ?" in html
    assert "Ses 2 ressources sont supprimées avec lui." in html
    assert re.search(r'<a class="button" href="/dataset/allocataires">Annuler</a>', html)
    assert 'name="purge"' not in html  # sysadmins only
    assert client.post("/dataset/delete/allocataires").status_code == 400  # no CSRF token
    assert state(call, sysadmin, "allocataires") == "active"
    # An editor's purge is refused, and changes nothing.
    assert confirm(client, "/dataset/delete/allocataires", purge="y").status_code == 403
    assert state(call, sysadmin, "allocataires") == "active"

    response = confirm(client, "/dataset/delete/allocataires", "fr")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dataset")
    assert "Le jeu de données « Allocataires 2024 » a été supprimé." in flashed(client, response, "fr")
    assert state(call, sysadmin, pkg["id"]) == "deleted"
    # What is deleted is for sysadmins only here: the editor gets a 404, as for an unknown dataset.
    assert get(client, "/dataset/delete/allocataires")[0] == 404


def test_who_may_not_delete_a_dataset(client: Any, call: Caller, sysadmin: Actor, people: dict[str, Actor]) -> None:
    dataset(call, sysadmin)
    response = client.get("/dataset/delete/allocataires")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    assert client.post("/dataset/delete/allocataires", data={}).status_code in (302, 400)
    for name in ("marc", "olga"):  # a member of the organization, another organization's editor
        as_user(client, people[name])
        assert get(client, "/dataset/delete/allocataires")[0] == 403
        assert 'href="/dataset/delete/allocataires"' not in get(client, "/dataset/allocataires")[1]
        token = csrf_token(get(client, "/dataset/allocataires")[1])
        assert client.post("/dataset/delete/allocataires", data={"csrf_token": token}).status_code == 403
    assert get(client, "/dataset/delete/nowhere")[0] == 404
    assert state(call, sysadmin, "allocataires") == "active"


def test_a_sysadmin_purges_a_dataset(client: Any, call: Caller, sysadmin: Actor, org: dict[str, Any]) -> None:
    dataset(call, sysadmin)
    dataset(call, sysadmin, "naissances")
    as_user(client, sysadmin)
    status, html = get(client, "/dataset/delete/allocataires", "fr")
    assert status == 200 and 'name="purge"' in html and "Purger : le supprimer définitivement" in html
    response = confirm(client, "/dataset/delete/allocataires", "fr", purge="y")
    assert "Le jeu de données « Allocataires 2024 » a été purgé." in flashed(client, response, "fr")
    assert state(call, sysadmin, "allocataires") is None
    # A dataset already deleted can only be purged, from the same address.
    call("package_delete", sysadmin, id="naissances")
    status, html = get(client, "/dataset/delete/naissances", "en")
    assert status == 200 and "is already deleted. Purge it?" in html and 'name="purge"' not in html
    assert confirm(client, "/dataset/delete/naissances").status_code == 302
    assert state(call, sysadmin, "naissances") is None


def test_an_editor_deletes_a_resource(client: Any, call: Caller, sysadmin: Actor, people: dict[str, Actor]) -> None:
    pkg = dataset(call, sysadmin)
    res = pkg["resources"][0]
    page = f"/dataset/allocataires/resource/{res['id']}"
    as_user(client, people["edith"])
    assert f'href="{page}/delete"' in get(client, page)[1]
    status, html = get(client, page + "/delete", "fr")
    assert status == 200 and "Supprimer la ressource « Fichier CSV » ?" in html
    cancel = f"/dataset/{pkg['id']}/resource/{res['id']}"
    assert "Allocataires 2024" in html and f'<a class="button" href="{cancel}">Annuler</a>' in html
    assert 'name="purge"' not in html

    response = confirm(client, page + "/delete", "fr")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dataset/{pkg['id']}")
    assert "La ressource « Fichier CSV » a été supprimée." in flashed(client, response, "fr")
    assert [r["name"] for r in call("package_show", sysadmin, id="allocataires")["resources"]] == ["Notice"]
    assert get(client, page + "/delete")[0] == 404
    assert get(client, page)[0] == 404


def test_who_may_not_delete_a_resource(client: Any, call: Caller, sysadmin: Actor,
                                       people: dict[str, Actor]) -> None:
    res = dataset(call, sysadmin)["resources"][0]
    page = f"/dataset/allocataires/resource/{res['id']}"
    assert "/user/login" in client.get(page + "/delete").headers["Location"]
    for name in ("marc", "olga"):
        as_user(client, people[name])
        assert f'href="{page}/delete"' not in get(client, page)[1]
        assert get(client, page + "/delete")[0] == 403
        token = csrf_token(get(client, page)[1])
        assert client.post(page + "/delete", data={"csrf_token": token}).status_code == 403
    as_user(client, people["edith"])
    assert get(client, "/dataset/allocataires/resource/nowhere/delete")[0] == 404
    assert get(client, f"/dataset/nowhere/resource/{res['id']}/delete")[0] == 404
    assert len(call("package_show", sysadmin, id="allocataires")["resources"]) == 2


def test_a_resource_deletion_is_held_for_review(client: Any, call: Caller, sysadmin: Actor,
                                                people: dict[str, Actor]) -> None:
    pkg = dataset(call, sysadmin)
    res = pkg["resources"][0]
    call("organization_patch", sysadmin, id="cnaf", review_required=True)
    as_user(client, people["edith"])
    response = confirm(client, f"/dataset/allocataires/resource/{res['id']}/delete", "fr")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dataset/{pkg['id']}/review")
    assert "Enregistré pour relecture" in flashed(client, response, "fr")
    published = call("package_show", sysadmin, id="allocataires")
    assert len(published["resources"]) == 2  # online until a reviewer approves
    pending = call("review_show", sysadmin, id="allocataires")["pending"]
    assert [r["name"] for r in pending["resources"]] == ["Notice"]

    # A resource the author added in the same held changes (no row until approval) is deleted there too.
    added = call("resource_create", people["edith"], package_id=published["id"], url=CSV_URL, name="Ajout")
    page = f"/dataset/allocataires/resource/{added['id']}/delete"
    assert "Supprimer la ressource « Ajout » ?" in get(client, page, "fr")[1]
    assert confirm(client, page, "fr").headers["Location"].endswith(f"/dataset/{pkg['id']}/review")
    pending = call("review_show", sysadmin, id="allocataires")["pending"]
    assert [r["name"] for r in pending["resources"]] == ["Notice"]

    # Another editor meanwhile: the action's conflict, on the page, and nothing changes.
    oscar = make_user(call, "oscar")
    call("organization_member_create", sysadmin, id="cnaf", username="oscar", role="editor")
    as_user(client, oscar)
    response = confirm(client, f"/dataset/allocataires/resource/{published['resources'][1]['id']}/delete", "fr")
    assert response.status_code == 409 and 'class="problems"' in response.get_data(as_text=True)
    assert "relecture" in unescape(response.get_data(as_text=True))
    assert len(call("package_show", sysadmin, id="allocataires")["resources"]) == 2

    # Deleting the dataset closes its review: the page says so.
    as_user(client, people["edith"])
    assert "Sa relecture est close" in get(client, "/dataset/delete/allocataires", "fr")[1]
    confirm(client, "/dataset/delete/allocataires")
    assert call("review_show", sysadmin, id="allocataires")["status"] not in ("draft", "pending", "changes_requested")


@pytest.mark.parametrize("rename", [False, True])
def test_the_links_of_a_held_author_s_resource_deletion_lead_somewhere(client: Any, call: Caller, sysadmin: Actor,
                                                                       people: dict[str, Actor], rename: bool) -> None:
    """The page is built from the author's pending version: its links name the dataset by id (a name changed in
    the held changes is not the published page's), and a resource only in the pending version has no page yet:
    Cancel goes to the review page."""
    pkg = dataset(call, sysadmin)
    call("organization_patch", sysadmin, id="cnaf", review_required=True)
    added = call("resource_create", people["edith"], package_id=pkg["id"], url=CSV_URL, name="Ajout")
    if rename:
        call("package_patch", people["edith"], id=pkg["id"], name="allocataires-2025")
    as_user(client, people["edith"])
    for res_id, cancel in ((added["id"], f"/dataset/{pkg['id']}/review"),
                           (pkg["resources"][0]["id"], f"/dataset/{pkg['id']}/resource/{pkg['resources'][0]['id']}")):
        status, html = get(client, f"/dataset/allocataires/resource/{res_id}/delete")
        assert status == 200 and f'<a class="button" href="{cancel}">Cancel</a>' in html
        assert get(client, cancel)[0] == 200
    response = confirm(client, f"/dataset/allocataires/resource/{pkg['resources'][0]['id']}/delete")
    assert response.status_code == 302 and get(client, response.headers["Location"])[0] == 200


def test_the_resources_of_a_dataset_in_the_trash_are_only_for_sysadmins(client: Any, call: Caller, sysadmin: Actor,
                                                                        people: dict[str, Actor]) -> None:
    pkg = dataset(call, sysadmin)
    call("package_delete", sysadmin, id=pkg["id"])
    page = f"/dataset/allocataires/resource/{pkg['resources'][0]['id']}/delete"
    as_user(client, people["edith"])
    assert get(client, page)[0] == 404
    token = csrf_token(get(client, "/dataset/new")[1])
    assert client.post(page, data={"csrf_token": token}).status_code == 404
    assert len(call("package_show", sysadmin, id=pkg["id"])["resources"]) == 2
    as_user(client, sysadmin)
    assert get(client, page)[0] == 200


def test_organization_delete_and_purge(client: Any, call: Caller, sysadmin: Actor,
                                      people: dict[str, Actor]) -> None:
    alice = make_user(call, "alice")
    call("organization_member_create", sysadmin, id="cnaf", username="alice", role="admin")
    dataset(call, sysadmin)
    page = "/organization/delete/cnaf"
    as_user(client, people["edith"])  # an editor does not delete the organization
    assert get(client, page)[0] == 403 and f'href="{page}"' not in get(client, "/organization/cnaf")[1]
    as_user(client, alice)
    assert f'href="{page}"' in get(client, "/organization/cnaf")[1]
    status, html = get(client, page, "fr")
    assert status == 200 and "Supprimer l’organisation « Caisse nationale des allocations familiales » ?" in html
    assert "Elle a encore 1 jeu de données" in html
    # Refused while it has datasets: the action's answer, on the page.
    response = confirm(client, page, "fr")
    assert response.status_code == 409
    assert "Cette organisation a encore des jeux de données" in unescape(response.get_data(as_text=True))
    assert call("organization_show", sysadmin, id="cnaf")["state"] == "active"

    call("package_delete", sysadmin, id="allocataires")
    response = confirm(client, page, "en")
    assert response.status_code == 302 and response.headers["Location"].endswith("/organization")
    assert "The organization “Caisse nationale des allocations familiales” was deleted." in flashed(client, response)
    assert call("organization_show", sysadmin, id="cnaf")["state"] == "deleted"
    assert get(client, page)[0] in (403, 404)  # its administrator is no member any more

    as_user(client, sysadmin)  # then purged by a sysadmin
    status, html = get(client, page)
    assert status == 200 and "is already deleted. Purge it?" in html
    assert confirm(client, page).status_code == 302
    with pytest.raises(NotFound):
        call("organization_show", sysadmin, id="cnaf")
    assert get(client, "/organization/delete/nowhere")[0] == 404


def test_group_delete_and_purge(client: Any, call: Caller, sysadmin: Actor, org: dict[str, Any]) -> None:
    group = call("group_create", sysadmin, name="sante", title="Santé")
    call("group_create", sysadmin, name="emploi", title="Emploi")
    alice, marc = make_user(call, "alice"), make_user(call, "marc")
    call("group_member_create", sysadmin, id=group["id"], username="alice", role="admin")
    call("group_member_create", sysadmin, id=group["id"], username="marc", role="member")
    call("package_create", sysadmin, name="allocataires", title="Allocataires", owner_org="cnaf",
         groups=[{"name": "sante"}])

    assert "/user/login" in client.get("/group/delete/sante").headers["Location"]
    as_user(client, marc)
    assert get(client, "/group/delete/sante")[0] == 403
    assert 'href="/group/delete/sante"' not in get(client, "/group/sante")[1]
    as_user(client, alice)
    assert 'href="/group/delete/sante"' in get(client, "/group/sante")[1]
    status, html = get(client, "/group/delete/sante", "fr")
    assert status == 200 and "Supprimer le groupe « Santé » ?" in html and "Son jeu de données en est retiré" in html
    assert '<a class="button" href="/group/sante">Annuler</a>' in html
    assert confirm(client, "/group/delete/sante", purge="y").status_code == 403
    response = confirm(client, "/group/delete/sante", "fr")
    assert response.headers["Location"].endswith("/group")
    assert "Le groupe « Santé » a été supprimé." in flashed(client, response, "fr")
    assert call("group_show", sysadmin, id="sante")["state"] == "deleted"
    assert call("package_show", sysadmin, id="allocataires")["groups"] == []
    assert call("package_show", sysadmin, id="allocataires")["state"] == "active"

    as_user(client, sysadmin)  # a group that is not deleted yet, purged at once
    response = confirm(client, "/group/delete/emploi", "fr", purge="y")
    assert "Le groupe « Emploi » a été purgé." in flashed(client, response, "fr")
    with pytest.raises(NotFound):
        call("group_show", sysadmin, id="emploi")
    assert get(client, "/group/delete/cnaf")[0] == 404  # an organization is not a group
    assert get(client, "/organization/delete/sante")[0] == 404


def test_the_trash(client: Any, call: Caller, sysadmin: Actor, people: dict[str, Actor]) -> None:
    for name in ("allocataires", "naissances", "logement"):
        dataset(call, sysadmin, name)
    call("package_delete", sysadmin, id="allocataires")
    call("package_delete", sysadmin, id="naissances")
    call("group_create", sysadmin, name="sante", title="Santé")
    call("group_delete", sysadmin, id="sante")
    call("organization_create", sysadmin, name="ancienne", title="Ancienne")
    call("organization_delete", sysadmin, id="ancienne")

    assert "/user/login" in client.get("/ckan-admin/trash").headers["Location"]
    as_user(client, people["edith"])  # sysadmins only, whatever else one may delete
    assert get(client, "/ckan-admin/trash")[0] == 403
    token = csrf_token(get(client, "/dataset/logement")[1])
    assert client.post("/ckan-admin/trash", data={"csrf_token": token, "action": "all"}).status_code == 403
    assert state(call, sysadmin, "allocataires") == "deleted"

    as_user(client, sysadmin)
    status, html = get(client, "/ckan-admin/trash", "fr")
    assert status == 200 and "Corbeille" in html
    assert "Jeux de données supprimés (2)" in html and "Organisations supprimées (1)" in html
    assert "Groupes supprimés (1)" in html and "logement" not in html
    assert 'href="/dataset/delete/naissances"' in html and 'href="/group/delete/sante"' in html
    assert client.post("/ckan-admin/trash", data={"action": "all"}).status_code == 400  # no CSRF token
    token = csrf_token(html)
    assert client.post("/ckan-admin/trash", data={"csrf_token": token, "action": "users"}).status_code == 400

    # "Purge all" asks once more: the first post only shows what would go.
    response = client.post("/ckan-admin/trash", data={"csrf_token": token, "action": "dataset"},
                           headers={"Accept-Language": "fr"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "Purger définitivement 2 éléments supprimés ?" in html
    assert 'name="confirmed" value="yes"' in html and 'name="action" value="dataset"' in html
    assert state(call, sysadmin, "allocataires") == "deleted"
    response = client.post("/ckan-admin/trash", data={"csrf_token": token, "action": "dataset", "confirmed": "yes"},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 302
    assert "2 éléments purgés." in flashed(client, response, "fr")
    assert state(call, sysadmin, "allocataires") is None and state(call, sysadmin, "naissances") is None
    assert call("group_show", sysadmin, id="sante")["state"] == "deleted"  # the other kinds wait

    response = client.post("/ckan-admin/trash", data={"csrf_token": token, "action": "all", "confirmed": "yes"},
                           headers={"Accept-Language": "en"})
    assert "2 items purged." in flashed(client, response)
    for action, name in (("group_show", "sante"), ("organization_show", "ancienne")):
        with pytest.raises(NotFound):
            call(action, sysadmin, id=name)
    assert state(call, sysadmin, "logement") == "active"
    html = get(client, "/ckan-admin/trash")[1]
    assert html.count("Nothing here.") == 3 and 'value="all"' not in html
