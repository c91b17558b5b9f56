"""Putting harvest jobs on the RQ queue (Redis). The task runs `harvest.queue.job_task`, named rather than
imported: harvest/queue.py is the worker's entry point, which builds its process's services, and the actions
that enqueue sit below it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rq import Queue

QUEUE_NAME = "moisson-harvest"
JOB_TIMEOUT = 24 * 3600
JOB_TASK = "harvest.queue.job_task"


def get_queue(redis_url: str, name: str = QUEUE_NAME) -> Queue:
    # Imported here: loading rq and redis takes about a second, which a web process without Redis never needs.
    from redis import Redis
    from rq import Queue

    return Queue(name, connection=Redis.from_url(redis_url))


def enqueue_job(redis_url: str, job_id: str, queue_name: str = QUEUE_NAME) -> None:
    get_queue(redis_url, queue_name).enqueue(
        JOB_TASK, job_id, queue_name, job_timeout=JOB_TIMEOUT, job_id=f"harvest-job-{job_id}"
    )
