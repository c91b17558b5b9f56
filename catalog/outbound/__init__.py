"""The one way Moisson fetches a URL from elsewhere (DataStore URL loads, harvesters, any later link checker).

`Outbound.from_settings(settings).open(url, max_bytes=...)` resolves the host once, refuses addresses that are
not public unless `MOISSON_OUTBOUND_ALLOW` names them (`policy.py`), connects to the very address it checked
(the pinned connections of `client.py`, the one module that opens connections: no DNS-rebinding window), follows redirects itself and checks every hop, and bounds each fetch by
a wall-clock deadline, a size cap and a process-wide number of fetches at once (`client.py`). Refusals and
failures are `OutboundError`s (`errors.py`) whose messages never tell an open port from a closed one.
"""

from catalog.outbound.client import Outbound, OutboundResponse
from catalog.outbound.deadline import Deadline
from catalog.outbound.errors import (
    AddressNotAllowed,
    DeadlineExceeded,
    OutboundBusy,
    OutboundError,
    RemoteFailed,
    ResponseTooLarge,
    SchemeNotAllowed,
    TooManyRedirects,
)
from catalog.outbound.policy import AddressPolicy, Resolver, system_resolver

__all__ = [
    "AddressNotAllowed", "AddressPolicy", "Deadline", "DeadlineExceeded", "Outbound", "OutboundBusy",
    "OutboundError", "OutboundResponse", "RemoteFailed", "Resolver", "ResponseTooLarge", "SchemeNotAllowed",
    "TooManyRedirects", "system_resolver",
]
