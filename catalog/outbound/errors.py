"""Why an outbound fetch did not happen or did not finish. Messages name no port state: a refused address
reads the same whether something listens there or not, since the refusal comes before any connection."""

from __future__ import annotations


class OutboundError(Exception):
    """An outbound fetch failed; `retryable` says whether trying again later may help."""

    retryable = False


class AddressNotAllowed(OutboundError):
    def __init__(self) -> None:
        super().__init__(
            "address not allowed: the host resolves to a loopback, private, link-local, multicast or reserved "
            "address, which Moisson does not fetch; use a public URL (a site administrator can allow intranet "
            "hosts with MOISSON_OUTBOUND_ALLOW)"
        )


class SchemeNotAllowed(OutboundError):
    def __init__(self, scheme: str) -> None:
        super().__init__(f"Refusing a non-http(s) URL (scheme {scheme or 'none'!r}); only http and https are fetched")


class HostNotFound(OutboundError):
    retryable = True

    def __init__(self, host: str) -> None:
        super().__init__(f"The host name {host!r} could not be resolved; check the URL")


class TooManyRedirects(OutboundError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"More than {limit} redirects; link to the final address instead")


class ResponseTooLarge(OutboundError):
    def __init__(self, limit: int, declared: int | None = None) -> None:
        size = f"Response of {declared} bytes exceeds" if declared is not None else "Response exceeds"
        super().__init__(f"{size} the limit of {limit} bytes")


class DeadlineExceeded(OutboundError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The remote server took longer than the {seconds:g} s a fetch may last; try again later or "
            "serve the file from a faster host"
        )


class OutboundBusy(OutboundError):
    retryable = True

    def __init__(self) -> None:
        super().__init__("Too many outbound fetches are running in this process; try again later")


class RemoteFailed(OutboundError):
    """A permitted remote could not be reached or broke off (refused, reset, timed out, bad HTTP)."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out

    retryable = True
