"""Catalog-side DataStore metadata. The per-resource data tables live elsewhere (see backend.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.clock import utcnow
from catalog.db import Base


class DatastoreTable(Base):
    """What the data table itself cannot say: the data dictionary (`info`) and the primary key."""

    __tablename__ = "datastore_table"

    resource_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # column id -> CKAN data-dictionary info ({"label": original header, "notes": ...}).
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    primary_key: Mapped[list[Any]] = mapped_column(default=list)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    modified: Mapped[datetime] = mapped_column(default=utcnow)


class DatastoreLoad(Base):
    """Status of the latest background load of a resource (XLoader's task status)."""

    __tablename__ = "datastore_load"

    resource_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # pending | running | complete | error
    status: Mapped[str] = mapped_column(String(20), default="pending")
    job_id: Mapped[str | None] = mapped_column(String(64))
    rows_loaded: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(default=utcnow)
