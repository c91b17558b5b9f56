"""The backend interface: gather pages of remote records, map one record to a CKAN package dict.

Departure from the one-iterator sketch: `fetch_page(cursor)` returns one Page with the cursor of the next,
so the runner can commit the cursor with each batch (resume after a crash) and the queue can hand whole
pages to different workers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from harvest import rdf_warnings
from harvest.fetch import FetchError

rdf_warnings.install()  # every backend imports this module; DCAT parsing must not log tracebacks


@dataclass(frozen=True)
class SourceInfo:
    """What a backend may know about its source (a plain copy, never a live ORM row)."""

    id: str
    name: str
    url: str
    title: str
    type: str
    owner_org: str | None
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteRecord:
    guid: str
    content: dict[str, Any]
    content_hash: str
    remote_url: str | None = None
    # Set when the record is deliberately not imported (e.g. a remote harvest source); counted `skipped`.
    skip_reason: str | None = None
    # Set when the remote listed the record but the backend could not read it: an errored object with this
    # message, never a record skipped without trace.
    read_error: str | None = None


@dataclass(frozen=True)
class Page:
    records: list[RemoteRecord]
    # Where the next page starts; None after the last page.
    next_cursor: dict[str, Any] | None
    # Total remote records when the remote says so (progress bars, parallel page plans).
    total: int | None = None


class Backend(Protocol):
    name: str
    title: str

    def first_cursor(self) -> dict[str, Any]:
        """The cursor of the first page."""

    def fetch_page(self, cursor: dict[str, Any]) -> Page:
        """Fetch and parse one page; raise FetchError (or GatherError) when the listing cannot be read."""

    def to_package_dict(self, record: RemoteRecord) -> dict[str, Any]:
        """Map a record to a package_create dict (without owner_org and provenance, which the runner adds)."""


class GatherError(Exception):
    """The remote answered, but not with a usable listing (bad JSON shape, paging broken...); `kind` as
    FetchError's."""

    def __init__(self, message: str, *, kind: str = "unreadable") -> None:
        super().__init__(message)
        self.kind = kind


def gather(backend: Backend, cursor: dict[str, Any] | None = None) -> Iterator[tuple[Page, dict[str, Any]]]:
    """Every page from `cursor` on, each with the cursor it was fetched from. A cursor seen twice is a
    paging loop: stop with an error rather than loop forever."""
    seen: set[str] = set()
    current: dict[str, Any] | None = cursor or backend.first_cursor()
    while current is not None:
        key = json.dumps(current, sort_keys=True)
        if key in seen:
            raise FetchError(f"Paging loop: the remote sent back to an already visited page {key}", kind="paging_loop")
        seen.add(key)
        page = backend.fetch_page(current)
        yield page, current
        current = page.next_cursor


def content_hash(content: Any, salt: str = "") -> str:
    """A hash of the record that ignores list order (RDF graphs have none) and key order."""
    digest = hashlib.sha256(salt.encode())
    digest.update(_canonical(content).encode())
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    # Fast paths give exactly json.dumps's output for the scalars parsed JSON is made of (hashes stay
    # the same): a json.dumps call per value was most of the cost of an unchanged re-run.
    if isinstance(value, str):
        return _json_string(value)
    if value is None or isinstance(value, bool):
        return _JSON_CONSTANTS[value]
    if type(value) is int:
        return int.__repr__(value)
    if isinstance(value, dict):
        return "{" + ",".join(
            f"{_json_string(k) if isinstance(k, str) else json.dumps(k)}:{_canonical(v)}"
            for k, v in sorted(value.items())
        ) + "}"
    if isinstance(value, list | tuple | set):
        return "[" + ",".join(sorted(_canonical(v) for v in value)) + "]"
    if isinstance(value, datetime):
        return json.dumps(value.isoformat())
    return json.dumps(value, sort_keys=True, default=str)


_json_string = json.encoder.encode_basestring_ascii  # what json.dumps uses for a str (ensure_ascii)
_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}


def config_salt(config: dict[str, Any]) -> str:
    """A source config change must re-import everything: it is part of every record's hash."""
    return json.dumps(config, sort_keys=True, default=str)
