"""DataStore on PostgreSQL: schema `datastore` of the catalog database, one table per resource.

Files are loaded with one COPY of rows converted as they are read (catalog/datastore/scan.py) into a new
table that replaces the old one in the same transaction. datastore_search_sql runs on a connection that logs
in as the `moisson_datastore_ro` role (SELECT on datastore tables only, member of no role, so no SET ROLE or
set_config('role') can lift it; `moisson db upgrade` maintains it), in a READ ONLY transaction with
search_path=datastore and a statement_timeout. The query is parsed, then planned, and runs only if every
relation and function of the plan passes plancheck.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from secrets import token_hex
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg import sql as pg_sql
from psycopg.types.json import Jsonb
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from catalog.datastore.backend import Column, SearchSpec, quote_ident, too_long
from catalog.datastore.csv_analysis import GUESS_ROWS, analyse
from catalog.datastore.csv_plan import CsvPlan
from catalog.datastore.plancheck import check_plan
from catalog.datastore.resultcap import take_rows
from catalog.datastore.scan import LayoutChangedError, read_ahead, scan
from catalog.datastore.search import build_select
from catalog.errors import NotAuthorized, ServiceUnavailable, ValidationError
from catalog.settings import Settings

SCHEMA = "datastore"
DEFAULT_READ_ROLE = Settings.datastore_read_role
# A role name goes into GRANT statements unquoted, so only plain lower-case identifiers are accepted.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
PG_TYPES = {
    "text": "text", "int": "bigint", "numeric": "numeric", "float": "double precision", "bool": "boolean",
    "date": "date", "time": "time", "timestamp": "timestamp", "json": "jsonb",
}  # fmt: skip
FROM_PG = {
    "bigint": "int", "integer": "int", "smallint": "int", "numeric": "numeric", "double precision": "float",
    "real": "float", "text": "text", "character varying": "text", "boolean": "bool", "date": "date",
    "time without time zone": "time", "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamp", "jsonb": "json", "json": "json",
}  # fmt: skip
# type oid -> CKAN type name, for datastore_search_sql results
OID_TYPES = {
    16: "bool", 20: "int", 21: "int", 23: "int", 25: "text", 114: "json", 700: "float", 701: "float",
    1043: "text", 1082: "date", 1083: "time", 1114: "timestamp", 1184: "timestamp", 1700: "numeric",
    3802: "json",
}  # fmt: skip


def table_ref(resource_id: str) -> str:
    return f"{SCHEMA}.{quote_ident(resource_id)}"


def checked_role_name(role: str) -> str:
    if not ROLE_NAME.fullmatch(role):
        raise ValueError(f"datastore_read_role {role!r}: use lower-case letters, digits and _ (63 at most)")
    return role


def restricted_login_url(catalog_url: str, role: str = DEFAULT_READ_ROLE) -> str:
    """The catalog's URL with the restricted role as user and no password (local trust or peer auth); where a
    password is needed, set `datastore_sql_url` instead."""
    url = make_url(catalog_url).set(drivername="postgresql+psycopg", username=checked_role_name(role), password=None)
    return url.render_as_string(hide_password=False)


class PostgresDatastore:
    name = "postgresql"

    def __init__(self, engine: Engine, sql_url: str = "", read_role: str = DEFAULT_READ_ROLE) -> None:
        self.engine = engine
        self.read_role_name = checked_role_name(read_role)
        self._read_role: bool | None = None
        if sql_url.startswith("postgresql://"):
            sql_url = "postgresql+psycopg://" + sql_url[len("postgresql://"):]
        self._sql_url = sql_url or restricted_login_url(engine.url.render_as_string(hide_password=False), read_role)
        self._sql_engine: Engine | None = None

    @contextmanager
    def _raw(self) -> Iterator[psycopg.Connection[Any]]:
        pooled = self.engine.raw_connection()
        conn: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            pooled.close()

    def read_role(self) -> bool:
        """Whether this connection's user may SET ROLE to the read-only role."""
        if self._read_role is None:
            with self._raw() as conn:
                row = conn.execute(
                    "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s", (self.read_role_name,)
                ).fetchone()
            self._read_role = bool(row and row[0])
        return self._read_role

    def _grant(self, cur: psycopg.Cursor[Any], resource_id: str) -> None:
        if self.read_role():
            cur.execute(f"GRANT SELECT ON {table_ref(resource_id)} TO {self.read_role_name}")

    def table_exists(self, resource_id: str) -> bool:
        return self.columns(resource_id) is not None

    def columns(self, resource_id: str) -> list[Column] | None:
        with self._raw() as conn:
            oid = conn.execute("SELECT to_regclass(%s)::oid", (table_ref(resource_id),)).fetchone()[0]
            if oid is None:
                return None
            rows = conn.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                (oid,),
            ).fetchall()
        return [Column(name, FROM_PG.get(kind.split("(")[0], "text")) for name, kind in rows if name != "_id"]

    def table_names(self) -> list[str]:
        with self._raw() as conn:
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (SCHEMA,)).fetchall()
        return [name for (name,) in rows]

    def bulk_load(self, resource_id: str, path: Path, progress: Callable[[int], None]) -> CsvPlan:
        """Guess the layout from the first rows and COPY the file in one pass, checking every row as it
        goes; a row that changes the layout rolls the load back to a savepoint, the whole file is
        analysed, and it is loaded again (so types are always those the whole file asks for)."""
        plan = analyse(path, max_rows=GUESS_ROWS)
        work = f"{resource_id}_{token_hex(4)}"
        with self._raw() as conn, conn.transaction(), conn.cursor() as cur:
            # DD/MM/YYYY cells go to COPY as they are: this transaction reads dates day first.
            cur.execute("SET LOCAL DateStyle = 'ISO, DMY'")
            try:
                with conn.transaction():  # a savepoint: a wrong guess rolls back to here
                    self._copy(cur, plan, work, progress)
            except LayoutChangedError:
                plan = analyse(path, like=plan)
                self._copy(cur, plan, work, progress)
            progress(plan.rows)
            # Numbered by the load (a column default costs PostgreSQL more than the numbers cost here);
            # later inserts (datastore_upsert) number on from the last row.
            cur.execute(f'ALTER TABLE {table_ref(work)} ALTER COLUMN "_id" ADD GENERATED BY DEFAULT AS IDENTITY '
                        f"(START WITH {plan.rows + 1})")
            cur.execute(f'ALTER TABLE {table_ref(work)} ADD PRIMARY KEY ("_id")')
            cur.execute(f"DROP TABLE IF EXISTS {table_ref(resource_id)}")
            cur.execute(f"ALTER TABLE {table_ref(work)} RENAME TO {quote_ident(resource_id)}")
            self._grant(cur, resource_id)
        return plan

    @staticmethod
    def _copy(cur: psycopg.Cursor[Any], plan: CsvPlan, work: str, progress: Callable[[int], None]) -> None:
        """Create the typed table and COPY the converted rows into it as they are read (psycopg sends
        while PostgreSQL parses: the file is never in memory)."""
        definitions = ", ".join(f"{quote_ident(c.id)} {PG_TYPES[c.type]}" for c in plan.columns)
        cur.execute(f'CREATE TABLE {table_ref(work)} ("_id" bigint NOT NULL, {definitions})')
        names = pg_sql.SQL(", ").join(pg_sql.Identifier(c.id) for c in plan.columns)
        # Every empty cell is NULL, quoted or not (odd rows are written with every cell quoted).
        statement = pg_sql.SQL(
            'COPY {} ("_id", {}) FROM STDIN WITH (FORMAT csv, DELIMITER {}, FORCE_NULL ({}))'
        ).format(pg_sql.Identifier(SCHEMA, work), names, pg_sql.Literal(plan.delimiter), names)
        # The next block is read, checked and converted in a second thread while psycopg sends this one.
        with cur.copy(statement) as copy, closing(read_ahead(_copy_text(plan))) as parts:
            for part, loaded in parts:
                copy.write(part)
                progress(loaded)

    def create_table(self, resource_id: str, columns: Sequence[Column], primary_key: Sequence[str]) -> None:
        table = table_ref(resource_id)
        existing = {c.id for c in self.columns(resource_id) or []}
        exists = self.table_exists(resource_id)
        with self._raw() as conn, conn.cursor() as cur:
            if not exists:
                definitions = "".join(f", {quote_ident(c.id)} {PG_TYPES[c.type]}" for c in columns)
                cur.execute(f'CREATE TABLE {table} ("_id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY'
                            f"{definitions})")
                self._grant(cur, resource_id)
            for column in columns:
                if exists and column.id not in existing:
                    cur.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(column.id)} {PG_TYPES[column.type]}")
            if primary_key:
                index = quote_ident(f"{resource_id}_pk")
                cur.execute(f"DROP INDEX IF EXISTS {SCHEMA}.{index}")
                keys = ", ".join(quote_ident(k) for k in primary_key)
                try:
                    cur.execute(f"CREATE UNIQUE INDEX {index} ON {table} ({keys})")
                except pg_errors.UniqueViolation:
                    raise ValidationError({"primary_key": ["The existing rows are not unique on this key"]}) from None

    def write_records(
        self, resource_id: str, records: list[dict[str, Any]], method: str, primary_key: Sequence[str]
    ) -> list[int]:
        from catalog.datastore.writes import record_statement

        inserted: list[int] = []
        with self._raw() as conn, conn.cursor() as cur:
            for index, record in enumerate(records):
                statement, values, must_match = record_statement(
                    table_ref(resource_id), record, method, primary_key, "%s"
                )
                if method == "insert":
                    statement += ' RETURNING "_id"'
                values = [Jsonb(v) if isinstance(v, dict | list) else v for v in values]
                try:
                    with conn.transaction():
                        cur.execute(statement, values)
                except (pg_errors.IntegrityError, pg_errors.DataError) as error:
                    message = str(error).splitlines()[0]
                    raise ValidationError({"records": [f"row {index + 1}: {message}"]}) from None
                if must_match and cur.rowcount == 0:
                    keys = ", ".join(str(record.get(k)) for k in (primary_key or ["_id"]))
                    raise ValidationError({"key": [f'key "({keys})" not found']})
                if method == "insert":
                    inserted.append(cur.fetchone()[0])
            if any("_id" in record for record in records):
                # Rows given an explicit _id must not collide with later generated ones.
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, '_id'), coalesce(max(\"_id\"), 0) + 1, false) "
                    f"FROM {table_ref(resource_id)}",
                    (table_ref(resource_id),),
                )
        return inserted

    def delete_rows(self, resource_id: str, filters: list[tuple[str, list[Any]]]) -> int:
        where, values = [], []
        for name, options in filters:
            where.append(f"{quote_ident(name, format_params=True)} = ANY(%s)")
            values.append(options)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._raw() as conn:
            return conn.execute(f"DELETE FROM {table_ref(resource_id)}{clause}", values).rowcount

    def drop_table(self, resource_id: str) -> None:
        with self._raw() as conn:
            conn.execute(f"DROP TABLE IF EXISTS {table_ref(resource_id)}")

    def search(
        self, resource_id: str, spec: SearchSpec, timeout_ms: int
    ) -> tuple[list[str], list[tuple[Any, ...]], int | None]:
        columns = self.columns(resource_id) or []
        rows_sql, count_sql, params = build_select(table_ref(resource_id), columns, spec, _fts)
        try:
            with self.engine.connect() as conn, conn.begin():
                conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
                rows = [tuple(r) for r in conn.execute(text(rows_sql), params)]
                total = conn.execute(text(count_sql), params).scalar_one() if count_sql else None
        except Exception as error:  # noqa: BLE001 - database errors on user input are 409s, not 500s
            cause = getattr(error, "orig", error)
            if isinstance(cause, pg_errors.QueryCanceled):
                raise ValidationError({"query": [too_long(timeout_ms)]}) from None
            if isinstance(cause, psycopg.Error):
                raise ValidationError({"query": [str(cause).splitlines()[0]]}) from None
            raise
        return spec.fields, rows, total

    @contextmanager
    def sql_connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection logged in as the restricted role (its own small pool), rolled back when given back."""
        if self._sql_engine is None:
            # Pre-ping (unlike the catalog engine): a query met by a dropped connection would otherwise be
            # a 409 for the caller, and this work already costs several round trips.
            self._sql_engine = create_engine(self._sql_url, pool_size=2, max_overflow=8, pool_recycle=600,
                                             pool_pre_ping=True)
        try:
            pooled = self._sql_engine.raw_connection()
        except Exception as error:  # noqa: BLE001 - any failure to log in means the role is not set up
            raise ServiceUnavailable(
                f"datastore_search_sql cannot log in as {self.read_role_name}: run `moisson db upgrade`, or see SECURITY.md "
                "for what a DBA must grant (and MOISSON_DATASTORE_SQL_URL when the role needs a password)"
            ) from error
        conn: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
        try:
            yield conn
        finally:
            conn.rollback()
            pooled.close()

    def search_sql(
        self, sql: str, tables: set[str], timeout_ms: int, max_rows: int, max_bytes: int
    ) -> tuple[list[Column], list[tuple[Any, ...]], bool]:
        with self.sql_connection() as conn, conn.cursor() as cur:
            try:
                # One round trip. search_path: pg_catalog is still searched first. standard_conforming_strings:
                # the plan check reads literals as '...' with '' inside, never E'...'.
                cur.execute(f"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {int(timeout_ms)}; "
                            f"SET LOCAL search_path = {SCHEMA}; SET LOCAL standard_conforming_strings = on")
                columns = _parse(conn, sql)
                check_plan(_plan(cur, sql), tables)
                # Streamed row by row (no bigger chunks: 50 rows of 20 MB each would arrive at once), so the
                # byte cap is counted as rows arrive and leaving early cancels the query. A 400 MB result peaked
                # at 123 MB refused, against 820 MB fetched; 32,000 small rows take as long as a fetchall.
                with closing(cur.stream(sql.encode(), size=1)) as stream:
                    rows, truncated = take_rows(stream, max_rows, max_bytes)
            except pg_errors.QueryCanceled:
                raise ValidationError({"query": [too_long(timeout_ms)]}) from None
            except (pg_errors.InsufficientPrivilege, pg_errors.ReadOnlySqlTransaction) as error:
                raise NotAuthorized(str(error).splitlines()[0]) from None
            except psycopg.Error as error:
                raise ValidationError({"query": [str(error).splitlines()[0]]}) from None
        return columns, [tuple(r) for r in rows], truncated

    def table_stats(self, resource_id: str) -> dict[str, Any]:
        ref = table_ref(resource_id)
        with self._raw() as conn:
            count = conn.execute(f"SELECT count(*) FROM {ref}").fetchone()[0]
            size, idx, db_size = conn.execute(
                "SELECT pg_table_size(%s), pg_indexes_size(%s), pg_database_size(current_database())",
                (ref, ref),
            ).fetchone()
        return {"count": count, "size": size, "idx_size": idx, "db_size": db_size}


def _parse(conn: psycopg.Connection[Any], sql: str) -> list[Column]:
    """Parse and analyse the query (the extended protocol's Parse: one statement only, nothing planned or run),
    so that its errors (syntax, unknown column...) can be shown as PostgreSQL words them; its result columns
    (known even when no row comes back)."""
    encoding = conn.info.encoding
    result = conn.pgconn.prepare(b"", sql.encode())
    if result.status == pq.ExecStatus.COMMAND_OK:
        result = conn.pgconn.describe_prepared(b"")
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise psycopg.errors.error_from_result(result, encoding=encoding)
    return [Column((result.fname(i) or b"").decode(encoding), OID_TYPES.get(result.ftype(i), "text"))
            for i in range(result.nfields)]


def _plan(cur: psycopg.Cursor[Any], sql: str) -> list[dict[str, Any]]:
    """EXPLAIN without ANALYZE runs nothing, but the planner may call STABLE functions with constant arguments
    to estimate a comparison: an error it meets says nothing of the data (it could quote it)."""
    try:
        rows = list(cur.stream(b"EXPLAIN (VERBOSE, FORMAT JSON) " + sql.encode()))
    except (pg_errors.QueryCanceled, pg_errors.InsufficientPrivilege):
        raise
    except psycopg.Error:
        raise ValidationError({"query": ["The query could not be planned: check it runs on its own, "
                                         "with only the allowed functions"]}) from None
    plan = rows[0][0]
    return json.loads(plan) if isinstance(plan, str) else plan


def _copy_text(plan: CsvPlan) -> Iterator[tuple[str, int]]:
    """The scanned rows as CSV text for COPY, each after its `_id`, with the rows loaded so far."""
    numbered = 0
    for part in scan(plan, strict=True):
        first = numbered + 1
        if isinstance(part, list):
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=plan.delimiter, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerows([str(number), *row] for number, row in enumerate(part, start=first))
            numbered += len(part)
            part = buffer.getvalue()
        else:
            lines = part.split("\n")  # scan ends every row of a block with \n alone, as COPY wants
            lines.pop()  # after the last line end
            numbered += len(lines)
            part = "\n".join(map(f"{{}}{plan.delimiter}{{}}".format, range(first, numbered + 1), lines)) + "\n"
        yield part, plan.rows


def _fts(columns: list[str], q: str, plain: bool, language: str, params: dict[str, Any]) -> str:
    key = f"q{len(params)}"
    params[key] = q
    params["fts_lang"] = language
    document = " || ' ' || ".join(f"coalesce(CAST({quote_ident(c)} AS text), '')" for c in columns) or "''"
    query = "plainto_tsquery" if plain else "to_tsquery"
    return (
        f"to_tsvector(CAST(:fts_lang AS regconfig), {document}) "
        f"@@ {query}(CAST(:fts_lang AS regconfig), :{key})"
    )
