"""User dicts as CKAN's user_show (§3.6): email and apikey only for the user themself or a sysadmin."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.authz import public_clause, visible_packages
from catalog.clock import iso
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.db import count_rows
from catalog.user.models import User


def is_self_or_sysadmin(ctx: ActionContext, user: User) -> bool:
    return ctx.actor.is_sysadmin or (ctx.actor.user_id is not None and ctx.actor.user_id == user.id)


def number_created_packages(ctx: ActionContext, user: User) -> int:
    """Public active datasets; private and draft ones too when the user or a sysadmin asks (as CKAN)."""
    if is_self_or_sysadmin(ctx, user):
        query = visible_packages(ctx.as_system(), include_private=True, include_drafts=True)
    else:
        query = visible_packages(ctx, include_private=False)
    query = query.where(Package.creator_user_id == user.id)
    return count_rows(ctx.session, query)


def public_created_counts(session: Session, user_ids: list[str]) -> dict[str, int]:
    """Public active datasets created by each user, in one query (a member list would otherwise run one per
    member)."""
    rows = session.execute(
        select(Package.creator_user_id, func.count())
        .where(Package.creator_user_id.in_(user_ids), public_clause())
        .group_by(Package.creator_user_id)
    )
    return {user_id: count for user_id, count in rows}


def user_dictize(ctx: ActionContext, user: User, *, private_fields: bool | None = None,
                 created_count: int | None = None) -> dict[str, Any]:
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
        "number_created_packages": number_created_packages(ctx, user) if created_count is None else created_count,
        "state": user.state,
        "sysadmin": bool(user.sysadmin),
    }
    if private_fields is None:
        private_fields = is_self_or_sysadmin(ctx, user)
    if private_fields:
        result["email"] = user.email
        result["apikey"] = None  # legacy API keys are gone since CKAN 2.10; the key stays, null
    return dict(sorted(result.items()))


def member_users_dictize(ctx: ActionContext, members: list[tuple[User, str]]) -> list[dict[str, Any]]:
    """An organization/group's `users`: never email or apikey, plus the capacity. Only public datasets are
    counted, whoever asks: CKAN's group dictization does not set count_private_and_draft_datasets."""
    counts = public_created_counts(ctx.session, [user.id for user, _ in members]) if members else {}
    return [{**user_dictize(ctx, user, private_fields=False, created_count=counts.get(user.id, 0)),
             "capacity": capacity} for user, capacity in members]
