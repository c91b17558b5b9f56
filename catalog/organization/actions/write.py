"""organization_/group_ create, update, patch, delete, purge (CKAN 2.12: omitted members are kept)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from catalog.activity.record import record_group_activity
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.dataset.publish import refresh_packages
from catalog.dataset.queries import packages_of_group
from catalog.errors import ValidationError
from catalog.organization import auth
from catalog.organization.dictize import group_base_dict, group_dictize
from catalog.organization.locking import lock_group
from catalog.organization.models import Group, Member
from catalog.organization.queries import active_dataset_count, get_group
from catalog.organization.rules import (
    creation_errors,
    extras_from,
    rename_errors,
    replace_packages,
    replace_parents,
    replace_users,
    set_member,
)
from catalog.registry import action

EDITABLE = ("title", "description", "image_url", "approval_status")


def _kind(is_org: bool) -> str:
    return "organization" if is_org else "group"


def _create(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> dict[str, Any]:
    errors = creation_errors(ctx, data)
    if not is_org and data.get("type") == "organization":
        errors["type"] = ["Use organization_create to create organizations"]
    if errors:
        raise ValidationError(errors)
    group = Group(name=data["name"], is_organization=is_org, type=data.get("type") or _kind(is_org),
                  created=ctx.now, extras=extras_from(data) or {})
    if data.get("id"):
        group.id = data["id"]
    for key in EDITABLE:
        if data.get(key) is not None:
            setattr(group, key, data[key])
    if data.get("state") and ctx.actor.is_sysadmin:
        group.state = data["state"]
    if is_org:
        group.review_required = bool(data.get("review_required", ctx.settings.review_required_default))
    ctx.session.add(group)
    try:
        ctx.session.flush()
    except DatabaseIntegrityError as error:  # a concurrent creation of the same name won the race
        raise ValidationError({"name": ["Group name already exists in database"]}) from error
    if data.get("users"):
        replace_users(ctx, group, data["users"])
    if data.get("groups"):
        replace_parents(ctx, group, data["groups"])
    if not is_org and data.get("packages"):
        replace_packages(ctx, group, data["packages"])
    if ctx.actor.user_id:  # the creator becomes an administrator
        set_member(ctx, group, "user", ctx.actor.user_id, "admin")
    record_group_activity(ctx, f"new {_kind(is_org)}", group_base_dict(group))
    return group_dictize(ctx, group, include_users=True)  # organization_show's output, users included


def _update(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> dict[str, Any]:
    ctx, group = lock_group(ctx, data["id"], is_org=is_org, message="Group was not found.")
    if "type" in data and data["type"] != group.type:
        raise ValidationError({"message": "Type cannot be updated"})
    errors = rename_errors(ctx, group, data.get("name"))
    if errors:
        raise ValidationError(errors)
    if data.get("name"):
        group.name = data["name"]
    for key in EDITABLE:
        if key in data:
            setattr(group, key, data[key])
    if data.get("state"):  # CKAN: ignore_not_group_admin, i.e. whoever may update the group (its auth passed)
        group.state = data["state"]
    if is_org and data.get("review_required") is not None:  # omitted: kept (not a CKAN field to reset)
        group.review_required = bool(data["review_required"])
    extras = extras_from(data)
    if extras is not None:
        group.extras = extras
    # 2.12: users, parent groups and packages are only touched when given (null counts as omitted).
    if data.get("users") is not None:
        replace_users(ctx, group, data["users"])
    if data.get("groups") is not None:
        replace_parents(ctx, group, data["groups"])
    affected = packages_of_group(ctx.session, group.id)
    if not is_org and data.get("packages") is not None:
        replace_packages(ctx, group, data["packages"])
    ctx.session.flush()
    # Dataset dicts embed the organization and group names and titles: refresh their search entries.
    refresh_packages(ctx, [*affected, *packages_of_group(ctx.session, group.id)])
    # As CKAN's activity subscription: an update that leaves the group deleted is a "deleted" activity.
    change = "deleted" if group.state == "deleted" else "changed"
    record_group_activity(ctx, f"{change} {_kind(is_org)}", group_base_dict(group))
    result = group_dictize(ctx, group, include_users=True, include_datasets=True, include_followers=False)
    return result


def _patch(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> dict[str, Any]:
    # The fields merged into are read under the row lock, or a concurrent patch of another field is undone.
    ctx, group = lock_group(ctx, data["id"], is_org=is_org, message="Group was not found.")
    merged: dict[str, Any] = {key: getattr(group, key) for key in ("name", *EDITABLE)}
    merged.update(data)
    merged["id"] = group.id
    return ctx.call(f"{_kind(is_org)}_update", merged)


def _delete(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> None:
    group = get_group(ctx.session, data["id"], is_org=is_org, message="Group was not found.")
    affected = packages_of_group(ctx.session, group.id)
    if is_org and active_dataset_count(ctx.session, group.id):
        raise ValidationError({"message": "Organization cannot be deleted while it still has datasets"})
    ctx.session.execute(
        delete(Member).where(or_(Member.group_id == group.id, (Member.table_name == "group") &
                                 (Member.table_id == group.id)))
    )
    group.state = "deleted"
    ctx.session.flush()
    refresh_packages(ctx, affected)
    record_group_activity(ctx, f"deleted {_kind(is_org)}", group_base_dict(group))


def _purge(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> None:
    group = get_group(ctx.session, data["id"], is_org=is_org, message="Group was not found.")
    affected = packages_of_group(ctx.session, group.id)
    if is_org:
        if active_dataset_count(ctx.session, group.id):
            raise ValidationError({"message": "Organization cannot be purged while it still has datasets"})
        # Deleted datasets keep existing: detach them from the organization being purged.
        ctx.session.execute(update(Package).where(Package.owner_org == group.id).values(owner_org=None))
    ctx.session.execute(
        delete(Member).where(or_(Member.group_id == group.id, (Member.table_name == "group") &
                                 (Member.table_id == group.id)))
    )
    ctx.session.delete(group)
    ctx.session.flush()
    refresh_packages(ctx, affected)


@action(auth=auth.organization_create)
def organization_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create an organization; the creator becomes its administrator. Returns organization_show output.

    :param name: 2-100 lowercase alphanumeric characters, - or _
    :param title, description, image_url: optional
    :param extras: list of {"key", "value"}
    :param users: list of {"name", "capacity"} members
    :param id: sysadmins only, a UUID
    """
    return _create(ctx, data, is_org=True)


@action(auth=auth.group_create)
def group_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create a group; the creator becomes its administrator. Returns group_show output.

    :param name: 2-100 lowercase alphanumeric characters, - or _
    :param title, description, image_url: optional
    :param extras: list of {"key", "value"}
    :param packages: list of {"name"} or {"id"} datasets
    :param users: list of {"name", "capacity"} members
    """
    return _create(ctx, data, is_org=False)


@action(auth=auth.organization_update)
def organization_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update an organization (administrators). Omitted users and parent groups are kept (CKAN 2.12).

    :param id: the id or name of the organization
    """
    return _update(ctx, data, is_org=True)


@action(auth=auth.group_update)
def group_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update a group (administrators). Omitted users, packages and parent groups are kept (CKAN 2.12).

    :param id: the id or name of the group
    """
    return _update(ctx, data, is_org=False)


@action(auth=auth.organization_patch)
def organization_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update only the given fields of an organization.

    :param id: the id or name of the organization
    """
    return _patch(ctx, data, is_org=True)


@action(auth=auth.group_patch)
def group_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update only the given fields of a group.

    :param id: the id or name of the group
    """
    return _patch(ctx, data, is_org=False)


@action(auth=auth.organization_delete)
def organization_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Delete an organization (administrators); refused while it still has datasets.

    :param id: the id or name of the organization
    """
    _delete(ctx, data, is_org=True)


@action(auth=auth.group_delete)
def group_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Delete a group (administrators); its datasets leave it.

    :param id: the id or name of the group
    """
    _delete(ctx, data, is_org=False)


@action(auth=auth.organization_purge)
def organization_purge(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove an organization for good (sysadmins); refused while it still has datasets.

    :param id: the id or name of the organization
    """
    _purge(ctx, data, is_org=True)


@action(auth=auth.group_purge)
def group_purge(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a group for good (sysadmins).

    :param id: the id or name of the group
    """
    _purge(ctx, data, is_org=False)
