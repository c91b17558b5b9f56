"""Rows written through the API (datastore_create/upsert): checking records and building the statements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from catalog.datastore.backend import Column, quote_ident
from catalog.datastore.search import to_python
from catalog.errors import ValidationError


def guess_type(value: Any) -> str:
    """CKAN's guess for a column first seen in a record."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "numeric"
    if isinstance(value, dict | list):
        return "json"
    return "text"


def check_records(records: Any, columns: list[Column]) -> list[dict[str, Any]]:
    """Records as dicts of Python values typed for their columns; 409 naming the bad row otherwise."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValidationError({"records": ["Records has to be a list of dicts"]})
    kinds = {"_id": "int", **{c.id: c.type for c in columns}}
    checked = []
    for index, record in enumerate(records):
        unknown = [k for k in record if k not in kinds]
        if unknown:
            fields = ", ".join(f'"{k}"' for k in unknown)
            raise ValidationError({"records": [f"row {index + 1} has extra keys {fields}"]})
        try:
            checked.append({k: to_python(v, kinds[k], "records") for k, v in record.items()})
        except ValidationError as error:
            message = error.errors["records"][0]
            raise ValidationError({"records": [f"row {index + 1}: {message}"]}) from None
    return checked


def record_statement(
    table: str, record: dict[str, Any], method: str, primary_key: Sequence[str], placeholder: str
) -> tuple[str, list[Any], bool]:
    """(SQL, values, must the statement touch a row) for one record; `table` is already quoted."""
    format_params = placeholder == "%s"  # psycopg: a literal % in a column name is written %%

    def ident(name: str) -> str:
        return quote_ident(name, format_params=format_params)

    keys = list(record)
    names = ", ".join(ident(k) for k in keys)
    marks = ", ".join(placeholder for _ in keys)
    values = [record[k] for k in keys]
    if method == "insert":
        return f"INSERT INTO {table} ({names}) VALUES ({marks})", values, False
    key = list(primary_key) or (["_id"] if "_id" in record else [])
    if not key:
        raise ValidationError({"table": ["table does not have a unique key defined"]})
    missing = [k for k in key if record.get(k) is None]
    if missing:
        fields = ", ".join(f'"{k}"' for k in missing)
        raise ValidationError({"key": [f"fields {fields} are missing but needed as key"]})
    others = [k for k in keys if k not in key]
    if method == "update":
        if not others:
            return f"SELECT 1 FROM {table} WHERE " + _match(key, placeholder, ident), [record[k] for k in key], True
        assignments = ", ".join(f"{ident(k)} = {placeholder}" for k in others)
        sql = f"UPDATE {table} SET {assignments} WHERE {_match(key, placeholder, ident)}"
        return sql, [record[k] for k in others] + [record[k] for k in key], True
    conflict = ", ".join(ident(k) for k in key)
    action = (
        "DO UPDATE SET " + ", ".join(f"{ident(k)} = excluded.{ident(k)}" for k in others)
        if others
        else "DO NOTHING"
    )
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}", values, False


def _match(key: list[str], placeholder: str, ident: Callable[[str], str]) -> str:
    return " AND ".join(f"{ident(k)} = {placeholder}" for k in key)
