"""The `org` organization with an admin, an editor and a member, plus an outsider."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import Actor
from tests.conftest import make_user
from tests.servers import live_server  # noqa: F401  (the multi-process server of test_concurrent_writes)


@pytest.fixture
def people(call: Any, sysadmin: Actor, org: dict[str, Any]) -> dict[str, Actor]:
    actors = {name: make_user(call, name) for name in ("boss", "editor", "member", "outsider")}
    for name, role in (("boss", "admin"), ("editor", "editor"), ("member", "member")):
        call("organization_member_create", sysadmin, id=org["id"], username=name, role=role)
    return actors
