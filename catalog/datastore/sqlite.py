"""DataStore on SQLite: a separate database file next to the catalog file, one table per resource.

datastore_search_sql runs on a connection with an authorizer that allows SELECT, reads of the named
resource tables and a list of harmless functions, nothing else; a progress handler enforces the time limit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from secrets import token_hex
from typing import Any

from sqlalchemy.engine import make_url

from catalog.datastore.backend import Column, SearchSpec, quote_ident, too_long
from catalog.datastore.csv_analysis import GUESS_ROWS, analyse
from catalog.datastore.csv_plan import CsvPlan, dmy_to_iso
from catalog.datastore.resultcap import take_rows
from catalog.datastore.scan import LayoutChangedError, scan
from catalog.datastore.search import build_select, words
from catalog.db import make_engine
from catalog.errors import NotAuthorized, ValidationError
from catalog.settings import Settings

ALLOWED_FUNCTIONS = {
    "abs", "avg", "count", "max", "min", "sum", "total", "group_concat", "string_agg", "lower", "upper",
    "length", "substr", "substring", "trim", "ltrim", "rtrim", "replace", "round", "coalesce", "ifnull",
    "nullif", "instr", "printf", "format", "date", "time", "datetime", "julianday", "strftime", "unixepoch",
    "like", "glob", "typeof", "iif", "quote", "char", "unicode", "hex", "sign", "ceil", "ceiling", "floor",
    "row_number", "rank", "dense_rank", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
    "percent_rank", "cume_dist", "concat", "concat_ws", "octet_length", "median", "mod", "power", "pow",
    "sqrt", "exp", "ln", "log", "log10",
}  # fmt: skip


def _to_sqlite(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _rows_of(part: str | list[list[str]], plan: CsvPlan) -> Iterable[Sequence[str]]:
    """The rows of a scanned part, ready for executemany, DD/MM/YYYY dates made YYYY-MM-DD (once per distinct
    value: an SQL expression per row cost more than the whole split)."""
    if isinstance(part, list):
        return part
    width = len(plan.columns)
    dates = [index for index, column in enumerate(plan.columns) if column.transform == "dmy"]
    if '"' in part:
        rows = list(csv.reader(io.StringIO(part), delimiter=plan.delimiter))
        for row in rows if dates else ():
            for index in dates:
                row[index] = dmy_to_iso(row[index])
        return rows
    # Plain cells (no quotes): one split of the whole block, rows cut by zip, all in C.
    cells = part[:-1].replace("\n", plan.delimiter).split(plan.delimiter)
    for index in dates:
        column = cells[index::width]
        iso = {value: dmy_to_iso(value) for value in set(column)}
        cells[index::width] = map(iso.__getitem__, column)
    return zip(*[iter(cells)] * width, strict=True)


class SqliteDatastore:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(f"sqlite:///{path}")

    @classmethod
    def for_catalog(cls, settings: Settings) -> SqliteDatastore:
        """`moisson.db` -> `moisson.datastore.db` beside it (an in-memory catalog keeps it in storage_path)."""
        database = make_url(settings.database_url).database
        if database and database != ":memory:":
            catalog_file = Path(database)
            return cls(catalog_file.with_name(catalog_file.stem + ".datastore.db"))
        return cls(Path(settings.storage_path) / "datastore.db")

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        pooled = self.engine.raw_connection()
        conn: sqlite3.Connection = pooled.driver_connection  # type: ignore[assignment]
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            pooled.close()

    def table_exists(self, resource_id: str) -> bool:
        return self.columns(resource_id) is not None

    def columns(self, resource_id: str) -> list[Column] | None:
        with self._connect(write=False) as conn:
            rows = conn.execute(f"PRAGMA table_info({quote_ident(resource_id)})").fetchall()
        if not rows:
            return None
        return [Column(name, (kind or "text").lower()) for _, name, kind, *_ in rows if name != "_id"]

    def table_names(self) -> list[str]:
        with self._connect(write=False) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return [name for (name,) in rows if not name.startswith("sqlite_")]

    def bulk_load(self, resource_id: str, path: Path, progress: Callable[[int], None]) -> CsvPlan:
        """Guess the layout from the first rows and load in one pass, checking every row as it goes; a
        row that changes the layout rolls the load back to a savepoint, the whole file is analysed, and
        it is loaded again (so types are always those the whole file asks for)."""
        plan = analyse(path, max_rows=GUESS_ROWS)
        work = f"{resource_id}_{token_hex(4)}"
        # One transaction: the new table only replaces the old one if every row went in.
        with self._connect(write=True) as conn:
            conn.execute("SAVEPOINT guess")
            try:
                self._insert_all(conn, plan, work, progress)
            except LayoutChangedError:
                conn.execute("ROLLBACK TO guess")
                plan = analyse(path, like=plan)
                self._insert_all(conn, plan, work, progress)
            conn.execute("RELEASE guess")
            progress(plan.rows)
            conn.execute(f"DROP TABLE IF EXISTS {quote_ident(resource_id)}")
            conn.execute(f"ALTER TABLE {quote_ident(work)} RENAME TO {quote_ident(resource_id)}")
        return plan

    def _insert_all(self, conn: sqlite3.Connection, plan: CsvPlan, work: str, progress: Callable[[int], None]) -> None:
        definitions = ", ".join(f"{quote_ident(c.id)} {c.type}" for c in plan.columns)
        conn.execute(f'CREATE TABLE {quote_ident(work)} ("_id" INTEGER PRIMARY KEY, {definitions})')
        names = ", ".join(quote_ident(c.id) for c in plan.columns)

        def insert() -> str:
            # NULLIF only where the scan has let empty cells through (it cost 0.23 s per million rows
            # and column); the plan only ever gains nullable columns, so each part gets its own.
            values = ", ".join("NULLIF(?, '')" if c.nullable else "?" for c in plan.columns)
            return f"INSERT INTO {quote_ident(work)} ({names}) VALUES ({values})"

        # One thread: sqlite3 lets go of the GIL for every row it steps, so a second thread reading ahead
        # took it back each time and made the load slower (French file: 5.6 s against 4.8 s).
        for part in scan(plan, strict=True):
            conn.executemany(insert(), _rows_of(part, plan))
            progress(plan.rows)

    def create_table(self, resource_id: str, columns: Sequence[Column], primary_key: Sequence[str]) -> None:
        table = quote_ident(resource_id)
        with self._connect(write=True) as conn:
            existing = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if not existing:
                definitions = "".join(f", {quote_ident(c.id)} {c.type}" for c in columns)
                conn.execute(f'CREATE TABLE {table} ("_id" INTEGER PRIMARY KEY{definitions})')
            for column in columns:
                if existing and column.id not in existing:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(column.id)} {column.type}")
            if primary_key:
                index = quote_ident(f"{resource_id}_pk")
                conn.execute(f"DROP INDEX IF EXISTS {index}")
                keys = ", ".join(quote_ident(k) for k in primary_key)
                try:
                    conn.execute(f"CREATE UNIQUE INDEX {index} ON {table} ({keys})")
                except sqlite3.IntegrityError:
                    raise ValidationError({"primary_key": ["The existing rows are not unique on this key"]}) from None

    def write_records(
        self, resource_id: str, records: list[dict[str, Any]], method: str, primary_key: Sequence[str]
    ) -> list[int]:
        from catalog.datastore.writes import record_statement

        inserted: list[int] = []
        with self._connect(write=True) as conn:
            for index, record in enumerate(records):
                sql, values, must_match = record_statement(
                    quote_ident(resource_id), record, method, primary_key, "?"
                )
                try:
                    cursor = conn.execute(sql, [_to_sqlite(v) for v in values])
                except sqlite3.IntegrityError as error:
                    raise ValidationError({"records": [f"row {index + 1}: {error}"]}) from None
                if must_match and cursor.rowcount == 0:
                    keys = ", ".join(str(record.get(k)) for k in (primary_key or ["_id"]))
                    raise ValidationError({"key": [f'key "({keys})" not found']})
                if method == "insert" and cursor.lastrowid is not None:
                    inserted.append(cursor.lastrowid)
        return inserted

    def delete_rows(self, resource_id: str, filters: list[tuple[str, list[Any]]]) -> int:
        where, values = [], []
        for name, options in filters:
            where.append(f"{quote_ident(name)} IN ({', '.join('?' * len(options))})")
            values += [_to_sqlite(v) for v in options]
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._connect(write=True) as conn:
            return conn.execute(f"DELETE FROM {quote_ident(resource_id)}{clause}", values).rowcount

    def drop_table(self, resource_id: str) -> None:
        with self._connect(write=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {quote_ident(resource_id)}")

    def search(
        self, resource_id: str, spec: SearchSpec, timeout_ms: int
    ) -> tuple[list[str], list[tuple[Any, ...]], int | None]:
        columns = self.columns(resource_id) or []
        rows_sql, count_sql, params = build_select(quote_ident(resource_id), columns, spec, _fts)
        spec_params = {k: _to_sqlite(v) for k, v in params.items()}
        with self._connect(write=False) as conn:
            deadline = time.monotonic() + timeout_ms / 1000
            conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                rows = conn.execute(rows_sql, spec_params).fetchall()
                total = conn.execute(count_sql, spec_params).fetchone()[0] if count_sql else None
            except sqlite3.OperationalError as error:
                if "interrupted" in str(error):
                    raise ValidationError({"query": [too_long(timeout_ms)]}) from None
                raise ValidationError({"query": [str(error)]}) from None
            finally:
                conn.set_progress_handler(None, 0)
        return spec.fields, rows, total

    def search_sql(
        self, sql: str, tables: set[str], timeout_ms: int, max_rows: int, max_bytes: int
    ) -> tuple[list[Column], list[tuple[Any, ...]], bool]:
        allowed = {t.lower() for t in tables}
        denied: list[str] = []

        def authorize(action: int, arg1: str | None, arg2: str | None, db: str | None, _src: str | None) -> int:
            if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
                return sqlite3.SQLITE_OK
            if action == sqlite3.SQLITE_READ and db in ("main", None) and (arg1 or "").lower() in allowed:
                return sqlite3.SQLITE_OK
            if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in ALLOWED_FUNCTIONS:
                return sqlite3.SQLITE_OK
            denied.append(f"{arg2 or arg1}")
            return sqlite3.SQLITE_DENY

        with self._connect(write=False) as conn:
            deadline = time.monotonic() + timeout_ms / 1000
            conn.set_authorizer(authorize)
            conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                cursor = conn.execute(sql)
                # stepped one row at a time: the byte cap is counted as rows come
                rows, truncated = take_rows(cursor, max_rows, max_bytes)
                names = [d[0] for d in cursor.description or []]
            except sqlite3.DatabaseError as error:
                if denied or "not authorized" in str(error):
                    raise NotAuthorized(f"Not authorized to read {', '.join(denied) or 'this'}") from None
                if "interrupted" in str(error):
                    raise ValidationError({"query": [too_long(timeout_ms)]}) from None
                raise ValidationError({"query": [str(error)]}) from None
            except sqlite3.ProgrammingError as error:
                raise ValidationError({"query": [str(error)]}) from None
            finally:
                conn.set_authorizer(None)
                conn.set_progress_handler(None, 0)
        return [Column(name, _value_type(rows, i)) for i, name in enumerate(names)], rows, truncated

    def table_stats(self, resource_id: str) -> dict[str, Any]:
        table = quote_ident(resource_id)
        with self._connect(write=False) as conn:
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            page = conn.execute("PRAGMA page_size").fetchone()[0]
            db_size = conn.execute("PRAGMA page_count").fetchone()[0] * page
            try:
                size = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (resource_id,)).fetchone()[0]
                idx = conn.execute(
                    "SELECT sum(pgsize) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?)",
                    (resource_id,),
                ).fetchone()[0]
            except sqlite3.OperationalError:  # SQLite built without the dbstat table
                size, idx = None, None
        return {"count": count, "size": size or 0, "idx_size": idx or 0, "db_size": db_size}


def _value_type(rows: list[tuple[Any, ...]], index: int) -> str:
    for row in rows:
        value = row[index]
        if isinstance(value, bool | int):
            return "int"
        if isinstance(value, float):
            return "float"
        if value is not None:
            return "text"
    return "text"


def _fts(columns: list[str], q: str, plain: bool, language: str, params: dict[str, Any]) -> str:
    """Every word must appear (case-insensitively) in some column: SQLite has no tsvector."""
    clauses = []
    for word in words(q):
        key = f"q{len(params)}"
        params[key] = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        any_column = " OR ".join(f"CAST({quote_ident(c)} AS TEXT) LIKE :{key} ESCAPE '\\'" for c in columns)
        clauses.append(f"({any_column or '0'})")
    return " AND ".join(clauses) or "1"
