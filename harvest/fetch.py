"""HTTP for harvesting, through the one outbound-fetch module (catalog/outbound: address policy, pinned
connections, checked redirects, deadline, size cap, concurrency): retries with backoff on 429/5xx and timeouts,
within one deadline per request, and a visited-URL guard against paging loops (ckanext-dcat#260)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urldefrag, urlencode, urlsplit

from catalog.outbound import Deadline, Outbound, OutboundError, RemoteFailed
from catalog.outbound.errors import (
    AddressNotAllowed,
    DeadlineExceeded,
    HostNotFound,
    OutboundBusy,
    ResponseTooLarge,
    SchemeNotAllowed,
    TooManyRedirects,
)
from harvest.job_deadline import JobDeadline, job_limit_errors

USER_AGENT = "Moisson-harvester/0.1 (+https://github.com/moisson)"
ALLOWED_SCHEMES = ("http", "https")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
# A source's own `http` settings that a site-wide maximum bounds (settings.harvest_max_*).
TIMEOUT_FIELDS = ("connect_timeout", "read_timeout", "total_timeout")


class FetchError(Exception):
    """A remote could not be read; the message says why and names the URL. `kind` says what went wrong in one
    word (harvest/failure.py turns it into a sentence for people): unreachable, timeout, http_status (with
    `status`), unreadable, interrupted, too_large, not_allowed, redirects, paging_loop, remote_error, busy."""

    def __init__(self, message: str, url: str = "", *, kind: str = "unreadable", status: int | None = None) -> None:
        super().__init__(f"{message}: {url}" if url else message)
        self.url = url
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # Wall-clock budget of one request, retries and redirects included; None: the site's outbound deadline.
    total_timeout: float | None = None
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 30.0

    @classmethod
    def from_config(cls, config: dict[str, Any], settings: Any = None) -> FetchLimits:
        """Per-source overrides (timeouts, size, retries) from the source config's `http` object, clamped to the
        site maximums: validation refuses larger values, but a source saved before a maximum was lowered
        must not exceed it either."""
        http = config.get("http") or {}
        limits = cls(**{k: v for k, v in http.items() if k in cls.__dataclass_fields__})
        return limits if settings is None else limits.clamped(settings)

    def clamped(self, settings: Any) -> FetchLimits:
        ceiling = float(settings.harvest_max_timeout_seconds)
        timeouts = {name: min(value, ceiling) for name in TIMEOUT_FIELDS
                    if (value := getattr(self, name)) is not None}
        return replace(self, max_bytes=min(self.max_bytes, int(settings.harvest_max_bytes)), **timeouts)


def source_limit_errors(config: dict[str, Any], settings: Any) -> list[str]:
    """The source config's `http` values above the site maximums, as validation messages."""
    http = config.get("http") or {}
    errors = []
    if isinstance(http.get("max_bytes"), int) and http["max_bytes"] > settings.harvest_max_bytes:
        errors.append(f"http.max_bytes: {http['max_bytes']} is above this site's maximum of "
                      f"{settings.harvest_max_bytes} bytes (MOISSON_HARVEST_MAX_BYTES); use at most that")
    for name in TIMEOUT_FIELDS:
        value = http.get(name)
        if isinstance(value, int | float) and value > settings.harvest_max_timeout_seconds:
            errors.append(f"http.{name}: {value} is above this site's maximum of "
                          f"{settings.harvest_max_timeout_seconds} seconds (MOISSON_HARVEST_MAX_TIMEOUT_SECONDS); "
                          "use at most that")
    return errors + job_limit_errors(config, settings)


def remote_failure_kind(error: RemoteFailed) -> str:
    if error.timed_out:
        return "timeout"
    return "interrupted" if str(error).startswith("Response interrupted") else "unreachable"


OUTBOUND_KINDS = {AddressNotAllowed: "not_allowed", SchemeNotAllowed: "not_allowed", HostNotFound: "unreachable",
                  TooManyRedirects: "redirects", ResponseTooLarge: "too_large", DeadlineExceeded: "timeout",
                  OutboundBusy: "busy"}


def outbound_failure_kind(error: OutboundError) -> str:
    if isinstance(error, RemoteFailed):
        return remote_failure_kind(error)
    return next((kind for cls, kind in OUTBOUND_KINDS.items() if isinstance(error, cls)), "unreachable")


def check_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(f"Refusing a non-http(s) URL (scheme {scheme or 'none'!r})", url, kind="not_allowed")


class Fetcher:
    """One fetcher per job, with the source's headers and limits; every request goes through `outbound`, and
    none outlives the job's deadline (JobDeadlineReached names the URL)."""

    def __init__(self, limits: FetchLimits | None = None, headers: dict[str, str] | None = None, *,
                 outbound: Outbound, job_deadline: JobDeadline | None = None) -> None:
        self.limits = limits or FetchLimits()
        self.outbound = outbound
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self.job_deadline = job_deadline

    def get(self, url: str, params: dict[str, Any] | None = None, accept: str | None = None) -> FetchedResponse:
        check_url(url)
        if params:
            url = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params, doseq=True)}"
        headers = {**self.headers, **({"Accept": accept} if accept else {})}
        deadline = (Deadline(self.limits.total_timeout) if self.limits.total_timeout is not None
                    else self.outbound.deadline())
        job = self.job_deadline
        if job is None:
            return self._attempts(url, headers, deadline)
        job.check(f"before fetching {url}")
        bounded = job.bound(deadline)
        try:
            return self._attempts(url, headers, bounded)
        except FetchError as error:
            # Cut short by the job's time, not the request's own: say so, so the job ends instead of retrying.
            out_of_time = bounded.expired or isinstance(error, _NoTimeToRetry)
            if job.expired or (bounded is not deadline and out_of_time):
                raise job.reached(f"while fetching {url}") from None
            raise

    def _attempts(self, url: str, headers: dict[str, str], deadline: Deadline) -> FetchedResponse:
        limits = self.limits
        for attempt in range(limits.retries + 1):
            last = attempt == limits.retries
            try:
                with self.outbound.open(
                    url, max_bytes=limits.max_bytes, headers=headers, deadline=deadline,
                    connect_timeout=limits.connect_timeout, read_timeout=limits.read_timeout,
                    max_redirects=limits.max_redirects,
                ) as response:
                    if response.status in RETRY_STATUSES and not last:
                        wait = self._wait(attempt, response.headers.get("Retry-After"), response.status)
                    else:
                        return FetchedResponse(url=response.url, status=response.status,
                                               content_type=response.headers.get("Content-Type", ""),
                                               body=response.read())
            except RemoteFailed as error:
                if last:
                    prefix = "Timed out after retries" if error.timed_out else "Request failed after retries"
                    raise FetchError(f"{prefix} ({error})", url, kind=remote_failure_kind(error)) from None
                wait = self._wait(attempt, None, 0)
            except OutboundError as error:
                raise FetchError(str(error), url, kind=outbound_failure_kind(error)) from None
            if wait >= deadline.remaining():
                raise _NoTimeToRetry(str(deadline.error()), url, kind="timeout")
            time.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait(self, attempt: int, retry_after: str | None, status: int) -> float:
        """urllib3's Retry timing: Retry-After when the server sends one, otherwise exponential backoff."""
        if retry_after and status in RETRY_AFTER_STATUSES and retry_after.strip().isdigit():
            return float(retry_after)
        if attempt == 0:
            return 0.0
        return min(self.limits.backoff_max, self.limits.backoff_factor * (2 ** attempt))


class _NoTimeToRetry(FetchError):
    """The pause before the next attempt (backoff, Retry-After) would outlast the deadline."""


@dataclass(frozen=True)
class FetchedResponse:
    url: str
    status: int
    content_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def raise_for_status(self) -> None:
        if not self.ok:
            raise FetchError(f"HTTP {self.status}", self.url, kind="http_status", status=self.status)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as error:
            raise FetchError(f"Invalid JSON ({error})", self.url) from error

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()


class VisitedGuard:
    """Refuses a page URL already visited in this gather: a `next` link pointing back ends the loop."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def visit(self, url: str) -> None:
        key = urldefrag(url)[0].rstrip("/")
        if key in self._seen:
            raise FetchError("Paging loop: page already visited", url, kind="paging_loop")
        self._seen.add(key)
