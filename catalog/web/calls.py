"""How pages reach the catalog: every read and write goes through the actions with the logged-in Actor,
so the privacy and permission rules are the API's, written once."""

from __future__ import annotations

from typing import Any

from flask import g, session

from catalog.context import ANONYMOUS, Actor
from catalog.errors import ActionError
from catalog.registry import authorize, call_action, unit
from catalog.services import current_services
from catalog.user.sessions import SESSION_KEY, user_for_session


def current_user() -> dict[str, Any] | None:
    """The logged-in visitor as {"id", "name", "sysadmin"}, read from the database once per request: the
    cookie only names the user and carries the stamp (catalog/user/sessions.py)."""
    if "moisson_user" not in g:
        g.moisson_user = _load_session_user()
    return g.moisson_user


def forget_current_user() -> None:
    """After a login or logout changed the session during this request."""
    g.pop("moisson_user", None)


def _load_session_user() -> dict[str, Any] | None:
    payload = session.get(SESSION_KEY)
    if payload is None:
        return None
    with current_services().db.unit_of_work(write=False) as db_session:
        user = user_for_session(db_session, payload)
        if user is not None:
            return {"id": user.id, "name": user.name, "sysadmin": bool(user.sysadmin)}
    session.pop(SESSION_KEY, None)  # an ended session: drop the cookie's stale identity
    return None


def current_actor() -> Actor:
    user = current_user()
    if user is None:
        return ANONYMOUS
    return Actor(user_id=user["id"], name=user["name"], is_sysadmin=bool(user.get("sysadmin")))


def act(action_name: str, /, **data: Any) -> Any:
    """Call one action as the visitor; ActionErrors propagate to the HTML error handlers.
    (Positional-only, so that data may carry its own `name`.)"""
    return call_action(current_services(), action_name, data, actor=current_actor())


def can(auth_action: str, /, **data: Any) -> bool:
    """Whether to offer a link (edit, add): ask the auth function the action itself would run, on the input
    coerced as dispatch coerces it (registry.authorize, the first half of dispatch)."""
    actor = current_actor()
    if actor.is_anonymous:
        return False
    if actor.is_sysadmin:
        return True
    with unit(current_services(), actor, write=False) as ctx:
        try:
            authorize(ctx, auth_action, data)
        except ActionError:
            return False
    return True
