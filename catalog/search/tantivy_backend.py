"""The Tantivy search backend (MOISSON_SEARCH_BACKEND=tantivy): package_search answered from an embedded Tantivy
index, for national-scale catalogs.

The database stays the source of truth. In the write's own transaction this backend keeps the index tables'
rows (search_package, search_value, search_doc: the stored package_show dicts package_show serves, and the privacy
columns every page of results is checked against) without their full-text part, and inserts one outbox row per
dataset. The node's indexer (catalog/search/indexer.py) applies those rows to the Tantivy index; web workers
only read it (catalog/search/tantivy_store.py). After the commit, a write waits (bounded,
`search_visible_timeout_seconds`) until its change is searchable, as CKAN's synchronous Solr commit makes it.

Each page's dicts are read from the database with the privacy rule applied again, so a dataset made private or
deleted a moment ago never appears in results while the index catches up (its facet counts may, for that moment).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db import Database
from catalog.errors import ServiceUnavailable
from catalog.search.index import Document, IndexWriter, search_doc, search_package
from catalog.search.outbox import ALIVE, Token, lag, outbox_cursor, wait_searchable
from catalog.search.sql import SearchRequest, SearchResult, visible_where
from catalog.search.stored import StoredDictReads
from catalog.search.tantivy_search import run_search
from catalog.search.tantivy_store import IndexNotReady, IndexReader, LocalPosition, node_name, read_position
from catalog.settings import Settings

log = logging.getLogger(__name__)
SP = search_package.c
TOKEN = "search_outbox_token"
BATCH = "search_outbox_batch"
POLL_SECONDS = 0.002
# Changes not yet indexed that a search checks against the privacy rule; past it, searches answer 503.
MAX_PENDING = 50_000


class TantivyBackend(IndexWriter, StoredDictReads):
    name = "tantivy"

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.root = Path(settings.search_index_path)
        self.node = node_name(self.root, settings.search_node)
        self.reader = IndexReader(self.root)
        self.outbox = outbox_cursor(db)

    # -- writes (in the caller's transaction) ---------------------------------------------------------
    def _write_text(self, session: Session, doc_id: int, doc: Document) -> None:
        return None  # the full text lives in Tantivy

    def _delete_text(self, session: Session, doc_id: int) -> None:
        return None

    def _record(self, session: Session, package_ids: list[str]) -> None:
        token = self.outbox.record(session, package_ids)
        if token is not None:
            # The writer's last token: on SQLite seqs grow within a transaction, on PostgreSQL it is one txid.
            session.info[TOKEN] = token

    def index_package(self, session: Session, package: dict[str, Any],
                      vocabularies: Mapping[str, str] | None = None) -> None:
        super().index_package(session, package, vocabularies)
        if not session.info.get(BATCH):
            self._record(session, [package["id"]])

    def index_packages(self, session: Session, packages: Sequence[dict[str, Any]], *, new: bool = False) -> None:
        if new:
            super().index_packages(session, packages, new=True)  # through bulk_insert, which records them
            return
        session.info[BATCH] = True  # one outbox insert for the batch, not one per index_package
        try:
            super().index_packages(session, packages)
        finally:
            session.info.pop(BATCH, None)
        self._record(session, [package["id"] for package in packages])

    def remove_package(self, session: Session, package_id: str) -> None:
        super().remove_package(session, package_id)
        self._record(session, [package_id])

    def bulk_insert(self, session: Session, docs: list[Document]) -> None:
        super().bulk_insert(session, docs)
        self._record(session, [doc.row["package_id"] for doc in docs])

    # -- read-your-writes -----------------------------------------------------------------------------
    def pending_token(self, session: Session) -> Token | None:
        return session.info.get(TOKEN)  # type: ignore[no-any-return]

    def wait_searchable(self, token: Token | None) -> bool:
        """Poll this node's position.json (a stat and a small read, no database round trip) until it covers the
        token; not at all when no indexer has written it lately (then `search-indexer` is not running)."""
        timeout = self.settings.search_visible_timeout_seconds
        if token is None or timeout <= 0:
            return True
        deadline = time.monotonic() + timeout
        while True:
            found = read_position(self.root)
            if found is None:  # an index set up without an indexer's file: the saved position decides
                return wait_searchable(self.db, self.node, token, max(deadline - time.monotonic(), 0.0))
            if time.time() - found.written > ALIVE.total_seconds():
                return False
            if self.outbox.covers(found.position, token):
                return True
            if time.monotonic() > deadline:
                log.warning("a write was not searchable on node %s within %s s: is the search indexer keeping up?",
                            self.node, timeout)
                return False
            time.sleep(POLL_SECONDS)

    def index_status(self) -> dict[str, Any]:
        local = read_position(self.root)
        state = lag(self.db, self.node, local.position if local is not None else None)
        return {"backend": self.name, "ready": state["ready"], "pending": state["pending"],
                "lag_seconds": state["lag_seconds"], "position_saved": state.get("position_saved")}

    # -- search ---------------------------------------------------------------------------------------
    def search(self, session: Session, request: SearchRequest) -> SearchResult:
        # The position first, then the index: the index opened is at least as new as the position read.
        local = read_position(self.root)
        try:
            searcher, schema = self.reader.searcher()
        except (IndexNotReady, OSError, ValueError) as error:
            # A new node whose indexer is still building its first generation (or an unreadable one): a 503 the
            # client can retry.
            raise ServiceUnavailable(f"The search index is not ready yet ({error}); retry in a moment.") from error
        hits = run_search(searcher, schema, request, self._hidden_while_pending(session, request, local))
        return SearchResult(count=hits.count, results=self._dicts(session, request, hits.package_ids),
                            facets=hits.facets)

    def _hidden_while_pending(self, session: Session, request: SearchRequest,
                              local: LocalPosition | None) -> list[str]:
        """Datasets changed since the index's last commit that the caller may no longer see (made private, deleted,
        purged): left out of the count and the facets too, not only of the page, so no count or facet value
        tells of them while the index catches up. (Those still visible keep their indexed version meanwhile.)"""
        if local is None:
            return []
        pending = sorted(set(self.outbox.pending_ids(session.connection(), local.position, MAX_PENDING)))
        if not pending:
            return []
        if len(pending) >= MAX_PENDING:
            raise ServiceUnavailable("The search index is far behind the catalog (is the search indexer running?); "
                                     "retry in a moment.")
        visible = set(session.execute(select(SP.package_id)
                                      .where(SP.package_id.in_(pending), *visible_where(request))).scalars())
        return [package_id for package_id in pending if package_id not in visible]

    def _dicts(self, session: Session, request: SearchRequest, package_ids: list[str]) -> list[dict[str, Any]]:
        """The page's current stored dicts, in the index's order, checked again against states and privacy."""
        if not package_ids:
            return []
        rows = session.execute(select(SP.package_id, search_doc.c.data_dict)
                               .select_from(search_package.join(search_doc, search_doc.c.doc_id == SP.doc_id))
                               .where(SP.package_id.in_(package_ids), *visible_where(request)))
        found = {package_id: data for package_id, data in rows}
        return [json.loads(found[package_id]) for package_id in package_ids if package_id in found]
