"""One error renderer (catalog/responses.py), one answer per surface: the CKAN envelope for actions, plain text
for the RDF endpoints, and an HTML page in the visitor's language for pages and file downloads."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from catalog.registry import ACTIONS, ActionSpec

HELP = "http://test.moisson.local/api/3/action/help_show?name="


def _boom(ctx: Any, data: dict[str, Any]) -> None:
    """Fails the way a bug would."""
    raise RuntimeError("secret internals")


def _upload(client: Any, token: str, package_id: str) -> dict[str, Any]:
    response = client.post("/api/3/action/resource_create", headers={"Authorization": token},
                           content_type="multipart/form-data",
                           data={"package_id": package_id, "upload": (io.BytesIO(b"a;b\n1;2\n"), "x.csv")})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["result"]


def _path(resource: dict[str, Any]) -> str:
    return resource["url"].replace("http://test.moisson.local", "")


def test_an_action_error_is_the_ckan_envelope(client: Any) -> None:
    response = client.get("/api/3/action/resource_show?id=nope")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    assert json.loads(response.get_data(as_text=True)) == {
        "help": HELP + "resource_show", "success": False,
        "error": {"__type": "Not Found Error", "message": "Not found"}}


def test_an_unexpected_action_failure_is_a_logged_500_envelope(client: Any, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(ACTIONS, "boom", ActionSpec("boom", _boom, None, True, True))
    with caplog.at_level(logging.ERROR, logger="catalog.responses"):
        response = client.get("/api/3/action/boom?callback=cb")  # JSONP wraps successes only
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    assert json.loads(response.get_data(as_text=True)) == {
        "help": HELP + "boom", "success": False,
        "error": {"__type": "Internal Server Error", "message": "Internal Server Error"}}
    assert "secret internals" in caplog.text and "action boom failed" in caplog.text


@pytest.mark.parametrize(("lang", "html_lang", "title", "status_line"), [
    ("en", "en", "Page not found", "Error 404"),
    ("fr-FR,fr;q=0.9", "fr", "Page introuvable", "Erreur 404"),
])
def test_a_missing_page_is_an_html_404_in_the_visitors_language(client: Any, lang: str, html_lang: str,
                                                                 title: str, status_line: str) -> None:
    for path in ("/dataset/nope", "/no/such/page"):
        response = client.get(path, headers={"Accept-Language": lang})
        html = response.get_data(as_text=True)
        assert response.status_code == 404 and response.mimetype == "text/html", path
        assert f'<html lang="{html_lang}">' in html and title in html and status_line in html, path


def test_rdf_endpoint_errors_are_plain_text(client: Any, call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    call("package_create", sysadmin, name="aides", owner_org=org["id"])
    turtle = {"Accept": "text/turtle"}
    cases = [
        (client.get("/catalog.ttl?per_page=0"), 400, "'per_page' must be a whole number between 1 and 1000, got '0'."),
        (client.get("/catalog.ttl?profiles=nope"), 400, "Unknown profile 'nope'. Supported profiles: "),
        (client.get("/dataset/nope.ttl"), 404, "Dataset not found: nope"),
        # /dataset/<id> negotiated to RDF: the URL matched the HTML page's route, the answer is still DCAT's text
        (client.get("/dataset/nope", headers=turtle), 404, "Dataset not found: nope"),
        (client.get("/dataset/aides?profiles=nope", headers=turtle), 400, "Unknown profile 'nope'."),
    ]
    for response, status, text in cases:
        assert response.status_code == status and response.mimetype == "text/plain", text
        assert response.get_data(as_text=True).startswith(text), text


def test_download_errors_are_html_pages_not_the_frameworks(client: Any, call: Any, sysadmin: Any,
                                                          sysadmin_token: str, org: dict[str, Any]) -> None:
    public = call("package_create", sysadmin, name="public", owner_org=org["id"])
    private = call("package_create", sysadmin, name="private", owner_org=org["id"], private=True)
    other = call("package_create", sysadmin, name="other", owner_org=org["id"])
    shown, hidden = _upload(client, sysadmin_token, public["id"]), _upload(client, sysadmin_token, private["id"])
    english = {"Accept-Language": "en"}
    not_found = [f"/dataset/public/resource/{'0' * 32}/download/x.csv",
                 _path(shown).replace(public["id"], other["id"]),
                 _path(shown).replace(public["id"], "other"),
                 # a private dataset's resource under another dataset's URL: 404, as before any access check
                 _path(hidden).replace(private["id"], other["id"]),
                 _path(hidden).replace(private["id"], "public")]
    for path in not_found:
        response = client.get(path, headers=english)
        html = response.get_data(as_text=True)
        assert response.status_code == 404 and response.mimetype == "text/html", path
        assert '<html lang="en">' in html and "Page not found" in html, path
    # A private dataset's file is a 404 to an anonymous visitor, like an unknown file (CKAN's download view),
    # with the login link: the page does not confirm that the private dataset exists.
    response = client.get(_path(hidden), headers={"Accept-Language": "fr"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Page introuvable" in html and "/user/login" in html and "a;b" not in html
    assert client.get(_path(hidden), headers={"Authorization": sysadmin_token}).data == b"a;b\n1;2\n"
    assert client.get(_path(shown).replace(public["id"], "public")).status_code == 200
    call("resource_delete", sysadmin, id=shown["id"])
    assert client.get(_path(shown), headers=english).status_code == 404


@pytest.mark.parametrize("path", ["/dataset/a%00b", "/organization/a%00b", "/dataset/a%00b/resource/x", "/user/a%00b"])
def test_an_address_holding_a_nul_is_a_404_page(client: Any, path: str) -> None:
    response = client.get(path, headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True) and "NUL" not in response.get_data(as_text=True)


def test_a_refused_input_no_form_shows_is_text_in_the_visitors_language(client: Any, sysadmin: Any) -> None:
    from tests.web.conftest import csrf_token, log_in

    log_in(client, sysadmin)
    token = csrf_token(client.get("/dataset/new").get_data(as_text=True))
    response = client.post("/dataset/edit/a%00b", data={"csrf_token": token}, headers={"Accept-Language": "fr"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Ne doit pas contenir de caractère NUL (U+0000)." in page and "{" not in page.split("<main")[-1]
