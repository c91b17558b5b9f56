"""The Tantivy index's schema and its documents, made from the same `Document` the database backends index
(catalog/search/index.py), so the three backends analyse text identically: tokens come pre-analysed from
catalog/search/analysis.py (French then English stems, accents folded) and Tantivy only stores their positions.

Fields:
- `package_id`: the dataset id, stored (the search returns it) and indexed as one term (replace and delete by id).
- `xt`: every exact-match value as one term "<field>\\x1f<value>" (`id`, `name`, `state`, `tags`, `res_format`,
  `vocab_<name>`, extras keys...), for term, wildcard (regex) and exists queries on any field, known or not.
- `exact`: the same values as a fast JSON field keyed by `path_key(field)`, for exact facet counts.
- `hi`, `mid`, `low`: the catch-all text at CKAN's dismax boosts (4, 2, 1); `fld`: "<field>:<token>" for fielded
  text queries (title:, notes:, extras_x:...). Pre-tokenized, with positions (phrases).
- `private` (bool), `mm` / `mc` (metadata_modified / metadata_created as i64 microseconds): filters and sorts.
- `sk_<column>`: an u64 sort key per sortable text column (its first 8 UTF-8 bytes, big-endian), so a sort never
  sorts strings; ties of the key are resolved exactly from `sort_values` (stored JSON of the full values).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import tantivy

from catalog.search.index import Document

SCHEMA_VERSION = 1
SEPARATOR = "\x1f"
TEXT_FIELDS = ("hi", "mid", "low", "fld")
# search_package columns a sort may name (catalog/search/sql.py SORTABLE), by the name a query uses.
SORT_COLUMNS = {
    "id": "package_id", "name": "name", "title_string": "title_string", "state": "state", "type": "type",
    "license_id": "license_id", "organization": "organization", "owner_org": "owner_org",
    "creator_user_id": "creator_user_id", "url": "url", "version": "version",
}
DATE_FIELDS = {"metadata_modified": "mm", "metadata_created": "mc"}
_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_EPOCH = datetime(1970, 1, 1)


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("package_id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("xt", tokenizer_name="raw", index_option="basic")
    builder.add_json_field("exact", tokenizer_name="raw", index_option="basic", fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="position")
    builder.add_boolean_field("private", indexed=True, fast=True)
    builder.add_integer_field("mm", indexed=True, fast=True)
    builder.add_integer_field("mc", indexed=True, fast=True)
    for name in SORT_COLUMNS:
        builder.add_unsigned_field(f"sk_{name}", indexed=True, fast=True)
    builder.add_text_field("sort_values", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def path_key(field: str) -> str:
    """The key of a field in the `exact` JSON field: Tantivy reads dots as nesting, so a key that is not plain
    [A-Za-z0-9_-] is spelt "~" + its UTF-8 in hex (never equal to a plain key)."""
    return field if _SAFE_KEY.fullmatch(field) else "~" + field.encode().hex()


def exact_term(field: str, value: str) -> str:
    return f"{field}{SEPARATOR}{value}"


def sort_key(value: Any) -> int:
    """An order-preserving u64 of a text value's first 8 UTF-8 bytes (NULL and "" are 0, first)."""
    if value is None:
        return 0
    return int.from_bytes(str(value).encode()[:8].ljust(8, b"\0"), "big")


def micros(value: datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _pre_tokenized(tokens: list[str]) -> tantivy.PreTokenizedString:
    return tantivy.PreTokenizedString(" ".join(tokens), [tantivy.Token(t, i, 0, 0) for i, t in enumerate(tokens)])


def exact_values(doc: Document) -> list[tuple[str, str]]:
    """(field, value) of every exact-match field of a document: its columns by their query names, then the
    multi-valued ones (search_value's rows)."""
    row = doc.row
    pairs = [(name, row[column]) for name, column in SORT_COLUMNS.items() if row.get(column) not in (None, "")]
    return [(name, str(value)) for name, value in pairs] + list(doc.values)


def tantivy_document(doc: Document) -> tantivy.Document:
    row = doc.row
    out = tantivy.Document()
    out.add_text("package_id", row["package_id"])
    grouped: dict[str, list[str]] = {}
    for field, value in exact_values(doc):
        out.add_text("xt", exact_term(field, value))
        grouped.setdefault(path_key(field), []).append(value)
    out.add_json("exact", grouped)
    for name, tokens in (("hi", doc.hi), ("mid", doc.mid), ("low", doc.low), ("fld", doc.fielded)):
        if tokens:
            out.add_pre_tokenized_text(name, _pre_tokenized(tokens))
    out.add_boolean("private", bool(row.get("private")))
    out.add_integer("mm", micros(row.get("metadata_modified")))
    out.add_integer("mc", micros(row.get("metadata_created")))
    for name, column in SORT_COLUMNS.items():
        out.add_unsigned(f"sk_{name}", sort_key(row.get(column)))
    values = {name: row.get(column) for name, column in SORT_COLUMNS.items()}
    values["metadata_modified"] = micros(row.get("metadata_modified"))
    values["metadata_created"] = micros(row.get("metadata_created"))
    out.add_text("sort_values", json.dumps(values, ensure_ascii=False, separators=(",", ":")))
    return out
