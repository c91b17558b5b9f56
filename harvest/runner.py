"""Harvest jobs: start (or resume), gather page by page in batches of one transaction each, then decide
deletions behind the guard (deletion_guard.py), withdraw (withdraw.py) and finish. Never touches flask.g /
current_app; usable from CLI, worker, tests. A dry run is dry_run.py.

Crash safety: each batch commits its objects, datasets, stats, heartbeat and the page cursor together, so a
killed process leaves a `running` job with a stale heartbeat whose cursor says where to pick up; records
already handled by the job are recognised and skipped, so a resume never duplicates a dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from catalog.clock import utcnow
from catalog.context import SYSTEM
from catalog.errors import ValidationError
from catalog.registry import unit
from harvest.backends.base import Backend, GatherError, Page, SourceInfo, gather
from harvest.deletion_guard import plan_job_deletions
from harvest.dictize import job_summary
from harvest.failure import own
from harvest.fetch import FetchError
from harvest.importer import BatchResult, import_batch, unchanged_guids
from harvest.job_deadline import JobDeadline, JobDeadlineReached
from harvest.jobs import (
    ANNOUNCED,
    BATCH_SIZE,
    FAILURE_DETAIL,
    add_counts,
    add_gather_error,
    job_backend,
    log,
    read_summary,
    record_gather_error,
    source_info,
)
from harvest.models import STAT_KEYS, HarvestJob, HarvestSource
from harvest.withdraw import withdraw

if TYPE_CHECKING:
    from catalog.services import Services  # a type only: services are built by the entry points

# A job that changed at least this many datasets refreshes the planner's statistics when it ends.
ANALYZE_AFTER_CHANGES = 1000
DEFAULT_STALE_SECONDS = 600
DEFAULT_FULL_SYNC_HOURS = 24
UNEXPECTED_FAILURE = "Unexpected failure: the job stopped on an error of this site, not of the source"
FULL_LISTING_FALLBACK = "The source refused the incremental filter: this run read its full listing, as a full job"


class JobAlreadyRunning(Exception):
    pass


@dataclass
class RunOptions:
    batch_size: int = BATCH_SIZE
    # Delete even when the guard would stop (an admin confirmed the source really shrank).
    allow_mass_deletion: bool = False
    progress: Callable[[int, int | None], None] | None = None


# -- creating / resuming ---------------------------------------------------------------------------------
def check_runnable(source: HarvestSource) -> None:
    if not source.active:
        raise ValidationError({"source_id": ["The harvest source is not active"]})
    if source.validation_state != "accepted":
        raise ValidationError({"source_id": [
            f"The harvest source must be validated by a sysadmin before it runs "
            f"(validation state: {source.validation_state})"
        ]})


def create_job(session: Session, source: HarvestSource, *, force_all: bool = False, now: datetime | None = None,
               resume_new: bool = True) -> HarvestJob:
    """A new job, or the source's interrupted one (`running` with a stale heartbeat: its runner died) to resume,
    or its `new` one unless `resume_new` is false (harvest_job_create: a job already waits). Refuses a second
    live job. Whoever runs the job returned claims it first (claim_job), so a job returned twice runs once."""
    now = now or utcnow()
    check_runnable(source)
    pending = session.scalars(
        select(HarvestJob).where(HarvestJob.source_id == source.id, HarvestJob.status.in_(("new", "running")))
        .order_by(HarvestJob.created.desc()).with_for_update()
    ).first()
    if pending is not None:
        beat = pending.heartbeat or pending.started or pending.created
        stale = pending.status == "running" and now - beat >= stale_after(source)
        if stale or (resume_new and pending.status == "new"):
            if pending.status == "running":
                log(session, pending, f"Resuming job interrupted since {beat.isoformat()}", "WARNING")
            return pending
        raise JobAlreadyRunning(f"Job {pending.id} of this source is already {pending.status}")
    job = HarvestJob(source_id=source.id, status="new", created=now, stats={k: 0 for k in STAT_KEYS},
                     gather_errors=[], since=_since(session, source, force_all, now))
    session.add(job)
    session.flush()
    return job


def stale_after(source: HarvestSource) -> timedelta:
    """How long a running job's heartbeat may be silent before its runner is taken for dead."""
    return timedelta(seconds=float((source.config or {}).get("stale_after_seconds", DEFAULT_STALE_SECONDS)))


def claim_job(session: Session, job: HarvestJob, source: HarvestSource, now: datetime) -> bool:
    """Mark the job `running` for this runner, atomically: only a `new` job, or a `running` one whose heartbeat
    is stale (its runner died), can be claimed. False when another runner has it (two "Run now" threads, or
    `moisson harvest run` resuming the job a web process queued): that runner must not run it again."""
    beat = func.coalesce(HarvestJob.heartbeat, HarvestJob.started, HarvestJob.created)
    claimed = session.execute(
        update(HarvestJob)
        .where(HarvestJob.id == job.id,
               or_(HarvestJob.status == "new",
                   and_(HarvestJob.status == "running", beat <= now - stale_after(source))))
        .values(status="running", heartbeat=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    session.refresh(job)
    return True


def _since(session: Session, source: HarvestSource, force_all: bool, now: datetime) -> datetime | None:
    """Incremental window start for backends that support it (ckan), from the last clean job; a full
    listing (the only kind that may delete) at least every `full_sync_hours`."""
    config = source.config or {}
    if source.type != "ckan" or force_all or config.get("force_all") or not config.get("incremental", True):
        return None
    clean = (HarvestJob.source_id == source.id, HarvestJob.status == "finished",
             HarvestJob.gather_complete.is_(True))
    last = session.scalars(select(HarvestJob).where(*clean).order_by(HarvestJob.started.desc())).first()
    if last is None or last.gather_errors:
        return None
    last_full = session.scalar(select(func.max(HarvestJob.started)).where(*clean, HarvestJob.since.is_(None)))
    full_every = timedelta(hours=float(config.get("full_sync_hours", DEFAULT_FULL_SYNC_HOURS)))
    if last_full is None or now - last_full >= full_every:
        return None
    return last.started


# -- running ---------------------------------------------------------------------------------------------
def run_job(services: Services, job_id: str, options: RunOptions | None = None) -> dict[str, Any]:
    """Run (or resume) a job to its end in this process. Returns the job's summary."""
    options = options or RunOptions()
    with services.db.unit_of_work(write=True) as session:
        job = session.get(HarvestJob, job_id)
        if job is None or job.status not in ("new", "running"):
            return job_summary(job) if job else {}
        source = session.get(HarvestSource, job.source_id)
        if not claim_job(session, job, source, utcnow()):
            return job_summary(job)  # another runner has it, alive
        info = source_info(source)
        job.started = job.started or utcnow()
        job.pages_total = None  # in-process runs track a resume cursor, not queue pages
        cursor, since, started = job.cursor, job.since, job.started
        log(session, job, "Job resumed" if cursor else f"Job started ({'incremental' if since else 'full'})")
    backend, deadline = job_backend(services, info, started, since)
    done = pages = 0
    try:
        for page, page_cursor in gather(backend, cursor):
            outcome = run_page(services, job_id, info, backend, page, page_cursor, options, deadline)
            if outcome is None:
                return read_summary(services, job_id)  # aborted
            done += outcome
            pages += 1
            if options.progress:
                options.progress(done, page.total)
    except (FetchError, GatherError, JobDeadlineReached) as error:
        # The page that failed, counted from the first one (unknown for a resumed job, which starts midway).
        record_gather_error(services, job_id, error, page=None if cursor else pages + 1)
    except Exception as error:
        _job_failed(services, job_id, error)
        raise
    else:
        with services.db.unit_of_work(write=True) as session:
            job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
            check_announced_total(session, job)
            job.gather_complete = True
            job.gather_finished = utcnow()
            if job.since is not None and getattr(backend, "since", job.since) is None:
                job.since = None  # the backend fell back to the full listing: a full job, and it says so
                log(session, job, FULL_LISTING_FALLBACK, "WARNING")
    return finish_job(services, job_id, options)


def check_announced_total(session: Session, job: HarvestJob) -> None:
    """Fewer records than the source announced (hydra:totalItems, CKAN count) means pages were not read:
    a gather error, so the job withdraws nothing rather than datasets it merely did not reach. The figure is
    the last one a page brought (stats `announced`, kept in the job row so the pages of a queued job, done by
    several workers, and a resumed job all count). A listing already known to be incomplete needs no second
    gather error. On a job row the caller holds (locked), in the transaction that ends the job's gather."""
    stats = job.stats or {}
    announced, gathered = stats.get(ANNOUNCED), int(stats.get("gathered", 0))
    if announced is None or job.gather_errors:
        return
    if gathered < announced:
        add_gather_error(session, job, own("announced", announced=announced, gathered=gathered))


def run_page(
    services: Services, job_id: str, info: SourceInfo, backend: Backend, page: Page,
    page_cursor: dict[str, Any] | None, options: RunOptions, deadline: JobDeadline | None = None,
) -> int | None:
    """Import one page in batches; None when the job was aborted meanwhile. Raises JobDeadlineReached before a
    batch when the job's time is up (the batches already committed stay).

    Records whose hash says they are unchanged go first, in one batch: they only bump their object's
    last_seen_job_id (one UPDATE), so cutting them in batches of `batch_size` would only multiply round
    trips (an unchanged re-run of 10,000 datasets: 10 transactions instead of 100). import_batch checks
    each record again in its own transaction, so this split is only about batch boundaries."""
    with services.db.unit_of_work(write=False) as session:
        same = unchanged_guids(session, info.id, page.records)
    unchanged = [r for r in page.records if r.guid in same]
    rest = [r for r in page.records if r.guid not in same]
    batches = ([unchanged] if unchanged else []) + [
        rest[start : start + options.batch_size] for start in range(0, len(rest), options.batch_size)
    ]
    handled = 0
    for index, batch in enumerate(batches or [[]]):
        last = index >= len(batches) - 1
        # The cursor committed with a batch is where a resume starts: this page again unless it is done.
        resume_at = page.next_cursor if last else page_cursor
        if deadline is not None:
            deadline.check(f"while importing a page's records ({handled} of {len(page.records)} done)")
        if not _import_and_commit(services, job_id, info, backend, batch, resume_at, finished_page=last,
                                  total=page.total):
            return None
        handled += len(batch)
    return handled


def _import_and_commit(
    services: Services, job_id: str, info: SourceInfo, backend: Backend, batch: list[Any],
    resume_at: dict[str, Any] | None, *, finished_page: bool, total: int | None = None,
) -> bool:
    with unit(services, SYSTEM, write=True) as ctx:
        if ctx.session.scalar(select(HarvestJob.status).where(HarvestJob.id == job_id)) != "running":
            return False
        result = import_batch(ctx, job_id, info, backend, batch) if batch else BatchResult()
    # The job row is updated in its own short transaction (STYLE §7.6): taking its lock at the end of the
    # batch's transaction, which already held dataset and index rows, deadlocked two workers on PostgreSQL.
    # A crash between the two commits only re-imports this batch on resume, and hashes make that a no-op.
    with services.db.unit_of_work(write=True) as session:
        job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
        job.stats = add_counts(job.stats, result.counts)
        if finished_page and total is not None:
            # The most recent figure the source gave, if it changed during the walk.
            job.stats = {**job.stats, ANNOUNCED: total}
        job.heartbeat = utcnow()
        if job.pages_total is None:
            job.cursor = resume_at
        elif finished_page:
            job.pages_done += 1
    return True


def _job_failed(services: Services, job_id: str, error: Exception) -> None:
    with services.db.unit_of_work(write=True) as session:
        job = session.get(HarvestJob, job_id)
        job.status = "failed"
        job.finished = utcnow()
        # The exception's text may quote SQL or this site's internals: organization admins read the job and its
        # log, so they get one sentence; the text is kept for sysadmins (harvest_job_show's `detail`).
        job.message = UNEXPECTED_FAILURE
        job.stats = {**(job.stats or {}), FAILURE_DETAIL: f"{error.__class__.__name__}: {error}"}
        log(session, job, job.message, "CRITICAL")


# -- finishing and deletions -----------------------------------------------------------------------------
def finish_job(services: Services, job_id: str, options: RunOptions | None = None) -> dict[str, Any]:
    options = options or RunOptions()
    plan = plan_job_deletions(services, job_id, options.allow_mass_deletion)
    if plan is None:
        return read_summary(services, job_id)
    reason, missing_ids = plan.reason, plan.missing_ids
    deleted = withdraw(services, job_id, plan.info, missing_ids)
    with services.db.unit_of_work(write=True) as session:
        job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
        if job.status == "running":
            job.status = "finished"
            job.finished = utcnow()
            if not reason and missing_ids:
                job.message = f"Withdrew {deleted} dataset(s) no longer in the source"
            log(session, job, f"Job finished: {job.stats}")
        summary = job_summary(job)
    if sum(summary["stats"].get(key, 0) for key in ("added", "updated", "deleted")) >= ANALYZE_AFTER_CHANGES:
        refresh_statistics(services)
    return summary


def refresh_statistics(services: Services) -> None:
    """ANALYZE the tables the next job looks its records up in (PostgreSQL). After a first harvest their
    statistics still describe nearly empty tables, and the next run's lookups scanned every object of the
    source for each page instead of probing its index (30,000 datasets: 34 ms a page, 3.9 ms once analysed)."""
    if services.db.is_sqlite:
        return
    with services.db.unit_of_work(write=True) as session:
        session.execute(text("ANALYZE harvest_object, package"))


# -- entry points ----------------------------------------------------------------------------------------
def harvest_source(services: Services, source_id: str, options: RunOptions | None = None,
                   force_all: bool = False) -> dict[str, Any]:
    """Create (or resume) a job for the source and run it here. The CLI's `harvest run`."""
    with services.db.unit_of_work(write=True) as session:
        source = session.get(HarvestSource, source_id)
        job_id = create_job(session, source, force_all=force_all).id
    return run_job(services, job_id, options)
