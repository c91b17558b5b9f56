"""Authorization rules of the dataset actions, named after them. Sysadmins never reach these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.authz import EDIT_ROLES, can_edit_package, can_read_package, has_org_role
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.dataset.queries import get_group, get_package
from catalog.errors import NotAuthorized, NotFound
from catalog.organization.models import Group, Member


def editable_package(ctx: ActionContext, id_or_name: Any) -> Package:
    package = get_package(ctx.session, id_or_name)
    if package is None:
        raise NotFound("Package was not found.")
    if not can_edit_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit package {package.id}")
    return package


def package_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    package = ctx.search.package_for_read(ctx.session, data.get("id") or data.get("name_or_id"), from_auth=True)
    if package is None:
        raise NotFound()
    if not can_read_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read package {package.id}")


def package_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    return None


def package_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    actor = ctx.actor
    if not actor.user_id:
        raise NotAuthorized(f"User {actor.name} not authorized to create packages")
    owner = data.get("owner_org")
    if owner:
        groups_exist(ctx, data)
        org = get_group(ctx.session, owner, is_organization=True)
        if org is not None and not has_org_role(ctx.session, actor, org.id, "editor"):
            raise NotAuthorized(f"User {actor.name} not authorized to add dataset to this organization")
        return
    editor_somewhere = ctx.session.scalar(
        select(Member.id)
        .where(
            Member.table_name == "user",
            Member.table_id == actor.user_id,
            Member.state == "active",
            Member.capacity.in_(EDIT_ROLES),
        )
        .limit(1)
    )
    if editor_somewhere is None:
        raise NotAuthorized(f"User {actor.name} not authorized to create packages")
    groups_exist(ctx, data)


def groups_exist(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Every group a dataset write names must exist: 404, as CKAN's _check_group_auth (auth/create.py).

    CKAN makes this check in the auth function, so for sysadmins (who skip auth) unknown groups are still
    skipped silently (save.apply_groups), as on CKAN."""
    groups = data.get("groups")
    keys = []
    for ref in groups if isinstance(groups, list) else []:
        key = (ref.get("id") or ref.get("name")) if isinstance(ref, dict) else ref
        if not key:
            continue
        if not isinstance(key, str):
            raise NotFound("Group was not found.")
        keys.append(key)
    if not keys:
        return
    # Like CKAN's Group.get: any group or organization, in any state, by id or name; one query for the list.
    found = ctx.session.execute(select(Group.id, Group.name).where(Group.id.in_(keys) | Group.name.in_(keys)))
    known = {value for row in found for value in row}
    if any(key not in known for key in keys):
        raise NotFound("Group was not found.")


def package_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    editable_package(ctx, data.get("id") or data.get("name"))
    groups_exist(ctx, data)


def package_resource_reorder(ctx: ActionContext, data: dict[str, Any]) -> None:
    # CKAN's own auth function allows everyone and relies on the package_update it calls; checking that here
    # answers 404/403 before the order is looked at. The nested package_update checks again.
    editable_package(ctx, data.get("id"))


def package_patch(ctx: ActionContext, data: dict[str, Any]) -> None:
    editable_package(ctx, data.get("id"))


def package_revise(ctx: ActionContext, data: dict[str, Any]) -> None:
    # The action resolves `match` itself and checks package_update through a nested call.
    if not ctx.actor.user_id:
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit packages")


def package_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    editable_package(ctx, data.get("id"))


def dataset_purge(ctx: ActionContext, data: dict[str, Any]) -> None:
    raise NotAuthorized(f"User {ctx.actor.name} not authorized to purge packages")


def package_owner_org_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit package {data.get('id')} organization")


def _collaborators_managed_by_actor(ctx: ActionContext, id_or_name: Any) -> None:
    package = get_package(ctx.session, id_or_name)
    if package is None:
        raise NotFound("Dataset not found")
    if not has_org_role(ctx.session, ctx.actor, package.owner_org, "admin"):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit collaborators of this dataset")


def package_collaborator_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    _collaborators_managed_by_actor(ctx, data.get("id"))


def package_collaborator_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    _collaborators_managed_by_actor(ctx, data.get("id"))


def package_collaborator_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    editable_package(ctx, data.get("id"))
