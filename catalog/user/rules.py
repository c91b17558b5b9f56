"""User rules the JSON Schemas cannot express: lookups and uniqueness, with CKAN's messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from catalog.errors import NotFound, ValidationError
from catalog.user.models import User


def find_user(session: Session, id_or_name: Any) -> User | None:
    if not isinstance(id_or_name, str) or not id_or_name:
        return None
    return session.scalar(select(User).where(or_(User.id == id_or_name, User.name == id_or_name)))


def get_user(session: Session, id_or_name: Any, message: str = "User not found") -> User:
    user = find_user(session, id_or_name)
    if user is None:
        raise NotFound(message)
    return user


# CKAN's user_name_validator since 2.11 (before: "That login name is not available.").
NAME_TAKEN = "The username is already associated with another account. Please use a different username."


def uniqueness_errors(session: Session, data: dict[str, Any], current: User | None = None) -> dict[str, list[str]]:
    """Login name and e-mail address must be unique (e-mail among active users, case-insensitive)."""
    errors: dict[str, list[str]] = {}
    name = data.get("name")
    if isinstance(name, str) and (current is None or name != current.name):
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            errors["name"] = [NAME_TAKEN]
    email = data.get("email")
    if isinstance(email, str) and email.strip():
        query = select(User.id).where(func.lower(User.email) == email.strip().lower(), User.state == "active")
        if current is not None:
            query = query.where(User.id != current.id)
        if session.scalar(query) is not None:
            errors["email"] = [f"The email address '{email.strip()}' belongs to a registered user."]
    return errors


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


OWN_SYSADMIN = "Cannot modify your own sysadmin privileges"  # CKAN's (ignore_not_sysadmin's check), under `sysadmin`
LAST_SYSADMIN = "This is the last sysadmin of the site: make another user sysadmin first."


# pg_advisory_xact_lock's key for changes that may remove a sysadmin (any constant; held until commit/rollback).
_SYSADMIN_CHANGES_LOCK = 0x5359_5341  # "SYSA"


def is_last_sysadmin(session: Session, user: User) -> bool:
    """Whether no other active sysadmin would remain if this user stopped being one (demoted or deleted).

    Call it only right before removing a sysadmin: on PostgreSQL it first takes a transaction-scoped lock, so two
    sysadmins demoting (or deleting) each other at once are checked one after the other; without it each check
    would see the other still a sysadmin and both would commit, leaving none. SQLite serialises writers already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SYSADMIN_CHANGES_LOCK})
    others = select(User.id).where(User.sysadmin.is_(True), User.state == "active", User.id != user.id).limit(1)
    return session.scalar(others) is None
