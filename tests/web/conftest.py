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


def as_user(client: Any, actor: Actor | None) -> None:
    """Log `actor` in, or log out with None."""
    if actor is None:
        with client.session_transaction() as session:
            session.clear()
    else:
        log_in(client, actor)


def get(client: Any, path: str, lang: str = "en") -> tuple[int, str]:
    """GET a page in the language asked: (status, text)."""
    response = client.get(path, headers={"Accept-Language": lang})
    return response.status_code, response.get_data(as_text=True)


def post(client: Any, path: str, lang: str = "en", form_page: str = "/", **data: Any) -> Any:
    """A form post with the CSRF token read off `form_page` (any page of the session carries the same token;
    the home page has one once logged in)."""
    token = csrf_token(client.get(form_page, headers={"Accept-Language": lang}).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, headers={"Accept-Language": lang})


@pytest.fixture
def page(client: Any) -> Any:
    """GET a page and return (status, text), in the language asked."""

    def get(path: str, lang: str = "en", **kwargs: Any) -> tuple[int, str]:
        response = client.get(path, headers={"Accept-Language": lang}, **kwargs)
        return response.status_code, response.get_data(as_text=True)

    return get
