"""CKAN's datastore_* actions, plus datastore_submit / datastore_load_status (XLoader's submit/status).

Writes to a DataStore table commit in the DataStore's own transaction (on SQLite it is another file),
before the catalog transaction of the action: the catalog side only records flags and the dictionary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from catalog.context import ActionContext
from catalog.datastore import auth
from catalog.datastore.backend import TYPES_KEY, Column, SearchSpec, canonical_type, pg_names
from catalog.datastore.jobs import set_datastore_active
from catalog.datastore.models import DatastoreLoad, DatastoreTable
from catalog.datastore.search import as_list, parse_filters, parse_spec
from catalog.datastore.writes import check_records, guess_type
from catalog.errors import NotFound, ValidationError
from catalog.registry import action, caller_read_bound

READ_ONLY_MESSAGE = (
    "Cannot edit read-only resource because changes made may be lost. Use a resource created for "
    'editing e.g. with datastore_create or use "force=True" to ignore this warning.'
)
SQL_TIMEOUT_MS = 10_000
SQL_ROWS_MAX = 32000
SEARCH_TIMEOUT_MS = 30_000


def _timeout_ms(ctx: ActionContext, own_ms: int) -> int:
    """DataStore queries run on connections of their own, which the dispatcher's read bound does not reach: an
    anonymous or ordinary caller gets the lower of the query's own limit and read_statement_timeout_ms."""
    bound = caller_read_bound(ctx.services, ctx.actor)
    return min(own_ms, bound) if bound > 0 else own_ms


def _check_force(resource: Any, data: dict[str, Any]) -> None:
    force = data.get("force", False)
    if isinstance(force, str):
        force = force.lower() in {"true", "1", "yes", "t", "y"}
    if resource.url_type != "datastore" and not force:
        raise ValidationError({"read-only": [READ_ONLY_MESSAGE]})


def _table_columns(ctx: ActionContext, resource_id: str) -> list[Column]:
    columns = ctx.services.datastore.backend.columns(resource_id)
    if columns is None:
        raise NotFound(f'Resource "{resource_id}" was not found.')
    return columns


def _table_meta(ctx: ActionContext, resource_id: str) -> DatastoreTable:
    meta = ctx.session.get(DatastoreTable, resource_id)
    if meta is None:
        meta = DatastoreTable(resource_id=resource_id, info={}, primary_key=[], created=ctx.now, modified=ctx.now)
        ctx.session.add(meta)
    return meta


def _field_dicts(columns: list[Column], info: dict[str, Any], wanted: list[str] | None = None) -> list[dict]:
    """CKAN's fields: `type` is PostgreSQL's name of the column's type (int4, text, numeric, timestamp...), on
    SQLite too, except `_id`, which CKAN calls "int"."""
    declared = info.get(TYPES_KEY) or {}
    fields = [{"id": "_id", "type": "int"}]
    for column in columns:
        field: dict[str, Any] = {"id": column.id, "type": pg_names(column.type, declared.get(column.id))[0]}
        if info.get(column.id):
            field["info"] = info[column.id]
        fields.append(field)
    if wanted is not None:
        by_id = {f["id"]: f for f in fields}
        fields = [by_id[name] for name in wanted]
    return fields


@action(auth=auth.datastore_create)
def datastore_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create (or extend) the DataStore table of a resource and append `records`.

    :param resource_id: the resource; or `resource`, a dict passed to resource_create
    :param fields: list of {"id", "type", "info"} (types: text, int, numeric, float, bool, date, time,
        timestamp, json)
    :param records: list of dicts to insert
    :param primary_key: field id or list of field ids, unique together (needed by upsert)
    :param force: write to a resource that is not a DataStore-only resource
    """
    if data.get("resource") and (data.get("resource_id") or data.get("id")):
        raise ValidationError({"resource": ["resource cannot be used with resource_id"]})
    if not (data.get("resource_id") or data.get("id")):
        if not isinstance(data.get("resource"), dict) or not data["resource"]:
            raise ValidationError({"resource_id": [auth.RESOURCE_REQUIRED]})
        resource_dict = dict(data["resource"])
        if not resource_dict.get("url"):
            resource_dict.setdefault("url_type", "datastore")
        created = ctx.call("resource_create", resource_dict)
        data = {**data, "resource_id": created["id"]}
        data.pop("resource", None)
        data["force"] = True
    resource_id = auth.resource_id_of(data)
    resource, _ = auth.get_resource(ctx, resource_id)
    _check_force(resource, data)
    backend = ctx.services.datastore.backend
    existing = {c.id: c for c in backend.columns(resource_id) or []}
    fields = data.get("fields") or []
    if not isinstance(fields, list) or not all(isinstance(f, dict) and f.get("id") for f in fields):
        raise ValidationError({"fields": ['fields must be a list of dicts with an "id"']})
    new_columns: list[Column] = []
    declared: dict[str, str] = {}  # new column -> the type name it was declared with (or guessed as)
    for field in fields:
        name = str(field["id"])
        if name.startswith("_") or '"' in name or len(name.encode()) > 63:
            raise ValidationError({"fields": [f'"{name}" is not a valid field name']})
        kind = canonical_type(field.get("type") or "text")
        if name in existing and existing[name].type != kind:
            raise ValidationError({"fields": [f'field "{name}" already exists with type {existing[name].type}']})
        if name not in existing and all(c.id != name for c in new_columns):
            new_columns.append(Column(name, kind))
            declared[name] = str(field.get("type") or "text").strip().lower()
    records = data.get("records") or []
    known = set(existing) | {c.id for c in new_columns}
    for record in records if isinstance(records, list) else []:
        for key, value in record.items() if isinstance(record, dict) else []:
            if key not in known and key != "_id":
                new_columns.append(Column(str(key), guess_type(value)))
                declared[str(key)] = new_columns[-1].type
                known.add(key)
    primary_key = as_list(data.get("primary_key"), "primary_key")
    all_columns = list(existing.values()) + new_columns
    for key in primary_key:
        if key not in known:
            raise ValidationError({"primary_key": [f'field "{key}" not in table']})
    checked = check_records(records, all_columns)
    meta = _table_meta(ctx, resource_id)
    backend.create_table(resource_id, all_columns, primary_key)
    inserted = backend.write_records(resource_id, checked, "insert", primary_key or meta.primary_key) if checked else []
    info = dict(meta.info or {})
    info.update({str(f["id"]): f["info"] for f in fields if isinstance(f.get("info"), dict)})
    if declared:
        info[TYPES_KEY] = {**(info.get(TYPES_KEY) or {}), **declared}
    meta.info, meta.modified = info, ctx.now
    if primary_key:
        meta.primary_key = primary_key
    set_datastore_active(ctx, resource, True)
    result = {k: v for k, v in data.items() if k not in ("records", "force", "id", "include_records")}
    result["resource_id"] = resource_id
    if data.get("include_records") and inserted:
        result["records"] = _rows_by_id(ctx, resource_id, all_columns, inserted)
    return result


def _rows_by_id(ctx: ActionContext, resource_id: str, columns: list[Column], ids: list[int]) -> list[dict]:
    """The rows as stored, `_id` first (CKAN's INSERT ... RETURNING), in chunks that keep the number of bound
    parameters under SQLite's limit."""
    names = ["_id"] + [c.id for c in columns]
    backend = ctx.services.datastore.backend
    rows: list[dict] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        spec = SearchSpec(fields=names, filters=[("_id", chunk)], limit=len(chunk), include_total=False)
        _, found, _ = backend.search(resource_id, spec, _timeout_ms(ctx, SEARCH_TIMEOUT_MS))
        rows += [dict(zip(names, (_json_value(v) for v in row), strict=True)) for row in found]
    return rows


@action(auth=auth.datastore_upsert)
def datastore_upsert(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Insert or update rows of a DataStore table.

    :param resource_id: the resource
    :param records: list of dicts
    :param method: "upsert" (default), "insert" or "update"; upsert/update match on the primary key or `_id`
    :param dry_run: validate only
    :param force: write to a resource that is not a DataStore-only resource
    """
    resource_id = auth.resource_id_of(data)
    resource, _ = auth.get_resource(ctx, resource_id)
    columns = _table_columns(ctx, resource_id)
    _check_force(resource, data)
    method = data.get("method", "upsert")
    if method not in ("upsert", "insert", "update"):
        raise ValidationError({"method": [f'"{method}" is not a valid method']})
    checked = check_records(data.get("records") or [], columns)
    meta = ctx.session.get(DatastoreTable, resource_id)
    if not data.get("dry_run"):
        ctx.services.datastore.backend.write_records(resource_id, checked, method, meta.primary_key if meta else [])
    result = {k: v for k, v in data.items() if k not in ("records", "force", "id")}
    result["resource_id"] = resource_id
    result.setdefault("method", method)
    if data.get("include_records"):
        result["records"] = data.get("records") or []
    return result


@action(auth=auth.datastore_delete)
def datastore_delete(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Delete rows matching `filters`, or the whole table when `filters` is absent.

    :param resource_id: the resource
    :param filters: dict of field -> value (or list of values); {} deletes every row but keeps the table
    :param force: write to a resource that is not a DataStore-only resource
    """
    resource_id = auth.resource_id_of(data)
    resource, _ = auth.get_resource(ctx, resource_id)
    columns = _table_columns(ctx, resource_id)
    _check_force(resource, data)
    filters = data.get("filters")
    if filters is not None and not isinstance(filters, dict):
        raise ValidationError({"filters": ["filters must be either a dict or null."]})
    backend = ctx.services.datastore.backend
    if filters is None:
        backend.drop_table(resource_id)
        meta = ctx.session.get(DatastoreTable, resource_id)
        if meta is not None:
            ctx.session.delete(meta)
        set_datastore_active(ctx, resource, False)
    else:
        known = {"_id": "int", **{c.id: c.type for c in columns}}
        backend.delete_rows(resource_id, parse_filters(filters, known))
    result = {k: v for k, v in data.items() if k not in ("force", "id")}
    result["resource_id"] = resource_id
    return result


@action(auth=auth.datastore_info, read_only=True)
def datastore_info(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Table size and the fields of a resource's DataStore table, as CKAN 2.12's PostgreSQL backend gives them.

    :param id: the resource id (`resource_id` accepted)
    :param include_meta: return `meta` (row count, sizes, aliases; default true)
    :param include_fields_schema: give each field its `schema` (native type, index; default true)
    """
    resource_id = auth.resource_id_of(data)
    columns = _table_columns(ctx, resource_id)
    meta = ctx.session.get(DatastoreTable, resource_id)
    info = meta.info if meta else {}
    primary_key = meta.primary_key if meta else []
    declared = info.get(TYPES_KEY) or {}
    result: dict[str, Any] = {}
    if data.get("include_meta", True):
        stats = ctx.services.datastore.backend.table_stats(resource_id)
        result["meta"] = {"aliases": [], "count": stats["count"], "db_size": stats["db_size"], "id": resource_id,
                          "idx_size": stats["idx_size"], "size": stats["size"], "table_type": "BASE TABLE"}
    fields = _field_dicts(columns, info)[1:]
    if data.get("include_fields_schema", True):
        for field, column in zip(fields, columns, strict=True):
            key = column.id in primary_key
            # CKAN's primary key is a unique index, not a constraint: is_index but not uniquekey.
            field["schema"] = {"native_type": pg_names(column.type, declared.get(column.id))[1],
                               "index_name": f"{resource_id}_pk" if key else None, "is_index": key,
                               "notnull": False, "uniquekey": False}
    result["fields"] = fields
    return result


@action(auth=auth.datastore_search, read_only=True)
def datastore_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search a DataStore table.

    :param resource_id: the resource
    :param filters: dict field -> value or list of values (matched exactly; a list means any of them)
    :param q: full-text query over the row (string) or per field (dict)
    :param plain, language: full-text options (PostgreSQL)
    :param distinct: distinct rows only
    :param fields: fields to return (list or comma-separated)
    :param sort: "field [asc|desc] [nulls first|last], ..." (default `_id`)
    :param limit: rows to return (default 100, at most 32000); offset: rows to skip
    :param include_total: count matching rows (default true)
    :param records_format: objects (default), lists, csv or tsv
    """
    resource_id = auth.resource_id_of(data)
    columns = _table_columns(ctx, resource_id)
    records_format = data.get("records_format", "objects")
    if records_format not in ("objects", "lists", "csv", "tsv"):
        raise ValidationError({"records_format": [f'"{records_format}" is not a valid records format']})
    spec = parse_spec(data, columns)
    names, rows, total = ctx.services.datastore.backend.search(resource_id, spec, _timeout_ms(ctx, SEARCH_TIMEOUT_MS))
    meta = ctx.session.get(DatastoreTable, resource_id)
    rows = [tuple(_json_value(v) for v in row) for row in rows]
    result: dict[str, Any] = {
        "include_total": spec.include_total,
        "limit": spec.limit,
        "records_format": records_format,
        "resource_id": resource_id,
        "total_estimation_threshold": data.get("total_estimation_threshold"),
    }
    for key in ("q", "filters", "offset", "sort", "distinct", "plain", "language"):
        if key in data:
            result[key] = data[key]
    result["fields"] = _field_dicts(columns, meta.info if meta else {}, names)
    result["records"] = _format_records(names, rows, records_format)
    result["_links"] = _links(data, resource_id, spec.limit, spec.offset)
    if total is not None:
        result["total"] = total
        result["total_was_estimated"] = False
    return result


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**63 else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _format_records(names: list[str], rows: list[tuple[Any, ...]], records_format: str) -> Any:
    if records_format == "objects":
        return [dict(zip(names, row, strict=True)) for row in rows]
    if records_format == "lists":
        return [list(row) for row in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n")
    writer.writerows([[json.dumps(v) if isinstance(v, dict | list) else v for v in row] for row in rows])
    return buffer.getvalue()


def _links(data: dict[str, Any], resource_id: str, limit: int, offset: int) -> dict[str, str]:
    params = {"resource_id": resource_id}
    for key in ("q", "filters", "fields", "sort", "distinct", "limit", "records_format"):
        if key in data:
            value = data[key]
            params[key] = json.dumps(value) if isinstance(value, dict | list) else str(value)
    base = "/api/3/action/datastore_search?"
    links = {"start": base + urlencode(params), "next": base + urlencode({**params, "offset": offset + limit})}
    if offset - limit > 0:
        links["prev"] = base + urlencode({**params, "offset": offset - limit})
    return links


@action(auth=auth.datastore_search_sql, read_only=True)
def datastore_search_sql(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Run one read-only SELECT over DataStore tables (table name = resource id).

    :param sql: a single SELECT statement; at most 32000 rows are returned (`records_truncated`), and a result
        larger than the site's byte cap (5 MB by default) is refused with a 409
    """
    from catalog.datastore.sqlcheck import referenced_tables

    sql = data["sql"]
    tables = referenced_tables(sql, auth.dialect_of(ctx))
    columns, rows, truncated = ctx.services.datastore.backend.search_sql(
        sql, tables, _timeout_ms(ctx, SQL_TIMEOUT_MS), SQL_ROWS_MAX, ctx.services.settings.datastore_sql_max_bytes
    )
    names = [c.id for c in columns]
    records = [dict(zip(names, (_json_value(v) for v in row), strict=True)) for row in rows]
    result: dict[str, Any] = {"sql": sql, "fields": [{"id": c.id, "type": c.type} for c in columns],
                              "records": records}
    if truncated:
        result["records_truncated"] = True
    return result


@action(auth=auth.datastore_submit)
def datastore_submit(ctx: ActionContext, data: dict[str, Any]) -> bool:
    """Queue a background load of the resource's file (upload or URL) into the DataStore.

    :param resource_id: the resource
    """
    from catalog.datastore.jobs import schedule_load

    return schedule_load(ctx, auth.resource_id_of(data), force=True)


@action(auth=auth.datastore_load_status, read_only=True)
def datastore_load_status(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Status of the latest DataStore load of a resource: pending, running, complete, error, or text (the file is
    prose, so no table was made).

    :param resource_id: the resource
    """
    resource_id = auth.resource_id_of(data)
    row = ctx.session.get(DatastoreLoad, resource_id)
    if row is None:
        return {"resource_id": resource_id, "status": "unknown", "last_updated": None, "rows_loaded": 0,
                "rows_total": None, "error": None, "job_id": None}
    return {
        "resource_id": resource_id,
        "status": row.status,
        "job_id": row.job_id,
        "last_updated": row.last_updated.isoformat(),
        "rows_loaded": row.rows_loaded,
        "rows_total": row.rows_total,
        "error": {"message": row.error} if row.error else None,
        "source": row.source,
    }
