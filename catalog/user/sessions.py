"""Web sessions: the signed cookie holds the user id and the user's security stamp, nothing the database knows
better. Each request loads the user again, so a demotion, a deletion or a new stamp takes effect at once."""

from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy.orm import Session

from catalog.context import Actor
from catalog.user.models import User, new_security_stamp

# The session key the web login writes and both the pages and the API read.
SESSION_KEY = "user"


def session_payload(user: User) -> dict[str, str]:
    """What a login stores: the id to find the user, the stamp to tell whether this session still counts."""
    return {"id": user.id, "stamp": user.security_stamp}


def user_for_session(session: Session, payload: Any) -> User | None:
    """The active user a session payload names, or None when the stamp was replaced since the login (password
    changed, demoted, logged out everywhere) or the user is no longer active (deleted, pending)."""
    if not isinstance(payload, dict):
        return None
    user_id, stamp = payload.get("id"), payload.get("stamp")
    if not isinstance(user_id, str) or not isinstance(stamp, str) or not user_id:
        return None  # also the {id, name, sysadmin} cookies written before stamps existed
    user = session.get(User, user_id)
    if user is None or user.state != "active":
        return None
    if not hmac.compare_digest(user.security_stamp.encode(), stamp.encode()):
        return None
    return user


def actor_for_user(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, is_sysadmin=bool(user.sysadmin))


def end_sessions(user: User) -> None:
    """Every session issued before this call stops working at its next request (API tokens are not sessions:
    they stay until revoked, or until the user is no longer active)."""
    user.security_stamp = new_security_stamp()
