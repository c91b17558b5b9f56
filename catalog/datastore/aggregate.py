"""datastore_aggregate (a Moisson extension, not in CKAN): a DataStore table grouped by one column and summed,
counted or averaged by the database, for charts.

One GROUP BY query over an allow-list: the group and value columns are checked against the table's columns and
quoted with quote_ident, the function is one of sum/count/avg, dates are grouped by month or year; filter values
travel as bound parameters. The largest groups come first (dates: in time order), at most `limit` of them, and the
rest is summed up as `others`, so a chart of 36,000 communes stays 50 bars and a total.

It lives beside the backends rather than in them: each dialect gives only its table reference, its month/year
expression and how it bounds a query's time (DIALECTS below).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from catalog.context import ActionContext
from catalog.datastore import auth
from catalog.datastore.backend import PG_NAMES, TYPE_ALIASES, Column, DatastoreBackend, quote_ident, too_long
from catalog.datastore.search import parse_filters
from catalog.errors import NotFound, ValidationError
from catalog.registry import action, caller_read_bound

AGGREGATES = {"sum": "sum", "count": "count", "mean": "avg"}
PERIODS = ("month", "year")
NUMERIC_TYPES = ("int", "numeric", "float")
GROUP_TYPES = ("text", "int", "numeric", "float", "bool", "date", "timestamp", "time")
DATE_TYPES = ("date", "timestamp")


def field_types(canonical: tuple[str, ...]) -> frozenset[str]:
    """Every `type` a datastore_search field of these canonical types may carry: the canonical name, the names
    datastore_create accepts for it and the PostgreSQL names CKAN reports (int8, float8, timestamptz...). The
    chart pages read fields, this action reads columns: one list of types (above) for both."""
    names = {alias for alias, kind in TYPE_ALIASES.items() if kind in canonical}
    return frozenset(canonical) | names | {PG_NAMES[name][0] for name in names if name in PG_NAMES}
LIMIT_DEFAULT = 50
LIMIT_MAX = 500
TIMEOUT_MS = 30_000


@dataclass
class AggregateSpec:
    """A checked request: every name here is a column of the table."""

    group_by: str
    agg: str  # a key of AGGREGATES
    value: str | None = None
    period: str | None = None  # for a date or timestamp column
    filters: list[tuple[str, list[Any]]] = field(default_factory=list)
    limit: int = LIMIT_DEFAULT


@dataclass(frozen=True)
class Dialect:
    table: Callable[[str], str]
    period: Callable[[str, str], str]  # (quoted column, "month"|"year") -> text key
    sum: str  # SQLite's sum() of integers fails past 64 bits ("integer overflow"); its total() adds them as
    # floats (a whole sum of an int column comes back as an integer: _whole); PostgreSQL's sum(bigint) is numeric


def _sqlite_period(column: str, period: str) -> str:
    # Dates are stored as ISO text (YYYY-MM-DD...), so the key is a prefix.
    return f"substr(CAST({column} AS TEXT), 1, {7 if period == 'month' else 4})"


def _postgres_period(column: str, period: str) -> str:
    return f"to_char({column}, '{'YYYY-MM' if period == 'month' else 'YYYY'}')"


def _postgres_table(resource_id: str) -> str:
    from catalog.datastore.postgres import table_ref

    return table_ref(resource_id)


DIALECTS = {
    "sqlite": Dialect(table=quote_ident, period=_sqlite_period, sum="total"),
    "postgresql": Dialect(table=_postgres_table, period=_postgres_period, sum="sum"),
}


def parse_aggregate(data: dict[str, Any], columns: list[Column]) -> AggregateSpec:
    types = {column.id: column.type for column in columns}
    errors: dict[str, list[str]] = {}  # the columns' errors together, as CKAN reports a form's fields
    group_by = data.get("group_by")
    if not isinstance(group_by, str) or not group_by:
        errors["group_by"] = ["Missing value"]
    elif types.get(group_by) not in GROUP_TYPES:
        errors["group_by"] = [f'field "{group_by}" not in table']
    value = data.get("value") or None
    agg = data.get("agg") or ("sum" if value else "count")
    if not isinstance(agg, str) or agg not in AGGREGATES:
        errors["agg"] = [f'"{agg}" is not one of {", ".join(AGGREGATES)}']
    if value is not None and (not isinstance(value, str) or types.get(value) not in NUMERIC_TYPES):
        errors["value"] = [f'field "{value}" is not a numeric field of the table']
    elif value is None and agg != "count":
        errors["value"] = ["Missing value"]
    if errors:
        raise ValidationError(errors)
    period = data.get("period") or None
    if types[group_by] in DATE_TYPES:
        period = period or "month"
    if period is not None and (period not in PERIODS or types[group_by] not in DATE_TYPES):
        raise ValidationError({"period": ["month or year, for a date column only"]})
    filters = data.get("filters") or {}
    if isinstance(filters, str):  # GET sends it as JSON, as for datastore_search
        try:
            filters = json.loads(filters)
        except ValueError:
            raise ValidationError({"filters": ["Cannot parse JSON"]}) from None
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Not a json object"]})
    limit = data.get("limit", LIMIT_DEFAULT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError({"limit": ["Must be a natural number"]})
    return AggregateSpec(group_by=group_by, agg=agg, value=value, period=period,
                         filters=parse_filters(filters, {"_id": "int", **types}), limit=min(limit, LIMIT_MAX))


def ident(name: str) -> str:
    """A quoted column name for text(): a colon in it must not read as a bound parameter (":x")."""
    return quote_ident(name).replace(":", "\\:")


def build_aggregate(table: str, spec: AggregateSpec, dialect: Dialect) -> tuple[str, str, dict[str, Any]]:
    """(groups query, totals query, parameters). Each group row is (key, rows, values, sum, mean, number of
    groups), the totals row (rows, values, sum)."""
    params: dict[str, Any] = {}
    where = []
    for index, (name, values) in enumerate(spec.filters):
        if values == [None]:
            where.append(f"{ident(name)} IS NULL")
            continue
        keys = []
        for n, value in enumerate(values):
            params[f"f{index}_{n}"] = value
            keys.append(f":f{index}_{n}")
        where.append(f"{ident(name)} IN ({', '.join(keys)})")
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    key = ident(spec.group_by)
    if spec.period:
        key = dialect.period(key, spec.period)
    value = ident(spec.value) if spec.value else "CAST(NULL AS numeric)"
    measures = f"count(*) AS n, count({value}) AS nv, {dialect.sum}({value}) AS s"
    if spec.period:
        order = "k ASC NULLS LAST"
    else:
        ranked = {"sum": "s", "count": "n", "mean": "a"}[spec.agg]
        order = f"{ranked} DESC NULLS LAST, k ASC NULLS LAST"
    # count(*) OVER () runs after GROUP BY and before LIMIT: every row carries the number of groups.
    groups_sql = (f"SELECT {key} AS k, {measures}, avg({value}) AS a, count(*) OVER () AS g FROM {table}{where_sql} "
                  f"GROUP BY 1 ORDER BY {order} LIMIT :limit")
    params["limit"] = spec.limit
    totals_sql = f"SELECT {measures} FROM {table}{where_sql}"
    return groups_sql, totals_sql, params


def _bind(value: Any, dialect_name: str) -> Any:
    if dialect_name != "sqlite":
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def run_aggregate(backend: DatastoreBackend, resource_id: str, spec: AggregateSpec,
                  timeout_ms: int) -> tuple[list[tuple[Any, ...]], tuple[Any, ...], int]:
    """(group rows, totals row, number of groups); a 409 after timeout_ms or on a database error."""
    dialect = DIALECTS[backend.name]
    groups_sql, totals_sql, params = build_aggregate(dialect.table(resource_id), spec, dialect)
    params = {k: _bind(v, backend.name) for k, v in params.items()}
    engine = backend.engine  # type: ignore[attr-defined]  # both backends keep theirs public
    try:
        with engine.connect() as conn, conn.begin():
            if backend.name == "postgresql":
                conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
                return _run(conn, groups_sql, totals_sql, params)
            raw = conn.connection.driver_connection
            deadline = time.monotonic() + timeout_ms / 1000
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                return _run(conn, groups_sql, totals_sql, params)
            finally:
                raw.set_progress_handler(None, 0)
    except Exception as error:  # noqa: BLE001 - database errors on a checked query are 409s, not 500s
        cause = getattr(error, "orig", error)
        message = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        if type(cause).__name__ == "QueryCanceled" or (isinstance(cause, sqlite3.OperationalError)
                                                      and "interrupted" in message):
            raise ValidationError({"query": [too_long(timeout_ms)]}) from None
        if isinstance(cause, sqlite3.Error) or type(cause).__module__.startswith("psycopg"):
            raise ValidationError({"query": [message]}) from None
        raise


def _run(conn: Any, groups_sql: str, totals_sql: str,
         params: dict[str, Any]) -> tuple[list[tuple[Any, ...]], tuple[Any, ...], int]:
    rows = [tuple(row) for row in conn.execute(text(groups_sql), params)]
    plain = {k: v for k, v in params.items() if k != "limit"}
    totals = tuple(conn.execute(text(totals_sql), plain).one())
    return [row[:5] for row in rows], totals, int(rows[0][5]) if rows else 0


def number(value: Any) -> int | float | None:
    """A database number as JSON: whole Decimals (PostgreSQL's sum of integers) become ints."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**63 else float(value)
    return value


def _whole(value: Any) -> Any:
    """A float sum of an int column (SQLite's total()) as the integer it is, within 64 bits."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def key_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _measure(agg: str, rows: int, values: int, total: Any) -> int | float | None:
    if agg == "count":
        return rows
    if agg == "sum":
        return number(total) if values else None
    return float(total) / values if values else None


@action(auth=auth.datastore_search, read_only=True)
def datastore_aggregate(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Group a DataStore table's rows by a column and sum, count or average a numeric column (Moisson; the chart
    views read it). Groups come largest first (by month or year, in time order, for a date column); past `limit`
    the remaining groups are summed up in `others`.

    :param resource_id: the resource
    :param group_by: the column whose values make the groups
    :param value: a numeric column (not needed to count rows)
    :param agg: sum, count (rows) or mean (default: sum with a value, else count)
    :param period: month (default) or year, for a date or timestamp group_by
    :param filters: dict field -> value or list of values, as datastore_search's
    :param limit: groups to return (default 50, at most 500)
    :returns: ``{"groups": [{"key", "value", "count"}], "others": {"value", "count", "groups"} or null,
        "total": {"value", "count"}, "groups_total", "fields", ...}``; ``count`` is a number of rows
    """
    resource_id = auth.resource_id_of(data)
    backend = ctx.services.datastore.backend
    columns = backend.columns(resource_id)
    if columns is None:
        raise NotFound(f'Resource "{resource_id}" was not found.')
    spec = parse_aggregate(data, columns)
    bound = caller_read_bound(ctx.services, ctx.actor)
    timeout = min(TIMEOUT_MS, bound) if bound > 0 else TIMEOUT_MS
    rows, totals, groups_total = run_aggregate(backend, resource_id, spec, timeout)
    types = {column.id: column.type for column in columns}
    if spec.value and types[spec.value] == "int":
        rows = [(key, n, nv, _whole(s), a) for key, n, nv, s, a in rows]
        totals = (*totals[:2], _whole(totals[2]))
    groups = [{"key": key_value(key), "value": _measure(spec.agg, n, nv, s),
               "count": n} for key, n, nv, s, _ in rows]
    all_rows, all_values, all_sum = totals
    others = None
    if groups_total > len(rows):
        rest_rows = all_rows - sum(row[1] for row in rows)
        rest_values = all_values - sum(row[2] for row in rows)
        rest_sum = (all_sum or 0) - sum((row[3] or 0) for row in rows)
        others = {"value": _measure(spec.agg, rest_rows, rest_values, rest_sum), "count": rest_rows,
                  "groups": groups_total - len(rows)}
    return {
        "resource_id": resource_id,
        "group_by": spec.group_by,
        "value": spec.value,
        "agg": spec.agg,
        "period": spec.period,
        "limit": spec.limit,
        "fields": [{"id": name, "type": types[name]} for name in (spec.group_by, spec.value) if name],
        "groups": groups,
        "others": others,
        "total": {"value": _measure(spec.agg, all_rows, all_values, all_sum), "count": all_rows},
        "groups_total": groups_total,
    }
