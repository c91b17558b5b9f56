"""Harvest sources, jobs, per-record objects and the harvest log.

Identity lives in HarvestObject: for each (source, guid) exactly one object is `current`; it points to the
local dataset and holds the content hash of what was last imported. Unchanged records write no object: the
current object's `last_seen_job_id` is bumped instead, so the table grows with changes, not with runs
(ckanext-harvest#567).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.clock import utcnow
from catalog.db import Base
from catalog.ids import new_id

FREQUENCIES = ("MANUAL", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY")
JOB_STATUSES = ("new", "running", "finished", "failed", "aborted")
RECORD_STATUSES = ("added", "updated", "unchanged", "deleted", "errored", "skipped")
# The counts a job keeps in its stats column: records gathered, then each record status.
STAT_KEYS = ("gathered", *RECORD_STATUSES)
VALIDATION_STATES = ("pending", "accepted", "refused")


class HarvestSource(Base):
    __tablename__ = "harvest_source"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(50))
    owner_org: Mapped[str | None] = mapped_column(ForeignKey("group.id"), index=True)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    frequency: Mapped[str] = mapped_column(String(20), default="MANUAL")
    active: Mapped[bool] = mapped_column(default=True)
    validation_state: Mapped[str] = mapped_column(String(20), default="pending")
    validation_comment: Mapped[str | None] = mapped_column(Text)
    validated_by: Mapped[str | None] = mapped_column(String(36))
    validated_at: Mapped[datetime | None]
    creator_user_id: Mapped[str | None] = mapped_column(String(36))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    modified: Mapped[datetime] = mapped_column(default=utcnow)
    next_run: Mapped[datetime | None]


class HarvestJob(Base):
    __tablename__ = "harvest_job"
    __table_args__ = (Index("ix_harvest_job_source_created", "source_id", "created"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source_id: Mapped[str] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    started: Mapped[datetime | None]
    gather_finished: Mapped[datetime | None]
    finished: Mapped[datetime | None]
    # Bumped at every committed batch; a running job whose heartbeat is stale was interrupted.
    heartbeat: Mapped[datetime | None]
    # Where gathering resumes (the backend's page cursor), committed together with each batch.
    cursor: Mapped[dict[str, Any] | None] = mapped_column()
    # Lower bound of the incremental window (None = full listing, which alone may delete).
    since: Mapped[datetime | None]
    gather_complete: Mapped[bool] = mapped_column(default=False)
    pages_total: Mapped[int | None]
    pages_done: Mapped[int] = mapped_column(default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    gather_errors: Mapped[list[Any]] = mapped_column(default=list)
    # Why the job did or did not delete (deletion guard), shown to admins.
    message: Mapped[str | None] = mapped_column(Text)


class HarvestObject(Base):
    __tablename__ = "harvest_object"
    __table_args__ = (
        Index("ix_harvest_object_source_guid", "source_id", "guid"),
        Index("ix_harvest_object_source_current", "source_id", "current", "last_seen_job_id"),
        Index("ix_harvest_object_job_status", "job_id", "status"),
        # At most one current object per (source, guid): two processes racing on the same record fail
        # instead of creating two datasets.
        Index("uq_harvest_object_current_guid", "source_id", "guid", unique=True,
              sqlite_where=text('"current"'), postgresql_where=text('"current"')),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source_id: Mapped[str] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(ForeignKey("harvest_job.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[dict[str, Any] | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    current: Mapped[bool] = mapped_column(default=False)
    package_id: Mapped[str | None] = mapped_column(String(36), index=True)
    remote_url: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    last_seen_job_id: Mapped[str | None] = mapped_column(String(36))
    created: Mapped[datetime] = mapped_column(default=utcnow)


class HarvestLog(Base):
    """Job-level events (start, gather errors, deletion guard, finish), read by harvest_log_list."""

    __tablename__ = "harvest_log"
    __table_args__ = (Index("ix_harvest_log_created", "created"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    source_id: Mapped[str | None] = mapped_column(String(36), index=True)
    job_id: Mapped[str | None] = mapped_column(String(36))
    level: Mapped[str] = mapped_column(String(10), default="INFO")
    message: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow)
