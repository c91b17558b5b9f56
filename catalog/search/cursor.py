"""Seek paging for walks: when a client asks for the page that starts where its previous page ended
(harvesters: sort=id asc, start += rows), continue after the last row's sort key instead of skipping
`start` rows, so the last page costs what the first does.

Only the position of the walk is remembered (per process, LRU); every page still applies the full
filter and visibility, so a stale entry can shift positions but never show what the caller may not see.
An entry is used only if the match count is unchanged; with no writes it gives exactly OFFSET's rows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from catalog.search.index import COLUMN_FIELDS, search_package

# Sort columns that are never NULL (NULL ordering differs between SQLite and PostgreSQL).
SEEKABLE = {"id", "name", "metadata_modified", "metadata_created"}
SP = search_package.c


def seek_columns(sort: list[tuple[str, str]]) -> list[tuple[Any, str]] | None:
    """The ORDER BY columns (with the package_id tie-break) if the sort allows seeking."""
    if not sort or any(name not in SEEKABLE for name, _ in sort):
        return None
    columns = [(SP[COLUMN_FIELDS[name]], direction) for name, direction in sort]
    if not any(name == "id" for name, _ in sort):
        columns.append((SP.package_id, sort[-1][1]))
    return columns


def after(columns: list[tuple[Any, str]], values: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the given order: (a > x) OR (a = x AND b > y) ..."""
    alternatives = []
    for depth, (column, direction) in enumerate(columns):
        equal = [col == values[i] for i, (col, _) in enumerate(columns[:depth])]
        beyond = column < values[depth] if direction == "desc" else column > values[depth]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


class CursorCache:
    def __init__(self, size: int = 4096) -> None:
        self._entries: OrderedDict[Any, tuple[Any, ...]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[Any, ...] | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Any, value: tuple[Any, ...]) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
