"""The search backend interface. Implementations index in the catalog's own database, in the
same transaction as the dataset write, and compile one parsed query to their SQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

from catalog.db import Database

if TYPE_CHECKING:
    from catalog.search.index import Document
    from catalog.search.sql import SearchRequest, SearchResult


class SearchBackend(Protocol):
    name: str

    def index_package(self, session: Session, package: dict[str, Any],
                      vocabularies: Mapping[str, str] | None = None) -> None:
        """(Re)index one dataset from its package_show dict, inside the caller's transaction."""

    def remove_package(self, session: Session, package_id: str) -> None:
        """Drop a dataset from the index (purge)."""

    def search(self, session: Session, request: SearchRequest) -> SearchResult:
        """Count, one page of stored dicts and facet counts for a compiled request."""

    def clear(self, session: Session) -> None:
        """Empty the index (rebuild)."""

    def bulk_insert(self, session: Session, docs: list[Document]) -> None:
        """Insert many new documents at once (rebuild, benchmarks)."""


def make_search_backend(db: Database) -> SearchBackend:
    """FTS5 on SQLite, tsvector + GIN on PostgreSQL: the index lives in the catalog's own database."""
    if db.is_sqlite:
        from catalog.search.fts5 import Fts5Backend

        return Fts5Backend()
    from catalog.search.postgres import PostgresBackend

    return PostgresBackend()
