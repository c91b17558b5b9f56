"""Security headers on every response of the app: pages, API JSON, DCAT, downloads, static files, errors.

The pages carry no inline script and no event-handler attribute (their behaviour is in static/*.js), so the
policy allows script from our own origin only. The JSON-LD block of the dataset page is a data block, which
browsers never execute, so the policy does not apply to it. Styles are in moisson.css only (no `style=`
attribute), so `style-src` needs no 'unsafe-inline' either. Images may come from other sites
(organization logos are remote https URLs).
"""

from __future__ import annotations

from flask import Response

PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # Our paths (dataset names, search terms) go to our own pages only; other sites see just the origin.
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def add_security_headers(response: Response) -> Response:
    """After every request. A response that set its own policy (a stored file's, stricter) keeps it."""
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
