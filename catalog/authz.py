"""Roles, capacities and the one privacy filter every dataset query starts from."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from catalog.context import ActionContext, Actor
from catalog.dataset.models import Package, PackageCollaborator
from catalog.organization.models import Member

ROLE_RANK = {"member": 1, "editor": 2, "admin": 3}
# What each capacity may do in an organization (CKAN's default role permissions).
EDIT_ROLES = ("editor", "admin")


def org_capacities(session: Session, user_id: str | None) -> dict[str, str]:
    """Organization/group id -> the user's capacity, for active memberships."""
    if not user_id:
        return {}
    rows = session.execute(
        select(Member.group_id, Member.capacity).where(
            Member.table_name == "user", Member.table_id == user_id, Member.state == "active"
        )
    )
    return {group_id: capacity for group_id, capacity in rows}


def has_org_role(session: Session, actor: Actor, org_id: str | None, minimum: str) -> bool:
    if actor.is_sysadmin:
        return True
    if not org_id or not actor.user_id:
        return False
    capacity = org_capacities(session, actor.user_id).get(org_id)
    return capacity is not None and ROLE_RANK[capacity] >= ROLE_RANK[minimum]


def collaborator_capacity(session: Session, user_id: str | None, package_id: str) -> str | None:
    if not user_id:
        return None
    return session.scalar(
        select(PackageCollaborator.capacity).where(
            PackageCollaborator.package_id == package_id, PackageCollaborator.user_id == user_id
        )
    )


def can_read_package(ctx: ActionContext, package: Package) -> bool:
    """CKAN's package_show rule: public active datasets for all; the rest for members and creators; deleted
    datasets only for those who may edit them (visibility_clause says the same in SQL)."""
    actor = ctx.actor
    if actor.is_sysadmin:
        return True
    if package.state == "active" and not package.private:
        return True
    if not actor.user_id:
        return False
    if package.state == "deleted":
        return can_edit_package(ctx, package)
    if package.owner_org is None and package.creator_user_id == actor.user_id:
        return True
    if package.owner_org and package.owner_org in org_capacities(ctx.session, actor.user_id):
        return package.state != "draft" or has_org_role(ctx.session, actor, package.owner_org, "editor") \
            or package.creator_user_id == actor.user_id
    return collaborator_capacity(ctx.session, actor.user_id, package.id) is not None


def can_edit_package(ctx: ActionContext, package: Package) -> bool:
    actor = ctx.actor
    if actor.is_sysadmin:
        return True
    if not actor.user_id:
        return False
    if package.owner_org is None:
        return package.creator_user_id == actor.user_id
    if has_org_role(ctx.session, actor, package.owner_org, "editor"):
        return True
    return collaborator_capacity(ctx.session, actor.user_id, package.id) in EDIT_ROLES


def visible_packages(
    ctx: ActionContext,
    *,
    include_private: bool = True,
    include_drafts: bool = False,
    include_deleted: bool = False,
) -> Select[tuple[Package]]:
    """The only privacy filter: a SELECT of the datasets the caller may see, to narrow further.
    The include_* flags only widen the states asked for; who sees which state is visibility_clause's rule."""
    states = ["active"] + (["draft"] if include_drafts else []) + (["deleted"] if include_deleted else [])
    query = select(Package).where(Package.state.in_(states))
    return query.where(visibility_clause(ctx, include_private=include_private, include_drafts=include_drafts,
                                         include_deleted=include_deleted))


def public_clause() -> ColumnElement[bool]:
    """A WHERE clause over Package for what everyone may read, signed in or not: active public datasets."""
    return and_(Package.private.is_(False), Package.state == "active")


def visibility_clause(ctx: ActionContext, *, include_private: bool = True, include_drafts: bool = False,
                      include_deleted: bool = False) -> ColumnElement[bool]:
    """A WHERE clause over Package for the caller, whatever the states asked for (sysadmins see everything):
    active datasets as package_show shows them, drafts to their creator and the organization's editors,
    deleted datasets only to those who may edit them (can_read_package's rule, in SQL)."""
    actor = ctx.actor
    if actor.is_sysadmin:
        return true()
    public = public_clause()
    if not actor.user_id or not (include_private or include_drafts or include_deleted):
        return public
    capacities = org_capacities(ctx.session, actor.user_id)
    member_orgs = list(capacities)
    editor_orgs = [org for org, cap in capacities.items() if cap in EDIT_ROLES]
    own = Package.creator_user_id == actor.user_id
    readable = or_(
        public,
        and_(Package.owner_org.in_(member_orgs), Package.state == "active") if member_orgs else false(),
        Package.owner_org.in_(editor_orgs) if editor_orgs else false(),
        and_(Package.owner_org.is_(None), own),
        and_(own, Package.state == "draft"),
        and_(Package.state != "deleted", Package.id.in_(_collaborations(actor.user_id))),
        Package.id.in_(_collaborations(actor.user_id, EDIT_ROLES)),
    )
    if not include_private:
        readable = and_(readable, Package.private.is_(False))
    return readable


def _collaborations(user_id: str, capacities: tuple[str, ...] | None = None) -> Select[tuple[str]]:
    query = select(PackageCollaborator.package_id).where(PackageCollaborator.user_id == user_id)
    return query.where(PackageCollaborator.capacity.in_(capacities)) if capacities else query
