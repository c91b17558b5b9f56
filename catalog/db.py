"""Engine, declarative base and the unit of work: one session, one transaction per top-level call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, MetaData, Select, create_engine, event, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
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
    return create_engine(url, pool_recycle=600, pool_size=10, max_overflow=20, **kwargs)


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
    def unit_of_work(self, *, write: bool) -> Iterator[Session]:
        """Begin, yield the session, commit on success, roll back on any exception."""
        session = (self._write if write else self._read)()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
