"""User dicts as CKAN's user_show (§3.6): email and apikey only for the user themself or a sysadmin."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from catalog.authz import visible_packages
from catalog.clock import iso
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.db import count_rows
from catalog.user.models import User


def is_self_or_sysadmin(ctx: ActionContext, user: User) -> bool:
    return ctx.actor.is_sysadmin or (ctx.actor.user_id is not None and ctx.actor.user_id == user.id)


def number_created_packages(ctx: ActionContext, user: User, *, count_private: bool | None = None) -> int:
    """Public active datasets; private and draft ones too when the user or a sysadmin asks (as CKAN)."""
    if count_private is None:
        count_private = is_self_or_sysadmin(ctx, user)
    if count_private:
        query = visible_packages(ctx.as_system(), include_private=True, include_drafts=True)
    else:  # explicit, since visible_packages widens everything for a sysadmin caller
        query = select(Package).where(Package.private.is_(False), Package.state == "active")
    query = query.where(Package.creator_user_id == user.id)
    return count_rows(ctx.session, query)


def user_dictize(ctx: ActionContext, user: User, *, private_fields: bool | None = None,
                 count_private: bool | None = None) -> dict[str, Any]:
    email = user.email or ""
    result: dict[str, Any] = {
        "about": user.about,
        "activity_streams_email_notifications": False,
        "created": iso(user.created),
        "display_name": user.fullname or user.name,
        "email_hash": hashlib.md5(email.strip().lower().encode("utf-8")).hexdigest(),
        "fullname": user.fullname,
        "id": user.id,
        "image_display_url": user.image_url,
        "image_url": user.image_url,
        "last_active": iso(user.last_active),
        "name": user.name,
        "number_created_packages": number_created_packages(ctx, user, count_private=count_private),
        "state": user.state,
        "sysadmin": bool(user.sysadmin),
    }
    if private_fields is None:
        private_fields = is_self_or_sysadmin(ctx, user)
    if private_fields:
        result["email"] = user.email
        result["apikey"] = None  # legacy API keys are gone since CKAN 2.10; the key stays, null
    return dict(sorted(result.items()))


def member_user_dictize(ctx: ActionContext, user: User, capacity: str) -> dict[str, Any]:
    """An organization/group `users` entry: never email or apikey, plus the capacity. Only public datasets
    are counted, whoever asks: CKAN's group dictization does not set count_private_and_draft_datasets."""
    result = user_dictize(ctx, user, private_fields=False, count_private=False)
    result["capacity"] = capacity
    return result
