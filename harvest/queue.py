"""Harvesting at scale: jobs and per-page work on an RQ queue in Redis, consumed by `moisson worker`
processes that may run on several machines against one PostgreSQL.

A CKAN job is split into one task per page (`page_cursors`); the worker that completes the last page
claims the finish with a conditional UPDATE, so exactly one worker decides deletions. Other backends page
by `next` links and run as one task. A worker killed mid-task leaves a stale heartbeat: the next
`harvest run`/`schedule` resumes that job in-process, skipping records the job already handled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from rq import Queue, Worker
from sqlalchemy import select, update

from catalog.clock import utcnow
from catalog.services import Services, build_services
from catalog.settings import Settings
from harvest.backends.base import Backend, GatherError, SourceInfo
from harvest.enqueue import QUEUE_NAME, enqueue_job, get_queue
from harvest.fetch import FetchError
from harvest.job_deadline import JobDeadline, JobDeadlineReached
from harvest.jobs import job_backend, log, record_gather_error, source_info
from harvest.models import HarvestJob, HarvestSource
from harvest.runner import (
    FULL_LISTING_FALLBACK,
    RunOptions,
    check_announced_total,
    create_job,
    finish_job,
    run_job,
    run_page,
)

PAGE_TIMEOUT = 3600
NEXT_RUN = {
    "HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1),
    "BIWEEKLY": timedelta(weeks=2), "MONTHLY": timedelta(days=30),
}

_services: Services | None = None


def worker_services() -> Services:
    """One Services per worker process, from the MOISSON_* environment."""
    global _services
    if _services is None:
        _services = build_services(Settings.from_env())
    return _services


def job_task(job_id: str, queue_name: str = QUEUE_NAME) -> None:
    """Plan a job: CKAN sources fan out one task per page; the others run here, page after page."""
    services = worker_services()
    with services.db.unit_of_work(write=True) as session:
        job = session.get(HarvestJob, job_id)
        if job is None or job.status not in ("new", "running"):
            return
        # A running job handed out again was interrupted (stale heartbeat): resume it here, in order.
        resume = job.status == "running"
        info = source_info(session.get(HarvestSource, job.source_id))
        since = job.since
    # The job's time starts now: _start records this instant as job.started, which the page tasks count from.
    started = utcnow()
    backend, _deadline = job_backend(services, info, started, since)
    if resume or not hasattr(backend, "page_cursors") or not services.settings.redis_url:
        run_job(services, job_id)
        return
    try:
        # A remote that refuses the incremental filter is planned with its full listing (CkanBackend.page_cursors
        # sets backend.since to None): _start records it on the job, whose since the page tasks then read.
        cursors = backend.page_cursors()
    except (FetchError, GatherError, JobDeadlineReached) as error:
        if not _start(services, job_id, started, pages=0):
            return
        record_gather_error(services, job_id, error)
        _claim_and_finish(services, job_id)
        return
    if not _start(services, job_id, started, pages=len(cursors),
                  full_fallback=since is not None and backend.since is None):
        return
    queue = get_queue(services.settings.redis_url, queue_name)
    for cursor in cursors:
        queue.enqueue(page_task, job_id, cursor, job_timeout=PAGE_TIMEOUT)


def _start(services: Services, job_id: str, started: datetime, pages: int, full_fallback: bool = False) -> bool:
    """Claim the new job for this worker in one UPDATE (as runner.claim_job does for a job run in one piece).
    False when another worker started it meanwhile (a job handed out twice): this one must not fan it out again."""
    with services.db.unit_of_work(write=True) as session:
        claimed = session.execute(
            update(HarvestJob)
            .where(HarvestJob.id == job_id, HarvestJob.status == "new")
            .values(status="running", started=started, heartbeat=utcnow(), pages_total=pages)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return False
        job = session.get(HarvestJob, job_id)
        log(session, job, f"Job started on the queue: {pages} page task(s)")
        if full_fallback:
            job.since = None  # the page tasks list everything, and the job decides deletions as a full one
            log(session, job, FULL_LISTING_FALLBACK, "WARNING")
    return True


def page_task(job_id: str, cursor: dict[str, Any]) -> None:
    services = worker_services()
    with services.db.unit_of_work(write=False) as session:
        job = session.get(HarvestJob, job_id)
        if job is None or job.status != "running":
            return
        info = source_info(session.get(HarvestSource, job.source_id))
        since, started = job.since, job.started or utcnow()
    backend, deadline = job_backend(services, info, started, since)
    try:
        if not _fetch_and_import(services, job_id, info, backend, cursor, deadline):
            return  # aborted
    except JobDeadlineReached as error:
        _stop_at_deadline(services, job_id, error)
        return
    _claim_and_finish(services, job_id)


def _fetch_and_import(services: Services, job_id: str, info: SourceInfo, backend: Backend, cursor: dict[str, Any],
                      deadline: JobDeadline) -> bool:
    """One page task's work; False when the job was aborted meanwhile. A page that cannot be read is a gather
    error and counts as done, so the last page still finishes the job (which then withdraws nothing)."""
    try:
        page = backend.fetch_page(cursor)
    except (FetchError, GatherError) as error:
        record_gather_error(services, job_id, error)
        with services.db.unit_of_work(write=True) as session:
            session.execute(update(HarvestJob).where(HarvestJob.id == job_id)
                            .values(pages_done=HarvestJob.pages_done + 1))
        return True
    return run_page(services, job_id, info, backend, page, cursor, RunOptions(), deadline) is not None


def _stop_at_deadline(services: Services, job_id: str, error: JobDeadlineReached) -> None:
    """The job ran out of time: the first page task to notice claims the finish whatever pages remain, records
    why and finishes the job (nothing withdrawn); the others, and the page tasks still queued, then find it
    finished and stop, rather than each adding the same gather error."""
    with services.db.unit_of_work(write=True) as session:
        claimed = session.execute(
            update(HarvestJob)
            .where(HarvestJob.id == job_id, HarvestJob.gather_finished.is_(None), HarvestJob.status == "running")
            .values(gather_finished=utcnow(), gather_complete=False)
        ).rowcount
    if claimed:
        record_gather_error(services, job_id, error)
        finish_job(services, job_id)


def _claim_and_finish(services: Services, job_id: str) -> None:
    """Exactly one worker gets to finish: the one whose UPDATE flips gather_finished from NULL."""
    with services.db.unit_of_work(write=True) as session:
        claimed = session.execute(
            update(HarvestJob)
            .where(HarvestJob.id == job_id, HarvestJob.gather_finished.is_(None),
                   HarvestJob.pages_done >= HarvestJob.pages_total)
            .values(gather_finished=utcnow())
        ).rowcount
    if not claimed:
        return
    with services.db.unit_of_work(write=True) as session:
        job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
        check_announced_total(session, job)  # pages short of the count the source announced: a gather error
        job.gather_complete = not job.gather_errors
    finish_job(services, job_id)


def schedule_due(services: Services, *, enqueue: bool) -> list[str]:
    """Create jobs for active, validated sources whose frequency says they are due; returns job ids.
    Interrupted jobs (stale heartbeat) are picked up again instead of a new job."""
    now = utcnow()
    job_ids = []
    with services.db.unit_of_work(write=True) as session:
        sources = session.scalars(select(HarvestSource).where(
            HarvestSource.active.is_(True), HarvestSource.validation_state == "accepted",
            HarvestSource.frequency != "MANUAL",
        ).order_by(HarvestSource.name))
        for source in sources:
            if source.next_run is not None and source.next_run > now:
                continue
            try:
                job = create_job(session, source, now=now)
            except Exception as error:  # a live job or a refused source: skip it, say why
                log(session, None, f"Not scheduled: {error}", "INFO", source_id=source.id)
                continue
            source.next_run = now + NEXT_RUN.get(source.frequency, timedelta(days=1))
            job_ids.append(job.id)
    if enqueue and services.settings.redis_url:
        for job_id in job_ids:
            enqueue_job(services.settings.redis_url, job_id)
    return job_ids


def work(redis_url: str, queue_names: str | list[str] = QUEUE_NAME, burst: bool = False) -> None:
    """Consume queued tasks until stopped (or, with burst, until the queues are empty)."""
    connection = Redis.from_url(redis_url)
    names = [queue_names] if isinstance(queue_names, str) else queue_names
    Worker([Queue(name, connection=connection) for name in names], connection=connection).work(burst=burst)
