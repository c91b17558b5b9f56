"""Helpers for page tests: log a user into the test client and read CSRF tokens off rendered forms."""

from __future__ import annotations

import re
from typing import Any

import pytest

from catalog.context import Actor

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def log_in(client: Any, actor: Actor) -> None:
    """What the login form stores: the user id and the user's current security stamp."""
    from catalog.user.models import User
    from catalog.user.sessions import SESSION_KEY, session_payload

    with client.application.extensions["moisson"].db.unit_of_work(write=False) as db_session:
        payload = session_payload(db_session.get(User, actor.user_id))
    with client.session_transaction() as session:
        session[SESSION_KEY] = payload


@pytest.fixture
def page(client: Any) -> Any:
    """GET a page and return (status, text), in the language asked."""

    def get(path: str, lang: str = "en", **kwargs: Any) -> tuple[int, str]:
        response = client.get(path, headers={"Accept-Language": lang}, **kwargs)
        return response.status_code, response.get_data(as_text=True)

    return get
