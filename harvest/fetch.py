"""HTTP for harvesting: retries with backoff on 429/5xx, timeouts, a streamed size cap, a redirect limit,
http(s) only, and a visited-URL guard against paging loops (ckanext-dcat#260)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "Moisson-harvester/0.1 (+https://github.com/moisson)"
ALLOWED_SCHEMES = ("http", "https")


class FetchError(Exception):
    """A remote could not be read; the message says why and names the URL."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(f"{message}: {url}" if url else message)
        self.url = url


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # Wall-clock budget per response, so a remote trickling bytes cannot hold a worker forever.
    total_timeout: float = 300.0
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 30.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FetchLimits:
        """Per-source overrides (timeouts, size, retries) from the source config's `http` object."""
        http = config.get("http") or {}
        return cls(**{k: v for k, v in http.items() if k in cls.__dataclass_fields__})


def check_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(f"Refusing a non-http(s) URL (scheme {scheme or 'none'!r})", url)


class Fetcher:
    """One requests Session per job, with the source's headers and limits."""

    def __init__(self, limits: FetchLimits | None = None, headers: dict[str, str] | None = None) -> None:
        self.limits = limits or FetchLimits()
        retry = Retry(
            total=self.limits.retries,
            connect=self.limits.retries,
            read=self.limits.retries,
            status=self.limits.retries,
            redirect=self.limits.max_redirects,
            backoff_factor=self.limits.backoff_factor,
            backoff_max=self.limits.backoff_max,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self.session = requests.Session()
        self.session.max_redirects = self.limits.max_redirects
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers.update(headers or {})
        adapter = HTTPAdapter(max_retries=retry)
        # Only http(s) adapters exist on this session: a redirect to file:// or ftp:// fails.
        self.session.adapters.clear()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get(self, url: str, params: dict[str, Any] | None = None, accept: str | None = None) -> FetchedResponse:
        check_url(url)
        headers = {"Accept": accept} if accept else {}
        limits = self.limits
        try:
            response = self.session.get(
                url, params=params, headers=headers, stream=True,
                timeout=(limits.connect_timeout, limits.read_timeout),
            )
        except requests.TooManyRedirects as error:
            raise FetchError(f"More than {limits.max_redirects} redirects", url) from error
        except requests.exceptions.InvalidSchema as error:
            raise FetchError("Redirected to a non-http(s) URL", url) from error
        except requests.Timeout as error:
            raise FetchError(f"Timed out after retries ({error.__class__.__name__})", url) from error
        except requests.RequestException as error:
            if _timed_out(error):
                raise FetchError("Timed out after retries", url) from error
            raise FetchError(f"Request failed ({error.__class__.__name__}: {error})", url) from error
        with response:
            check_url(response.url)
            body = self._read_body(response, url)
            return FetchedResponse(
                url=response.url, status=response.status_code,
                content_type=response.headers.get("Content-Type", ""), body=body,
            )

    def _read_body(self, response: requests.Response, url: str) -> bytes:
        limits = self.limits
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limits.max_bytes:
            raise FetchError(f"Response of {declared} bytes exceeds the limit of {limits.max_bytes}", url)
        deadline = time.monotonic() + limits.total_timeout
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=512 * 1024):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise FetchError(f"Response exceeds the limit of {limits.max_bytes} bytes", url)
                if time.monotonic() > deadline:
                    raise FetchError(f"Response took longer than {limits.total_timeout} s", url)
                chunks.append(chunk)
        except requests.RequestException as error:
            raise FetchError(f"Response interrupted ({error.__class__.__name__})", url) from error
        return b"".join(chunks)


def _timed_out(error: Exception) -> bool:
    """requests reports exhausted read-timeout retries as a ConnectionError wrapping MaxRetryError."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    reason = error.args[0] if error.args else None
    if not isinstance(reason, MaxRetryError) or isinstance(reason.reason, NewConnectionError):
        return False  # a refused connection subclasses urllib3's timeout error
    return isinstance(reason.reason, Urllib3Timeout)


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
            raise FetchError(f"HTTP {self.status}", self.url)

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
            raise FetchError("Paging loop: page already visited", url)
        self._seen.add(key)
