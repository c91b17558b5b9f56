"""Where every read-modify-write of an organization or group starts: lock its row, then read what the change
merges into (the approach of catalog/dataset/locking.py).

organization_patch read the current fields, then wrote them all back: two patches of different fields at once
started from the same state and the later commit undid the earlier one. On PostgreSQL the lock is SELECT ...
FOR UPDATE; on SQLite a write holds the database lock from its first statement (BEGIN IMMEDIATE). The row is
re-read under the lock (populate_existing), so a copy an auth function loaded earlier is never the start."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import or_, select

from catalog.clock import utcnow
from catalog.context import ActionContext
from catalog.errors import NotFound
from catalog.organization.models import Group


def lock_group(ctx: ActionContext, id_or_name: Any, *, is_org: bool, message: str) -> tuple[ActionContext, Group]:
    """The organization's (is_org) or group's row, locked until the unit of work ends and re-read, and a context
    whose clock was read under the lock (so activity times follow the order in which the writes commit)."""
    group = None
    if isinstance(id_or_name, str) and id_or_name:
        group = ctx.session.scalar(
            select(Group).where(or_(Group.id == id_or_name, Group.name == id_or_name))
            .with_for_update().execution_options(populate_existing=True))
    if group is None or group.is_organization != is_org:
        raise NotFound(message)
    return replace(ctx, now=max(ctx.now, utcnow())), group
