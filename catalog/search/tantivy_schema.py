"""The Tantivy index's schema and its documents, made from the same `Document` the database backends index
(catalog/search/index.py), so the three backends analyse text identically: tokens come pre-analysed from
catalog/search/analysis.py (French then English stems, accents folded) and Tantivy only stores their positions.

Fields:
- `package_id`: the dataset id, stored (the search returns it) and indexed as one term (replace and delete by id).
- `xt`: every exact-match value as one term "<field>\\x1f<value>" (`id`, `name`, `state`, `tags`, `res_format`,
  `vocab_<name>`, extras keys...), for term, wildcard (regex) and exists queries on any field, known or not; a
  column holding "" has its term "<field>\\x1f" (matched by url:"" as in SQL, not by exists: tantivy_query).
- `exact`: the same values as a fast JSON field keyed by `path_key(field)`, for exact facet counts; a column's ""
  is left out (SQL's facets leave it out).
- `hi`, `mid`, `low`: the catch-all text at CKAN's dismax boosts (4, 2, 1); `fld`: "<field>:<token>" for fielded
  text queries (title:, notes:, extras_x:...). Pre-tokenized, with positions (phrases).
- `private` (bool), `mm` / `mc` (metadata_modified / metadata_created as i64 microseconds), `nr` / `nt`
  (num_resources / num_tags): filters, ranges and sorts.
- `sk_<column>`, `sk_<column>_1`...: a sortable text column's sort digits (`sort_digits`): u64s holding its first
  8 * DIGITS - 1 UTF-8 bytes big-endian, the last byte saying NULL (0), whole value (1) or longer value (2), so
  comparing the digits in turn is comparing the values (NULL first), up to values longer than that sharing those
  bytes; those are resolved exactly from `sort_values` (stored JSON of the full values). Only `sk_<column>` is
  indexed (walks and windows filter on every digit through the fast fields).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import tantivy

from catalog.search.index import Document, indexable

SCHEMA_VERSION = 3  # 3: num_resources and num_tags (`nr`, `nt`)
SEPARATOR = "\x1f"
TEXT_FIELDS = ("hi", "mid", "low", "fld")
# search_package columns a sort may name (catalog/search/sql.py SORTABLE), by the name a query uses.
SORT_COLUMNS = {
    "id": "package_id", "name": "name", "title_string": "title_string", "state": "state", "type": "type",
    "license_id": "license_id", "organization": "organization", "owner_org": "owner_org",
    "creator_user_id": "creator_user_id", "url": "url", "version": "version",
}
# Sort digits per column (others: 1). Titles and names share long prefixes ("Données relatives à la qualité"):
# 31 bytes keep a page inside such a group from reading the group; UUIDs differ within 15.
DIGITS = {"id": 2, "name": 4, "title_string": 4, "url": 4}
DATE_FIELDS = {"metadata_modified": "mm", "metadata_created": "mc"}
NUMBER_FIELDS = {"num_resources": "nr", "num_tags": "nt"}  # never NULL: 0 is a count here, not a missing value
# Sort keys held in one i64 fast field each (dates as micros, counts as themselves).
INTEGER_SORTS = {**DATE_FIELDS, **NUMBER_FIELDS}
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
    for field in NUMBER_FIELDS.values():
        builder.add_integer_field(field, indexed=True, fast=True)
    for name in SORT_COLUMNS:
        for n, field in enumerate(digit_fields(name)):
            builder.add_unsigned_field(field, indexed=n == 0, fast=True)
    builder.add_text_field("sort_values", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def path_key(field: str) -> str:
    """The key of a field in the `exact` JSON field: Tantivy reads dots as nesting, so a key that is not plain
    [A-Za-z0-9_-] is spelt "~" + its UTF-8 in hex (never equal to a plain key)."""
    return field if _SAFE_KEY.fullmatch(field) else "~" + field.encode().hex()


def exact_term(field: str, value: str) -> str:
    return f"{field}{SEPARATOR}{value}"


def digit_fields(name: str) -> list[str]:
    return [f"sk_{name}"] + [f"sk_{name}_{n}" for n in range(1, DIGITS.get(name, 1))]


def sort_digits(name: str, value: Any) -> list[int]:
    """The column's sort digits of a value: its first 8 * n - 1 UTF-8 bytes (zero-padded) and a last byte 0 for
    NULL, 1 for a value held whole, 2 for a longer one. A value has no NUL byte, so two values with equal digits
    are equal unless both are longer (last byte 2): the tuple order is the value order (NULL, "", "a", ...)."""
    size = 8 * DIGITS.get(name, 1)
    data = b"" if value is None else str(value).encode()
    tail = 0 if value is None else 1 if len(data) < size else 2
    raw = data[:size - 1].ljust(size - 1, b"\0") + bytes([tail])
    return [int.from_bytes(raw[i:i + 8], "big") for i in range(0, size, 8)]


def sort_key(value: Any) -> int:
    """The first sort digit of a value of a one-digit column (kept for the callers that compare first digits)."""
    return sort_digits("", value)[0]


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
    # "" is a value (url:"" and ranges match it in SQL); tantivy_document keeps it out of the facets, as SQL does.
    pairs = [(name, row[column]) for name, column in SORT_COLUMNS.items() if row.get(column) is not None]
    # Cut as search_value's values are (Tantivy refuses terms over 65,530 bytes and drops the document's term):
    # exact matches on a longer value miss on every backend alike, prefixes still match.
    numbers = [(name, str(row[name])) for name in NUMBER_FIELDS if row.get(name) is not None]
    return [(name, indexable(str(value))) for name, value in pairs] + numbers + list(doc.values)


def tantivy_document(doc: Document) -> tantivy.Document:
    row = doc.row
    out = tantivy.Document()
    out.add_text("package_id", row["package_id"])
    grouped: dict[str, list[str]] = {}
    for field, value in exact_values(doc):
        out.add_text("xt", exact_term(field, value))
        if value or field not in SORT_COLUMNS:
            grouped.setdefault(path_key(field), []).append(value)
    out.add_json("exact", grouped)
    for name, tokens in (("hi", doc.hi), ("mid", doc.mid), ("low", doc.low), ("fld", doc.fielded)):
        if tokens:
            out.add_pre_tokenized_text(name, _pre_tokenized(tokens))
    out.add_boolean("private", bool(row.get("private")))
    out.add_integer("mm", micros(row.get("metadata_modified")))
    out.add_integer("mc", micros(row.get("metadata_created")))
    for name, field in NUMBER_FIELDS.items():
        out.add_integer(field, int(row.get(name) or 0))
    for name, column in SORT_COLUMNS.items():
        for field, digit in zip(digit_fields(name), sort_digits(name, row.get(column)), strict=True):
            out.add_unsigned(field, digit)
    values = {name: row.get(column) for name, column in SORT_COLUMNS.items()}
    values["metadata_modified"] = micros(row.get("metadata_modified"))
    values["metadata_created"] = micros(row.get("metadata_created"))
    for name in NUMBER_FIELDS:
        values[name] = int(row.get(name) or 0)
    out.add_text("sort_values", json.dumps(values, ensure_ascii=False, separators=(",", ":")))
    return out
