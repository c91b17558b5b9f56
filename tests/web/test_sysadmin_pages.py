"""Sysadmin pages through the test client, on both databases: /ckan-admin (users with search and paging, make or
unmake sysadmin, delete with a confirmation page; never the last sysadmin) and /ckan-admin/config (the site
settings, shown in every page's header and on the home page). Promotion and demotion are user_patch with
`sysadmin`, as in CKAN 2.10+: tested through the API too."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from catalog.context import Actor
from catalog.site.options import stored_options
from tests.conftest import Caller, make_user
from tests.web.conftest import as_user, get, post


def is_sysadmin(call: Caller, sysadmin: Actor, name: str) -> bool:
    return call("user_show", sysadmin, id=name)["sysadmin"]


def test_ckan_admin_is_for_sysadmins_only(client: Any, call: Caller, sysadmin: Actor) -> None:
    jeanne = make_user(call, "jeanne")
    for path in ("/ckan-admin", "/ckan-admin/config", "/ckan-admin/users/jeanne/delete"):
        as_user(client, None)
        response = client.get(path)
        assert response.status_code == 302 and "/user/login" in response.headers["Location"]
        as_user(client, jeanne)
        status, html = get(client, path, "fr")
        assert status == 403 and "Accès refusé" in html
    as_user(client, jeanne)
    assert post(client, "/ckan-admin/users/jeanne/sysadmin", sysadmin="1").status_code == 403
    assert post(client, "/ckan-admin/config", site_title="Mine").status_code == 403
    assert not is_sysadmin(call, sysadmin, "jeanne")
    status, html = get(client, "/")
    assert 'href="/ckan-admin"' not in html
    as_user(client, sysadmin)
    status, html = get(client, "/", "fr")
    assert '<a href="/ckan-admin">Administration</a>' in html


def test_ckan_admin_lists_searches_and_pages_users(client: Any, call: Caller, sysadmin: Actor) -> None:
    for number in range(26):  # with the sysadmin, 27 users: two pages of 25
        make_user(call, f"agent{number:02d}")
    as_user(client, sysadmin)
    status, html = get(client, "/ckan-admin", "fr")
    assert status == 200 and "Utilisateurs" in html and "27 utilisateurs" in html
    assert 'href="/ckan-admin/config">Paramètres du site' in html and 'href="/ckan-admin/trash">Corbeille' in html
    # By name: admin, agent00... agent23 on the first page; e-mail addresses, for sysadmins.
    assert "agent00@example.org" in html and 'data-user="agent23"' in html and 'data-user="agent24"' not in html
    status, html = get(client, "/ckan-admin?page=2")
    assert status == 200 and 'data-user="agent25"' in html and 'data-user="agent00"' not in html
    assert get(client, "/ckan-admin?page=3", "fr")[0] == 404
    status, html = get(client, "/ckan-admin?q=agent1")
    assert "10 users" in html and "agent10" in html and "agent20" not in html
    status, html = get(client, "/ckan-admin?q=agent03%40example")  # sysadmins search e-mails too
    assert "1 user" in html and "agent03" in html
    status, html = get(client, "/ckan-admin?sysadmins=1")
    assert "1 user" in html and 'data-user="admin"' in html and 'data-user="agent00"' not in html


def test_make_and_unmake_sysadmin_from_the_page(client: Any, call: Caller, sysadmin: Actor) -> None:
    make_user(call, "jeanne")
    as_user(client, sysadmin)
    response = post(client, "/ckan-admin/users/jeanne/sysadmin", "fr", form_page="/ckan-admin", sysadmin="1",
                    next="/ckan-admin?q=jea")
    assert response.status_code == 302 and response.headers["Location"] == "/ckan-admin?q=jea"
    assert is_sysadmin(call, sysadmin, "jeanne")
    status, html = get(client, "/ckan-admin", "fr")
    assert "jeanne est maintenant administrateur du site." in html
    response = post(client, "/ckan-admin/users/jeanne/sysadmin", form_page="/ckan-admin", sysadmin="0",
                    next="//evil.example/")
    assert response.status_code == 302 and response.headers["Location"] == "/ckan-admin"
    assert not is_sysadmin(call, sysadmin, "jeanne")
    assert post(client, "/ckan-admin/users/jeanne/sysadmin", form_page="/ckan-admin",
                sysadmin="yes").status_code == 400


def test_the_last_sysadmin_cannot_delete_themself_and_none_unmakes_themself(client: Any, call: Caller,
                                                                             sysadmin: Actor) -> None:
    as_user(client, sysadmin)
    status, html = get(client, "/ckan-admin")
    assert "Remove sysadmin rights from admin" not in html  # one's own rights: another sysadmin changes them
    response = post(client, "/ckan-admin/users/admin/sysadmin", "fr", form_page="/ckan-admin", sysadmin="0")
    assert response.status_code == 302
    status, html = get(client, "/ckan-admin", "fr")
    assert "Vous ne pouvez pas modifier vos propres droits" in html and is_sysadmin(call, sysadmin, "admin")
    response = post(client, "/ckan-admin/users/admin/delete", "fr", form_page="/ckan-admin/users/admin/delete")
    assert response.status_code == 302
    status, html = get(client, "/ckan-admin", "fr")
    assert "dernier administrateur du site" in html
    assert call("user_show", sysadmin, id="admin")["state"] == "active"

    # With a second sysadmin, one still cannot step down oneself (CKAN); the other sysadmin may unmake one, whose
    # sessions end at once (the demotion ends them).
    jeanne = make_user(call, "jeanne")
    call("user_patch", sysadmin, id="jeanne", sysadmin=True)
    post(client, "/ckan-admin/users/admin/sysadmin", form_page="/ckan-admin", sysadmin="0")
    assert is_sysadmin(call, sysadmin, "admin")
    call("user_patch", Actor(user_id=jeanne.user_id, name="jeanne", is_sysadmin=True), id="admin", sysadmin=False)
    assert not is_sysadmin(call, sysadmin, "admin")
    response = client.get("/ckan-admin")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


def test_delete_a_user_after_confirmation(client: Any, call: Caller, sysadmin: Actor) -> None:
    jeanne = make_user(call, "jeanne")
    token = call("api_token_create", jeanne, user="jeanne", name="t")["token"]
    as_user(client, sysadmin)
    status, html = get(client, "/ckan-admin/users/jeanne/delete", "fr")
    assert status == 200 and "Supprimer le compte jeanne" in html and 'href="/ckan-admin">Annuler' in html
    assert call("user_show", sysadmin, id="jeanne")["state"] == "active"  # the page alone deletes nothing
    response = post(client, "/ckan-admin/users/jeanne/delete", "fr", form_page="/ckan-admin/users/jeanne/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/ckan-admin"
    assert call("user_show", sysadmin, id="jeanne")["state"] == "deleted"
    assert client.get("/api/3/action/api_token_list?user_id=jeanne",
                      headers={"Authorization": token}).status_code == 403
    assert get(client, "/ckan-admin/users/jeanne/delete")[0] == 404
    assert get(client, "/ckan-admin/users/nobody/delete")[0] == 404


def test_sysadmin_promotion_through_the_api(client: Any, call: Caller, sysadmin: Actor,
                                            sysadmin_token: str) -> None:
    """CKAN 2.10+: user_patch/user_update with `sysadmin` by a sysadmin; others get 403 for someone else's
    account, and their own `sysadmin` is ignored (CKAN's ignore_not_sysadmin)."""
    jeanne = make_user(call, "jeanne")
    make_user(call, "paul")
    token = call("api_token_create", jeanne, user="jeanne", name="t")["token"]
    answer = client.post("/api/3/action/user_patch", json={"id": "paul", "sysadmin": True},
                         headers={"Authorization": token})
    assert answer.status_code == 403
    assert answer.get_json()["error"] == {"__type": "Authorization Error",
                                          "message": "Access denied: User jeanne not authorized to edit user paul"}
    answer = client.post("/api/3/action/user_patch", json={"id": "jeanne", "sysadmin": True},
                         headers={"Authorization": token})
    assert answer.status_code == 200 and answer.get_json()["result"]["sysadmin"] is False
    answer = client.post("/api/3/action/user_patch", json={"id": "jeanne", "sysadmin": True},
                         headers={"Authorization": sysadmin_token})
    assert answer.status_code == 200 and answer.get_json()["result"]["sysadmin"] is True
    answer = client.post("/api/3/action/user_patch", json={"id": "jeanne", "sysadmin": False},
                         headers={"Authorization": sysadmin_token})
    assert answer.status_code == 200 and answer.get_json()["result"]["sysadmin"] is False


def test_the_api_keeps_one_sysadmin(client: Any, call: Caller, sysadmin: Actor, sysadmin_token: str) -> None:
    last = "This is the last sysadmin of the site: make another user sysadmin first."
    answer = client.post("/api/3/action/user_patch", json={"id": "admin", "sysadmin": False},
                         headers={"Authorization": sysadmin_token})
    assert answer.status_code == 409  # CKAN's answer to one's own flag, before the last-sysadmin rule
    assert answer.get_json()["error"] == {"__type": "Validation Error",
                                          "sysadmin": ["Cannot modify your own sysadmin privileges"]}
    answer = client.post("/api/3/action/user_update", json={"id": "admin", "email": "admin@example.org",
                                                            "state": "pending"},
                         headers={"Authorization": sysadmin_token})
    assert answer.status_code == 409
    answer = client.post("/api/3/action/user_delete", json={"id": "admin"}, headers={"Authorization": sysadmin_token})
    assert answer.status_code == 409
    assert answer.get_json()["error"] == {"__type": "Validation Error", "id": [last]}
    assert is_sysadmin(call, sysadmin, "admin")
    # A deleted or pending sysadmin does not count: only an active one keeps the site managed.
    make_user(call, "jeanne")
    call("user_patch", sysadmin, id="jeanne", sysadmin=True)
    call("user_delete", sysadmin, id="jeanne")
    assert client.post("/api/3/action/user_delete", json={"id": "admin"},
                       headers={"Authorization": sysadmin_token}).status_code == 409


def test_site_settings_form(client: Any, call: Caller, sysadmin: Actor) -> None:
    as_user(client, sysadmin)
    status, html = get(client, "/ckan-admin/config", "fr")
    assert status == 200 and "Paramètres du site" in html and 'placeholder="Moisson"' in html
    assert 'value="Moisson"' not in html  # the default is no stored value: a placeholder
    assert re.search(r'<option (selected value=""|value="" selected)>Par défaut : Licence Ouverte', html)
    response = post(client, "/ckan-admin/config", "fr", form_page="/ckan-admin/config", site_title="Données CAF",
                    site_description="Les données de la branche Famille.", site_logo="/assets/logo.svg",
                    default_license_id="odc-odbl")
    assert response.status_code == 302 and response.headers["Location"] == "/ckan-admin/config"
    assert call("config_option_show", sysadmin, key="ckan.default_license_id") == "odc-odbl"
    as_user(client, None)
    status, html = get(client, "/", "fr")
    assert "<title>Accueil · Données CAF</title>" in html
    assert '<img src="/assets/logo.svg" alt="" class="logo"> Données CAF</a>' in html
    assert "Les données de la branche Famille." in html
    status, html = get(client, "/dataset")
    assert "· Données CAF</title>" in html


def test_site_settings_form_shows_the_actions_errors(client: Any, call: Caller, sysadmin: Actor) -> None:
    as_user(client, sysadmin)
    response = post(client, "/ckan-admin/config", "fr", form_page="/ckan-admin/config", site_title="Titre",
                    site_description="", site_logo="javascript:alert(1)", default_license_id="lov2")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Une adresse http ou https, ou un chemin de ce site commençant par /." in html
    assert call("config_option_show", sysadmin, key="ckan.site_title") == "Moisson"  # nothing saved
    response = post(client, "/ckan-admin/config", form_page="/ckan-admin/config", site_title="T",
                    site_logo="", default_license_id="not-a-licence")
    assert response.status_code == 400  # not among the form's choices
    response = post(client, "/ckan-admin/config", form_page="/ckan-admin/config", site_title="x" * 101,
                    site_logo="", default_license_id="lov2")
    assert response.status_code == 400


def test_saving_the_site_settings_stores_only_what_was_typed(client: Any, call: Caller, services: Any,
                                                             sysadmin: Actor, monkeypatch: Any) -> None:
    """The form is filled from the stored values only: saving it with just a logo stores no title nor licence,
    so a later MOISSON_SITE_TITLE (the default) still reaches the site."""
    as_user(client, sysadmin)
    html = get(client, "/ckan-admin/config")[1]
    shown = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)[1] for name in ("site_title", "site_logo")}
    assert shown == {"site_title": "", "site_logo": ""}  # nothing stored: empty fields
    response = post(client, "/ckan-admin/config", form_page="/ckan-admin/config", site_title="",
                    site_description="", site_logo="/logo.svg", default_license_id="")
    assert response.status_code == 302
    with services.db.unit_of_work(write=False) as session:
        assert stored_options(session) == {"ckan.site_logo": "/logo.svg"}
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, site_title="Nouveau nom"))
    assert '<img src="/logo.svg" alt="" class="logo"> Nouveau nom</a>' in get(client, "/")[1]
    html = get(client, "/ckan-admin/config")[1]
    assert 'value="/logo.svg"' in html and 'placeholder="Nouveau nom"' in html
