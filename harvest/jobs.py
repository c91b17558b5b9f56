"""The job row's bookkeeping, shared by the runner, the deletion guard, the withdrawal and the queue: what a
backend may know of its source, the source's fetcher, log lines, stats, gather errors, a job's summary."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.clock import utcnow
from catalog.outbound import Outbound
from catalog.settings import Settings
from harvest.backends import make_backend
from harvest.backends.base import Backend, SourceInfo
from harvest.dictize import job_summary
from harvest.failure import describe
from harvest.fetch import Fetcher, FetchLimits
from harvest.job_deadline import JobDeadline
from harvest.models import STAT_KEYS, HarvestJob, HarvestLog, HarvestSource

if TYPE_CHECKING:
    from catalog.services import Services  # a type only: services are built by the entry points

BATCH_SIZE = 100
# Beside the counts in job.stats: the record total the source last announced (CKAN count, hydra:totalItems).
ANNOUNCED = "announced"
# Beside them too: the exception that made the job `failed`, shown to sysadmins only (harvest_job_show's `detail`).
FAILURE_DETAIL = "failure_detail"


def source_info(source: HarvestSource) -> SourceInfo:
    return SourceInfo(
        id=source.id, name=source.name, url=source.url, title=source.title or source.name, type=source.type,
        owner_org=source.owner_org, config=dict(source.config or {}),
    )


def make_fetcher(settings: Settings, config: dict[str, Any], deadline: JobDeadline | None = None) -> Fetcher:
    """The source's fetcher: its headers and limits (clamped to the site maximums), the site's outbound rules,
    and the job's deadline (None: a dry run, which has no job)."""
    headers = {}
    if config.get("api_key"):
        headers["Authorization"] = str(config["api_key"])
    if config.get("user_agent"):
        headers["User-Agent"] = str(config["user_agent"])
    return Fetcher(FetchLimits.from_config(config, settings), headers, outbound=Outbound.from_settings(settings),
                   job_deadline=deadline)


def job_backend(services: Services, info: SourceInfo, started: datetime,
                since: datetime | None) -> tuple[Backend, JobDeadline]:
    """A job's backend, its fetcher bound by the job's deadline, and that deadline (checked between batches).
    The deadline counts from `started` (job.started), so every worker of a queued job and a resumed job share it."""
    deadline = JobDeadline.for_job(services.settings, info.config, started)
    return make_backend(info, make_fetcher(services.settings, info.config, deadline), since), deadline


def log(session: Session, job: HarvestJob | None, message: str, level: str = "INFO", source_id: str | None = None) -> None:
    session.add(HarvestLog(
        source_id=source_id or (job.source_id if job else None), job_id=job.id if job else None,
        level=level, message=message, created=utcnow(),
    ))


def add_counts(stats: dict[str, Any], counts: Counter[str]) -> dict[str, Any]:
    merged = {**(stats or {}), **{k: int((stats or {}).get(k, 0)) for k in STAT_KEYS}}
    for key, value in counts.items():
        merged[key] = merged.get(key, 0) + value
    return merged


def record_gather_error(services: Services, job_id: str, error: str | Exception | dict[str, Any],
                        page: int | None = None) -> None:
    with services.db.unit_of_work(write=True) as session:
        job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
        add_gather_error(session, job, error, page)


def add_gather_error(session: Session, job: HarvestJob, error: str | Exception | dict[str, Any],
                     page: int | None = None) -> None:
    """A gather error on a job row the caller holds: listed, counted as errored, logged. `error` is an
    exception (described by failure.describe: a sentence, the technical detail), an already described one, or
    a sentence of the harvester's own (no detail)."""
    if isinstance(error, Exception):
        entry = describe(error, page)
    elif isinstance(error, dict):
        entry = error
    else:
        entry = {"code": None, "message": error, "detail": None}
    job.gather_errors = [*(job.gather_errors or []), {**entry, "created": utcnow().isoformat()}]
    job.stats = add_counts(job.stats, Counter(errored=1))
    detail = f" ({entry['detail']})" if entry.get("detail") else ""
    log(session, job, f"Gather error: {entry['message']}{detail}", "ERROR")


def read_summary(services: Services, job_id: str) -> dict[str, Any]:
    with services.db.unit_of_work(write=False) as session:
        return job_summary(session.get(HarvestJob, job_id))
