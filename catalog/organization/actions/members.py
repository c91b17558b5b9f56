"""organization_/group_member_create/delete and member_create/delete (upserts; result: member dict)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select

from catalog.authz import visible_packages
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.dataset.publish import refresh_packages
from catalog.errors import NotAuthorized, NotFound, ValidationError
from catalog.organization import auth
from catalog.organization.dictize import member_dictize
from catalog.organization.models import Group, Member
from catalog.organization.queries import find_group, find_member
from catalog.organization.rules import ORGANIZATION_ONLY_ROLES, ROLES, set_member
from catalog.registry import action
from catalog.user.models import User
from catalog.user.rules import find_user


def _member_target(ctx: ActionContext, data: dict[str, Any], *, is_org: bool,
                   need_role: bool) -> tuple[Group, User]:
    errors: dict[str, list[str]] = {}
    group = find_group(ctx.session, data.get("id"))
    if group is None or group.is_organization != is_org or group.state == "deleted":
        errors["id"] = ["That group name or ID does not exist."]
    user = find_user(ctx.session, data.get("username") or data.get("user_id"))
    if user is None:
        errors["username"] = ["Not found: User"]
    if need_role and (data.get("role") not in ROLES or (not is_org and data.get("role") in ORGANIZATION_ONLY_ROLES)):
        errors["role"] = ["role does not exist."]
    if errors:
        raise ValidationError(errors)
    assert group is not None and user is not None
    return group, user


def _member_create(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> dict[str, Any]:
    group, user = _member_target(ctx, data, is_org=is_org, need_role=True)
    current = find_member(ctx.session, group.id, "user", user.id)
    if (not ctx.actor.is_sysadmin and user.id == ctx.actor.user_id and current is not None
            and current.state == "active" and current.capacity == "admin" and data["role"] != "admin"):
        raise NotAuthorized("Administrators cannot revoke their own admin status")
    return member_dictize(set_member(ctx, group, "user", user.id, data["role"]))


def _member_delete(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> None:
    group, user = _member_target(ctx, data, is_org=is_org, need_role=False)
    ctx.session.execute(delete(Member).where(Member.group_id == group.id, Member.table_name == "user",
                                             Member.table_id == user.id))


@action(auth=auth.organization_member_create)
def organization_member_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Make a user a member of an organization, or change their role (organization administrators).

    :param id: the id or name of the organization
    :param username: the name or id of the user
    :param role: admin, editor or member
    """
    return _member_create(ctx, data, is_org=True)


@action(auth=auth.group_member_create)
def group_member_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Make a user a member of a group, or change their role (group administrators).

    :param id: the id or name of the group
    :param username: the name or id of the user
    :param role: admin or member
    """
    return _member_create(ctx, data, is_org=False)


@action(auth=auth.organization_member_delete)
def organization_member_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a user from an organization (organization administrators).

    :param id: the id or name of the organization
    :param username: the name or id of the user (or user_id)
    """
    _member_delete(ctx, data, is_org=True)


@action(auth=auth.group_member_delete)
def group_member_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a user from a group (group administrators).

    :param id: the id or name of the group
    :param username: the name or id of the user (or user_id)
    """
    _member_delete(ctx, data, is_org=False)


def _object_id(ctx: ActionContext, object_type: str, ref: str) -> str:
    model: Any = {"user": User, "package": Package, "group": Group}.get(object_type)
    found = None
    if model is Package:  # a dataset the caller may not see is "not found" (its existence stays private)
        found = ctx.session.scalar(visible_packages(ctx, include_drafts=True, include_deleted=True)
                                   .where(or_(Package.id == ref, Package.name == ref)).with_only_columns(Package.id))
    elif model is not None:
        found = ctx.session.scalar(select(model.id).where(or_(model.id == ref, model.name == ref)))
    if found is None:
        raise NotFound(f"{object_type.title()} was not found.")
    return found


@action(auth=auth.member_create)
def member_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Add a user, dataset or group to an organization or group, or change its capacity.

    :param id: the id or name of the organization or group
    :param object: the id or name of the object
    :param object_type: user, package or group
    :param capacity: e.g. admin, editor, member for users; public for datasets
    """
    group = find_group(ctx.session, data["id"])
    if group is None:
        raise NotFound("Group was not found.")
    object_id = _object_id(ctx, data["object_type"], data["object"])
    if data["object_type"] == "user" and data["capacity"] not in ROLES:
        raise ValidationError({"capacity": ["role does not exist."]})
    member = set_member(ctx, group, data["object_type"], object_id, data["capacity"])
    if data["object_type"] == "package":
        ctx.session.flush()
        refresh_packages(ctx, [object_id])  # its groups are part of its search entry
    return member_dictize(member)


@action(auth=auth.member_delete)
def member_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a user, dataset or group from an organization or group.

    :param id: the id or name of the organization or group
    :param object: the id or name of the object
    :param object_type: user, package or group
    """
    group = find_group(ctx.session, data["id"])
    if group is None:
        raise NotFound("Group was not found.")
    object_id = _object_id(ctx, data["object_type"], data["object"])
    ctx.session.execute(delete(Member).where(Member.group_id == group.id, Member.table_name == data["object_type"],
                                             Member.table_id == object_id))
    if data["object_type"] == "package":
        refresh_packages(ctx, [object_id])
