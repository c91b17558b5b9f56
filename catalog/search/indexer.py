"""The search indexer: the one process of a node that writes its Tantivy index.

It drains the outbox (catalog/search/outbox.py) in rounds: read the position covering everything committed now,
replace each changed dataset's document by its current stored dict (or delete it, once purged), commit the index,
then publish the position: to the node's writers in position.json (after every commit) and in the database
(search_index_node, every HEARTBEAT_SECONDS and on stop). Replacing is idempotent, so a crash anywhere only makes
the next round index some datasets again: nothing is lost, and `moisson search-index check` finds no drift.
While there is work it commits round after round (one Tantivy commit covers every write of its round); idle, it
polls the outbox every `poll_seconds`.

It also builds a node's first generation from the database (no index yet, or an unknown or stale position), and
catches a rebuilt generation up and switches `current` to it (catalog/search/tantivy_store.py). A generation being
built holds the outbox rows after its position (outbox.hold_name) until its switch, so pruning cannot take them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from catalog.clock import utcnow
from catalog.search.index import build_document, search_doc, search_package, vocabulary_ids
from catalog.search.outbox import (
    RETENTION,
    forget_holds,
    forget_node,
    hold_name,
    node_state,
    outbox_cursor,
    prune,
    read_snapshot,
    save_position,
)
from catalog.search.tantivy_schema import tantivy_document
from catalog.search.tantivy_store import (
    clear_switch,
    create_index,
    current_generation,
    fail_switch,
    indexer_lock,
    new_generation,
    node_name,
    open_index,
    pending_switch,
    read_info,
    read_position,
    remove_abandoned_generations,
    remove_generation,
    switch_current,
    write_info,
    write_position,
)
from catalog.vocab.queries import vocabulary_names

if TYPE_CHECKING:
    from catalog.services import Services

log = logging.getLogger(__name__)
CHUNK = 1000
WRITER_HEAP = 64_000_000
HEARTBEAT_SECONDS = 5.0  # the saved position (database): at least this often
LOCAL_HEARTBEAT_SECONDS = 1.0  # position.json: at least this often (its age tells writers the indexer runs)
PRUNE_SECONDS = 60.0


def _writer(index: tantivy.Index) -> tantivy.IndexWriter:
    return index.writer(heap_size=WRITER_HEAP, num_threads=1)


def _documents(conn: Connection, package_ids: list[str]) -> list[tantivy.Document]:
    """The Tantivy documents of these datasets' current stored dicts; datasets gone from the index tables (purged)
    have none."""
    rows = conn.execute(select(search_doc.c.data_dict).select_from(
        search_package.join(search_doc, search_doc.c.doc_id == search_package.c.doc_id))
        .where(search_package.c.package_id.in_(package_ids))).scalars().all()
    packages = [json.loads(data) for data in rows]
    ids = {v for package in packages for v in vocabulary_ids(package)}
    names = vocabulary_names(Session(bind=conn), ids) if ids else {}
    return [tantivy_document(build_document(package, names)) for package in packages]


def replace(writer: tantivy.IndexWriter, conn: Connection, package_ids: Iterable[str]) -> int:
    """Delete every listed dataset's document and add its current one (Tantivy applies a delete to the documents
    added before it only, so delete-then-add in one commit replaces)."""
    ids = sorted(set(package_ids))
    for package_id in ids:
        writer.delete_documents_by_term("package_id", package_id)
    docs = _documents(conn, ids)
    for doc in docs:
        writer.add_document(doc)
    return len(docs)


def build_generation(services: Services, root: Path, node: str, *,
                     progress: Callable[[int, int], None] | None = None, chunk: int = CHUNK) -> tuple[Path, str, int]:
    """A new generation holding every dataset of the index tables, and the outbox position it covers (read first,
    in the same snapshot as the documents). Until it is switched to (Indexer._publish), a hold keeps every outbox
    row after that position from being pruned, since its catch-up needs them."""
    generation = new_generation(root)
    writer = _writer(create_index(generation))
    db = services.db
    cursor = outbox_cursor(db)
    with read_snapshot(db) as conn:
        held = cursor.head(conn)  # at or before the build's own position
    with db.unit_of_work(write=True) as session:
        save_position(session.connection(), hold_name(node, generation.name), generation.name, held, 0)
    done = 0
    with read_snapshot(db) as conn:
        position = cursor.head(conn)
        total = conn.scalar(select(func.count()).select_from(search_package)) or 0
        last = 0
        while True:
            ids = conn.execute(select(search_package.c.doc_id, search_package.c.package_id)
                               .where(search_package.c.doc_id > last).order_by(search_package.c.doc_id)
                               .limit(chunk)).all()
            if not ids:
                break
            last = ids[-1][0]
            docs = _documents(conn, [package_id for _, package_id in ids])
            for doc in docs:
                writer.add_document(doc)
            done += len(docs)
            if progress is not None:
                progress(done, total)
    writer.commit()
    writer.wait_merging_threads()
    write_info(generation, position=position, documents=done)
    return generation, position, done


class IndexerBusy(RuntimeError):
    """Another process holds this node's indexer lock."""


class Indexer:
    """One node's indexer. `run` holds the node's indexer lock for its whole life."""

    def __init__(self, services: Services, *, root: Path | None = None, node: str | None = None,
                 poll_seconds: float = 0.01) -> None:
        settings = services.settings
        self.services = services
        self.root = Path(root or settings.search_index_path)
        self.node = node or node_name(self.root, settings.search_node)
        self.poll_seconds = poll_seconds
        self.cursor = outbox_cursor(services.db)
        self.writer: tantivy.IndexWriter | None = None
        self.generation: Path | None = None
        self.position = ""
        self.indexed = 0
        self._busy = False
        self._last_saved = 0.0
        self._last_written = 0.0
        self._last_pruned = 0.0

    # -- life -------------------------------------------------------------------------------------
    def run(self, stop: threading.Event, ready: threading.Event | None = None) -> None:
        with indexer_lock(self.root) as held:
            if not held:
                raise IndexerBusy(f"another search indexer is running on {self.root} (it holds {self.root}/"
                                   "indexer.lock); one node has one indexer")
            self.start()
            if ready is not None:
                ready.set()
            while not stop.is_set():
                self.step()
                if not self._busy:
                    stop.wait(self.poll_seconds)
            self.close()

    def start(self) -> None:
        """Open this node's index where its saved position says, or build a first generation."""
        db = self.services.db
        with db.unit_of_work(write=True) as session:
            conn = session.connection()
            # Holds of builds that will never be switched to (their generation is gone) stop holding rows back.
            live = tuple(path.name for path in self.root.glob("gen-*"))
            forget_holds(conn, self.node, except_generations=live)
            state = node_state(conn, self.node)
        current = current_generation(self.root)
        usable = (state is not None and current is not None and state.generation == current.name
                  and utcnow() - state.updated < RETENTION and read_info(current))
        if usable:
            assert state is not None and current is not None
            try:
                self.writer = _writer(open_index(current))
                # position.json is written after each commit, the saved position at the heartbeat: the newer one
                # is where the index really is (resuming from the older would only index some datasets again).
                local = read_position(self.root)
                position = local.position if local is not None and local.generation == current.name \
                    else state.position
                self.generation, self.position, self.indexed = current, position, state.indexed
                return
            except Exception:  # a generation this Moisson cannot open: built again below
                log.exception("search index %s cannot be opened; building a new one", current)
        generation, position, count = build_generation(self.services, self.root, self.node)
        self.writer = _writer(open_index(generation))
        self.generation, self.position, self.indexed = generation, position, count
        self._publish()
        remove_abandoned_generations(self.root, generation)

    def close(self) -> None:
        if self.writer is not None and self.generation is not None:
            self._save()
        if self.writer is not None:
            self.writer.wait_merging_threads()
            self.writer = None

    def step(self) -> int:
        """One round: a requested switch, then the outbox, then the housekeeping that is due."""
        request = pending_switch(self.root)
        if request is not None:
            try:
                self.switch_to(self.root / request["generation"], request["position"])
            except Exception:  # noqa: BLE001 - a bad request must not stop the indexer, which goes on as it was
                log.exception("the requested switch to %s failed; the current index stays", request["generation"])
                fail_switch(self.root)
            else:
                clear_switch(self.root)
        count = self.drain()
        now = time.monotonic()
        if now - self._last_written > LOCAL_HEARTBEAT_SECONDS:
            self._write_local()
        if now - self._last_saved > HEARTBEAT_SECONDS:
            self._save()
        if now - self._last_pruned > PRUNE_SECONDS:
            self._last_pruned = now
            prune(self.services.db)
        return count

    # -- work -------------------------------------------------------------------------------------
    def drain(self, *, save: bool = True) -> int:
        """Index what the outbox holds beyond our position; commit and publish the new position to this node's
        writers if anything changed (position.json; the database copy follows at the heartbeat)."""
        assert self.writer is not None
        self._busy = False
        count = 0
        with read_snapshot(self.services.db) as conn:
            target = self.cursor.head(conn)
            if target == self.position:
                return 0
            for package_ids in self.cursor.changes(conn, self.position, target, CHUNK):
                count += len(package_ids)
                replace(self.writer, conn, package_ids)
        if count:
            self.writer.commit()
            self.indexed += count
            self._busy = True
        self.position = target
        if count and save:
            self._write_local()
        return count

    def switch_to(self, generation: Path, position: str) -> None:
        """Make a rebuilt generation current: catch it up from the position it was built at, then point
        `current` at it and publish its position (in that order: a waiter that sees the position finds the change
        in the generation readers open). If anything fails before the switch, the current generation stays."""
        before = (self.writer, self.generation or current_generation(self.root), self.position, self.indexed)
        try:
            self.writer = _writer(open_index(generation))
            self.generation, self.position = generation, position
            self.indexed = int(read_info(generation).get("documents", 0))
            self.indexed += self.drain(save=False)
        except Exception:
            self.writer, self.generation, self.position, self.indexed = before
            raise
        if before[0] is not None:
            before[0].wait_merging_threads()
        self._publish()
        remove_generation(self.root, before[1], keep=generation)

    def _publish(self) -> None:
        assert self.generation is not None
        switch_current(self.root, self.generation)
        self._write_local()
        self._save()
        with self.services.db.unit_of_work(write=True) as session:
            forget_node(session.connection(), hold_name(self.node, self.generation.name))

    def _write_local(self) -> None:
        assert self.generation is not None
        write_position(self.root, self.generation, self.position)
        self._last_written = time.monotonic()

    def _save(self) -> None:
        assert self.generation is not None
        with self.services.db.unit_of_work(write=True) as session:
            save_position(session.connection(), self.node, self.generation.name, self.position, self.indexed)
        self._last_saved = time.monotonic()



def run_in_thread(services: Services, **kwargs: object) -> tuple[threading.Thread, threading.Event]:
    """An indexer in a thread of this process (tests, single-process layouts); set the event to stop it."""
    stop, ready = threading.Event(), threading.Event()
    indexer = Indexer(services, **kwargs)  # type: ignore[arg-type]
    thread = threading.Thread(target=indexer.run, args=(stop, ready), name="search-indexer", daemon=True)
    thread.start()
    if not ready.wait(120):
        stop.set()
        raise RuntimeError("the search indexer did not start within 120 s")
    return thread, stop
