"""Login, CSRF, escaping of user text and the administrators' forms (errors beside the fields, uploads)."""

from __future__ import annotations

import io
import re
from typing import Any

from catalog.context import ANONYMOUS
from tests.conftest import make_user
from tests.web.conftest import csrf_token, log_in

XSS = "<script>alert(1)</script>"


def test_login_with_password_sets_the_session_and_logout_clears_it(client: Any, sysadmin: Any) -> None:
    form = client.get("/user/login").get_data(as_text=True)
    wrong = client.post("/user/login", data={"csrf_token": csrf_token(form), "username": "admin",
                                             "password": "nope"}, headers={"Accept-Language": "en"})
    assert wrong.status_code == 200 and "Wrong username or password." in wrong.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "user" not in session
    ok = client.post("/user/login?next=/dataset", data={"csrf_token": csrf_token(form), "username": "admin",
                                                        "password": "correct-horse"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/dataset"
    with client.session_transaction() as session:
        assert set(session["user"]) == {"id", "stamp"} and session["user"]["id"] == sysadmin.user_id
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Log out" in home
    out = client.post("/user/_logout", data={"csrf_token": csrf_token(home)})
    assert out.status_code == 302
    with client.session_transaction() as session:
        assert "user" not in session


def test_login_refuses_an_offsite_next_url(client: Any, sysadmin: Any) -> None:
    form = client.get("/user/login").get_data(as_text=True)
    response = client.post("/user/login?next=//evil.example/", data={
        "csrf_token": csrf_token(form), "username": "admin", "password": "correct-horse"})
    assert response.headers["Location"] == "/"


def test_form_posts_without_a_csrf_token_are_refused(client: Any, sysadmin: Any, org: dict[str, Any],
                                                     call: Any) -> None:
    login = client.post("/user/login", data={"username": "admin", "password": "correct-horse"},
                        headers={"Accept-Language": "en"})
    assert login.status_code == 400 and "The form has expired" in login.get_data(as_text=True)
    log_in(client, sysadmin)
    response = client.post("/organization/new", data={"title": "Sneaky", "name": "sneaky"})
    assert response.status_code == 400
    response = client.post("/organization/new", data={"title": "Sneaky", "name": "sneaky", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "sneaky" not in call("organization_list", ANONYMOUS)


def test_user_text_is_escaped_everywhere(client: Any, call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    pkg = call("package_create", sysadmin, name="xss", title=XSS, notes=XSS, owner_org=org["id"],
               tags=[{"name": "safe"}], extras=[{"key": "note", "value": XSS}],
               resources=[{"name": XSS, "url": "javascript:alert(1)", "format": "CSV", "description": XSS}])
    call("organization_patch", sysadmin, id=org["id"], description=XSS)
    pages = ["/", "/dataset", "/dataset?q=alert", "/dataset/xss", f"/dataset/xss/resource/{pkg['resources'][0]['id']}",
             "/organization", "/organization/cnaf"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert XSS not in html, path
        assert "href=\"javascript:" not in html, path
    html = client.get("/dataset/xss").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Inside the JSON-LD <script>, < and > are JSON-escaped so the title cannot close the script element.
    jsonld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "\\u003cscript\\u003e" in jsonld


def test_admin_creates_an_organization_with_errors_shown_beside_fields(client: Any, sysadmin: Any,
                                                                       call: Any) -> None:
    log_in(client, sysadmin)
    form = client.get("/organization/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    bad = client.post("/organization/new", data={"csrf_token": csrf_token(form), "title": "Bad",
                                                 "name": "Not A Valid Name!"}, headers={"Accept-Language": "en"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    field = html[html.index('id="name"'):]
    assert 'aria-invalid="true"' in html and '<ul class="errors" id="name-errors">' in field
    good = client.post("/organization/new", data={"csrf_token": csrf_token(form), "title": "Caf de la Gironde",
                                                  "name": "caf-gironde"})
    assert good.status_code == 302 and good.headers["Location"] == "/organization/caf-gironde"
    assert call("organization_show", ANONYMOUS, id="caf-gironde")["title"] == "Caf de la Gironde"
    edit = client.get("/organization/edit/caf-gironde").get_data(as_text=True)
    assert 'value="Caf de la Gironde"' in edit
    saved = client.post("/organization/edit/caf-gironde", data={
        "csrf_token": csrf_token(edit), "title": "Caf 33", "name": "caf-gironde", "description": "Bordeaux"})
    assert saved.status_code == 302
    shown = call("organization_show", ANONYMOUS, id="caf-gironde")
    assert (shown["title"], shown["description"]) == ("Caf 33", "Bordeaux")


def test_admin_creates_and_edits_a_dataset_then_adds_an_uploaded_resource(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    form = client.get("/dataset/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert org["id"] in form
    token = csrf_token(form)
    base = {"csrf_token": token, "title": "Allocataires", "owner_org": org["id"], "license_id": "",
            "tags": "logement, familles", "temporal_start": "2020-01-01", "spatial_text": "Gironde"}
    taken = call("package_create", sysadmin, name="pris", owner_org=org["id"])
    clash = client.post("/dataset/new", data={**base, "name": taken["name"]}, headers={"Accept-Language": "en"})
    html = clash.get_data(as_text=True)
    message = "That address is already used by another dataset."  # CKAN's "That URL is already in use."
    assert clash.status_code == 200 and message in html
    assert html.rindex(message) > html.index('id="name"')  # beside the field (and in the summary at the top)
    assert '<a href="#name">' in html[:html.index('id="name"')]
    french = client.post("/dataset/new", data={**base, "name": taken["name"]},
                         headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Cette adresse est déjà utilisée par un autre jeu de données." in french
    bad_email = client.post("/dataset/new", data={**base, "name": "autre", "maintainer_email": "nope"},
                            headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "nope n&#39;est pas une adresse électronique valide." in bad_email
    created = client.post("/dataset/new", data={**base, "name": "allocataires"})
    assert created.status_code == 302 and created.headers["Location"] == "/dataset/allocataires/resource/new"
    pkg = call("package_show", sysadmin, id="allocataires")
    assert sorted(t["name"] for t in pkg["tags"]) == ["familles", "logement"]
    assert {"key": "spatial_text", "value": "Gironde"} in pkg["extras"]
    assert {"key": "temporal_start", "value": "2020-01-01"} in pkg["extras"]

    edit = client.get("/dataset/edit/allocataires").get_data(as_text=True)
    assert 'value="logement, familles"' in edit or 'value="familles, logement"' in edit
    saved = client.post("/dataset/edit/allocataires", data={**base, "name": "allocataires",
                                                            "title": "Allocataires 2024", "spatial_text": ""})
    assert saved.status_code == 302
    pkg = call("package_show", sysadmin, id="allocataires")
    assert pkg["title"] == "Allocataires 2024"
    assert all(e["key"] != "spatial_text" for e in pkg["extras"])

    empty = client.post("/dataset/allocataires/resource/new", data={"csrf_token": token, "name": "Rien"},
                        headers={"Accept-Language": "en"})
    assert empty.status_code == 200 and "Upload a file or give a link to one." in empty.get_data(as_text=True)
    csv = b"commune;allocataires\nBordeaux;1200\nM\xc3\xa9rignac;<5\n"
    upload = client.post("/dataset/allocataires/resource/new", content_type="multipart/form-data", data={
        "csrf_token": token, "name": "", "format": "", "upload": (io.BytesIO(csv), "allocataires.csv")})
    assert upload.status_code == 302, upload.get_data(as_text=True)
    pkg = call("package_show", sysadmin, id="allocataires")
    resource = pkg["resources"][0]
    assert resource["name"] == "allocataires.csv"
    assert resource["url_type"] == "upload" and resource["url"].endswith("/download/allocataires.csv")
    assert upload.headers["Location"] == f"/dataset/allocataires/resource/{resource['id']}"
    page = client.get(upload.headers["Location"])
    assert page.status_code == 200
    edit_path = f"/dataset/allocataires/resource/{resource['id']}/edit"
    assert 'enctype="multipart/form-data"' in client.get(edit_path).get_data(as_text=True)
    renamed = client.post(edit_path, content_type="multipart/form-data", data={
        "csrf_token": token, "name": "Allocataires 2023", "format": "CSV", "url": "", "description": "Par commune"})
    assert renamed.status_code == 302
    after = call("resource_show", sysadmin, id=resource["id"])
    assert (after["name"], after["description"]) == ("Allocataires 2023", "Par commune")
    assert after["url_type"] == "upload" and after["url"] == resource["url"]  # the stored file is kept


def test_non_members_cannot_use_the_forms(client: Any, call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    call("package_create", sysadmin, name="public-data", owner_org=org["id"])
    anonymous = client.get("/dataset/edit/public-data")
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]
    outsider = make_user(call, "outsider")
    log_in(client, outsider)
    for path in ["/dataset/edit/public-data", "/organization/edit/cnaf", "/dataset/public-data/resource/new"]:
        page = client.get(path).get_data(as_text=True)
        token = csrf_token(page) if "csrf_token" in page else ""
        response = client.post(path, data={"csrf_token": token, "title": "Hacked", "name": "public-data",
                                           "url": "https://example.org/x.csv"})
        assert response.status_code == 403, path
        assert "Traceback" not in response.get_data(as_text=True)
    assert call("package_show", ANONYMOUS, id="public-data")["title"] != "Hacked"
    assert call("package_show", ANONYMOUS, id="public-data")["resources"] == []
