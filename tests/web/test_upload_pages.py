"""The resource forms with files of real size (issue 17): a file over the body limit is stored, a file over the
resource limit brings the form back as a 413 stating the limit in the visitor's language with the other fields
kept, and static/upload.js gets {"location"} for a saved form. Flask client, both databases."""

from __future__ import annotations

import hashlib
import html
import io
from dataclasses import replace
from typing import Any

import pytest

from catalog.storage.limits import UPLOAD_FORM_PARTS, WEB_DRAIN_FACTOR
from tests.web.conftest import csrf_token, log_in

BODY = 64 * 1024
FILE = 1_000_000  # "1,0 Mo" / "1.0 MB"
FIELDS = {"name": "Allocataires par commune", "description": "Une ligne par commune, **2024**.",
          "format": "CSV", "url": ""}


@pytest.fixture
def small_limits(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(vars(services), "settings",
                        replace(services.settings, max_body_bytes=BODY, max_resource_bytes=FILE))


@pytest.fixture
def dataset(call: Any, sysadmin: Any, org: dict[str, Any], client: Any, small_limits: None) -> dict[str, Any]:
    log_in(client, sysadmin)
    return call("package_create", sysadmin, name="allocataires", owner_org=org["id"])


def form_token(client: Any, path: str) -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


def post_file(client: Any, path: str, content: bytes, lang: str = "fr", headers: dict[str, str] | None = None,
              **fields: str) -> Any:
    data = {"csrf_token": form_token(client, path), **fields, "upload": (io.BytesIO(content), "allocataires.csv")}
    return client.post(path, data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": lang, **(headers or {})})


def test_the_form_states_the_limit_and_loads_the_progress_script(client, dataset):
    french = client.get("/dataset/allocataires/resource/new", headers={"Accept-Language": "fr"})
    page = html.unescape(french.get_data(as_text=True))
    assert f'data-max-bytes="{FILE}"' in page
    assert "Taille maximale d'un fichier : 1,0 Mo." in page
    assert 'data-too-large="Le fichier dépasse la taille maximale de 1,0 Mo."' in page
    assert '<progress id="upload-progress"' in page and 'upload.js"></script>' in page
    english = client.get("/dataset/allocataires/resource/new", headers={"Accept-Language": "en"})
    assert "Largest file accepted: 1.0 MB." in english.get_data(as_text=True)


def test_a_file_larger_than_the_body_limit_is_stored(client, call, sysadmin, dataset, services):
    content = b"commune;allocataires\n" + b"Bordeaux;1200\n" * (FILE // 20)
    assert BODY < len(content) < FILE
    response = post_file(client, "/dataset/allocataires/resource/new", content, **FIELDS)
    assert response.status_code == 302, response.get_data(as_text=True)
    resource = call("package_show", sysadmin, id="allocataires")["resources"][0]
    assert response.headers["Location"] == f"/dataset/allocataires/resource/{resource['id']}"
    assert resource["size"] == len(content) and resource["hash"] == hashlib.sha256(content).hexdigest()
    assert services.storage.files.path(resource["id"]).read_bytes() == content


def test_the_script_gets_the_next_page_as_json_and_its_message_waits_there(client, call, sysadmin, dataset):
    response = post_file(client, "/dataset/allocataires/resource/new", b"a;b\n1;2\n",
                         headers={"X-Moisson-Upload": "1"}, **FIELDS)
    assert response.status_code == 200 and response.mimetype == "application/json"
    resource = call("package_show", sysadmin, id="allocataires")["resources"][0]
    assert response.get_json() == {"location": f"/dataset/allocataires/resource/{resource['id']}"}
    following = client.get(response.get_json()["location"], headers={"Accept-Language": "fr"})
    assert "Ressource ajoutée." in following.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "message"), [("fr", "Le fichier dépasse la taille maximale de 1,0 Mo."),
                                               ("en", "The file is larger than the maximum size of 1.0 MB.")])
def test_a_file_over_the_limit_brings_the_form_back_with_its_fields(client, call, sysadmin, dataset, services, lang,
                                                                    message):
    response = post_file(client, "/dataset/allocataires/resource/new", b"x" * (FILE + 1), lang=lang, **FIELDS)
    assert response.status_code == 413
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert 'value="Allocataires par commune"' in page and 'value="CSV"' in page
    assert "Une ligne par commune, **2024**.</textarea>" in page
    assert 'aria-invalid="true"' in page  # the file field, described by its message
    assert call("package_show", sysadmin, id="allocataires")["resources"] == []


def test_the_edit_form_keeps_the_stored_file_and_the_fields(client, call, sysadmin, dataset, services):
    created = post_file(client, "/dataset/allocataires/resource/new", b"a;b\n1;2\n", **FIELDS)
    assert created.status_code == 302
    resource = call("package_show", sysadmin, id="allocataires")["resources"][0]
    path = f"/dataset/allocataires/resource/{resource['id']}/edit"
    response = post_file(client, path, b"y" * (FILE + 10), **{**FIELDS, "name": "Nouveau nom"})
    assert response.status_code == 413
    page = html.unescape(response.get_data(as_text=True))
    assert "Le fichier dépasse la taille maximale de 1,0 Mo." in page and 'value="Nouveau nom"' in page
    after = call("resource_show", sysadmin, id=resource["id"])
    assert after["name"] == FIELDS["name"] and after["hash"] == resource["hash"]
    assert services.storage.files.path(resource["id"]).read_bytes() == b"a;b\n1;2\n"


def test_a_body_beyond_what_a_form_reads_is_a_413_page_stating_the_limit(client, call, sysadmin, dataset):
    response = post_file(client, "/dataset/allocataires/resource/new", b"z" * (WEB_DRAIN_FACTOR * FILE + BODY + 1),
                         **FIELDS)
    assert response.status_code == 413
    page = html.unescape(response.get_data(as_text=True))
    assert "Fichier trop volumineux" in page and "Le fichier dépasse la taille maximale de 1,0 Mo." in page
    assert call("package_show", sysadmin, id="allocataires")["resources"] == []


def test_other_forms_keep_the_body_limit_and_say_so_in_french(client, dataset):
    token = form_token(client, "/dataset/edit/allocataires")
    response = client.post("/dataset/edit/allocataires", data={"csrf_token": token, "notes": "x" * (2 * BODY)},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 413
    assert "La requête dépasse la taille maximale de 65,5 ko." in html.unescape(response.get_data(as_text=True))


def test_a_form_with_too_many_fields_is_a_413_saying_so_in_french(client, dataset):
    path = "/dataset/allocataires/resource/new"
    data = {"csrf_token": form_token(client, path), **FIELDS, **{f"e{i}": "1" for i in range(UPLOAD_FORM_PARTS)}}
    response = client.post(path, data=data, content_type="multipart/form-data", headers={"Accept-Language": "fr"})
    assert response.status_code == 413
    assert f"Le formulaire a trop de champs (plus de {UPLOAD_FORM_PARTS})." in html.unescape(
        response.get_data(as_text=True))


def test_fields_over_the_memory_budget_are_a_413_saying_so(client, dataset):
    path = "/dataset/allocataires/resource/new"
    data = {"csrf_token": form_token(client, path), **FIELDS, **{f"e{i}": "x" * (BODY // 4) for i in range(5)}}
    response = client.post(path, data=data, content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "The form's fields are larger than 65.5 kB in all." in html.unescape(response.get_data(as_text=True))


def test_a_session_naming_nobody_keeps_the_body_limit(app, dataset):
    """The upload limit is for a session naming a user: a visitor's session (a CSRF token) or a forged cookie keeps
    the body limit, before any login check reads the body."""
    visitor = app.test_client()
    token = form_token(visitor, "/user/login")
    data = {"csrf_token": token, "upload": (io.BytesIO(b"z" * (BODY + 10)), "allocataires.csv")}
    response = visitor.post("/dataset/allocataires/resource/new", data=data, content_type="multipart/form-data",
                            headers={"Accept-Language": "fr"})
    assert response.status_code == 413
    assert "La requête dépasse la taille maximale de 65,5 ko." in html.unescape(response.get_data(as_text=True))
    visitor.set_cookie("session", "forged")
    response = visitor.post("/api/3/action/resource_create", content_type="multipart/form-data",
                            data={"upload": (io.BytesIO(b"z" * (BODY + 10)), "a.csv")})
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == f"Request body is larger than {BODY} bytes"
