"""The transactional outbox an external search index is fed from, and each index node's position in it.

A write that changes what search returns inserts one row per dataset in its own transaction (`record`), so a
rolled-back write leaves none and a committed one can never be missed. An indexer (catalog/search/indexer.py)
reads the rows its node has not seen, indexes the datasets' current stored dicts, commits its index, then publishes
its position (position.json beside the index, and here at its heartbeat); a crash in between only makes it index
those datasets again (replacing a document is idempotent). Rows are pruned once every live node's saved position,
and every generation still being built (its hold), covers them.

What a position is depends on the database:
- SQLite: writers take turns (one write lock), so sequence order is commit order; a position is the last `seq`
  indexed and a row is new when its `seq` is greater.
- PostgreSQL: transactions commit out of sequence order (a row with a lower `seq` can appear after one with a
  higher `seq` was read), so a position is the snapshot the indexer read the outbox in (`pg_current_snapshot()`)
  and a row is new when its transaction (`txid`, xid8) was not visible in that snapshot. Exact, with no timing
  guess about slow transactions.
A writer's token (`record`'s result: its last `seq`, or its transaction id) is searchable on a node once that
node's position covers it (`covers`, decided in Python), which is what read-your-writes waits for.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from catalog.clock import utcnow
from catalog.db import Database
from catalog.search.index import search_metadata

search_outbox = Table(
    "search_outbox", search_metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("package_id", String(36), nullable=False),
    Column("created", DateTime, nullable=False),
    # PostgreSQL only (migration 0012): txid xid8 DEFAULT pg_current_xact_id()
    sqlite_autoincrement=True,
)

search_index_node = Table(
    "search_index_node", search_metadata,
    Column("node", String(200), primary_key=True),
    Column("generation", String(100), nullable=False),
    Column("position", Text, nullable=False),
    Column("indexed", BigInteger, nullable=False),
    Column("updated", DateTime, nullable=False),
)

Token = int | str  # the last seq a writer inserted (SQLite), or its transaction id (PostgreSQL)


class OutboxCursor(Protocol):
    def record(self, session: Session, package_ids: Iterable[str]) -> Token | None:
        """Insert one row per dataset in the caller's transaction; the writer's token."""

    def head(self, conn: Connection) -> str:
        """The position covering everything committed now (read before the changes or documents it covers)."""

    def changes(self, conn: Connection, since: str, until: str, chunk: int) -> Iterator[list[str]]:
        """Package ids of the rows new after `since` and covered by `until`, in chunks (repeats possible)."""

    def covers(self, position: str, token: Token) -> bool:
        """Whether a writer's committed token is covered by a position (no database needed)."""

    def pending(self, conn: Connection, position: str) -> tuple[int, datetime | None]:
        """How many rows a position does not cover yet, and when the oldest of them was written."""

    def behind(self, conn: Connection, position: str, head: str) -> int:
        """How many rows `head` covers and `position` does not."""

    def pending_ids(self, conn: Connection, position: str, limit: int) -> list[str]:
        """The datasets of (at most `limit`) committed rows a position does not cover."""

    def prune(self, conn: Connection, positions: list[str]) -> int:
        """Delete the rows every one of these positions covers."""


class SqliteCursor:
    def record(self, session: Session, package_ids: Iterable[str]) -> Token | None:
        rows = [{"package_id": package_id, "created": utcnow()} for package_id in package_ids]
        if not rows:
            return None
        seqs = session.execute(insert(search_outbox).returning(search_outbox.c.seq), rows).scalars().all()
        return max(seqs)

    def head(self, conn: Connection) -> str:
        # The AUTOINCREMENT counter, not max(seq): once pruning has emptied the outbox, max(seq) would go back to 0.
        return str(conn.scalar(text("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'search_outbox'), 0)")))

    def changes(self, conn: Connection, since: str, until: str, chunk: int) -> Iterator[list[str]]:
        last, end = int(since), int(until)
        while last < end:
            rows = conn.execute(select(search_outbox.c.seq, search_outbox.c.package_id)
                                .where(search_outbox.c.seq > last, search_outbox.c.seq <= end)
                                .order_by(search_outbox.c.seq).limit(chunk)).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [package_id for _, package_id in rows]

    def covers(self, position: str, token: Token) -> bool:
        return int(position) >= int(token)

    def pending(self, conn: Connection, position: str) -> tuple[int, datetime | None]:
        count, oldest = conn.execute(select(func.count(), func.min(search_outbox.c.created))
                                     .where(search_outbox.c.seq > int(position))).one()
        return int(count), oldest

    def behind(self, conn: Connection, position: str, head: str) -> int:
        return max(int(head) - int(position), 0)

    def pending_ids(self, conn: Connection, position: str, limit: int) -> list[str]:
        return list(conn.execute(select(search_outbox.c.package_id).where(search_outbox.c.seq > int(position))
                                 .limit(limit)).scalars())

    def prune(self, conn: Connection, positions: list[str]) -> int:
        if not positions:
            return 0
        low = min(int(position) for position in positions)
        return conn.execute(search_outbox.delete().where(search_outbox.c.seq <= low)).rowcount or 0


_NEW_SINCE = ("txid >= pg_snapshot_xmin(CAST(:since AS pg_snapshot)) "
              "AND NOT pg_visible_in_snapshot(txid, CAST(:since AS pg_snapshot))")


class PostgresCursor:
    def record(self, session: Session, package_ids: Iterable[str]) -> Token | None:
        rows = [{"package_id": package_id, "created": utcnow()} for package_id in package_ids]
        if not rows:
            return None
        txids = session.execute(insert(search_outbox).returning(literal_column("txid::text")), rows).scalars().all()
        return str(txids[0])

    def head(self, conn: Connection) -> str:
        return str(conn.scalar(text("SELECT pg_current_snapshot()::text")))

    def changes(self, conn: Connection, since: str, until: str, chunk: int) -> Iterator[list[str]]:
        # The caller's REPEATABLE READ transaction took `until` as its snapshot: every row it sees is covered.
        last = 0
        while True:
            rows = conn.execute(text(f"SELECT seq, package_id FROM search_outbox WHERE {_NEW_SINCE} AND seq > :last "
                                     "ORDER BY seq LIMIT :chunk"), {"since": since, "last": last, "chunk": chunk}).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [package_id for _, package_id in rows]

    def covers(self, position: str, token: Token) -> bool:
        # pg_visible_in_snapshot, read off the snapshot's text "xmin:xmax:xip,...": a transaction id is visible
        # when it is below xmin, or below xmax and not among those in progress.
        xmin, xmax, in_progress = position.split(":")
        txid = int(token)
        return txid < int(xmin) or (txid < int(xmax) and str(txid) not in in_progress.split(","))

    def pending(self, conn: Connection, position: str) -> tuple[int, datetime | None]:
        count, oldest = conn.execute(text(f"SELECT count(*), min(created) FROM search_outbox WHERE {_NEW_SINCE}"),
                                     {"since": position}).one()
        return int(count), oldest

    def behind(self, conn: Connection, position: str, head: str) -> int:
        return int(conn.scalar(text(f"SELECT count(*) FROM search_outbox WHERE {_NEW_SINCE} "
                                    "AND pg_visible_in_snapshot(txid, CAST(:head AS pg_snapshot))"),
                               {"since": position, "head": head}) or 0)

    def pending_ids(self, conn: Connection, position: str, limit: int) -> list[str]:
        return list(conn.execute(text(f"SELECT package_id FROM search_outbox WHERE {_NEW_SINCE} LIMIT :limit"),
                                 {"since": position, "limit": limit}).scalars())

    def prune(self, conn: Connection, positions: list[str]) -> int:
        if not positions:
            return 0
        # Rows below every node's xmin were visible (or rolled back) in every node's snapshot.
        low = " AND ".join(f"txid < pg_snapshot_xmin(CAST(:p{i} AS pg_snapshot))" for i in range(len(positions)))
        result = conn.execute(text(f"DELETE FROM search_outbox WHERE {low}"),
                              {f"p{i}": position for i, position in enumerate(positions)})
        return result.rowcount or 0


def outbox_cursor(db: Database) -> OutboxCursor:
    return SqliteCursor() if db.is_sqlite else PostgresCursor()


@contextmanager
def read_snapshot(db: Database) -> Iterator[Connection]:
    """One transaction whose reads share a snapshot (REPEATABLE READ on PostgreSQL; a SQLite read transaction
    in WAL mode), for `head` and then `changes` or the documents it covers."""
    engine = db.engine if db.is_sqlite else db.engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as conn, conn.begin():
        yield conn


@dataclass(frozen=True)
class NodeState:
    node: str
    generation: str
    position: str
    indexed: int
    updated: datetime


def node_state(conn: Connection, node: str) -> NodeState | None:
    row = conn.execute(select(search_index_node).where(search_index_node.c.node == node)).first()
    return NodeState(*row) if row is not None else None


def save_position(conn: Connection, node: str, generation: str, position: str, indexed: int) -> None:
    values = {"generation": generation, "position": position, "indexed": indexed, "updated": utcnow()}
    changed = conn.execute(search_index_node.update().where(search_index_node.c.node == node).values(values))
    if not changed.rowcount:
        conn.execute(search_index_node.insert().values(node=node, **values))


def forget_node(conn: Connection, node: str) -> None:
    conn.execute(search_index_node.delete().where(search_index_node.c.node == node))


def hold_name(node: str, generation: str) -> str:
    """A generation being built keeps the outbox rows after its position (a row under this name, which prune
    honours like a node's) until it has been caught up and switched to."""
    return f"{node}@{generation}"


def forget_holds(conn: Connection, node: str, *, except_generations: tuple[str, ...] = ()) -> None:
    names = conn.execute(select(search_index_node.c.node)).scalars().all()
    for name in names:
        if name.startswith(node + "@") and name.split("@", 1)[1] not in except_generations:
            forget_node(conn, name)


# An indexer saves its position at least this often (indexer.HEARTBEAT_SECONDS, with margin): a node whose
# position is older has no indexer running, and writes do not wait for it.
ALIVE = timedelta(seconds=15)


def wait_searchable(db: Database, node: str, token: Token, timeout: float) -> bool:
    """Wait until `node`'s index covers a committed writer's token, at most `timeout` seconds (not at all when
    the node's indexer is not running)."""
    cursor = outbox_cursor(db)
    deadline = time.monotonic() + timeout
    pause = 0.005  # one primary-key read per poll; a longer pause would add to every write's latency
    while True:
        with db.engine.connect() as conn:
            state = node_state(conn, node)
            if state is None or utcnow() - state.updated > ALIVE:
                return False
            if cursor.covers(state.position, token):
                return True
        if time.monotonic() + pause > deadline:
            return False
        time.sleep(pause)


def lag(db: Database, node: str, position: str | None = None) -> dict[str, Any]:
    """What status_show reports of a node's index: pending changes and how old the oldest is; `position`: the
    node's latest, when known more recently than the saved one."""
    cursor = outbox_cursor(db)
    with db.engine.connect() as conn:
        state = node_state(conn, node)
        if state is None:
            return {"node": node, "ready": False, "pending": None, "lag_seconds": None}
        pending, oldest = cursor.pending(conn, position or state.position)
    seconds = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return {"node": node, "ready": True, "generation": state.generation, "indexed": state.indexed,
            "pending": pending, "lag_seconds": round(max(seconds, 0.0), 3),
            "position_saved": state.updated.isoformat(timespec="seconds") + "Z"}


RETENTION = timedelta(days=7)


def prune(db: Database, *, retention: timedelta = RETENTION) -> int:
    """Delete the rows every live node has indexed. A node silent for longer than `retention` is not waited for:
    when it comes back, its position is older than the rows kept and it rebuilds (indexer.Indexer.start)."""
    cursor = outbox_cursor(db)
    with db.unit_of_work(write=True) as session:  # BEGIN IMMEDIATE on SQLite: a read then a write
        conn = session.connection()
        live = conn.execute(select(search_index_node.c.position)
                            .where(search_index_node.c.updated >= utcnow() - retention)).scalars().all()
        return cursor.prune(conn, list(live))
