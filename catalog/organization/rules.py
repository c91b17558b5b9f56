"""Organization/group rules beyond the JSON Schemas: uniqueness, sort parsing, membership lists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.authz import visible_packages
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.errors import ValidationError
from catalog.ids import is_uuid
from catalog.organization.models import Group, Member
from catalog.organization.queries import find_group, find_member
from catalog.user.rules import find_user

SORT_FIELDS = ("name", "title", "packages", "package_count")
ROLES = ("admin", "reviewer", "editor", "member")
# Organizations only: groups have no datasets to review.
ORGANIZATION_ONLY_ROLES = ("reviewer",)


def creation_errors(ctx: ActionContext, data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if ctx.session.scalar(select(Group.id).where(Group.name == data["name"])) is not None:
        errors["name"] = ["Group name already exists in database"]
    if data.get("id") is not None:
        if not ctx.actor.is_sysadmin:
            errors["id"] = ["The input field id was not expected."]
        elif not is_uuid(data["id"]):
            errors["id"] = ["Invalid id provided"]
        elif ctx.session.get(Group, data["id"]) is not None:
            errors["id"] = ["Id already exists"]
    return errors


def rename_errors(ctx: ActionContext, group: Group, name: Any) -> dict[str, list[str]]:
    if isinstance(name, str) and name != group.name:
        if ctx.session.scalar(select(Group.id).where(Group.name == name)) is not None:
            return {"name": ["Group name already exists in database"]}
    return {}


def parse_sort(sort: str | None) -> tuple[str, bool]:
    """CKAN's _unpick_search with one criterion: (field, descending). A bare package_count sorts desc."""
    text = (sort or "title").strip()
    if text in ("package_count", "packages"):
        return "package_count", True
    parts = [part.strip().split() for part in text.split(",")]
    for part in parts:
        if not part:
            continue
        if part[0] not in SORT_FIELDS:
            raise ValidationError({"message": f"Cannot sort by field `{part[0]}`"})
        order = part[1].lower() if len(part) > 1 else "asc"
        if order not in ("asc", "desc"):
            raise ValidationError({"message": f"Invalid sort direction `{order}`"})
    if len(parts) > 1:
        raise ValidationError({"message": "Too many sort criteria provided only 1 allowed"})
    field = parts[0][0] if parts and parts[0] else "title"
    descending = len(parts[0]) > 1 and parts[0][1].lower() == "desc"
    return ("package_count" if field == "packages" else field), descending


def extras_from(data: dict[str, Any]) -> dict[str, Any] | None:
    """Extras as stored ({key: value}); None when not given or empty (CKAN only processes non-empty lists)."""
    items = data.get("extras")
    if not items:
        return None
    return {item["key"]: item.get("value") for item in items if not item.get("deleted")}


def set_member(ctx: ActionContext, group: Group, table_name: str, table_id: str, capacity: str) -> Member:
    """Upsert one membership row (CKAN member_create semantics)."""
    member = find_member(ctx.session, group.id, table_name, table_id)
    if member is None:
        member = Member(group_id=group.id, table_name=table_name, table_id=table_id, capacity=capacity)
        ctx.session.add(member)
    member.capacity = capacity
    member.state = "active"
    ctx.session.flush()
    return member


def replace_users(ctx: ActionContext, group: Group, users: list[dict[str, Any]]) -> None:
    """`users` given: exactly these members (unknown names are skipped, as CKAN)."""
    wanted: dict[str, str] = {}
    for item in users:
        capacity = item.get("capacity") or "member"
        # authz ranks only these; anything else would grant nothing, or crash
        if capacity not in ROLES or (not group.is_organization and capacity in ORGANIZATION_ONLY_ROLES):
            raise ValidationError({"users": ["role does not exist."]})
        user = find_user(ctx.session, item.get("name") or item.get("id"))
        if user is not None:
            wanted[user.id] = capacity
    _replace(ctx, group, "user", wanted)


def replace_parents(ctx: ActionContext, group: Group, parents: list[dict[str, Any]]) -> None:
    wanted: dict[str, str] = {}
    for item in parents:
        parent = find_group(ctx.session, item.get("name") or item.get("id"))
        if parent is not None and parent.id != group.id:
            wanted[parent.id] = item.get("capacity") or "parent"
    existing = ctx.session.scalars(select(Member).where(Member.table_name == "group", Member.table_id == group.id))
    for member in existing:
        if member.group_id not in wanted:
            ctx.session.delete(member)
    ctx.session.flush()
    for parent_id, capacity in wanted.items():
        parent = ctx.session.get(Group, parent_id)
        assert parent is not None
        set_member(ctx, parent, "group", group.id, capacity)


def replace_packages(ctx: ActionContext, group: Group, packages: list[dict[str, Any]]) -> None:
    """Datasets the caller cannot see are neither added (unknown refs are skipped, as CKAN) nor removed."""
    visible = visible_packages(ctx, include_drafts=True).with_only_columns(Package.id)
    wanted: dict[str, str] = {}
    for item in packages:
        ref = item.get("id") or item.get("name")
        package_id = ctx.session.scalar(visible.where((Package.id == ref) | (Package.name == ref)))
        if package_id is not None:
            wanted[package_id] = "public"
    _replace(ctx, group, "package", wanted, removable=set(ctx.session.scalars(visible)))


def _replace(ctx: ActionContext, group: Group, table_name: str, wanted: dict[str, str],
             removable: set[str] | None = None) -> None:
    existing = ctx.session.scalars(select(Member).where(Member.group_id == group.id, Member.table_name == table_name))
    for member in existing:
        if member.table_id not in wanted and (removable is None or member.table_id in removable):
            ctx.session.delete(member)
    ctx.session.flush()
    for table_id, capacity in wanted.items():
        set_member(ctx, group, table_name, table_id, capacity)
