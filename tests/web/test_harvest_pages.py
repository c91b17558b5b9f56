"""Harvest source pages: each source's jobs with their statistics and errors, as the harvest actions allow; and
managing sources from the web (create, edit, validate, run now, preview, abort, clear, delete), each through the
harvest action the API runs, CSRF-protected."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from harvest.runner import RunOptions, harvest_source
from tests.conftest import make_user
from tests.web.conftest import csrf_token, log_in

FAST_HTTP = {"retries": 0, "backoff_factor": 0.01, "backoff_max": 0.05, "read_timeout": 1.0, "connect_timeout": 1.0}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def failed_source(call: Any, sysadmin: Any, org: dict[str, Any], services: Any,
                  outbound_allow_loopback: None) -> dict[str, Any]:
    """A CKAN source on a port nobody listens on (loopback, allowed), harvested once: a job whose gathering
    failed."""
    source = call("harvest_source_create", sysadmin, name="ailleurs", title="Portail <b>ailleurs</b>",
                  url=f"http://127.0.0.1:{closed_port()}/", source_type="ckan", owner_org=org["id"],
                  config={"http": FAST_HTTP})
    harvest_source(services, source["id"], RunOptions())
    return source


def test_sysadmin_sees_sources_jobs_and_errors(client: Any, sysadmin: Any, failed_source: dict[str, Any],
                                               call: Any) -> None:
    log_in(client, sysadmin)
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/harvest"' in home
    listing = client.get("/harvest", headers={"Accept-Language": "en"})
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Portail &lt;b&gt;ailleurs&lt;/b&gt;" in html and "<b>ailleurs</b>" not in html
    source_page = client.get("/harvest/ailleurs", headers={"Accept-Language": "en"}).get_data(as_text=True)
    job = call("harvest_job_list", sysadmin, source_id=failed_source["id"])[0]
    assert f"/harvest/ailleurs/job/{job['id']}" in source_page
    assert f'data-status="{job["status"]}"' in source_page and "Harvest failed" in source_page
    assert "The source could not be reached on page 1." in source_page
    assert job["gather_errors"][0]["detail"] in source_page.replace("&#39;", "'")  # behind a <details>
    job_page = client.get(f"/harvest/ailleurs/job/{job['id']}", headers={"Accept-Language": "fr"})
    html = job_page.get_data(as_text=True)
    assert job_page.status_code == 200 and "Moissonnage" in html
    assert "Échec du moissonnage" in html and "La source n’a pas pu être jointe (page 1)." in html
    assert "Détail technique" in html


def test_harvest_pages_follow_the_harvest_actions_auth(client: Any, call: Any, sysadmin: Any, org: dict[str, Any],
                                                      failed_source: dict[str, Any]) -> None:
    anonymous = client.get("/harvest")
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]
    log_in(client, make_user(call, "curieux"))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/harvest"' not in home  # the menu entry is for administrators
    job = call("harvest_job_list", sysadmin, source_id=failed_source["id"])[0]
    for path in ["/harvest/ailleurs", f"/harvest/ailleurs/job/{job['id']}"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "gather" not in response.get_data(as_text=True).lower()
    # The organization's admin manages its sources.
    call("organization_member_create", sysadmin, id=org["id"], username="curieux", role="admin")
    assert client.get("/harvest/ailleurs").status_code == 200
    assert client.get("/harvest/nope/job/nope").status_code == 404


# Managing sources from the web ----------------------------------------------------------------------------


@pytest.fixture
def remote_ckan(outbound_allow_loopback: None) -> Any:
    from tests.harvest.remote import FakeCkan, RemoteServer, ckan_package

    server = RemoteServer()
    ckan = FakeCkan(server, prefix="/ckan")
    for number in range(3):
        ckan.put(ckan_package(number))
    yield ckan
    from harvest.in_process import wait_for_in_process_jobs

    wait_for_in_process_jobs()  # a job started by "Run now" must not outlive the test's database
    server.close()


def form_page(client: Any, path: str, lang: str = "en") -> tuple[int, str]:
    response = client.get(path, headers={"Accept-Language": lang})
    return response.status_code, response.get_data(as_text=True)


def post_form(client: Any, path: str, data: dict[str, Any], lang: str = "en", form_path: str | None = None) -> Any:
    _status, html = form_page(client, form_path or path, lang)
    return client.post(path, data={"csrf_token": csrf_token(html), **data}, headers={"Accept-Language": lang})


def source_fields(url: str, org: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"title": "Portail voisin", "name": "portail-voisin", "url": url, "source_type": "ckan",
            "owner_org": org["id"], "frequency": "WEEKLY", "notes": "", "active": "y",
            "config": json.dumps({"rows": 2, "http": FAST_HTTP}), **overrides}


def test_sysadmin_creates_runs_and_previews_a_source(client: Any, sysadmin: Any, org: dict[str, Any], call: Any,
                                                     remote_ckan: Any) -> None:
    from harvest.in_process import wait_for_in_process_jobs

    log_in(client, sysadmin)
    status, html = form_page(client, "/harvest/new", "fr")
    assert status == 200 and "Nouvelle source de moissonnage" in html and "dataset_form.js" in html
    assert '<label for="config">' in html and org["title"] in html
    created = post_form(client, "/harvest/new", source_fields(remote_ckan.url, org, review="y"))
    assert created.status_code == 302 and created.headers["Location"].endswith("/harvest/portail-voisin")
    source = call("harvest_source_show", sysadmin, id="portail-voisin")
    assert source["validation"]["state"] == "accepted" and source["frequency"] == "WEEKLY"
    assert json.loads(source["config"]) == {"rows": 2, "http": FAST_HTTP, "review": True}
    call("harvest_source_update", sysadmin, id=source["id"], config={"rows": 2, "http": FAST_HTTP})

    preview = post_form(client, "/harvest/portail-voisin/preview", {})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and html.count("would be created") == 3 and "remote-dataset-1" in html
    assert call("package_search", sysadmin, rows=0)["count"] == 0  # nothing written

    ran = post_form(client, "/harvest/refresh/portail-voisin", {}, form_path="/harvest/portail-voisin")
    assert ran.status_code == 302 and "/harvest/portail-voisin/job/" in ran.headers["Location"]
    wait_for_in_process_jobs()
    job = call("harvest_job_list", sysadmin, source_id=source["id"])[0]
    assert job["status"] == "finished" and job["stats"]["added"] == 3 and not job["gather_failed"], job
    assert call("package_search", sysadmin, rows=0)["count"] == 3
    status, html = form_page(client, ran.headers["Location"], "fr")
    assert status == 200 and "Terminé" in html and "Échec" not in html

    # A second run now, a full one: nothing changed upstream.
    post_form(client, "/harvest/refresh/portail-voisin", {"force_all": "y"}, form_path="/harvest/portail-voisin")
    wait_for_in_process_jobs()
    assert call("harvest_job_list", sysadmin, source_id=source["id"])[0]["stats"]["unchanged"] == 3


def test_the_form_explains_bad_json_and_the_actions_refusals(client: Any, sysadmin: Any, org: dict[str, Any],
                                                            call: Any) -> None:
    log_in(client, sysadmin)
    bad = post_form(client, "/harvest/new", source_fields("http://example.org/", org, config='{"rows": 2,}'), "fr")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Ce n’est pas du JSON valide (ligne 1, colonne 12)" in html
    assert 'href="#config"' in html  # the summary at the top links to the field
    unknown = post_form(client, "/harvest/new", source_fields("http://example.org/", org, config='{"nope": 1}'))
    assert unknown.status_code == 400 and "nope" in unknown.get_data(as_text=True)
    wrong_type = post_form(client, "/harvest/new", source_fields("ftp://example.org/", org))
    assert wrong_type.status_code == 400
    assert call("harvest_source_list", sysadmin) == []


def test_an_organization_admin_source_waits_for_a_sysadmin(client: Any, call: Any, sysadmin: Any,
                                                           org: dict[str, Any]) -> None:
    admin = make_user(call, "gerante")
    call("organization_member_create", sysadmin, id=org["id"], username="gerante", role="admin")
    log_in(client, admin)
    created = post_form(client, "/harvest/new", source_fields("http://example.org/", org))
    assert created.status_code == 302
    status, html = form_page(client, "/harvest/portail-voisin", "fr")
    assert "En attente de validation" in html and "Valider cette source" not in html
    refused = post_form(client, "/harvest/refresh/portail-voisin", {}, "fr", form_path="/harvest/portail-voisin")
    assert refused.status_code == 302
    assert "Un administrateur du site doit valider" in form_page(client, "/harvest/portail-voisin", "fr")[1]
    assert call("harvest_job_list", sysadmin, source_id="portail-voisin") == []
    token = csrf_token(html)
    assert client.post("/harvest/validate/portail-voisin", data={"csrf_token": token, "state": "accepted"}
                       ).status_code == 403

    log_in(client, sysadmin)
    validated = post_form(client, "/harvest/validate/portail-voisin", {"state": "accepted", "comment": "Vu"},
                          form_path="/harvest/portail-voisin")
    assert validated.status_code == 302
    assert call("harvest_source_show", sysadmin, id="portail-voisin")["validation"]["state"] == "accepted"


def test_edit_abort_clear_and_delete(client: Any, call: Any, sysadmin: Any, org: dict[str, Any],
                                     remote_ckan: Any, services: Any) -> None:
    log_in(client, sysadmin)
    source = call("harvest_source_create", sysadmin, **{**source_fields(remote_ckan.url, org), "active": True,
                                                         "config": {"rows": 2, "http": FAST_HTTP}})
    status, html = form_page(client, "/harvest/edit/portail-voisin")
    assert status == 200 and 'value="Portail voisin"' in html and "&#34;rows&#34;: 2" in html
    edited = post_form(client, "/harvest/edit/portail-voisin", source_fields(
        remote_ckan.url, org, title="Portail d’à côté", config=json.dumps({"rows": 3})))
    assert edited.status_code == 302
    shown = call("harvest_source_show", sysadmin, id=source["id"])
    assert shown["title"] == "Portail d’à côté" and json.loads(shown["config"]) == {"rows": 3}

    job = call("harvest_job_create", sysadmin, source_id=source["id"])  # waiting: nobody runs it
    status, html = form_page(client, f"/harvest/portail-voisin/job/{job['id']}")
    assert "Abort this job" in html
    aborted = client.post(f"/harvest/portail-voisin/job/{job['id']}/abort", data={"csrf_token": csrf_token(html)})
    assert aborted.status_code == 302 and call("harvest_job_show", sysadmin, id=job["id"])["status"] == "aborted"
    assert client.post(f"/harvest/portail-voisin/job/{job['id']}/abort").status_code == 400  # no CSRF token

    harvest_source(services, source["id"], RunOptions())
    assert call("package_search", sysadmin, rows=0)["count"] == 3
    for number in range(2):  # two of three gone upstream: more than the deletion guard allows
        remote_ckan.remove(f"00000000-0000-4000-8000-{number:012d}")
    guarded = harvest_source(services, source["id"], RunOptions(), force_all=True)
    status, html = form_page(client, f"/harvest/portail-voisin/job/{guarded['id']}", "fr")
    assert "2 jeu(x) de données sur 3 (67 %) manquent dans la source" in html or \
        "2 jeu(x) de données sur 3 (67%) manquent dans la source" in html
    assert "Échec du moissonnage" not in html and "Remarque" in html
    status, html = form_page(client, "/harvest/clear/portail-voisin", "fr")
    assert status == 200 and "Retirer les 3 jeu(x) de données" in html
    cleared = client.post("/harvest/clear/portail-voisin", data={"csrf_token": csrf_token(html)})
    assert cleared.status_code == 302 and call("package_search", sysadmin, rows=0)["count"] == 0
    deleted = post_form(client, "/harvest/delete/portail-voisin", {})
    assert deleted.status_code == 302 and call("harvest_source_show", sysadmin, id=source["id"])["active"] is False


def test_management_follows_the_actions_auth(client: Any, call: Any, sysadmin: Any, org: dict[str, Any],
                                             failed_source: dict[str, Any]) -> None:
    log_in(client, make_user(call, "curieux"))
    assert client.get("/harvest/new").status_code == 403
    token = csrf_token(client.get("/").get_data(as_text=True))
    for path in ["/harvest/edit/ailleurs", "/harvest/clear/ailleurs", "/harvest/delete/ailleurs",
                 "/harvest/ailleurs/preview"]:
        assert client.get(path).status_code == 403, path
    for path in ["/harvest/refresh/ailleurs", "/harvest/validate/ailleurs", "/harvest/clear/ailleurs"]:
        assert client.post(path, data={"csrf_token": token, "state": "accepted"}).status_code == 403, path
    assert client.get("/harvest/edit/nope").status_code == 404
