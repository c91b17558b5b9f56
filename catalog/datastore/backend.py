"""The DataStore backend interface and the column types both databases share (the backends are chosen in
catalog/datastore/service.py).

Each resource's rows live in one table named after the resource id, kept apart from the catalog:
on PostgreSQL in the schema `datastore` of the catalog database, on SQLite in a separate database file
next to the catalog file (so `datastore_search_sql` cannot even name a catalog table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from catalog.errors import ValidationError

if TYPE_CHECKING:
    from catalog.datastore.csv_plan import CsvPlan

# CKAN type names accepted by datastore_create -> our canonical type.
TYPE_ALIASES = {
    "text": "text", "varchar": "text", "string": "text", "name": "text",
    "int": "int", "int4": "int", "int8": "int", "integer": "int", "bigint": "int", "smallint": "int",
    "numeric": "numeric", "decimal": "numeric", "number": "numeric",
    "float": "float", "float8": "float", "float4": "float", "double precision": "float", "real": "float",
    "bool": "bool", "boolean": "bool",
    "date": "date", "time": "time", "timestamp": "timestamp", "timestamptz": "timestamp",
    "json": "json", "jsonb": "json",
}  # fmt: skip


# What PostgreSQL calls the type each accepted name declares: (pg_type.typname, which CKAN gives as a field's
# `type`; format_type(), datastore_info's `schema.native_type`). CKAN makes its columns with the name as given,
# so "int" is an int4 there, while Moisson keeps fewer column types (an "int" is a bigint on PostgreSQL, a
# declared type on SQLite): the declared name is kept in the data dictionary (DatastoreTable.info, TYPES_KEY)
# so that both databases answer as CKAN's PostgreSQL would.
PG_NAMES = {
    "text": ("text", "text"), "string": ("text", "text"), "varchar": ("varchar", "character varying"),
    "name": ("name", "name"),
    "int": ("int4", "integer"), "int4": ("int4", "integer"), "integer": ("int4", "integer"),
    "int8": ("int8", "bigint"), "bigint": ("int8", "bigint"), "smallint": ("int2", "smallint"),
    "numeric": ("numeric", "numeric"), "decimal": ("numeric", "numeric"), "number": ("numeric", "numeric"),
    "float": ("float8", "double precision"), "float8": ("float8", "double precision"),
    "double precision": ("float8", "double precision"), "float4": ("float4", "real"), "real": ("float4", "real"),
    "bool": ("bool", "boolean"), "boolean": ("bool", "boolean"),
    "date": ("date", "date"), "time": ("time", "time without time zone"),
    "timestamp": ("timestamp", "timestamp without time zone"),
    "timestamptz": ("timestamptz", "timestamp with time zone"),
    "json": ("json", "json"), "jsonb": ("jsonb", "jsonb"),
}  # fmt: skip
# A column with no declared name (loaded from a file, or made before names were kept): the PostgreSQL type the
# column really has there (postgres.PG_TYPES).
UNDECLARED = {"int": "bigint", "json": "jsonb"}
# The key of the data dictionary under which the declared names are kept ({column id: name}): column ids never
# start with "_" (datastore_create refuses them, the loader strips them), so it cannot name a column.
TYPES_KEY = "_types"


def pg_names(canonical: str, declared: str | None = None) -> tuple[str, str]:
    """(typname, native type) of a column of this canonical type, declared with this name if known."""
    if declared is not None and TYPE_ALIASES.get(declared) == canonical:
        return PG_NAMES[declared]
    return PG_NAMES[UNDECLARED.get(canonical, canonical)]


def canonical_type(name: str) -> str:
    canonical = TYPE_ALIASES.get(str(name).strip().lower())
    if canonical is None:
        raise ValidationError({"fields": [f'"{name}" is not a valid field type']})
    return canonical


def quote_ident(name: str, *, format_params: bool = False) -> str:
    """A double-quoted identifier; `format_params` for statements run with %s parameters (psycopg),
    where a literal % in a column name such as "Part (%)" must be written %%."""
    quoted = '"' + name.replace('"', '""') + '"'
    return quoted.replace("%", "%%") if format_params else quoted


def too_long(timeout_ms: int) -> str:
    """The 409 message of a DataStore query stopped at its time bound."""
    return (f"The query took longer than the {timeout_ms} ms a request may hold the database: ask for less "
            "(a smaller limit, narrower filters or fewer joins).")


@dataclass
class Column:
    id: str
    type: str


@dataclass
class SearchSpec:
    """A validated datastore_search: every name here was checked against the table's columns."""

    fields: list[str]
    filters: list[tuple[str, list[Any]]] = field(default_factory=list)
    q: str | dict[str, str] | None = None
    plain: bool = True
    language: str = "english"
    sort: list[tuple[str, str, str | None]] = field(default_factory=list)  # (column, asc|desc, nulls)
    distinct: bool = False
    limit: int = 100
    offset: int = 0
    include_total: bool = True


class DatastoreBackend(Protocol):
    name: str

    def table_exists(self, resource_id: str) -> bool: ...

    def columns(self, resource_id: str) -> list[Column] | None:
        """The table's columns without `_id`, in order; None when there is no table."""

    def bulk_load(self, resource_id: str, path: Path, progress: Callable[[int], None]) -> CsvPlan:
        """Analyse and load a whole file into a new table, then swap it in; a failure (LoadError for a
        file that cannot be loaded) leaves the old table as it was. Returns the file's plan."""

    def create_table(self, resource_id: str, columns: Sequence[Column], primary_key: Sequence[str]) -> None:
        """Create the table, or add the columns it lacks."""

    def write_records(
        self, resource_id: str, records: list[dict[str, Any]], method: str, primary_key: Sequence[str]
    ) -> list[int]:
        """Write the rows; with method "insert", returns the `_id` given to each (datastore_create's
        include_records reads them back), else []."""

    def delete_rows(self, resource_id: str, filters: list[tuple[str, list[Any]]]) -> int: ...

    def drop_table(self, resource_id: str) -> None: ...

    def search(
        self, resource_id: str, spec: SearchSpec, timeout_ms: int
    ) -> tuple[list[str], list[tuple[Any, ...]], int | None]:
        """(column ids, rows, total or None); a 409 after timeout_ms."""

    def search_sql(
        self, sql: str, tables: set[str], timeout_ms: int, max_rows: int, max_bytes: int
    ) -> tuple[list[Column], list[tuple[Any, ...]], bool]:
        """Run one read-only SELECT that may read only the given datastore tables (the database's own
        resolution decides what it reads, not the SQL text): (columns, rows, truncated); 409 past max_bytes."""

    def table_stats(self, resource_id: str) -> dict[str, Any]: ...

    def table_names(self) -> list[str]: ...
