"""`harvest run --dry-run`: the first records of a source mapped and validated through the real import path,
then rolled back, to see what a harvest would add, update or refuse before the source is validated."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.clock import utcnow
from catalog.context import SYSTEM
from catalog.dataset.models import Package
from catalog.registry import unit
from harvest.backends import make_backend
from harvest.backends.base import GatherError, RemoteRecord, gather
from harvest.failure import describe
from harvest.fetch import FetchError
from harvest.importer import import_batch
from harvest.job_deadline import JobDeadline, JobDeadlineReached
from harvest.jobs import make_fetcher, source_info
from harvest.models import STAT_KEYS, HarvestJob, HarvestObject, HarvestSource

if TYPE_CHECKING:
    from catalog.services import Services  # a type only: services are built by the entry points


class _Rollback(Exception):
    pass


def dry_run(services: Services, source_id: str, limit: int = 20, seconds: float | None = None) -> dict[str, Any]:
    """Map and validate the first `limit` records through the real import path, then roll everything back:
    what would be added/updated/unchanged/errored, without writing (allowed before validation). When the whole
    listing fits in `limit`, `would_withdraw` lists the source's datasets it no longer has (`complete` true);
    a gather error is described as a job's (failure.describe: message, detail).

    The pages are fetched first, outside any transaction (on SQLite a write unit holds the database's only write
    lock: every writer of the site would wait on the remote), within a deadline of the source's job time, at
    most `seconds` (the web preview's bound on its worker); then one short write unit imports them and rolls back."""
    report: dict[str, Any] = {"dry_run": True, "stats": {}, "records": [], "gather_errors": [], "complete": False,
                              "would_withdraw": []}
    with unit(services, SYSTEM, write=False) as ctx:
        info = source_info(ctx.session.get(HarvestSource, source_id))
    deadline = JobDeadline.for_job(services.settings, info.config, utcnow())
    if seconds is not None and seconds < deadline.seconds:
        deadline = JobDeadline(seconds, utcnow() + timedelta(seconds=seconds))
    backend = make_backend(info, make_fetcher(services.settings, info.config, deadline), None)
    records: list[RemoteRecord] = []
    seen: set[str] = set()
    pages = 0
    try:
        for page, _cursor in gather(backend):
            pages += 1
            batch = page.records[: limit - len(records)]
            seen.update(r.guid for r in page.records)
            records.extend(batch)
            if len(records) >= limit or not batch:
                break
            if page.next_cursor is None:
                report["complete"] = True
    except (FetchError, GatherError, JobDeadlineReached) as error:
        report["gather_errors"].append(describe(error, pages + 1))
    try:
        with unit(services, SYSTEM, write=True) as ctx:
            job = HarvestJob(source_id=info.id, status="running", created=utcnow(), stats={}, gather_errors=[])
            ctx.session.add(job)
            ctx.session.flush()
            result = import_batch(ctx, job.id, info, backend, records, keep_details=True)
            report["records"] = result.details
            report["stats"] = {k: result.counts.get(k, 0) for k in STAT_KEYS}
            if report["complete"]:
                report["would_withdraw"] = _missing(ctx.session, info.id, seen)
            raise _Rollback  # leaves unit() by an exception: rolled back, and no after-commit callback runs
    except _Rollback:
        pass
    return report


def _missing(session: Session, source_id: str, listed: set[str]) -> list[dict[str, Any]]:
    """The source's live datasets whose record the listing no longer has (a full run would withdraw them,
    unless the deletion guard holds)."""
    rows = session.execute(
        select(HarvestObject.guid, Package.name, Package.title)
        .join(Package, Package.id == HarvestObject.package_id)
        .where(HarvestObject.source_id == source_id, HarvestObject.current.is_(True), Package.state == "active")
        .order_by(Package.name)
    )
    return [{"guid": guid, "name": name, "title": title} for guid, name, title in rows if guid not in listed]
