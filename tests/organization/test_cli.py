"""`moisson organization add|member`, in process (click's runner), against the test database: what a fresh
instance needs before a harvest or the review workflow can be tried from the shell."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.context import ANONYMOUS
from tests.conftest import make_user


@pytest.fixture
def moisson(services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MOISSON_DATABASE_URL", services.settings.database_url)
    runner = CliRunner()

    def invoke(*args: str, exit_code: int = 0) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == exit_code, result.output
        return result.output

    return invoke


def test_organization_add_and_member(moisson: Any, call: Any) -> None:
    out = moisson("organization", "add", "caf-gironde", "--title", "CAF de la Gironde", "--review-required")
    assert "Created organization caf-gironde" in out and "reviewed before publication" in out
    shown = call("organization_show", ANONYMOUS, id="caf-gironde")
    assert shown["title"] == "CAF de la Gironde" and shown["review_required"] is True
    assert call("organization_show", ANONYMOUS, id="caf-gironde", include_users=True)["users"] == []

    make_user(call, "relectrice")
    assert "relectrice is now reviewer of caf-gironde" in moisson("organization", "member", "caf-gironde",
                                                                  "relectrice", "--role", "reviewer")
    users = call("organization_show", ANONYMOUS, id="caf-gironde", include_users=True)["users"]
    assert [(u["name"], u["capacity"]) for u in users] == [("relectrice", "reviewer")]

    # Errors say what went wrong, with the action's message, and change nothing.
    assert "Group name already exists" in moisson("organization", "add", "caf-gironde", exit_code=1)
    assert "Not found: User" in moisson("organization", "member", "caf-gironde", "personne", exit_code=1)
    plain = moisson("organization", "add", "caf-landes")
    assert "reviewed" not in plain and call("organization_show", ANONYMOUS, id="caf-landes")["review_required"] is False
