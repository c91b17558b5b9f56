"""Timestamps as CKAN writes them: naive UTC, ISO 8601 with microseconds, no zone."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
