"""The wall-clock deadline of a whole harvest job (issue 12 item 14).

Each request already has its own deadline (catalog/outbound), but a source that answers every request just in
time, page after page, or a job resumed again and again, could still keep a job `running` for hours. The job's
deadline counts from `job.started`, a database timestamp, so every worker of a queued job shares it and a resumed
job does not start a new one. It is checked before each request and between batches of records, and it bounds
each request: a request gets at most the time the job has left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from catalog.clock import utcnow
from catalog.outbound import Deadline

CONFIG_KEY = "job_timeout_seconds"


class JobDeadlineReached(Exception):
    """The job ran out of time. Not a FetchError on purpose: a backend must not answer it with a fallback
    request (CKAN's package_list after a failed package_search) or a retry; it ends the job's gather."""

    def __init__(self, seconds: float, doing: str) -> None:
        super().__init__(f"Job deadline of {seconds:g} s reached {doing}: the job stopped there, keeping what it "
                         "imported and withdrawing nothing (raise the source's job_timeout_seconds if it needs more)")


@dataclass(frozen=True)
class JobDeadline:
    seconds: float
    ends: datetime  # naive UTC, as job.started

    @classmethod
    def for_job(cls, settings: Any, config: dict[str, Any], started: datetime) -> JobDeadline:
        """The source's `job_timeout_seconds`, at most the site's harvest_max_job_seconds (also its default):
        validation refuses more, but a source saved before the maximum was lowered must not exceed it either."""
        ceiling = float(settings.harvest_max_job_seconds)
        seconds = min(float(config.get(CONFIG_KEY) or ceiling), ceiling)
        return cls(seconds, started + timedelta(seconds=seconds))

    def remaining(self) -> float:
        return max(0.0, (self.ends - utcnow()).total_seconds())

    @property
    def expired(self) -> bool:
        return utcnow() >= self.ends

    def check(self, doing: str) -> None:
        if self.expired:
            raise self.reached(doing)

    def reached(self, doing: str) -> JobDeadlineReached:
        return JobDeadlineReached(self.seconds, doing)

    def bound(self, deadline: Deadline) -> Deadline:
        """The request's deadline, or a shorter one when the job has less time left than the request."""
        left = self.remaining()
        return Deadline(left) if left < deadline.remaining() else deadline


def job_limit_errors(config: dict[str, Any], settings: Any) -> list[str]:
    """A `job_timeout_seconds` above the site maximum, as a validation message."""
    value = config.get(CONFIG_KEY)
    if isinstance(value, int | float) and value > settings.harvest_max_job_seconds:
        return [f"{CONFIG_KEY}: {value} is above this site's maximum of {settings.harvest_max_job_seconds} seconds "
                "(MOISSON_HARVEST_MAX_JOB_SECONDS); use at most that"]
    return []
