"""`moisson search-index check`: compare the Tantivy index with the database (ids and metadata_modified) and report
or repair the drift. Repairs go through the outbox, so the node's indexer makes them like any other change."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy
from sqlalchemy import select

from catalog.search.index import search_package
from catalog.search.outbox import node_state, outbox_cursor, read_snapshot
from catalog.search.tantivy_schema import micros
from catalog.search.tantivy_store import IndexReader, node_name, read_position

if TYPE_CHECKING:
    from catalog.services import Services

CHUNK = 1000
SP = search_package.c


@dataclass
class Drift:
    checked: int = 0
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    stale: list[str] = field(default_factory=list)  # indexed at another metadata_modified
    extra: list[str] = field(default_factory=list)  # in the index, not in the database (purged)
    duplicated: list[str] = field(default_factory=list)  # indexed more than once

    @property
    def ids(self) -> list[str]:
        return sorted({*self.missing, *self.stale, *self.extra, *self.duplicated})


def _database_rows(services: Services) -> Iterator[list[tuple[str, int]]]:
    with services.db.engine.connect() as conn:
        last = ""
        while True:
            rows = conn.execute(select(SP.package_id, SP.metadata_modified).where(SP.package_id > last)
                                .order_by(SP.package_id).limit(CHUNK)).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [(package_id, micros(modified)) for package_id, modified in rows]


def compare(services: Services, root: Path) -> Drift:
    searcher, schema = IndexReader(root).searcher()
    drift = Drift()
    for rows in _database_rows(services):
        drift.checked += len(rows)
        wanted = dict(rows)
        query = tantivy.Query.term_set_query(schema, "package_id", list(wanted))
        hits = searcher.search(query, limit=2 * len(rows) + 10).hits
        modified = searcher.fast_field_values("mm", [address for _, address in hits])
        seen: dict[str, int] = {}
        for (_, address), indexed_at in zip(hits, modified, strict=True):
            package_id = searcher.doc(address)["package_id"][0]
            if package_id in seen:
                drift.duplicated.append(package_id)
            seen[package_id] = indexed_at
        drift.missing += [package_id for package_id in wanted if package_id not in seen]
        drift.stale += [package_id for package_id, at in seen.items() if at != wanted.get(package_id, at)]
    indexed = [term for term, count in searcher.terms_with_prefix("package_id", "", tantivy.Query.all_query())
               if count > 0]
    with services.db.engine.connect() as conn:
        for start in range(0, len(indexed), CHUNK):
            chunk = indexed[start:start + CHUNK]
            known = set(conn.execute(select(SP.package_id).where(SP.package_id.in_(chunk))).scalars())
            drift.extra += [package_id for package_id in chunk if package_id not in known]
    return drift


def caught_up(services: Services, timeout: float = 60.0) -> bool:
    """Wait until the node's indexer covers everything committed now (a check must not count pending changes)."""
    root = Path(services.settings.search_index_path)
    db, node = services.db, node_name(root, services.settings.search_node)
    cursor = outbox_cursor(db)
    with read_snapshot(db) as conn:
        head = cursor.head(conn)
    deadline = time.monotonic() + timeout
    while True:
        with db.engine.connect() as conn:
            local = read_position(root)  # newer than the saved one, when the indexer runs on this node
            state = node_state(conn, node)
            position = local.position if local is not None else state.position if state is not None else None
            if position is not None and cursor.behind(conn, position, head) == 0:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def check(services: Services, *, repair: bool = False) -> Drift:
    root = Path(services.settings.search_index_path)
    caught_up(services)
    drift = compare(services, root)
    if drift.ids:
        # A change made while comparing shows as drift until the indexer applies it: compare once more.
        caught_up(services)
        again = compare(services, root)
        drift = again
    if repair and drift.ids:
        with services.db.unit_of_work(write=True) as session:
            outbox_cursor(services.db).record(session, drift.ids)
    return drift
