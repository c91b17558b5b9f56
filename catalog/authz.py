"""Roles, capacities and the one privacy filter every dataset query starts from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from catalog.context import ActionContext, Actor
from catalog.dataset.models import Package, PackageCollaborator
from catalog.organization.models import Member

# A reviewer (Moisson, issue 16) may do what an editor does and also review the organization's datasets.
ROLE_RANK = {"member": 1, "editor": 2, "reviewer": 3, "admin": 4}
# Capacities that edit an organization's datasets (organization members) or a dataset (collaborators).
EDIT_ROLES = ("editor", "reviewer", "admin")
# Capacities that review an organization's datasets before publication (with sysadmins, everywhere).
REVIEW_ROLES = ("reviewer", "admin")


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


def can_review(session: Session, actor: Actor, org_id: str | None) -> bool:
    """Whether the actor reviews the datasets of this organization: sysadmins, its admins and reviewers."""
    if actor.is_sysadmin:
        return True
    if not org_id or not actor.user_id:
        return False
    return org_capacities(session, actor.user_id).get(org_id) in REVIEW_ROLES


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


@dataclass(frozen=True)
class VisibilityRule:
    """Who sees which datasets, as data: `visibility_clause` compiles it to SQL and the Tantivy search backend to
    its own queries (catalog/search/tantivy_query.py), so the privacy rule is decided once, here. Datasets are
    readable when any alternative holds (can_read_package's rule):
    everything (sysadmin); or active and not private; or, for a signed-in caller, active in an organization they
    are a member of, any state in one they edit, created by them without an organization, their own draft, a
    collaboration that is not deleted, or an edit collaboration. `include_private` False keeps private ones out."""

    everything: bool = False
    user_id: str | None = None
    member_orgs: tuple[str, ...] = ()
    editor_orgs: tuple[str, ...] = ()
    collaborations: tuple[str, ...] = ()  # package ids the user collaborates on (any capacity)
    edit_collaborations: tuple[str, ...] = ()  # ... as an editor or admin
    include_private: bool = True


def visibility_rule(ctx: ActionContext, *, include_private: bool = True, include_drafts: bool = False,
                    include_deleted: bool = False) -> VisibilityRule:
    """The caller's rule, whatever the states asked for (sysadmins see everything): active datasets as package_show
    shows them, drafts to their creator and the organization's editors, deleted datasets only to those who may edit
    them."""
    actor = ctx.actor
    if actor.is_sysadmin:
        return VisibilityRule(everything=True)
    if not actor.user_id or not (include_private or include_drafts or include_deleted):
        return VisibilityRule(include_private=False)
    capacities = org_capacities(ctx.session, actor.user_id)
    collaborations = ctx.session.execute(
        select(PackageCollaborator.package_id, PackageCollaborator.capacity)
        .where(PackageCollaborator.user_id == actor.user_id)).all()
    return VisibilityRule(
        user_id=actor.user_id,
        member_orgs=tuple(sorted(capacities)),
        editor_orgs=tuple(sorted(org for org, cap in capacities.items() if cap in EDIT_ROLES)),
        collaborations=tuple(sorted({package_id for package_id, _ in collaborations})),
        edit_collaborations=tuple(sorted({package_id for package_id, cap in collaborations if cap in EDIT_ROLES})),
        include_private=include_private,
    )


def rule_clause(rule: VisibilityRule) -> ColumnElement[bool]:
    """A VisibilityRule as a WHERE clause over Package."""
    if rule.everything:
        return true()
    public = public_clause()
    if not rule.user_id:
        return public
    own = Package.creator_user_id == rule.user_id
    readable = or_(
        public,
        and_(Package.owner_org.in_(rule.member_orgs), Package.state == "active") if rule.member_orgs else false(),
        Package.owner_org.in_(rule.editor_orgs) if rule.editor_orgs else false(),
        and_(Package.owner_org.is_(None), own),
        and_(own, Package.state == "draft"),
        and_(Package.state != "deleted", Package.id.in_(rule.collaborations)) if rule.collaborations else false(),
        Package.id.in_(rule.edit_collaborations) if rule.edit_collaborations else false(),
    )
    if not rule.include_private:
        readable = and_(readable, Package.private.is_(False))
    return readable


def visibility_clause(ctx: ActionContext, *, include_private: bool = True, include_drafts: bool = False,
                      include_deleted: bool = False) -> ColumnElement[bool]:
    """visibility_rule as a WHERE clause over Package."""
    return rule_clause(visibility_rule(ctx, include_private=include_private, include_drafts=include_drafts,
                                       include_deleted=include_deleted))
