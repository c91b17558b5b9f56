"""Lookups for organizations and groups, their members and the datasets the caller may see in them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from catalog.authz import visible_packages
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.db import count_rows
from catalog.errors import NotFound
from catalog.organization.models import Group, Member
from catalog.user.models import User


def find_group(session: Session, id_or_name: Any, *, for_update: bool = False) -> Group | None:
    """By id or name. For writes: FOR UPDATE (PostgreSQL) and re-read, never an earlier copy of the session."""
    if not isinstance(id_or_name, str) or not id_or_name:
        return None
    statement = select(Group).where(or_(Group.id == id_or_name, Group.name == id_or_name))
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalar(statement)


def get_group(session: Session, id_or_name: Any, *, is_org: bool, message: str = "", for_update: bool = False) -> Group:
    """The organization (is_org) or group; the other kind is "not found", as in CKAN."""
    group = find_group(session, id_or_name, for_update=for_update)
    if group is None or group.is_organization != is_org:
        raise NotFound(message)
    return group


def group_packages(ctx: ActionContext, group: Group, *, include_private: bool = True) -> Select[tuple[Package]]:
    """The group's datasets the caller may see (organizations own theirs; groups list them as members)."""
    query = visible_packages(ctx, include_private=include_private)
    if group.is_organization:
        return query.where(Package.owner_org == group.id)
    in_group = select(Member.table_id).where(
        Member.group_id == group.id, Member.table_name == "package", Member.state == "active"
    )
    return query.where(Package.id.in_(in_group))


def package_counts(ctx: ActionContext, groups: list[Group]) -> dict[str, int]:
    """group id -> number of datasets the caller may see in it (CKAN 2.12 counts by permission labels)."""
    counts: dict[str, int] = {}
    for group in groups:
        query = group_packages(ctx, group, include_private=group.is_organization)
        counts[group.id] = count_rows(ctx.session, query)
    return counts


def user_members(session: Session, group_id: str) -> list[tuple[User, str]]:
    """(user, capacity) of the active members, by user name."""
    rows = session.execute(
        select(User, Member.capacity)
        .join(Member, Member.table_id == User.id)
        .where(Member.group_id == group_id, Member.table_name == "user", Member.state == "active",
               User.state != "deleted")
        .order_by(User.name)
    )
    return [(user, capacity) for user, capacity in rows]


def parent_groups(session: Session, group_id: str) -> list[tuple[Group, str]]:
    """Groups this group belongs to (CKAN's hierarchy: member rows with table_name "group")."""
    rows = session.execute(
        select(Group, Member.capacity)
        .join(Member, Member.group_id == Group.id)
        .where(Member.table_id == group_id, Member.table_name == "group", Member.state == "active")
        .order_by(Group.name)
    )
    return [(group, capacity) for group, capacity in rows]


def find_member(session: Session, group_id: str, table_name: str, table_id: str) -> Member | None:
    return session.scalar(
        select(Member).where(Member.group_id == group_id, Member.table_name == table_name, Member.table_id == table_id)
    )


def active_dataset_count(session: Session, org_id: str) -> int:
    """Non-deleted datasets owned by the organization, whoever may see them (delete/purge guard)."""
    return session.scalar(
        select(func.count()).select_from(Package).where(Package.owner_org == org_id, Package.state != "deleted")
    ) or 0
