"""Harvest jobs: start (or resume), gather page by page in batches of one transaction each, then decide
deletions behind the guard, and finish. Never touches flask.g / current_app; usable from CLI, worker, tests.

Crash safety: each batch commits its objects, datasets, stats, heartbeat and the page cursor together, so a
killed process leaves a `running` job with a stale heartbeat whose cursor says where to pick up; records
already handled by the job are recognised and skipped, so a resume never duplicates a dataset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update

from catalog.app import Services
from catalog.clock import utcnow
from catalog.context import SYSTEM, ActionContext
from catalog.db import count_rows
from catalog.errors import ValidationError
from catalog.outbound import Outbound
from catalog.settings import Settings
from harvest.backends import make_backend
from harvest.backends.base import Backend, GatherError, Page, SourceInfo, gather
from harvest.fetch import Fetcher, FetchError, FetchLimits
from harvest.importer import BatchResult, import_batch, unchanged_guids
from harvest.models import HarvestJob, HarvestLog, HarvestObject, HarvestSource

BATCH_SIZE = 100
DEFAULT_DELETION_THRESHOLD = 0.10
# A job that changed at least this many datasets refreshes the planner's statistics when it ends.
ANALYZE_AFTER_CHANGES = 1000
DEFAULT_STALE_SECONDS = 600
DEFAULT_FULL_SYNC_HOURS = 24
STAT_KEYS = ("gathered", "added", "updated", "unchanged", "deleted", "errored", "skipped")


class JobAlreadyRunning(Exception):
    pass


@dataclass
class RunOptions:
    batch_size: int = BATCH_SIZE
    # Delete even when the guard would stop (an admin confirmed the source really shrank).
    allow_mass_deletion: bool = False
    progress: Callable[[int, int | None], None] | None = None


def source_info(source: HarvestSource) -> SourceInfo:
    return SourceInfo(
        id=source.id, name=source.name, url=source.url, title=source.title or source.name, type=source.type,
        owner_org=source.owner_org, config=dict(source.config or {}),
    )


def make_fetcher(settings: Settings, config: dict[str, Any]) -> Fetcher:
    """The source's fetcher: its headers and limits (clamped to the site maximums), the site's outbound rules."""
    headers = {}
    if config.get("api_key"):
        headers["Authorization"] = str(config["api_key"])
    if config.get("user_agent"):
        headers["User-Agent"] = str(config["user_agent"])
    return Fetcher(FetchLimits.from_config(config, settings), headers, outbound=Outbound.from_settings(settings))


def log(session: Any, job: HarvestJob | None, message: str, level: str = "INFO", source_id: str | None = None) -> None:
    session.add(HarvestLog(
        source_id=source_id or (job.source_id if job else None), job_id=job.id if job else None,
        level=level, message=message, created=utcnow(),
    ))


# -- creating / resuming ---------------------------------------------------------------------------------
def check_runnable(source: HarvestSource) -> None:
    if not source.active:
        raise ValidationError({"source_id": ["The harvest source is not active"]})
    if source.validation_state != "accepted":
        raise ValidationError({"source_id": [
            f"The harvest source must be validated by a sysadmin before it runs "
            f"(validation state: {source.validation_state})"
        ]})


def create_job(session: Any, source: HarvestSource, *, force_all: bool = False, now: datetime | None = None,
               resume_stale: bool = True) -> HarvestJob:
    """A new job, or the source's interrupted one (stale heartbeat) to resume. Refuses a second live job."""
    now = now or utcnow()
    check_runnable(source)
    pending = session.scalars(
        select(HarvestJob).where(HarvestJob.source_id == source.id, HarvestJob.status.in_(("new", "running")))
        .order_by(HarvestJob.created.desc()).with_for_update()
    ).first()
    if pending is not None:
        stale_after = timedelta(seconds=float(source.config.get("stale_after_seconds", DEFAULT_STALE_SECONDS)))
        beat = pending.heartbeat or pending.started or pending.created
        if resume_stale and (pending.status == "new" or now - beat >= stale_after):
            if pending.status == "running":
                log(session, pending, f"Resuming job interrupted since {beat.isoformat()}", "WARNING")
            return pending
        raise JobAlreadyRunning(f"Job {pending.id} of this source is already {pending.status}")
    job = HarvestJob(source_id=source.id, status="new", created=now, stats={k: 0 for k in STAT_KEYS},
                     gather_errors=[], since=_since(session, source, force_all, now))
    session.add(job)
    session.flush()
    return job


def _since(session: Any, source: HarvestSource, force_all: bool, now: datetime) -> datetime | None:
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
        info = source_info(source)
        job.status = "running"
        job.started = job.started or utcnow()
        job.heartbeat = utcnow()
        job.pages_total = None  # in-process runs track a resume cursor, not queue pages
        cursor, since = job.cursor, job.since
        log(session, job, "Job resumed" if cursor else f"Job started ({'incremental' if since else 'full'})")
    backend = make_backend(info, make_fetcher(services.settings, info.config), since)
    done = 0
    announced: int | None = None
    try:
        for page, page_cursor in gather(backend, cursor):
            outcome = run_page(services, job_id, info, backend, page, page_cursor, options)
            if outcome is None:
                return _summary(services, job_id)  # aborted
            done += outcome
            # The last page's figure: the most recent the source gave, if it changed during the walk.
            announced = page.total if page.total is not None else announced
            if options.progress:
                options.progress(done, page.total)
    except (FetchError, GatherError) as error:
        record_gather_error(services, job_id, str(error))
    except Exception as error:
        _job_failed(services, job_id, error)
        raise
    else:
        _check_announced_total(services, job_id, announced)
        with services.db.unit_of_work(write=True) as session:
            job = session.get(HarvestJob, job_id)
            job.gather_complete = True
            job.gather_finished = utcnow()
            if job.since is not None and getattr(backend, "since", job.since) is None:
                job.since = None  # the backend fell back to the full listing: a full job, and it says so
                log(session, job, FULL_LISTING_FALLBACK, "WARNING")
    return finish_job(services, job_id, options)


def _check_announced_total(services: Services, job_id: str, announced: int | None) -> None:
    """Fewer records than the source announced (hydra:totalItems, CKAN count) means pages were not read:
    a gather error, so the job withdraws nothing rather than datasets it merely did not reach."""
    if announced is None:
        return
    with services.db.unit_of_work(write=False) as session:
        gathered = int((session.get(HarvestJob, job_id).stats or {}).get("gathered", 0))
    if gathered < announced:
        record_gather_error(services, job_id, (
            f"The source announced {announced} record(s) but only {gathered} were gathered (paging links not "
            "followed or pages missing): nothing was withdrawn. Check the source's paging, then run it again."
        ))


def run_page(
    services: Services, job_id: str, info: SourceInfo, backend: Backend, page: Page,
    page_cursor: dict[str, Any] | None, options: RunOptions,
) -> int | None:
    """Import one page in batches; None when the job was aborted meanwhile.

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
        if not _import_and_commit(services, job_id, info, backend, batch, resume_at, finished_page=last):
            return None
        handled += len(batch)
    return handled


def _import_and_commit(
    services: Services, job_id: str, info: SourceInfo, backend: Backend, batch: list[Any],
    resume_at: dict[str, Any] | None, *, finished_page: bool,
) -> bool:
    with services.db.unit_of_work(write=True) as session:
        ctx = ActionContext(session=session, actor=SYSTEM, services=services, now=utcnow())
        if session.scalar(select(HarvestJob.status).where(HarvestJob.id == job_id)) != "running":
            return False
        result = import_batch(ctx, job_id, info, backend, batch) if batch else BatchResult()
    for callback in ctx.after_commit_callbacks:
        callback()
    # The job row is updated in its own short transaction (STYLE §7.6): taking its lock at the end of the
    # batch's transaction, which already held dataset and index rows, deadlocked two workers on PostgreSQL.
    # A crash between the two commits only re-imports this batch on resume, and hashes make that a no-op.
    with services.db.unit_of_work(write=True) as session:
        job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
        job.stats = _add(job.stats, result.counts)
        job.heartbeat = utcnow()
        if job.pages_total is None:
            job.cursor = resume_at
        elif finished_page:
            job.pages_done += 1
    return True


def _add(stats: dict[str, Any], counts: Counter[str]) -> dict[str, Any]:
    merged = {k: int((stats or {}).get(k, 0)) for k in STAT_KEYS}
    for key, value in counts.items():
        merged[key] = merged.get(key, 0) + value
    return merged


def record_gather_error(services: Services, job_id: str, message: str) -> None:
    with services.db.unit_of_work(write=True) as session:
        job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
        job.gather_errors = [*(job.gather_errors or []), {"message": message, "created": utcnow().isoformat()}]
        job.stats = _add(job.stats, Counter(errored=1))
        log(session, job, f"Gather error: {message}", "ERROR")


def _job_failed(services: Services, job_id: str, error: Exception) -> None:
    with services.db.unit_of_work(write=True) as session:
        job = session.get(HarvestJob, job_id)
        job.status = "failed"
        job.finished = utcnow()
        job.message = f"Unexpected failure: {error.__class__.__name__}: {error}"
        log(session, job, job.message, "CRITICAL")


# -- finishing and deletions -----------------------------------------------------------------------------
def finish_job(services: Services, job_id: str, options: RunOptions | None = None) -> dict[str, Any]:
    options = options or RunOptions()
    listed = _complete_listing(services, job_id)
    with services.db.unit_of_work(write=True) as session:
        job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
        if job.status != "running":
            return job_summary(job)
        if listed is not None:
            _mark_listed(session, job, listed)
        source = session.get(HarvestSource, job.source_id)
        threshold = float(source.config.get("deletion_threshold", DEFAULT_DELETION_THRESHOLD))
        reason = _deletion_blocker(session, job, threshold, options.allow_mass_deletion, listed)
        missing_ids = [] if reason else list(session.scalars(_missing(job).with_only_columns(HarvestObject.id)))
        if reason == EMPTIED:
            reason = _emptied_error(session, job)
        if reason:
            job.message = reason
            log(session, job, reason, "WARNING" if job.since is None else "INFO")
        info = source_info(source)
    deleted = 0
    for start in range(0, len(missing_ids), BATCH_SIZE):
        deleted += _withdraw(services, job_id, info, missing_ids[start : start + BATCH_SIZE])
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


def _missing(job: HarvestJob) -> Any:
    """Current, not yet withdrawn objects of the source that this job did not see."""
    return select(HarvestObject).where(
        HarvestObject.source_id == job.source_id,
        HarvestObject.current.is_(True),
        HarvestObject.status != "deleted",
        HarvestObject.package_id.is_not(None),
        or_(HarvestObject.last_seen_job_id.is_(None), HarvestObject.last_seen_job_id != job.id),
    )


EMPTIED = "emptied"
FULL_LISTING_FALLBACK = "The source refused the incremental filter: this run read its full listing, as a full job"


def _complete_listing(services: Services, job_id: str) -> set[str] | None:
    """For an incremental job whose gather went well, every id the source lists now, when its backend can
    say so cheaply (CKAN: package_search fl=id): incremental runs decide deletions too. Fetched outside any
    transaction; a listing that fails is a gather error (so nothing is withdrawn)."""
    with services.db.unit_of_work(write=False) as session:
        job = session.get(HarvestJob, job_id)
        if job is None or job.status != "running" or job.since is None:
            return None
        if not job.gather_complete or job.gather_errors:
            return None
        info = source_info(session.get(HarvestSource, job.source_id))
        since = job.since
    backend = make_backend(info, make_fetcher(services.settings, info.config), since)
    remote_ids = getattr(backend, "remote_ids", None)
    if remote_ids is None:
        return None
    try:
        listed = remote_ids()
    except (FetchError, GatherError) as error:
        record_gather_error(services, job_id, f"Could not list the source's ids to find deletions: {error}")
        return None
    return set(listed) if listed is not None else None


def _mark_listed(session: Any, job: HarvestJob, listed: set[str]) -> None:
    """Records still listed upstream count as seen by this job, so `_missing` is what disappeared."""
    guids = sorted(listed)
    for start in range(0, len(guids), BATCH_SIZE * 5):
        session.execute(update(HarvestObject).where(
            HarvestObject.source_id == job.source_id, HarvestObject.current.is_(True),
            HarvestObject.guid.in_(guids[start : start + BATCH_SIZE * 5]),
        ).values(last_seen_job_id=job.id).execution_options(synchronize_session=False))


def _emptied_error(session: Any, job: HarvestJob) -> str:
    """A source that suddenly lists nothing is far likelier broken than emptied: an error, not a quiet run."""
    known = count_rows(session, _missing(job))
    message = (f"The source listed no datasets while {known} dataset(s) came from it: nothing was withdrawn "
               "(deletion guard). Check the source; if it was really emptied, run the job again with mass "
               "deletion allowed.")
    job.gather_errors = [*(job.gather_errors or []), {"message": message, "created": utcnow().isoformat()}]
    job.stats = _add(job.stats, Counter(errored=1))
    log(session, job, f"Gather error: {message}", "ERROR")
    return message


def _deletion_blocker(session: Any, job: HarvestJob, threshold: float, allow_mass: bool,
                      listed: set[str] | None = None) -> str | None:
    """Why this job must not delete anything (EMPTIED when the source lists nothing), or None when it may.
    An incremental job decides only when it has the source's complete id listing."""
    if job.since is not None and listed is None:
        return "Incremental job: deletions are only decided by full listings"
    if not job.gather_complete or job.gather_errors:
        return "The listing was incomplete (gather errors): nothing was deleted"
    missing = count_rows(session, _missing(job))
    if not missing:
        return None
    known = session.scalar(select(func.count()).select_from(HarvestObject).where(and_(
        HarvestObject.source_id == job.source_id, HarvestObject.current.is_(True),
        HarvestObject.status != "deleted", HarvestObject.package_id.is_not(None),
    ))) or 0
    if allow_mass:
        return None
    if (not listed) if job.since is not None else not (job.stats or {}).get("gathered"):
        return EMPTIED
    share = missing / known if known else 1.0
    if share > threshold:
        return (f"{missing} of {known} dataset(s) ({share:.0%}) are missing from the source, more than the "
                f"allowed {threshold:.0%}: nothing was deleted (deletion guard)")
    return None


def _withdraw(services: Services, job_id: str, info: SourceInfo, object_ids: list[str]) -> int:
    """Set the datasets of vanished records to `deleted` (recoverable), never purge."""
    from harvest.importer import NotOwned, _owned_package

    deleted = 0
    with services.db.unit_of_work(write=True) as session:
        ctx = ActionContext(session=session, actor=SYSTEM, services=services, now=utcnow())
        job = session.get(HarvestJob, job_id)
        for obj in session.scalars(select(HarvestObject).where(HarvestObject.id.in_(object_ids))):
            try:
                package = _owned_package(session, info, obj)
            except NotOwned as error:
                log(session, job, f"Not withdrawn: {error}", "WARNING")
                obj.current = False
                continue
            if package is not None and package.state != "deleted":
                ctx.call("package_delete", {"id": package.id})
            obj.current = False
            session.add(HarvestObject(
                source_id=info.id, job_id=job_id, guid=obj.guid, status="deleted", current=True,
                package_id=obj.package_id, remote_url=obj.remote_url, last_seen_job_id=job_id,
            ))
            deleted += 1
        job.stats = _add(job.stats, Counter(deleted=deleted))
    for callback in ctx.after_commit_callbacks:
        callback()
    return deleted


# -- reporting -------------------------------------------------------------------------------------------
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
        "gather_errors": list(job.gather_errors or []),
        "message": job.message,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _summary(services: Services, job_id: str) -> dict[str, Any]:
    with services.db.unit_of_work(write=False) as session:
        return job_summary(session.get(HarvestJob, job_id))


def harvest_source(services: Services, source_id: str, options: RunOptions | None = None,
                   force_all: bool = False) -> dict[str, Any]:
    """Create (or resume) a job for the source and run it here. The CLI's `harvest run`."""
    with services.db.unit_of_work(write=True) as session:
        source = session.get(HarvestSource, source_id)
        job_id = create_job(session, source, force_all=force_all).id
    return run_job(services, job_id, options)


class _Rollback(Exception):
    pass


def dry_run(services: Services, source_id: str, limit: int = 20) -> dict[str, Any]:
    """Map and validate the first `limit` records through the real import path, then roll everything back:
    what would be added/updated/unchanged/errored, without writing (allowed before validation)."""
    report: dict[str, Any] = {"dry_run": True, "stats": {}, "records": [], "gather_errors": []}
    try:
        with services.db.unit_of_work(write=True) as session:
            source = session.get(HarvestSource, source_id)
            job = HarvestJob(source_id=source.id, status="running", created=utcnow(), stats={}, gather_errors=[])
            session.add(job)
            session.flush()
            info = source_info(source)
            backend = make_backend(info, make_fetcher(services.settings, info.config), None)
            ctx = ActionContext(session=session, actor=SYSTEM, services=services, now=utcnow())
            counts: Counter[str] = Counter()
            try:
                for page, _cursor in gather(backend):
                    batch = page.records[: limit - len(report["records"])]
                    result = import_batch(ctx, job.id, info, backend, batch, keep_details=True)
                    counts.update(result.counts)
                    report["records"].extend(result.details)
                    if len(report["records"]) >= limit or not batch:
                        break
            except (FetchError, GatherError) as error:
                report["gather_errors"].append(str(error))
            report["stats"] = {k: counts.get(k, 0) for k in STAT_KEYS}
            raise _Rollback
    except _Rollback:
        pass
    return report
