"""The withdrawal at the end of a job: the datasets of records the deletion guard (deletion_guard.py) let go
are set to `deleted` (recoverable), never purged, BATCH_SIZE per transaction."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.context import SYSTEM
from catalog.registry import unit
from harvest.backends.base import SourceInfo
from harvest.importer import NotOwned, owned_package
from harvest.jobs import BATCH_SIZE, add_counts, log
from harvest.models import HarvestJob, HarvestObject

if TYPE_CHECKING:
    from catalog.services import Services  # a type only: services are built by the entry points


def withdraw(services: Services, job_id: str, info: SourceInfo, object_ids: list[str]) -> int:
    """Withdraw the objects' datasets; the number withdrawn."""
    deleted = 0
    for start in range(0, len(object_ids), BATCH_SIZE):
        deleted += _withdraw_batch(services, job_id, info, object_ids[start : start + BATCH_SIZE])
    return deleted


def _withdraw_batch(services: Services, job_id: str, info: SourceInfo, object_ids: list[str]) -> int:
    deleted = 0
    with unit(services, SYSTEM, write=True) as ctx:
        session = ctx.session
        job = session.get(HarvestJob, job_id)
        for obj in session.scalars(select(HarvestObject).where(HarvestObject.id.in_(object_ids))):
            try:
                package = owned_package(session, info, obj)
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
    return deleted
