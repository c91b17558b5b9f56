"""The Tantivy side of bench/search_bench.py: an index generation built from the same generated Documents the
database's index tables get, and Services whose search backend is a TantivyBackend over that generation.

The generated catalog goes into the database first (its rows hold the stored dicts the Tantivy backend reads a
page's results from); the same Documents are added to a Tantivy writer as they are loaded, and the seconds spent
in Tantivy (document conversion, add_document, the final commit and merges) are counted apart, so the build rate
is Tantivy's alone. The generation is then made `current` and the database gets this node's position row, as
the indexer (catalog/search/indexer.py) leaves them, so the backend answers as it would in production.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tantivy

from catalog.search.index import Document
from catalog.search.indexer import WRITER_HEAP, build_generation
from catalog.search.outbox import outbox_cursor, read_snapshot, save_position
from catalog.search.tantivy_schema import tantivy_document
from catalog.search.tantivy_store import create_index, new_generation, switch_current, write_info
from catalog.services import Services, build_services
from catalog.settings import Settings

NODE = "bench"


@dataclass
class IndexBuild:
    """A generation filled batch by batch during the database load (the indexer's writer settings)."""

    root: Path
    generation: Path = field(init=False)
    writer: tantivy.IndexWriter = field(init=False)
    count: int = 0
    add_seconds: float = 0.0

    def __post_init__(self) -> None:
        self.generation = new_generation(self.root)
        self.writer = create_index(self.generation).writer(heap_size=WRITER_HEAP, num_threads=1)

    def add(self, docs: list[Document]) -> None:
        started = time.perf_counter()
        for doc in docs:
            self.writer.add_document(tantivy_document(doc))
        self.count += len(docs)
        self.add_seconds += time.perf_counter() - started

    def finish(self) -> dict[str, Any]:
        """Commit, wait for the merges, make the generation current; the build's figures."""
        started = time.perf_counter()
        self.writer.commit()
        self.writer.wait_merging_threads()
        commit_seconds = time.perf_counter() - started
        write_info(self.generation, position="", documents=self.count)
        switch_current(self.root, self.generation)
        seconds = self.add_seconds + commit_seconds
        size = sum(f.stat().st_size for f in self.generation.iterdir() if f.is_file())
        return {"documents": self.count, "seconds": round(seconds, 1),
                "add_seconds": round(self.add_seconds, 1), "commit_merge_seconds": round(commit_seconds, 1),
                "datasets_per_s": round(self.count / seconds) if seconds else None,
                "index_mb": round(size / 1e6, 1)}


def tantivy_services(database_services: Services, root: Path) -> Services:
    """Services on the same database whose search backend is Tantivy over `root`'s current generation, with
    this node's position saved (the index covers everything the database holds: nothing is pending)."""
    base = database_services.settings
    settings = Settings(database_url=base.database_url, site_url=base.site_url, secret_key=base.secret_key,
                        storage_path=base.storage_path, search_backend="tantivy", search_index_path=str(root),
                        search_node=NODE)
    services = build_services(settings)
    current = (root / "current").resolve()
    with read_snapshot(services.db) as conn:
        position = outbox_cursor(services.db).head(conn)
    with services.db.unit_of_work(write=True) as session:
        save_position(session.connection(), NODE, current.name, position, 0)
    return services


def rebuild_rate(services: Services, root: Path) -> dict[str, Any]:
    """The production rebuild path (indexer.build_generation: stored dicts read back from the database, parsed
    and analysed again): its rate, for comparison with the bench's direct build."""
    started = time.perf_counter()
    _, _, count = build_generation(services, root, NODE)
    seconds = time.perf_counter() - started
    return {"documents": count, "seconds": round(seconds, 1), "datasets_per_s": round(count / seconds)}
