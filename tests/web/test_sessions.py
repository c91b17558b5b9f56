"""Web sessions outlive nothing: the cookie holds the user id and stamp, and every request asks the database
(demotion, deletion, password change, log out everywhere); cookie flags; where the login may send visitors."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from catalog.app import create_app
from catalog.context import SYSTEM
from catalog.user.models import User
from tests.conftest import make_user
from tests.web.conftest import csrf_token

EVIL_EMAIL = "someone@example.org"


def form_login(client: FlaskClient, name: str, password: str = "correct-horse", next_url: str = "") -> Any:
    form = client.get("/user/login").get_data(as_text=True)
    path = "/user/login" + (f"?next={next_url}" if next_url else "")
    return client.post(path, data={"csrf_token": csrf_token(form), "username": name, "password": password},
                       headers={"Accept-Language": "en"})


def logged_in_as(client: FlaskClient) -> bool:
    return "/user/_logout" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def sysadmin_api_read(client: FlaskClient) -> int:
    """A read only sysadmins may make (user_list by e-mail), authenticated by the session cookie."""
    return client.get(f"/api/3/action/user_list?email={EVIL_EMAIL}").status_code


def session_cookie(client: FlaskClient) -> dict[str, Any]:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return client.application.session_interface.get_signing_serializer(client.application).loads(cookie.value)


def stamp_of(services: Any, name: str) -> str:
    with services.db.unit_of_work(write=False) as session:
        return session.query(User).filter_by(name=name).one().security_stamp


def test_the_session_cookie_holds_only_the_user_id_and_stamp(client, sysadmin, services):
    assert form_login(client, "admin").status_code == 302
    data = session_cookie(client)
    assert data["user"] == {"id": sysadmin.user_id, "stamp": stamp_of(services, "admin")}
    assert set(data) <= {"user", "csrf_token", "lang", "_flashes"}


def test_a_demoted_sysadmin_loses_sysadmin_powers_at_the_next_request(client, call, sysadmin):
    call("user_create", SYSTEM, name="boss", email="boss@example.org", password="correct-horse", sysadmin=True)
    assert form_login(client, "boss").status_code == 302
    assert sysadmin_api_read(client) == 200
    assert client.get("/organization/new").status_code == 200
    call("user_patch", sysadmin, id="boss", sysadmin=False)
    assert sysadmin_api_read(client) == 403
    page = client.get("/organization/new")  # the demotion replaced the stamp: the session itself is over
    assert page.status_code == 302 and page.headers["Location"].startswith("/user/login")
    assert not logged_in_as(client)


def test_sysadmin_is_read_from_the_database_even_with_the_same_stamp(client, call, sysadmin, services):
    """Belt and braces: a demotion made without the action (a database edit) still takes effect."""
    call("user_create", SYSTEM, name="boss", email="boss@example.org", password="correct-horse", sysadmin=True)
    form_login(client, "boss")
    with services.db.unit_of_work(write=True) as session:
        session.query(User).filter_by(name="boss").one().sysadmin = False
    assert sysadmin_api_read(client) == 403
    assert logged_in_as(client)


def test_a_deleted_users_cookie_and_api_tokens_stop_working(client, call, sysadmin):
    jane = make_user(call, "jane")
    token = call("api_token_create", jane, user="jane", name="t")["token"]
    form_login(client, "jane")
    assert logged_in_as(client)
    assert client.post("/api/3/action/api_token_list", json={"user_id": "jane"},
                       headers={"Authorization": token}).status_code == 200
    call("user_delete", sysadmin, id="jane")
    assert not logged_in_as(client)
    response = client.get("/api/3/action/api_token_list?user_id=jane")
    assert response.status_code == 403
    response = client.post("/api/3/action/api_token_list", json={"user_id": "jane"},
                           headers={"Authorization": token})
    assert response.status_code == 403  # an unknown or dead token is anonymous, as CKAN
    assert response.get_json()["error"] == {
        "__type": "Authorization Error", "message": "Access denied: Action api_token_list requires an authenticated user"}


def test_a_blocked_users_cookie_stops_working(client, call, sysadmin):
    make_user(call, "jane")
    form_login(client, "jane")
    call("user_patch", sysadmin, id="jane", state="pending")
    assert not logged_in_as(client)


@pytest.mark.parametrize("how", ["user_patch by the user", "user_update by a sysadmin"])
def test_a_password_change_ends_the_other_sessions(app, call, sysadmin, how):
    jane = make_user(call, "jane")
    laptop, phone = app.test_client(), app.test_client()
    form_login(laptop, "jane")
    form_login(phone, "jane")
    if how == "user_patch by the user":
        call("user_patch", jane, id="jane", password="a-new-password")
    else:
        call("user_update", sysadmin, id="jane", email="jane@example.org", password="a-new-password")
    assert not logged_in_as(laptop) and not logged_in_as(phone)
    assert form_login(laptop, "jane").status_code == 200  # the old password is refused
    assert form_login(laptop, "jane", "a-new-password").status_code == 302
    assert logged_in_as(laptop)


def test_other_profile_changes_keep_the_sessions(client, call):
    jane = make_user(call, "jane")
    form_login(client, "jane")
    call("user_patch", jane, id="jane", fullname="Jane Doe")
    assert logged_in_as(client)


def test_log_out_everywhere_ends_every_session_of_the_user(app, call):
    make_user(call, "jane")
    make_user(call, "john")
    laptop, phone, other = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((laptop, "jane"), (phone, "jane"), (other, "john")):
        form_login(client, name)
    home = laptop.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Log out everywhere" in home
    response = laptop.post("/user/_logout_everywhere", data={"csrf_token": csrf_token(home)})
    assert response.status_code == 302
    assert not logged_in_as(laptop) and not logged_in_as(phone)
    assert logged_in_as(other)


def test_log_out_everywhere_needs_the_csrf_token(client, call):
    make_user(call, "jane")
    form_login(client, "jane")
    assert client.post("/user/_logout_everywhere").status_code == 400
    assert logged_in_as(client)


def test_logout_clears_the_session(client, call, sysadmin):
    form_login(client, "admin")
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    client.post("/user/_logout", data={"csrf_token": csrf_token(home)})
    assert "user" not in session_cookie(client)
    assert not logged_in_as(client) and sysadmin_api_read(client) == 403


def test_cookies_written_before_stamps_existed_are_anonymous(client, sysadmin):
    with client.session_transaction() as session:
        session["user"] = {"id": sysadmin.user_id, "name": "admin", "sysadmin": True}
    assert sysadmin_api_read(client) == 403
    assert not logged_in_as(client)


# -- where the login sends visitors -------------------------------------------------------------------------

@pytest.mark.parametrize("next_url", [
    "/%09/evil.example", "/%0d/x", "/%0a/evil.example", "/%0D%0ALocation:%20https://evil.example",
    "//evil.example", "/\\evil.example", "/%5Cevil.example", "https://evil.example", "javascript:alert(1)",
    "%2F%2Fevil.example", "/%E2%80%A8/evil.example", "/%00/x", " //evil.example", "http:/evil.example",
])
def test_the_login_never_sends_visitors_off_site(client, sysadmin, next_url):
    page = client.get(f"/user/login?next={next_url}")
    assert page.status_code == 200
    response = form_login(client, "admin", next_url=next_url)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_login_follows_a_path_of_this_site(client, sysadmin):
    response = form_login(client, "admin", next_url="/dataset%3Fq%3Dlogement%26sort%3Dname")
    assert response.status_code == 302 and response.headers["Location"] == "/dataset?q=logement&sort=name"


# -- cookie flags -----------------------------------------------------------------------------------------

def test_the_session_cookie_is_http_only_and_same_site_lax_and_not_secure_over_http(client, sysadmin):
    cookie = form_login(client, "admin").headers["Set-Cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax"} <= flags and "secure" not in flags


def test_the_session_cookie_is_secure_when_the_site_is_https(services, sysadmin):
    app = create_app(replace(services.settings, site_url="https://data.example.org"), check_schema=False)
    app.extensions["moisson"] = services
    client = app.test_client()
    response = form_login(client, "admin")
    assert response.status_code == 302
    flags = {part.strip().lower() for part in response.headers["Set-Cookie"].split(";")}
    assert {"httponly", "samesite=lax", "secure"} <= flags
