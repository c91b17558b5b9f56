"""Background DataStore loads: after an upload or a URL change, the file is loaded into the resource's
table on an RQ worker (when settings.redis_url is set: `rq worker moisson-datastore`) or a thread.

The status row (datastore_load) is written pending in the triggering transaction, then running,
complete or error by the job, with rows loaded as it goes (datastore_load_status reads it). A file whose
content is prose (a read-me) ends "text": no table (an earlier one is dropped), the page shows the text.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalog.context import SYSTEM, ActionContext
from catalog.dataset.locking import lock_package
from catalog.dataset.models import Resource
from catalog.dataset.publish import refresh_packages
from catalog.datastore.csv_analysis import NotATable
from catalog.datastore.csv_plan import LoadError
from catalog.datastore.masks import write_masks
from catalog.datastore.models import DatastoreLoad, DatastoreTable
from catalog.outbound import Outbound, OutboundError
from catalog.registry import unit

if TYPE_CHECKING:
    from catalog.services import Services
    from catalog.settings import Settings

log = logging.getLogger(__name__)
QUEUE = "moisson-datastore"
RQ_ENTRY = "catalog.datastore.worker.rq_load"  # by name: the worker entry builds a process's services
TABULAR_FORMATS = {"csv", "tsv", "txt", "tab", "text/csv", "text/plain", "text/tab-separated-values"}
TABULAR_EXTENSIONS = (".csv", ".tsv", ".txt", ".tab")
PROGRESS_EVERY_S = 1.0
IN_PROCESS_WORKERS = 2
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def is_tabular(resource: Resource) -> bool:
    fmt = (resource.format or "").strip().lower()
    if fmt:
        return fmt in TABULAR_FORMATS
    return (resource.url or "").lower().split("?")[0].endswith(TABULAR_EXTENSIONS)


def schedule_load(ctx: ActionContext, resource_id: str, *, force: bool = False) -> bool:
    """Queue a load of the resource's file, started once the current transaction commits.

    Call it after the resource row is saved (flushed). Returns False (and queues nothing) for
    resources that are not tabular files, unless `force`.
    """
    ctx.session.flush()
    resource = ctx.session.get(Resource, resource_id)
    if resource is None or resource.state != "active" or not resource.url:
        return False
    if resource.url_type not in ("upload", None, "") or not (force or is_tabular(resource)):
        return False
    row = ctx.session.get(DatastoreLoad, resource_id)
    if row is None:
        row = DatastoreLoad(resource_id=resource_id, created=ctx.now)
        ctx.session.add(row)
    job_id = uuid.uuid4().hex
    row.status, row.job_id, row.rows_loaded, row.rows_total = "pending", job_id, 0, None
    row.error, row.source, row.last_updated = None, resource.url, ctx.now
    services = ctx.services
    ctx.after_commit(lambda: enqueue(services, resource_id, job_id))
    return True


def forget_resource(ctx: ActionContext, resource_id: str) -> None:
    """For resource_delete and dataset_purge: the DataStore table goes once the deletion commits."""
    for model in (DatastoreTable, DatastoreLoad):
        row = ctx.session.get(model, resource_id)
        if row is not None:
            ctx.session.delete(row)
    services = ctx.services
    ctx.after_commit(lambda: services.datastore.backend.drop_table(resource_id))


def enqueue(services: Services, resource_id: str, job_id: str) -> None:
    settings = services.settings
    if settings.redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE, connection=Redis.from_url(settings.redis_url))
        queue.enqueue(RQ_ENTRY, resource_id, job_id, settings.database_url, settings.storage_path,
                      job_id=job_id, job_timeout=3600)
        return
    # In-process: a small bounded pool (many uploads at once must not mean many concurrent writers).
    # Its threads are joined at interpreter exit, so a CLI command finishes the loads it started.
    _in_process_pool().submit(run_load, services, resource_id, job_id)


def wait_for_in_process_loads() -> None:
    """Finish the loads this process started in threads; later loads get a new pool."""
    pool = _in_process_pool()
    _in_process_pool.cache_clear()
    pool.shutdown(wait=True)


@cache
def _in_process_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=IN_PROCESS_WORKERS, thread_name_prefix="datastore-load")


def _lock_for(resource_id: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(resource_id, threading.Lock())


def pending_loads(services: Services) -> int:
    """How many loads are queued or running (for progress bars and for waiting on them)."""
    from sqlalchemy import func, select

    with services.db.unit_of_work(write=False) as session:
        return session.scalar(
            select(func.count()).where(DatastoreLoad.status.in_(("pending", "running")))
        ) or 0


def wait_for_loads(services: Services, timeout: float = 300.0, on_progress: Any = None) -> int:
    """Block until no load is pending or running (or the timeout passes); returns how many are left."""
    deadline = time.monotonic() + timeout
    while (left := pending_loads(services)) and time.monotonic() < deadline:
        if on_progress is not None:
            on_progress(left)
        time.sleep(0.2)
    return left


def run_load(services: Services, resource_id: str, job_id: str | None = None) -> None:
    """Load the resource's current file; a newer job for the same resource makes this one step aside."""
    with _lock_for(resource_id):
        source = _start(services, resource_id, job_id)
        if source is None:
            return
        url, url_type = source
        temporary: Path | None = None
        try:
            if url_type == "upload":

                path = services.storage.files.path(resource_id)
                if path is None:
                    raise LoadError("The uploaded file is missing from storage.")
            else:
                temporary = path = _fetch(url, services.settings)
            progress = _Progress(services, resource_id, job_id)
            plan = services.datastore.backend.bulk_load(resource_id, path, progress)
            info = {c.id: c.info for c in plan.columns}
            info.update(write_masks(services.datastore.backend, resource_id, plan))  # <col>__mask columns
            _finish(services, resource_id, job_id, plan.rows, info)
        except NotATable:
            _not_a_table(services, resource_id, job_id)
        except LoadError as error:
            _update(services, resource_id, job_id, status="error", error=str(error))
        except Exception as error:  # noqa: BLE001 - a failed job must end in "error", never stay "running"
            log.exception("datastore load of %s failed", resource_id)
            _update(services, resource_id, job_id, status="error", error=f"Load failed: {error}")
        finally:
            if temporary is not None:
                temporary.unlink(missing_ok=True)


def _start(services: Services, resource_id: str, job_id: str | None) -> tuple[str, str | None] | None:
    from catalog.clock import utcnow

    with services.db.unit_of_work(write=True) as session:
        resource = session.get(Resource, resource_id)
        row = session.get(DatastoreLoad, resource_id)
        if row is None:
            row = DatastoreLoad(resource_id=resource_id, job_id=job_id, created=utcnow())
            session.add(row)
        if job_id is not None and row.job_id != job_id:
            return None  # superseded by a newer submission
        if resource is None or resource.state != "active":
            row.status, row.error, row.last_updated = "error", "The resource no longer exists.", utcnow()
            return None
        row.status, row.last_updated, row.source = "running", utcnow(), resource.url
        return resource.url, resource.url_type


def _update(services: Services, resource_id: str, job_id: str | None, **values: Any) -> None:
    from catalog.clock import utcnow

    with services.db.unit_of_work(write=True) as session:
        row = session.get(DatastoreLoad, resource_id)
        if row is None or (job_id is not None and row.job_id != job_id):
            return
        for key, value in values.items():
            setattr(row, key, value)
        row.last_updated = utcnow()


def set_datastore_active(ctx: ActionContext, resource: Resource, active: bool) -> None:
    """Flip the resource's datastore_active (a load, datastore_create or _delete) and re-index its dataset,
    whose stored dict shows the flag.

    Under the dataset's lock, re-reading the resource: a resource_patch committed since the resource was
    loaded must neither be undone by the re-index (a stored dict built from the stale copy) nor undo the flag."""
    locked, _package = lock_package(ctx, resource.package_id)
    locked.session.refresh(resource)
    if resource.datastore_active != active:
        resource.datastore_active = active
        resource.metadata_modified = locked.now
        refresh_packages(locked, [resource.package_id])


def _finish(services: Services, resource_id: str, job_id: str | None, rows: int, info: dict[str, Any]) -> None:

    with unit(services, SYSTEM, write=True) as ctx:
        session, now = ctx.session, ctx.now
        meta = session.get(DatastoreTable, resource_id)
        if meta is None:
            session.add(DatastoreTable(resource_id=resource_id, info=info, primary_key=[], created=now, modified=now))
        else:
            meta.info, meta.primary_key, meta.modified = info, [], now
        resource = session.get(Resource, resource_id)
        if resource is not None:
            set_datastore_active(ctx, resource, True)
        row = session.get(DatastoreLoad, resource_id)
        if row is not None and (job_id is None or row.job_id == job_id):
            row.status, row.rows_loaded, row.rows_total, row.error, row.last_updated = "complete", rows, rows, None, now


def _not_a_table(services: Services, resource_id: str, job_id: str | None) -> None:
    """Status "text": the file is prose. A table loaded from an earlier file of the resource goes."""
    with unit(services, SYSTEM, write=True) as ctx:
        session, now = ctx.session, ctx.now
        row = session.get(DatastoreLoad, resource_id)
        if row is None or (job_id is not None and row.job_id != job_id):
            return
        row.status, row.rows_loaded, row.rows_total, row.error, row.last_updated = "text", 0, None, None, now
        meta = session.get(DatastoreTable, resource_id)
        if meta is not None:
            session.delete(meta)
        resource = session.get(Resource, resource_id)
        if resource is not None:
            set_datastore_active(ctx, resource, False)
        ctx.after_commit(lambda: services.datastore.backend.drop_table(resource_id))


class _Progress:
    """Writes rows_loaded at most once a second (each write is a catalog transaction)."""

    def __init__(self, services: Services, resource_id: str, job_id: str | None) -> None:
        self.services, self.resource_id, self.job_id = services, resource_id, job_id
        self.last = 0.0

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            _update(self.services, self.resource_id, self.job_id, rows_loaded=rows)


def _fetch(url: str, settings: Settings) -> Path:
    """Download a remote file to a temporary file under the site's outbound rules (catalog/outbound: public
    addresses only unless allowed, checked redirects, deadline, size cap)."""
    handle = tempfile.NamedTemporaryFile(prefix="moisson-datastore-", suffix=".csv", delete=False)
    path = Path(handle.name)
    try:
        with handle, Outbound.from_settings(settings).open(url, max_bytes=settings.max_resource_bytes) as response:
            if response.status != 200:
                raise LoadError(f"Fetching the resource's URL failed: HTTP {response.status}.")
            for block in response.iter_bytes():
                handle.write(block)
    except OutboundError as error:
        path.unlink(missing_ok=True)
        # No URL in the message: the same refusal must read the same whatever port the URL names.
        raise LoadError(f"Fetching the resource's URL failed: {error}.") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
