"""Refresh the search entry (the stored package dict) of datasets changed from outside package writes:
an organization or group renamed or deleted, a dataset added to a group, a DataStore table loaded."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.dataset.dictize import package_dictize
from catalog.dataset.models import Package
from catalog.organization.models import Member
from catalog.search.index import vocabulary_ids
from catalog.vocab.queries import vocabulary_names


def reindex_packages(session: Session, services: Any, package_ids: Iterable[str]) -> None:
    ids = sorted(set(package_ids))
    for start in range(0, len(ids), 500):
        packages = session.scalars(select(Package).where(Package.id.in_(ids[start:start + 500])))
        dicts = [package_dictize(session, package, services.settings) for package in packages]
        # One vocabulary lookup per chunk, not per dataset (a vocabulary renamed re-indexes all its datasets).
        names = vocabulary_names(session, {v for d in dicts for v in vocabulary_ids(d)})
        for package_dict in dicts:
            services.search.index_package(session, package_dict, names)


def packages_of_group(session: Session, group_id: str) -> list[str]:
    """Datasets owned by an organization or members of a group."""
    owned = select(Package.id).where(Package.owner_org == group_id)
    members = select(Member.table_id).where(Member.group_id == group_id, Member.table_name == "package")
    return list(session.scalars(owned.union(members)))
