"""Harvest rows as the API shows them (ckanext-harvest's keys): sources, jobs, objects, log lines."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.dataset.models import Package
from harvest.models import STAT_KEYS, HarvestJob, HarvestLog, HarvestObject, HarvestSource


def source_dict(session: Session, source: HarvestSource, *, with_status: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": source.id,
        "name": source.name,
        "title": source.title,
        "notes": source.notes,
        "url": source.url,
        "source_type": source.type,
        "frequency": source.frequency,
        "config": json.dumps(source.config or {}, sort_keys=True),
        "owner_org": source.owner_org,
        "active": source.active,
        "validation": {
            "state": source.validation_state, "comment": source.validation_comment,
            "by": source.validated_by, "at": _iso(source.validated_at),
        },
        "created": source.created.isoformat(),
        "modified": source.modified.isoformat(),
        "next_run": _iso(source.next_run),
    }
    if with_status:
        result["status"] = _source_status(session, source)
    return result


def _source_status(session: Session, source: HarvestSource) -> dict[str, Any]:
    jobs = select(HarvestJob).where(HarvestJob.source_id == source.id)
    last = session.scalars(jobs.order_by(HarvestJob.created.desc()).limit(1)).first()
    total = session.scalar(
        select(func.count()).select_from(HarvestObject).join(Package, Package.id == HarvestObject.package_id)
        .where(HarvestObject.source_id == source.id, HarvestObject.current.is_(True), Package.state == "active")
    )
    return {
        "job_count": session.scalar(select(func.count()).select_from(jobs.subquery())),
        "last_job": job_summary(last) if last else None,
        "total_datasets": total,
    }


def job_summary(job: HarvestJob) -> dict[str, Any]:
    stats = {k: int((job.stats or {}).get(k, 0)) for k in STAT_KEYS}
    return {
        "id": job.id,
        "source_id": job.source_id,
        "status": job.status,
        "created": _iso(job.created),
        "gather_started": _iso(job.started),
        "gather_finished": _iso(job.gather_finished),
        "finished": _iso(job.finished),
        "heartbeat": _iso(job.heartbeat),
        "incremental_since": _iso(job.since),
        "gather_complete": job.gather_complete,
        "stats": stats,
        "gather_errors": [_gather_error(e) for e in job.gather_errors or []],
        "message": job.message,
        # What failed, beside ckanext-harvest's status: gathering stopped or was refused (the listing is not to be
        # trusted: nothing was withdrawn), or the job broke (`failed`). `error` is the first reason, one sentence.
        "gather_failed": bool(job.gather_errors),
        "error": _first_error(job),
        # Informational lines (an incremental job deletes nothing, the deletion guard held): not errors.
        "info": [job.message] if job.message and job.status != "failed" and not _is_error(job, job.message) else [],
    }


def _gather_error(entry: Any) -> dict[str, Any]:
    """Gather errors saved before they had a sentence and a detail (a bare message) read as the new ones."""
    if not isinstance(entry, dict):
        entry = {"message": str(entry)}
    return {"code": None, "detail": None, **entry}


def _is_error(job: HarvestJob, message: str) -> bool:
    """The deletion guard repeats a gather error as the job's message (a source that suddenly lists nothing)."""
    return any(_gather_error(e)["message"] == message for e in job.gather_errors or [])


def _first_error(job: HarvestJob) -> str | None:
    if job.status == "failed":
        return job.message
    return _gather_error(job.gather_errors[0])["message"] if job.gather_errors else None


def object_error_dict(obj: HarvestObject, package: Package | None = None) -> dict[str, Any]:
    """An errored record as harvest_job_show lists it, with the dataset it concerns: the local one it would have
    updated (`package_id`, `package_name`), and the remote record's own title when it has one."""
    content = obj.content if isinstance(obj.content, dict) else {}
    title = content.get("title")
    return {"id": obj.id, "guid": obj.guid, "original_url": obj.remote_url, "errors": obj.errors,
            "title": title if isinstance(title, str) else None, "package_id": obj.package_id,
            "package_name": package.name if package is not None else None}


def object_dict(obj: HarvestObject) -> dict[str, Any]:
    return {
        "id": obj.id, "guid": obj.guid, "harvest_source_id": obj.source_id, "harvest_job_id": obj.job_id,
        "status": obj.status, "current": obj.current, "package_id": obj.package_id,
        "original_url": obj.remote_url, "content_hash": obj.content_hash, "errors": obj.errors,
        "content": json.dumps(obj.content) if obj.content is not None else None,
        "created": obj.created.isoformat(),
    }


def log_dict(row: HarvestLog) -> dict[str, Any]:
    return {"id": row.id, "source_id": row.source_id, "job_id": row.job_id, "level": row.level,
            "content": row.message, "created": row.created.isoformat()}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
