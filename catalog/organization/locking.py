"""Where every read-modify-write of an organization or group starts: lock its row, then read what the change
merges into (the approach of catalog/dataset/locking.py).

organization_patch read the current fields, then wrote them all back: two patches of different fields at once
started from the same state and the later commit undid the earlier one. On PostgreSQL the lock is SELECT ...
FOR UPDATE; on SQLite a write holds the database lock from its first statement (BEGIN IMMEDIATE). The row is
re-read under the lock (populate_existing), so a copy an auth function loaded earlier is never the start."""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext
from catalog.organization.models import Group
from catalog.organization.queries import get_group


def lock_group(ctx: ActionContext, id_or_name: Any, *, is_org: bool, message: str) -> tuple[ActionContext, Group]:
    """The organization's (is_org) or group's row, locked until the unit of work ends and re-read, and a context
    whose clock was read under the lock (so activity times follow the order in which the writes commit)."""
    group = get_group(ctx.session, id_or_name, is_org=is_org, message=message, for_update=True)
    return ctx.with_clock_read_now(), group
