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
    with client.session_transaction() as session:
        session["user"] = {"id": actor.user_id, "name": actor.name, "sysadmin": actor.is_sysadmin}


@pytest.fixture
def page(client: Any) -> Any:
    """GET a page and return (status, text), in the language asked."""

    def get(path: str, lang: str = "en", **kwargs: Any) -> tuple[int, str]:
        response = client.get(path, headers={"Accept-Language": lang}, **kwargs)
        return response.status_code, response.get_data(as_text=True)

    return get
