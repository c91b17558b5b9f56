"""The search backend interface. Implementations index in the catalog's own database, in the
same transaction as the dataset write, and compile one parsed query to their SQL."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from catalog.db import Database


class SearchBackend(Protocol):
    name: str

    def index_package(self, session: Session, package: dict[str, Any]) -> None:
        """(Re)index one dataset from its package_show dict, inside the caller's transaction."""

    def remove_package(self, session: Session, package_id: str) -> None:
        """Drop a dataset from the index (purge)."""


class NoIndexBackend:
    """Chosen on purpose until the search issue lands: indexing is a no-op, search runs on plain SQL."""

    name = "none"

    def index_package(self, session: Session, package: dict[str, Any]) -> None:
        return None

    def remove_package(self, session: Session, package_id: str) -> None:
        return None


def make_search_backend(db: Database) -> SearchBackend:
    return NoIndexBackend()
