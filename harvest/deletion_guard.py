"""The deletion guard: at the end of a job, which harvested datasets vanished from the source and whether the
job may withdraw them. A job withdraws nothing when its listing may be incomplete (gather errors, an incremental
job without the source's complete id listing), when the source suddenly lists nothing (far likelier broken than
emptied: a gather error), or when more than the source's deletion_threshold would go, unless an admin allowed
mass deletion. withdraw.py then does the withdrawal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from catalog.clock import utcnow
from catalog.db import count_rows
from harvest.backends.base import GatherError, SourceInfo
from harvest.failure import describe, own
from harvest.fetch import FetchError
from harvest.job_deadline import JobDeadlineReached
from harvest.jobs import BATCH_SIZE, add_gather_error, job_backend, log, record_gather_error, source_info
from harvest.models import HarvestJob, HarvestObject, HarvestSource

if TYPE_CHECKING:
    from catalog.services import Services  # a type only: services are built by the entry points

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
        since, started = job.since, job.started or utcnow()
    backend, _deadline = job_backend(services, info, started, since)
    remote_ids = getattr(backend, "remote_ids", None)
    if remote_ids is None:
        return None
    try:
        listed = remote_ids()
    except (FetchError, GatherError, JobDeadlineReached) as error:
        record_gather_error(services, job_id, describe(error, code="id_listing"))
        return None
    return set(listed) if listed is not None else None


def plan_deletions(session: Session, job: HarvestJob, source: HarvestSource, listed: set[str] | None,
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


def _mark_listed(session: Session, job: HarvestJob, listed: set[str]) -> None:
    """Records still listed upstream count as seen by this job, so `missing_objects` is what disappeared."""
    guids = sorted(listed)
    for start in range(0, len(guids), BATCH_SIZE * 5):
        session.execute(update(HarvestObject).where(
            HarvestObject.source_id == job.source_id, HarvestObject.current.is_(True),
            HarvestObject.guid.in_(guids[start : start + BATCH_SIZE * 5]),
        ).values(last_seen_job_id=job.id).execution_options(synchronize_session=False))


def _emptied_error(session: Session, job: HarvestJob) -> str:
    """A source that suddenly lists nothing is far likelier broken than emptied: an error, not a quiet run."""
    known = count_rows(session, missing_objects(job))
    error = own("emptied", known=known)
    add_gather_error(session, job, error)
    return error["message"]


def _deletion_blocker(session: Session, job: HarvestJob, threshold: float, allow_mass: bool,
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


@dataclass(frozen=True)
class DeletionPlan:
    """What the end of a running job withdraws: `missing_ids` (objects), or nothing and why (`reason`)."""

    reason: str | None
    missing_ids: list[str]
    info: SourceInfo


def plan_job_deletions(services: Services, job_id: str, allow_mass_deletion: bool) -> DeletionPlan | None:
    """The guard's decision for a running job, logged on it; None when the job is no longer running (aborted
    meanwhile, or finished by another worker). The source's id listing is fetched before the transaction."""
    listed = complete_listing(services, job_id)
    with services.db.unit_of_work(write=True) as session:
        job = session.scalars(select(HarvestJob).where(HarvestJob.id == job_id).with_for_update()).one()
        if job.status != "running":
            return None
        source = session.get(HarvestSource, job.source_id)
        reason, missing_ids = plan_deletions(session, job, source, listed, allow_mass_deletion)
        if reason:
            job.message = reason
            log(session, job, reason, "WARNING" if job.since is None else "INFO")
        return DeletionPlan(reason, missing_ids, source_info(source))
