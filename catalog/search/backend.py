"""The search backend interface. The database backends index in the catalog's own database, in the same
transaction as the dataset write, and compile one parsed query to their SQL; the Tantivy backend keeps the same
rows and an outbox in that transaction and searches an index its node's indexer feeds (tantivy_backend.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Row
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from catalog.search.index import Document
    from catalog.search.sql import SearchRequest, SearchResult


class SearchBackend(Protocol):
    name: str

    def index_package(self, session: Session, package: dict[str, Any],
                      vocabularies: Mapping[str, str] | None = None) -> None:
        """(Re)index one dataset from its package_show dict, inside the caller's transaction."""

    def index_packages(self, session: Session, packages: Sequence[dict[str, Any]], *, new: bool = False) -> None:
        """(Re)index datasets (one vocabulary lookup for all); `new`: never indexed, inserted together."""

    def package_for_read(self, session: Session, id_or_name: str | None, *, from_auth: bool = False) -> Row[Any] | None:
        """A dataset's privacy columns and its current stored package_show dict (`data_dict`, or None), by id
        then name (catalog/search/stored.py)."""

    def current_stored_dicts(self, session: Session, package_ids: list[str]) -> dict[str, str]:
        """The current stored dicts (JSON text) of these datasets, by id; stale or missing ones left out."""

    def remove_package(self, session: Session, package_id: str) -> None:
        """Drop a dataset from the index (purge)."""

    def pending_token(self, session: Session) -> Any:
        """After a write in this session: what `wait_searchable` waits for once it has committed (None: nothing)."""

    def wait_searchable(self, token: Any) -> bool:
        """Read-your-writes: return once the write is searchable, or after the configured bound (False)."""

    def index_status(self) -> dict[str, Any]:
        """For status_show: the backend's name, whether it answers, changes not yet searchable and their age."""

    def search(self, session: Session, request: SearchRequest) -> SearchResult:
        """Count, one page of stored dicts and facet counts for a compiled request."""

    def clear(self, session: Session) -> None:
        """Empty the index (rebuild)."""

    def bulk_insert(self, session: Session, docs: list[Document]) -> None:
        """Insert many new documents at once (rebuild, benchmarks)."""
