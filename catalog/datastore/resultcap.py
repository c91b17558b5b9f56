"""The two caps on a datastore_search_sql result, counted while the rows arrive: CKAN's row cap (the result is
cut, `records_truncated`) and a byte cap (the query is refused: a cut would silently drop data that the caller
asked for, and five rows of repeat() had made a 100 MB answer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from catalog.errors import ValidationError

# What a value that is not text costs in the JSON answer, roughly (a number, a date, true, null).
SMALL_VALUE_BYTES = 8


def take_rows(rows: Iterable[tuple[Any, ...]], max_rows: int, max_bytes: int) -> tuple[list[tuple[Any, ...]], bool]:
    """(at most max_rows rows, whether there were more); stops reading and raises a 409 past max_bytes, so the
    caller holds at most one row beyond the cap."""
    taken: list[tuple[Any, ...]] = []
    size = 0
    for row in rows:
        if len(taken) == max_rows:
            return taken, True
        size += sum(len(value) if isinstance(value, str | bytes) else _size(value) for value in row)
        if size > max_bytes:
            raise ValidationError({"query": [
                f"The result is larger than {max_bytes} bytes (datastore_sql_max_bytes): select fewer rows or "
                "columns, add a LIMIT, or page through the table with datastore_search"]})
        taken.append(row)
    return taken, False


def _size(value: Any) -> int:
    if isinstance(value, dict | list):
        return len(str(value))
    return SMALL_VALUE_BYTES
