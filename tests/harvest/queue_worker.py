"""Queued harvest jobs run inside the test process: the real Redis queue and RQ's own worker class, on the test's
database, so queue-mode behaviour is checked on SQLite and PostgreSQL alike (test_queue.py runs separate worker
processes, a PostgreSQL deployment)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from harvest import queue as harvest_queue
from harvest.dictize import job_summary
from harvest.enqueue import enqueue_job, get_queue
from harvest.models import HarvestJob, HarvestSource
from harvest.runner import create_job

REDIS_URL = "redis://127.0.0.1:6379/0"


class BurstWorker(SimpleWorker):
    """RQ's in-process worker without its command channel: a burst run in a test gets no commands, and closing
    the channel's listener (which polls every 60 s) kept the worker a minute after its last task."""

    def subscribe(self) -> None:
        return None


def open_queue(services: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Queue]:
    """A fresh queue whose tasks run on `services` (a fixture's body: `yield from open_queue(...)`)."""
    try:
        Redis.from_url(REDIS_URL).ping()
    except Exception:  # noqa: BLE001 - any failure means no Redis here
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, redis_url=REDIS_URL))
    # The worker runs the tasks in this process, on this test's database (a worker process would build its own).
    monkeypatch.setattr(harvest_queue, "_services", services)
    queue = get_queue(REDIS_URL, f"test-harvest-{uuid.uuid4().hex[:8]}")
    yield queue
    queue.delete(delete_jobs=True)


def queue_run(services: Any, source_id: str, queue: Queue, *, force_all: bool = False) -> dict[str, Any]:
    """Create a job, enqueue it and work the queue until it is empty; the job's summary and its page count."""
    with services.db.unit_of_work(write=True) as session:
        job_id = create_job(session, session.get(HarvestSource, source_id), force_all=force_all).id
    enqueue_job(REDIS_URL, job_id, queue.name)
    BurstWorker([queue], connection=queue.connection).work(burst=True)
    with services.db.unit_of_work(write=False) as session:
        job = session.get(HarvestJob, job_id)
        return job_summary(job) | {"pages_total": job.pages_total}
