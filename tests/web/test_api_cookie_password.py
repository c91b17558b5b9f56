"""A browser session reaching user_update/user_patch through the API (cookie + X-CSRFToken) must give the current
password to change the password or e-mail address, as the account form asks; wrong guesses count in the login
limits. API token callers are unchanged (CKAN asks no old password there)."""

from __future__ import annotations

from typing import Any

from catalog.context import SYSTEM
from catalog.user.login_limits import LoginLimits, MemoryFailureLog
from catalog.web.auth import LIMITS_EXTENSION
from tests.conftest import Caller, make_user
from tests.web.conftest import csrf_token, log_in


def _patch(client: Any, **data: Any) -> Any:
    token = csrf_token(client.get("/user/edit/jeanne").get_data(as_text=True))
    return client.post("/api/3/action/user_patch", json={"id": "jeanne", **data}, headers={"X-CSRFToken": token})


def test_a_cookie_caller_gives_the_current_password_to_change_password_or_email(client: Any, call: Caller) -> None:
    log_in(client, make_user(call, "jeanne"))
    for change in ({"email": "thief@example.org"}, {"password": "stolen-account"}):
        for old in ({}, {"old_password": "wrong-guess"}):
            response = _patch(client, **change, **old)
            assert response.status_code == 403, (change, old)
            assert response.get_json()["error"]["__type"] == "Authorization Error"
    assert call("user_show", SYSTEM, id="jeanne")["email"] == "jeanne@example.org"
    response = _patch(client, fullname="Jeanne D.")  # other fields need no password
    assert response.status_code == 200 and response.get_json()["result"]["fullname"] == "Jeanne D."
    response = _patch(client, email="jeanne@example.net", old_password="correct-horse")
    assert response.status_code == 200 and response.get_json()["result"]["email"] == "jeanne@example.net"


def test_wrong_current_passwords_count_in_the_login_limits(app: Any, client: Any, call: Caller) -> None:
    limits = app.extensions[LIMITS_EXTENSION] = LoginLimits(MemoryFailureLog(), 2, 60)
    log_in(client, make_user(call, "jeanne"))
    for _ in range(2):
        assert _patch(client, email="thief@example.org", old_password="wrong-guess").status_code == 403
    assert limits.retry_after("jeanne", "127.0.0.1") > 0
    response = _patch(client, email="jeanne@example.net", old_password="correct-horse")  # right, but too late
    assert response.status_code == 403
    assert "Too many failed logins" in response.get_json()["error"]["message"]


def test_a_token_caller_needs_no_current_password(client: Any, call: Caller) -> None:
    jeanne = make_user(call, "jeanne")
    token = call("api_token_create", jeanne, user="jeanne", name="cli")["token"]
    response = client.post("/api/3/action/user_patch", json={"id": "jeanne", "email": "jeanne@example.net"},
                           headers={"Authorization": token})
    assert response.status_code == 200 and response.get_json()["result"]["email"] == "jeanne@example.net"
