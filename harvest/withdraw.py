"""The deletion decision at the end of a job: which harvested datasets vanished from the source, whether the
job may withdraw them (the deletion guard), and the withdrawal itself (state=deleted, never purged)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from catalog.clock import utcnow
from catalog.context import SYSTEM, ActionContext
from catalog.db import count_rows
from catalog.services import Services
from harvest.backends import make_backend
from harvest.backends.base import GatherError, SourceInfo
from harvest.fetch import FetchError
from harvest.job_deadline import JobDeadline, JobDeadlineReached
from harvest.jobs import BATCH_SIZE, add_counts, add_gather_error, log, make_fetcher, record_gather_error, source_info
from harvest.models import HarvestJob, HarvestObject, HarvestSource

DEFAULT_DELETION_THRESHOLD = 0.10
EMPTIED = "emptied"


def missing_objects(job: HarvestJob) -> Any:
    """Current, not yet withdrawn objects of the source that this job did not see."""
    return select(HarvestObject).where(
        HarvestObject.source_id == job.source_id,
        HarvestObject.current.is_(True),
        HarvestObject.status != "deleted",
        HarvestObject.package_id.is_not(None),
        or_(HarvestObject.last_seen_job_id.is_(None), HarvestObject.last_seen_job_id != job.id),
    )


def complete_listing(services: Services, job_id: str) -> set[str] | None:
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
        since, deadline = job.since, JobDeadline.for_job(services.settings, info.config, job.started or utcnow())
    backend = make_backend(info, make_fetcher(services.settings, info.config, deadline), since)
    remote_ids = getattr(backend, "remote_ids", None)
    if remote_ids is None:
        return None
    try:
        listed = remote_ids()
    except (FetchError, GatherError, JobDeadlineReached) as error:
        record_gather_error(services, job_id, f"Could not list the source's ids to find deletions: {error}")
        return None
    return set(listed) if listed is not None else None


def plan_deletions(session: Any, job: HarvestJob, source: HarvestSource, listed: set[str] | None,
                   allow_mass_deletion: bool) -> tuple[str | None, list[str]]:
    """Why the job withdraws nothing (None when it may), and the ids of the objects it withdraws."""
    if listed is not None:
        _mark_listed(session, job, listed)
    threshold = float(source.config.get("deletion_threshold", DEFAULT_DELETION_THRESHOLD))
    reason = _deletion_blocker(session, job, threshold, allow_mass_deletion, listed)
    missing_ids = [] if reason else list(session.scalars(missing_objects(job).with_only_columns(HarvestObject.id)))
    if reason == EMPTIED:
        reason = _emptied_error(session, job)
    return reason, missing_ids


def _mark_listed(session: Any, job: HarvestJob, listed: set[str]) -> None:
    """Records still listed upstream count as seen by this job, so `missing_objects` is what disappeared."""
    guids = sorted(listed)
    for start in range(0, len(guids), BATCH_SIZE * 5):
        session.execute(update(HarvestObject).where(
            HarvestObject.source_id == job.source_id, HarvestObject.current.is_(True),
            HarvestObject.guid.in_(guids[start : start + BATCH_SIZE * 5]),
        ).values(last_seen_job_id=job.id).execution_options(synchronize_session=False))


def _emptied_error(session: Any, job: HarvestJob) -> str:
    """A source that suddenly lists nothing is far likelier broken than emptied: an error, not a quiet run."""
    known = count_rows(session, missing_objects(job))
    message = (f"The source listed no datasets while {known} dataset(s) came from it: nothing was withdrawn "
               "(deletion guard). Check the source; if it was really emptied, run the job again with mass "
               "deletion allowed.")
    add_gather_error(session, job, message)
    return message


def _deletion_blocker(session: Any, job: HarvestJob, threshold: float, allow_mass: bool,
                      listed: set[str] | None) -> str | None:
    """Why this job must not delete anything (EMPTIED when the source lists nothing), or None when it may.
    An incremental job decides only when it has the source's complete id listing."""
    if job.since is not None and listed is None:
        return "Incremental job: deletions are only decided by full listings"
    if not job.gather_complete or job.gather_errors:
        return "The listing was incomplete (gather errors): nothing was deleted"
    missing = count_rows(session, missing_objects(job))
    if not missing or allow_mass:
        return None
    known = session.scalar(select(func.count()).select_from(HarvestObject).where(and_(
        HarvestObject.source_id == job.source_id, HarvestObject.current.is_(True),
        HarvestObject.status != "deleted", HarvestObject.package_id.is_not(None),
    ))) or 0
    if (not listed) if job.since is not None else not (job.stats or {}).get("gathered"):
        return EMPTIED
    share = missing / known if known else 1.0
    if share > threshold:
        return (f"{missing} of {known} dataset(s) ({share:.0%}) are missing from the source, more than the "
                f"allowed {threshold:.0%}: nothing was deleted (deletion guard)")
    return None


def withdraw(services: Services, job_id: str, info: SourceInfo, object_ids: list[str]) -> int:
    """Set the datasets of vanished records to `deleted` (recoverable), never purge; BATCH_SIZE per transaction."""
    deleted = 0
    for start in range(0, len(object_ids), BATCH_SIZE):
        deleted += _withdraw_batch(services, job_id, info, object_ids[start : start + BATCH_SIZE])
    return deleted


def _withdraw_batch(services: Services, job_id: str, info: SourceInfo, object_ids: list[str]) -> int:
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
        job.stats = add_counts(job.stats, Counter(deleted=deleted))
    for callback in ctx.after_commit_callbacks:
        callback()
    return deleted
