"""User pages through the test client, on both databases: the list (/user/), a profile (/user/<name>: about as
Markdown, the datasets and activity the visitor may see, the e-mail for the user and sysadmins only), the account
form (/user/edit/<name>: the current password asked to change the e-mail or the password, as CKAN) and the API
tokens page (/user/<name>/api-tokens: a new token shown once, listed, revoked)."""

from __future__ import annotations

from typing import Any

from catalog.context import Actor
from tests.conftest import Caller, make_user
from tests.web.conftest import as_user, csrf_token, get, post


def edit_data(**changes: Any) -> dict[str, Any]:
    data = {"fullname": "Jeanne Martin", "name": "jeanne", "email": "jeanne@example.org", "about": "",
            "password": "", "password_confirm": "", "old_password": ""}
    return {**data, **changes}


def test_user_list_searches_and_pages(client: Any, call: Caller) -> None:
    for name in ("jeanne", "paul", "pauline"):
        make_user(call, name)
    status, html = get(client, "/user/", "fr")
    assert status == 200 and "Utilisateurs" in html and "jeanne" in html and "pauline" in html
    status, html = get(client, "/user?q=paul")
    assert status == 200 and "pauline" in html and 'href="/user/paul"' in html and "jeanne" not in html
    assert "2 users" in html
    status, html = get(client, "/user/?page=2", "fr")  # one page only: past the last page is a 404 page
    assert status == 404 and "Page introuvable" in html


def test_profile_shows_what_the_visitor_may_see(client: Any, call: Caller, sysadmin: Actor,
                                                org: dict[str, Any]) -> None:
    jeanne = make_user(call, "jeanne")
    call("organization_member_create", sysadmin, id=org["id"], username="jeanne", role="editor")
    call("user_patch", jeanne, id="jeanne", fullname="Jeanne Martin",
         about="Statisticienne à la **CNAF**.\n\n<script>alert(1)</script>")
    call("package_create", jeanne, name="public-data", title="Données publiques", owner_org=org["id"])
    call("package_create", jeanne, name="secret-data", title="Données internes", owner_org=org["id"], private=True)

    as_user(client, None)
    status, html = get(client, "/user/jeanne", "fr")
    assert status == 200 and "<h1>Jeanne Martin" in html
    assert "<strong>CNAF</strong>" in html and "<script>alert(1)</script>" not in html  # Markdown, sanitised
    assert "Données publiques" in html and "Données internes" not in html
    assert "jeanne@example.org" not in html
    assert 'href="/dataset/public-data"' in html and "jeu de données créé" in html
    assert 'href="/user/edit/jeanne"' not in html and "/api-tokens" not in html

    as_user(client, jeanne)
    status, html = get(client, "/user/jeanne")
    assert "Données internes" in html and "jeanne@example.org" in html
    assert 'href="/user/edit/jeanne"' in html and 'href="/user/jeanne/api-tokens"' in html
    assert 'class="who" href="/user/jeanne"' in html  # the header links to one's own page

    as_user(client, make_user(call, "paul"))  # another user: public things only, no e-mail
    status, html = get(client, "/user/jeanne")
    assert "Données internes" not in html and "jeanne@example.org" not in html
    as_user(client, sysadmin)
    status, html = get(client, "/user/jeanne")
    assert "Données internes" in html and "jeanne@example.org" in html


def test_profile_of_an_unknown_or_deleted_user_is_a_404_page(client: Any, call: Caller, sysadmin: Actor) -> None:
    make_user(call, "gone")
    call("user_delete", sysadmin, id="gone")
    assert get(client, "/user/nobody", "fr")[0] == 404
    status, html = get(client, "/user/gone", "fr")
    assert status == 404 and "Page introuvable" in html
    as_user(client, sysadmin)
    assert get(client, "/user/gone")[0] == 200


def test_edit_profile_by_the_user(client: Any, call: Caller) -> None:
    jeanne = make_user(call, "jeanne")
    as_user(client, None)
    response = client.get("/user/edit/jeanne")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    as_user(client, make_user(call, "paul"))
    assert get(client, "/user/edit/jeanne")[0] == 403
    assert post(client, "/user/edit/jeanne", form_page="/user/paul", **edit_data()).status_code == 403

    as_user(client, jeanne)
    status, html = get(client, "/user/edit/jeanne", "fr")
    assert status == 200 and "Modifier le profil" in html and 'value="jeanne@example.org"' in html
    response = post(client, "/user/edit/jeanne", about="Je *publie* les données.", **{
        k: v for k, v in edit_data().items() if k != "about"})
    assert response.status_code == 302 and response.headers["Location"] == "/user/jeanne"
    shown = call("user_show", jeanne, id="jeanne")
    assert shown["fullname"] == "Jeanne Martin" and shown["about"] == "Je *publie* les données."

    # A new e-mail or password needs the current password.
    response = post(client, "/user/edit/jeanne", "fr", **edit_data(email="j.martin@example.org"))
    assert response.status_code == 400
    assert "Mot de passe incorrect" in response.get_data(as_text=True)
    response = post(client, "/user/edit/jeanne", **edit_data(email="j.martin@example.org", old_password="wrong!!!"))
    assert response.status_code == 400
    response = post(client, "/user/edit/jeanne", **edit_data(email="j.martin@example.org",
                                                             old_password="correct-horse"))
    assert response.status_code == 302
    assert call("user_show", jeanne, id="jeanne")["email"] == "j.martin@example.org"

    response = post(client, "/user/edit/jeanne", "fr", **edit_data(
        email="j.martin@example.org", password="nouveau-secret", password_confirm="autre-secret",
        old_password="correct-horse"))
    assert response.status_code == 400 and "ne sont pas identiques" in response.get_data(as_text=True)
    response = post(client, "/user/edit/jeanne", "fr", **edit_data(
        email="j.martin@example.org", password="court", password_confirm="court", old_password="correct-horse"))
    assert response.status_code == 400
    response = post(client, "/user/edit/jeanne", **edit_data(
        email="j.martin@example.org", password="nouveau-secret", password_confirm="nouveau-secret",
        old_password="correct-horse"))
    assert response.status_code == 302
    # The password changed, so every other session ended; this browser stays logged in.
    status, html = get(client, "/user/jeanne")
    assert 'class="who" href="/user/jeanne"' in html
    with client.session_transaction() as session:
        session.clear()
    login_page = client.get("/user/login").get_data(as_text=True)
    response = client.post("/user/login", data={"csrf_token": csrf_token(login_page), "username": "jeanne",
                                                 "password": "nouveau-secret"})
    assert response.status_code == 302


def test_edit_profile_shows_the_actions_errors_in_french(client: Any, call: Caller) -> None:
    jeanne = make_user(call, "jeanne")
    make_user(call, "paul")
    as_user(client, jeanne)
    response = post(client, "/user/edit/jeanne", "fr", **edit_data(about="Voir http://spam.example"))
    assert response.status_code == 400
    assert "Les liens ne sont pas autorisés dans cette description." in response.get_data(as_text=True)
    response = post(client, "/user/edit/jeanne", "fr", **edit_data(name="jeanne2"))
    assert response.status_code == 400
    assert "Seul un administrateur du site peut changer un identifiant." in response.get_data(as_text=True)
    response = post(client, "/user/edit/jeanne", "fr", **edit_data(email="paul@example.org",
                                                                   old_password="correct-horse"))
    assert response.status_code == 400
    assert "déjà utilisée par un autre compte" in response.get_data(as_text=True)
    assert call("user_show", jeanne, id="jeanne")["email"] == "jeanne@example.org"


def test_a_sysadmin_renames_a_user_with_their_own_password(client: Any, call: Caller, sysadmin: Actor) -> None:
    make_user(call, "jeanne")
    as_user(client, sysadmin)
    status, html = get(client, "/user/edit/jeanne")
    assert status == 200 and "readonly" not in html
    response = post(client, "/user/edit/jeanne", **edit_data(name="jeanne-martin", email="jm@example.org",
                                                             old_password="correct-horse"))
    assert response.status_code == 302 and response.headers["Location"] == "/user/jeanne-martin"
    assert call("user_show", sysadmin, id="jeanne-martin")["email"] == "jm@example.org"


def test_api_tokens_created_once_listed_and_revoked(client: Any, call: Caller) -> None:
    jeanne = make_user(call, "jeanne")
    as_user(client, jeanne)
    status, html = get(client, "/user/jeanne/api-tokens", "fr")
    assert status == 200 and "Jetons d'API" in html and "Aucun jeton." in html
    response = post(client, "/user/jeanne/api-tokens", "fr", name="script de moissonnage")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    tokens = call("api_token_list", jeanne, user_id="jeanne")
    assert [token["name"] for token in tokens] == ["script de moissonnage"]
    secret = html.split('id="new-token" class="token" value="', 1)[1].split('"', 1)[0]
    assert len(secret) > 20
    answer = client.get("/api/3/action/user_show?id=jeanne", headers={"Authorization": secret})
    assert answer.status_code == 200 and answer.get_json()["result"]["email"] == "jeanne@example.org"

    status, html = get(client, "/user/jeanne/api-tokens")  # listed, never shown again
    assert "script de moissonnage" in html and secret not in html
    response = post(client, f"/user/jeanne/api-tokens/{tokens[0]['id']}/revoke", form_page="/user/jeanne/api-tokens")
    assert response.status_code == 302
    assert call("api_token_list", jeanne, user_id="jeanne") == []
    answer = client.get("/api/3/action/user_show?id=jeanne", headers={"Authorization": secret})
    assert "email" not in answer.get_json()["result"]


def test_api_tokens_page_is_the_owners(client: Any, call: Caller, sysadmin: Actor) -> None:
    jeanne = make_user(call, "jeanne")
    token = call("api_token_create", jeanne, user="jeanne", name="mine")
    jti = call("api_token_list", jeanne, user_id="jeanne")[0]["id"]
    as_user(client, make_user(call, "paul"))
    assert get(client, "/user/jeanne/api-tokens")[0] == 403
    assert post(client, "/user/jeanne/api-tokens", form_page="/user/paul/api-tokens", name="x").status_code == 403
    assert post(client, f"/user/jeanne/api-tokens/{jti}/revoke", form_page="/user/paul/api-tokens").status_code == 403
    assert client.post(f"/user/jeanne/api-tokens/{jti}/revoke").status_code == 400  # no CSRF token
    assert len(call("api_token_list", jeanne, user_id="jeanne")) == 1
    as_user(client, None)
    response = client.get("/user/jeanne/api-tokens")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    assert client.get("/api/3/action/user_show?id=jeanne",
                      headers={"Authorization": token["token"]}).status_code == 200


def test_wrong_current_passwords_count_as_failed_logins(client: Any, call: Caller) -> None:
    """The account form checks the current password under the login limits (MOISSON_LOGIN_MAX_FAILURES, 10 by
    default): a borrowed session cannot guess the password faster than the login form."""
    jeanne = make_user(call, "jeanne")
    as_user(client, jeanne)
    form_page = client.get("/user/edit/jeanne").get_data(as_text=True)
    data = {"csrf_token": csrf_token(form_page), **edit_data(email="other@example.org", old_password="guess")}
    limit = client.application.extensions["moisson"].settings.login_max_failures
    for _ in range(limit):
        assert client.post("/user/edit/jeanne", data=data).status_code == 400
    response = client.post("/user/edit/jeanne", data={**data, "old_password": "correct-horse"},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 429 and "checs de connexion. Attendez" in response.get_data(as_text=True)
    assert call("user_show", jeanne, id="jeanne")["email"] == "jeanne@example.org"
