"""Lookups shared by dataset actions and auth functions (looked up once per unit of work)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.util import identity_key

from catalog.dataset.models import Package, Resource
from catalog.ids import is_uuid
from catalog.organization.models import Group, Member

_package = Package.__table__


def get_package(session: Session, id_or_name: str | None, *, for_update: bool = False) -> Package | None:
    """By id first, then by name (CKAN's package_show order). For writes: FOR UPDATE (PostgreSQL), re-read.

    Reads reuse a dataset already loaded in this session (an auth function and its action look it up
    alike), so they cost one lookup, not two."""
    if not id_or_name or not isinstance(id_or_name, str):
        return None
    if not for_update:
        known = session.info.setdefault("package_ids_by_name", {}).get(id_or_name, id_or_name)
        cached = session.identity_map.get(identity_key(Package, known))
        if cached is not None and id_or_name in (cached.id, cached.name):
            return cached
    columns = (Package.id, Package.name) if is_uuid(id_or_name) else (Package.name,)
    for column in columns:
        query = select(Package).where(column == id_or_name)
        # Reads load collections on first use: auth checks never touch them (eager loading cost three
        # extra queries per read).
        # A write re-reads the row and its collections under the lock (populate_existing): the identity map
        # may hold a copy loaded before the lock (by the auth function), which another writer has since changed.
        query = (query.with_for_update().execution_options(populate_existing=True) if for_update
                 else query.options(lazyload("*")))
        package = session.scalar(query)
        if package is not None:
            session.info.setdefault("package_ids_by_name", {})[package.name] = package.id
            return package
    return None


def get_resource(session: Session, resource_id: str | None) -> Resource | None:
    if not resource_id or not isinstance(resource_id, str):
        return None
    return session.get(Resource, resource_id)


def get_group(
    session: Session, id_or_name: str | None, *, is_organization: bool | None = None
) -> Group | None:
    if not id_or_name or not isinstance(id_or_name, str):
        return None
    for column in (Group.id, Group.name):
        query = select(Group).where(column == id_or_name)
        if is_organization is not None:
            query = query.where(Group.is_organization.is_(is_organization))
        group = session.scalar(query)
        if group is not None:
            return group
    return None


def packages_of_group(session: Session, group_id: str) -> list[str]:
    """Datasets owned by an organization or members of a group."""
    owned = select(Package.id).where(Package.owner_org == group_id)
    members = select(Member.table_id).where(Member.group_id == group_id, Member.table_name == "package")
    return list(session.scalars(owned.union(members)))
