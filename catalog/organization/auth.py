"""Who may call the organization/group actions. Roles follow CKAN's default permissions:
admin: everything; editor: dataset work + manage_group + read; member: manage_group + read."""

from __future__ import annotations

from typing import Any

from catalog.authz import org_capacities
from catalog.context import ActionContext
from catalog.errors import NotAuthorized
from catalog.organization.models import Group
from catalog.organization.queries import find_group

ROLE_PERMISSIONS = {
    "admin": None,  # all permissions
    "reviewer": {"read", "manage_group", "create_dataset", "update_dataset", "delete_dataset", "review_dataset"},
    "editor": {"read", "manage_group", "create_dataset", "update_dataset", "delete_dataset"},
    "member": {"read", "manage_group"},
}


def role_allows(capacity: str | None, permission: str) -> bool:
    if capacity not in ROLE_PERMISSIONS:
        return False
    allowed = ROLE_PERMISSIONS[capacity]
    return allowed is None or permission in allowed


def has_permission(ctx: ActionContext, group: Group, permission: str) -> bool:
    if ctx.actor.is_sysadmin:
        return True
    return role_allows(org_capacities(ctx.session, ctx.actor.user_id).get(group.id), permission)


def require_user(ctx: ActionContext, action_name: str) -> None:
    if ctx.actor.user_id is None:
        raise NotAuthorized(f"Action {action_name} requires an authenticated user")


def _target(ctx: ActionContext, data: dict[str, Any]) -> Group | None:
    """The group named by `id`; None lets the action answer 404."""
    return find_group(ctx.session, data.get("id"))


def _read(ctx: ActionContext, data: dict[str, Any]) -> None:
    group = _target(ctx, data)
    if group is not None and group.state != "active" and not has_permission(ctx, group, "read"):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read group {group.id}")


def _public(ctx: ActionContext, data: dict[str, Any]) -> None:
    return None


def _update(kind: str, action_name: str):
    def check(ctx: ActionContext, data: dict[str, Any]) -> None:
        require_user(ctx, action_name)
        group = _target(ctx, data)
        if group is not None and not has_permission(ctx, group, "update"):
            raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit {kind} {group.id}")
    check.__name__ = action_name
    return check


def _delete(kind: str, action_name: str):
    def check(ctx: ActionContext, data: dict[str, Any]) -> None:
        require_user(ctx, action_name)
        group = _target(ctx, data)
        if group is not None and not has_permission(ctx, group, "delete"):
            raise NotAuthorized(f"User {ctx.actor.name} not authorized to delete {kind} {group.id}")
    check.__name__ = action_name
    return check


def _sysadmin_only(ctx: ActionContext, data: dict[str, Any]) -> None:
    raise NotAuthorized("")


def _member_admin(ctx: ActionContext, data: dict[str, Any]) -> None:
    require_user(ctx, "member_create")
    group = _target(ctx, data)
    if group is not None and not has_permission(ctx, group, "membership"):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to add members")


def member_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    """`update` on the group; adding a dataset to a (non-organization) group needs only manage_group."""
    require_user(ctx, "member_create")
    group = _target(ctx, data)
    if group is None:
        return
    permission = "manage_group" if not group.is_organization and data.get("object_type") == "package" else "update"
    if not has_permission(ctx, group, permission):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit group {group.id}")


def member_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    member_create(ctx, data)


def organization_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    require_user(ctx, "organization_create")
    if not ctx.settings.user_create_organizations:
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to create organizations")


def group_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    require_user(ctx, "group_create")
    if not ctx.settings.user_create_groups:
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to create groups")


organization_list = group_list = _public
organization_show = group_show = member_list = _read
organization_autocomplete = group_autocomplete = _public
organization_list_for_user = group_list_authz = member_roles_list = _public
organization_update = _update("organization", "organization_update")
organization_patch = _update("organization", "organization_patch")
group_update = _update("group", "group_update")
group_patch = _update("group", "group_patch")
organization_delete = _delete("organization", "organization_delete")
group_delete = _delete("group", "group_delete")
organization_purge = group_purge = _sysadmin_only
organization_member_create = organization_member_delete = _member_admin
group_member_create = group_member_delete = _member_admin
