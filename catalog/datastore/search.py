"""datastore_search parameters -> one SELECT. Identifiers are checked against the table's columns and
quoted here; values only ever travel as bound parameters."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.datastore.backend import Column, SearchSpec, quote_ident
from catalog.errors import ValidationError
from catalog.validation import natural_number

ROWS_DEFAULT = 100
ROWS_MAX = 32000
SORT_ITEM = re.compile(r"^(?P<field>.+?)(?:\s+(?P<dir>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?$", re.I)

# dialect hook: (columns, q, plain, language, params) -> SQL predicate
FtsHook = Callable[[list[str], str, bool, str, dict[str, Any]], str]


def as_list(value: Any, key: str) -> list[str]:
    """CKAN accepts a list or a comma-separated string for `fields` and `sort`."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    raise ValidationError({key: ["Must be a list or a comma-separated string"]})


def parse_spec(data: dict[str, Any], columns: list[Column]) -> SearchSpec:
    known = {"_id": "int", **{c.id: c.type for c in columns}}
    fields = as_list(data.get("fields"), "fields") or list(known)
    for name in fields:
        if name not in known:
            raise ValidationError({"fields": [f'invalid value "{name}"']})
    filters = data.get("filters")
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except ValueError:
            raise ValidationError({"filters": ["Cannot parse JSON"]}) from None
    if filters is not None and not isinstance(filters, dict):
        raise ValidationError({"filters": ["Not a json object"]})
    parsed_filters = parse_filters(filters or {}, known)
    q = data.get("q")
    if isinstance(q, str) and q.strip().startswith("{"):
        try:
            q = json.loads(q)
        except ValueError:
            pass
    if isinstance(q, dict):
        for name, term in q.items():
            if name not in known or not isinstance(term, str):
                raise ValidationError({"q": [f'invalid value "{name}"']})
    elif q is not None and not isinstance(q, str):
        raise ValidationError({"q": ["Must be a string or a dict"]})
    sort = []
    for item in as_list(data.get("sort"), "sort"):
        match = SORT_ITEM.match(item.strip())
        name = match.group("field").strip() if match else item
        if len(name) > 1 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('""', '"')
        if not match or name not in known:
            raise ValidationError({"sort": [f'field "{name}" not in table']})
        nulls = match.group("nulls")
        sort.append((name, (match.group("dir") or "asc").lower(), nulls.lower() if nulls else None))
    limit = natural_number(data, "limit", ROWS_DEFAULT)
    return SearchSpec(
        fields=fields,
        filters=parsed_filters,
        q=q or None,
        plain=bool(data.get("plain", True)),
        language=str(data.get("language") or "english"),
        sort=sort,
        distinct=bool(data.get("distinct", False)),
        limit=min(limit, ROWS_MAX),
        offset=natural_number(data, "offset", 0),
        include_total=bool(data.get("include_total", True)),
    )


def parse_filters(filters: dict[str, Any], known: dict[str, str]) -> list[tuple[str, list[Any]]]:
    parsed = []
    for name, value in filters.items():
        if name not in known:
            raise ValidationError({"filters": [f'invalid value "{name}"']})
        values = value if isinstance(value, list) else [value]
        parsed.append((name, [to_python(v, known[name], "filters") for v in values]))
    return parsed


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def to_python(value: Any, kind: str, key: str) -> Any:
    """A JSON value -> the Python value for a column of this type; 409 when it does not fit."""
    if value is None or (value == "" and kind != "text"):
        return None
    try:
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            number = int(value)
            if not INT64_MIN <= number <= INT64_MAX:  # SQLite's INTEGER and PostgreSQL's bigint hold no more
                raise ValueError
            return number
        if kind == "numeric":
            if isinstance(value, bool):
                raise ValueError
            return Decimal(str(value))
        if kind == "float":
            return float(value)
        if kind == "bool":
            if isinstance(value, str):
                return value.strip().lower() in {"true", "t", "yes", "y", "1"}
            return bool(value)
        if kind == "date":
            return dt.date.fromisoformat(str(value)[:10])
        if kind == "timestamp":
            return dt.datetime.fromisoformat(str(value))
        if kind == "time":
            return dt.time.fromisoformat(str(value))
        if kind == "json":
            return value
    except (ValueError, InvalidOperation, TypeError):
        raise ValidationError({key: [f'invalid value "{value}" for a {kind} field']}) from None
    return value if isinstance(value, str) else json.dumps(value)


def build_select(
    table: str, columns: list[Column], spec: SearchSpec, fts: FtsHook
) -> tuple[str, str | None, dict[str, Any]]:
    """(rows query, count query or None, parameters)."""
    params: dict[str, Any] = {}
    where = []
    for index, (name, values) in enumerate(spec.filters):
        if values == [None]:
            where.append(f"{quote_ident(name)} IS NULL")
            continue
        keys = []
        for n, value in enumerate(values):
            params[f"f{index}_{n}"] = value
            keys.append(f":f{index}_{n}")
        where.append(f"{quote_ident(name)} IN ({', '.join(keys)})")
    text_columns = [c.id for c in columns]
    if isinstance(spec.q, str):
        where.append(fts(text_columns, spec.q, spec.plain, spec.language, params))
    elif isinstance(spec.q, dict):
        for name, term in spec.q.items():
            where.append(fts([name], term, spec.plain, spec.language, params))
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    select_list = ", ".join(quote_ident(f) for f in spec.fields)
    distinct = "DISTINCT " if spec.distinct else ""
    order = ", ".join(
        f"{quote_ident(name)} {direction.upper()}" + (f" NULLS {nulls.upper()}" if nulls else "")
        for name, direction, nulls in spec.sort
    )
    if not order:
        order = "1" if spec.distinct and "_id" not in spec.fields else '"_id"'
    base = f"SELECT {distinct}{select_list} FROM {table}{where_sql}"
    rows_sql = f"{base} ORDER BY {order} LIMIT :limit OFFSET :offset"
    params.update(limit=spec.limit, offset=spec.offset)
    count_sql = f"SELECT count(*) FROM ({base}) AS counted" if spec.include_total else None
    return rows_sql, count_sql, params


def words(q: str) -> list[str]:
    return [w for w in re.split(r"\s+", q.strip()) if w]
