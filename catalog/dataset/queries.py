"""Lookups shared by dataset actions and auth functions (same queries, so one identity-map hit)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from catalog.dataset.models import Package, Resource
from catalog.ids import is_uuid
from catalog.organization.models import Group


def get_package(session: Session, id_or_name: str | None, *, for_update: bool = False) -> Package | None:
    """By id first, then by name (CKAN's package_show order). FOR UPDATE on PostgreSQL for writes.

    Reads reuse a dataset already loaded in this session (the auth function and the action look it up
    alike), so a package_show costs one lookup, not two."""
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
        if for_update:
            query = query.with_for_update()
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
