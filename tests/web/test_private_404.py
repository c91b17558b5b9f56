"""On the web, a dataset the visitor may not see answers 404 like an unknown one (CKAN's pages: "Dataset not
found"), on its page, its resources, its review page and its forms, and to the forms' posts; its members still
see it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_user
from tests.web.conftest import csrf_token, log_in


@pytest.fixture
def hidden(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    pkg = call("package_create", sysadmin, name="secret-stats", title="Statistiques secrètes", owner_org=org["id"],
               private=True, resources=[{"name": "Fichier secret", "url": "https://example.org/s.csv", "format": "CSV"}])
    resource = pkg["resources"][0]["id"]
    paths = [f"/dataset/{pkg['name']}", f"/dataset/{pkg['id']}", f"/dataset/{pkg['id']}/resource/{resource}",
             f"/dataset/{pkg['name']}/resource/{resource}", f"/dataset/{pkg['name']}/review",
             f"/dataset/edit/{pkg['name']}", f"/dataset/{pkg['name']}/resource/new",
             f"/dataset/{pkg['name']}/resource/{resource}/edit", f"/dataset/{pkg['id']}/resource/{resource}/download"]
    return {"pkg": pkg, "paths": paths}


def unknown_dataset_page(page: Any, lang: str) -> str:
    status, html = page("/dataset/no-such-dataset", lang)
    assert status == 404
    return html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_private_dataset_is_a_404_for_anonymous_visitors(page: Any, hidden: dict[str, Any], lang: str) -> None:
    unknown = unknown_dataset_page(page, lang)
    for path in hidden["paths"]:
        status, html = page(path, lang)
        assert status == 404, path
        assert "Statistiques secrètes" not in html and "Fichier secret" not in html, path
        # Nothing tells it apart from an unknown dataset but its own address (the language switch links to it).
        assert html.replace(path, "/dataset/no-such-dataset") == unknown, path


def test_a_private_dataset_is_a_404_for_a_user_outside_its_organization(client: Any, page: Any, call: Any,
                                                                        hidden: dict[str, Any]) -> None:
    log_in(client, make_user(call, "olivier"))
    for path in hidden["paths"]:
        assert page(path)[0] == 404, path


def test_its_organization_members_still_see_it(client: Any, page: Any, call: Any, sysadmin: Any,
                                               hidden: dict[str, Any]) -> None:
    member = make_user(call, "marie")
    call("organization_member_create", sysadmin, id=hidden["pkg"]["owner_org"], username="marie", role="member")
    log_in(client, member)
    for path in hidden["paths"][:4]:
        status, html = page(path)
        assert status == 200 and "Statistiques secrètes" in html, path
    assert page(f"/dataset/edit/{hidden['pkg']['name']}")[0] == 403  # seen, but a member may not edit it


def test_a_deleted_dataset_is_a_404_for_visitors(page: Any, call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    call("package_create", sysadmin, name="ancien", title="Ancien jeu", owner_org=org["id"])
    call("package_delete", sysadmin, id="ancien")
    status, html = page("/dataset/ancien")
    assert status == 404 and "Ancien jeu" not in html


def test_posting_to_a_private_dataset_is_still_refused(client: Any, hidden: dict[str, Any]) -> None:
    # A form post without its CSRF token is refused first, whatever the dataset.
    answer = client.post(f"/dataset/edit/{hidden['pkg']['name']}", data={})
    assert answer.status_code in (400, 403)


def test_posting_to_a_private_dataset_is_a_404_like_an_unknown_one(client: Any, call: Any, sysadmin: Any,
                                                                   hidden: dict[str, Any]) -> None:
    # A 403 to the forms' posts told a user outside the organization that the name exists.
    log_in(client, make_user(call, "olivier"))
    token = csrf_token(client.get("/user/edit/olivier").get_data(as_text=True))
    pkg, resource = hidden["pkg"], hidden["pkg"]["resources"][0]["id"]
    posts = ["/dataset/edit/{}", "/dataset/delete/{}", "/dataset/{}/review/submit", "/dataset/{}/review/withdraw",
             "/dataset/{}/resource/new", f"/dataset/{{}}/resource/{resource}/edit",
             f"/dataset/{{}}/resource/{resource}/delete"]
    for path in posts:
        unknown = client.post(path.format("no-such-dataset"), data={"csrf_token": token})
        assert unknown.status_code == 404, path
        for ident in (pkg["name"], pkg["id"]):
            answer = client.post(path.format(ident), data={"csrf_token": token, "title": "Pris"})
            assert answer.status_code == 404, (path, ident)
            assert "Statistiques secrètes" not in answer.get_data(as_text=True)
    assert call("package_show", sysadmin, id=pkg["id"])["title"] == "Statistiques secrètes"
