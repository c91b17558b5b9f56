"""An organization with an editor and a member, and an outsider, for the privacy tests."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import Actor
from tests.conftest import make_user


@pytest.fixture
def people(call: Any, sysadmin: Actor, org: dict[str, Any]) -> dict[str, Actor]:
    actors = {name: make_user(call, name) for name in ("editor", "member", "outsider")}
    call("organization_member_create", sysadmin, id=org["id"], username="editor", role="editor")
    call("organization_member_create", sysadmin, id=org["id"], username="member", role="member")
    return actors


@pytest.fixture
def datasets(call: Any, people: dict[str, Actor], org: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One public and one private dataset of the organization, created by its editor."""
    editor = people["editor"]
    public = call("package_create", editor, name="allocations-publiques", owner_org=org["id"])
    private = call("package_create", editor, name="allocations-privees", owner_org=org["id"], private=True)
    return {"public": public, "private": private}
