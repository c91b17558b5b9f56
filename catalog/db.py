"""Engine, declarative base and the unit of work: one session, one transaction per top-level call."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import JSON, MetaData, Select, create_engine, event, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, PendingRollbackError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON everywhere, stored as JSONB on PostgreSQL.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def count_rows(session: Session, query: Select[Any]) -> int:
    """How many rows a SELECT returns."""
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JsonType, list[Any]: JsonType}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for the catalog: SQLite gets WAL, foreign keys and BEGIN IMMEDIATE for writes."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    # No pre-ping: it costs a round trip per checkout on every short read. Connections are recycled after
    # ten minutes; a read action that meets a dropped connection, or a write whose opening ping does, is
    # retried once (registry.call_action).
    engine = create_engine(url, pool_recycle=600, pool_size=10, max_overflow=20, **kwargs)
    _bound_postgresql_statements(engine)
    return engine


# The bound on the statements of the unit of work being run in this thread (0: none): set by unit_of_work for
# anonymous and ordinary reads, applied to each connection as the pool hands it out, so nothing else that takes
# a connection from the pool (writes, harvest jobs, the DataStore, sysadmins, the CLI) inherits it.
STATEMENT_TIMEOUT_MS: ContextVar[int] = ContextVar("moisson_statement_timeout_ms", default=0)
_APPLIED = "moisson_statement_timeout_ms"  # the bound a pooled PostgreSQL connection carries now
# How often (in SQLite virtual machine instructions) a bounded read looks at the clock: about a millisecond.
SQLITE_CHECK_EVERY = 20_000


def _bound_postgresql_statements(engine: Engine) -> None:
    # statement_timeout for the session, not SET LOCAL: reads run in autocommit (no transaction to scope it).
    # It is changed only when the next unit wants another bound than the connection carries, so a run of
    # anonymous reads pays no round trip for it.
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        wanted = STATEMENT_TIMEOUT_MS.get()
        if record.info.get(_APPLIED, 0) == wanted:
            return
        autocommit = dbapi_connection.autocommit
        try:
            dbapi_connection.autocommit = True  # the SET must outlive this unit's transaction, if it has one
            dbapi_connection.execute(f"SET statement_timeout = {int(wanted)}" if wanted else "RESET statement_timeout")
            dbapi_connection.autocommit = autocommit
        except Exception as error:  # noqa: BLE001 - a dropped pooled connection: the pool takes another one
            # And recycles every connection opened before now: a server restart or a burst of terminations
            # dropped them all, and a checkout that skips this SET would otherwise meet the next dead one.
            raise InvalidatePoolError(f"setting statement_timeout failed: {error}") from error
        record.info[_APPLIED] = wanted


def statement_timed_out(error: BaseException) -> bool:
    """Whether a database error is a bounded read that ran out of time (PostgreSQL's statement_timeout, or
    the SQLite progress handler's interrupt)."""
    orig = error.orig if isinstance(error, DBAPIError) else error
    if getattr(orig, "sqlstate", None) == "57014":  # query_canceled
        return True
    return isinstance(orig, sqlite3.OperationalError) and str(orig) == "interrupted"


def database_was_busy(error: BaseException) -> bool:
    """Whether SQLite gave up waiting for another connection's lock ("database is locked" after busy_timeout)."""
    orig = getattr(error, "orig", None)
    return isinstance(orig, sqlite3.OperationalError) and str(orig) in ("database is locked", "database is busy")


# SQLAlchemy's code for "Can't reconnect until invalid transaction is rolled back": the connection was lost
# earlier in the transaction and the error raised then was caught (a cleanup statement in a `finally:`).
RECONNECT_IN_TRANSACTION = "8s2b"


# SQLSTATEs that end the session: class 08 (connection exception) and 57P01-57P03 (admin/crash shutdown,
# cannot connect now: pg_terminate_backend, a restart). psycopg raises the server's FATAL message before it
# marks the connection broken, so SQLAlchemy's disconnect test (connection.broken) can miss it.
LOST_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def connection_was_lost(error: BaseException | None) -> bool:
    """Whether the database connection was lost: this error, or the one it was raised while handling."""
    while error is not None:
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, DBAPIError) and str(getattr(error.orig, "sqlstate", None) or "").startswith(
                LOST_SQLSTATES):
            return True
        if isinstance(error, PendingRollbackError) and error.code == RECONNECT_IN_TRANSACTION:
            return True
        error = error.__context__
    return False


def _configure_sqlite(engine: Engine) -> None:
    # The pysqlite transaction recipe: take over BEGIN so writers can ask for IMMEDIATE and queue
    # on the busy timeout instead of failing on a lock upgrade.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # SQLite has no statement_timeout: a bounded read gets a progress handler that interrupts it once its
    # deadline (counted from when the unit took the connection) has passed; others get none.
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        wanted = STATEMENT_TIMEOUT_MS.get()
        if not wanted:
            dbapi_connection.set_progress_handler(None, 0)
            return
        deadline = time.monotonic() + wanted / 1000
        dbapi_connection.set_progress_handler(lambda: time.monotonic() > deadline, SQLITE_CHECK_EVERY)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            dbapi_connection.set_progress_handler(None, 0)  # the pool's own rollback must not be interrupted

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The catalog's engine and session factory; one per app, worker or CLI process."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_engine = self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        # PostgreSQL reads run in autocommit: no BEGIN and COMMIT round trips around a one-query read.
        # Each statement sees its own snapshot, as each request to CKAN's Solr does.
        read_engine = self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._read = sessionmaker(read_engine, expire_on_commit=False)
        self._write = sessionmaker(write_engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self, *, write: bool, statement_timeout_ms: int = 0) -> Iterator[Session]:
        """Begin, yield the session, commit on success, roll back on any exception.

        statement_timeout_ms > 0 bounds each statement of the unit (PostgreSQL) or the whole unit (SQLite);
        one that runs out of time raises an error that statement_timed_out recognises."""
        token = STATEMENT_TIMEOUT_MS.set(statement_timeout_ms)
        session = (self._write if write else self._read)()
        try:
            with session.begin():
                yield session
        finally:
            session.close()
            STATEMENT_TIMEOUT_MS.reset(token)

    def dispose(self) -> None:
        self.engine.dispose()
