"""Jobs started from the web ("Run now") when there is no queue (MOISSON_REDIS_URL unset): run in a thread of
the web process, one at a time per process, as DataStore loads are without a queue. The job row is the truth:
a process that dies mid-job leaves a `running` job with a stale heartbeat, which the next run resumes
(`moisson harvest run SOURCE`, or "Run now" again once it is stale)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TYPE_CHECKING

from harvest.runner import run_job

if TYPE_CHECKING:
    from catalog.services import Services  # a type only: services are built by the entry points

logger = logging.getLogger(__name__)


def run_in_background(services: Services, job_id: str) -> None:
    _pool().submit(_run, services, job_id)


def _run(services: Services, job_id: str) -> None:
    try:
        run_job(services, job_id)
    except Exception:  # run_job marked the job `failed` with the reason; the thread must not die silently
        logger.exception("Harvest job %s failed", job_id)


def wait_for_in_process_jobs() -> None:
    """Finish the jobs this process started in threads (tests, shutdown); later jobs get a new pool."""
    pool = _pool()
    _pool.cache_clear()
    pool.shutdown(wait=True)


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="harvest-job")
