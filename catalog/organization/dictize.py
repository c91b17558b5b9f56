"""Organization and group dicts (CKAN 2.12 group_show shape, §3.3).

Deliberate deviation: `description`, `image_url` and `title` are emitted as "" rather than null, because
udata-ckan type-checks them as strings and rejects a whole dataset whose organization carries a null.
"""

from __future__ import annotations

from typing import Any

from catalog.clock import iso
from catalog.context import ActionContext
from catalog.organization.models import Group
from catalog.organization.queries import group_packages, package_counts, parent_groups, user_members
from catalog.user.dictize import member_users_dictize


def group_base_dict(group: Group) -> dict[str, Any]:
    """The columns every organization/group dict carries (also the activity snapshot)."""
    return {
        "approval_status": group.approval_status,
        "created": iso(group.created),
        "description": group.description or "",
        "display_name": group.title or group.name,
        "id": group.id,
        "image_display_url": group.image_url or "",
        "image_url": group.image_url or "",
        "is_organization": bool(group.is_organization),
        "name": group.name,
        "state": group.state,
        "title": group.title or "",
        "type": group.type,
    }


def group_dictize(
    ctx: ActionContext,
    group: Group,
    *,
    include_dataset_count: bool = True,
    include_extras: bool = True,
    include_users: bool = False,
    include_groups: bool = True,
    include_followers: bool = True,
    include_member_count: bool = False,
    include_datasets: bool = False,
    package_count: int | None = None,
) -> dict[str, Any]:
    result = group_base_dict(group)
    if group.is_organization:  # Moisson's review setting; not in the nested organization of dataset dicts
        result["review_required"] = bool(group.review_required)
    if include_followers:
        result["num_followers"] = 0
    if include_dataset_count:
        result["package_count"] = package_count if package_count is not None else package_counts(ctx, [group])[group.id]
    if include_extras:
        result["extras"] = [{"key": key, "value": value} for key, value in sorted((group.extras or {}).items())]
    if include_groups:
        result["groups"] = [{"name": parent.name, "capacity": capacity}
                            for parent, capacity in parent_groups(ctx.session, group.id)]
    members = user_members(ctx.session, group.id) if include_users or include_member_count else []
    if include_users:
        result["users"] = member_users_dictize(ctx, members)
    if include_member_count:
        result["member_count"] = len(members)
    if include_datasets:
        result["packages"] = group_datasets(ctx, group)
    return result


def group_datasets(ctx: ActionContext, group: Group, limit: int = 10) -> list[dict[str, Any]]:
    """The first datasets the caller may see; private ones only for organizations (ckan/ckan#9052)."""
    from catalog.dataset.dictize import package_dictize
    from catalog.dataset.models import Package

    query = group_packages(ctx, group, include_private=group.is_organization)
    packages = ctx.session.scalars(query.order_by(Package.metadata_modified.desc(), Package.id).limit(limit))
    return [package_dictize(ctx.session, package, ctx.settings) for package in packages]


def member_dictize(member: Any) -> dict[str, Any]:
    return {"id": member.id, "table_name": member.table_name, "table_id": member.table_id,
            "capacity": member.capacity, "group_id": member.group_id, "state": member.state}
