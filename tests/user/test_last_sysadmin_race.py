"""The last-sysadmin rule holds when two sysadmins remove each other at the same moment (PostgreSQL: the check is
serialised by an advisory lock; SQLite serialises writers). The barrier only makes the interleaving certain: a
transaction that has run its check waits there for the other's check; when the lock keeps the other out, the
barrier breaks after its timeout and the first transaction goes on."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

import catalog.user.actions as user_actions
from catalog.context import SYSTEM, Actor
from catalog.errors import ValidationError
from catalog.user.models import User
from catalog.user.rules import LAST_SYSADMIN
from tests.conftest import Caller


def _sysadmin(call: Caller, name: str) -> Actor:
    user = call("user_create", SYSTEM, name=name, email=f"{name}@example.org", password="correct-horse",
                sysadmin=True)
    return Actor(user_id=user["id"], name=name, is_sysadmin=True)


@pytest.mark.parametrize(("action", "data"), [("user_patch", {"sysadmin": False}), ("user_delete", {})])
def test_two_sysadmins_removing_each_other_at_once_leave_one(call: Caller, services: Any, monkeypatch: Any,
                                                             action: str, data: dict[str, Any]) -> None:
    alice, bob = _sysadmin(call, "alice"), _sysadmin(call, "bob")
    barrier = threading.Barrier(2, timeout=3)
    original = user_actions.is_last_sysadmin

    def check_then_wait_for_the_other(session: Any, user: Any) -> bool:
        answer = original(session, user)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return answer

    monkeypatch.setattr(user_actions, "is_last_sysadmin", check_then_wait_for_the_other)
    outcomes: dict[str, Any] = {}

    def remove(me: Actor, other: Actor) -> None:
        try:
            call(action, me, id=other.name, **data)
            outcomes[me.name] = "done"
        except ValidationError as error:
            outcomes[me.name] = error.errors
        except Exception as error:  # noqa: BLE001  (reported by the assertion below, not lost in the thread)
            outcomes[me.name] = repr(error)

    threads = [threading.Thread(target=remove, args=pair) for pair in ((alice, bob), (bob, alice))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with services.db.unit_of_work(write=False) as session:
        left = session.scalars(select(User.name).where(User.sysadmin.is_(True), User.state == "active")).all()
    assert len(left) == 1, outcomes
    field = "sysadmin" if action == "user_patch" else "id"
    assert sorted(map(str, outcomes.values())) == sorted(["done", str({field: [LAST_SYSADMIN]})])
