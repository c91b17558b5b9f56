"""The one error renderer: every ActionError, framework error and unexpected exception becomes the answer of the
surface that asked, registered with Flask once (`init_app`).

| surface | which requests | ActionError | unexpected exception |
|---|---|---|---|
| action | `/api/[3/]action/<name>` | CKAN envelope (`help`, `success`, `error`), or BadRequest's bare string | logged, 500 envelope |
| rdf | DCAT endpoints, and `/dataset/<id>` negotiated to RDF (catalog.dcat.views.answers_in_rdf) | `text/plain` message | logged, 500 text |
| page | pages, file downloads, demo files, unmatched URLs | HTML page in the visitor's language | logged, 500 page |
| framework | the rest of `/api` (versions, openapi.json, unknown URLs) | Flask's own answer, as today | Flask's own 500 |

No traceback or exception text ever reaches a body: the log has it, under a request id for the action envelope.
The envelope's shape and statuses are CKAN's (reference/ckan-api.md §1); the JSON success envelope is built here
too (`json_response`, `help_url`) so the two cannot drift apart.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Literal

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from catalog.dcat.views import answers_in_rdf
from catalog.errors import ActionError, NotAuthorized, NotFound, ValidationError
from catalog.services import current_services
from catalog.validation import NUL_MESSAGE
from catalog.web.error_page import error_page, expired_form_message, not_allowed_message, validation_message

Surface = Literal["action", "rdf", "page", "framework"]
ACTION: Surface = "action"
RDF: Surface = "rdf"
PAGE: Surface = "page"
FRAMEWORK: Surface = "framework"
ACTION_ENDPOINT = "api.action_endpoint"
INTERNAL = {"__type": "Internal Server Error", "message": "Internal Server Error"}
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """The three handlers, app-wide: Flask picks the most specific one for each exception."""
    app.register_error_handler(ActionError, _action_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def surface() -> Surface:
    if request.endpoint == ACTION_ENDPOINT:
        return ACTION
    if request.path.startswith("/api"):
        return FRAMEWORK
    if answers_in_rdf():
        return RDF
    return PAGE


def json_response(body: Any, status: int = 200, *, callback: str | None = None) -> Response:
    """JSON as CKAN sends it (ASCII, `;charset=utf-8`); JSONP wraps successes only, as CKAN's does."""
    text = json.dumps(body, ensure_ascii=True, default=str)
    if callback and status == 200:
        return Response(f"{callback}({text});", status, content_type="application/javascript;charset=utf-8")
    return Response(text, status, content_type="application/json;charset=utf-8")


def help_url(name: str) -> str:
    site_url: str = current_services().settings.site_url
    return f"{site_url.rstrip('/')}/api/3/action/help_show?name={name}"


def rdf_text(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _action_name() -> str:
    return str((request.view_args or {}).get("name", ""))


def _envelope(error: ActionError) -> Response:
    body = error.error_body()
    if isinstance(body, str):  # BadRequest: CKAN answers a bare JSON string, without help or success
        return json_response(body, error.status)
    return json_response({"help": help_url(_action_name()), "success": False, "error": body}, error.status)


def _action_error(error: ActionError) -> ResponseReturnValue:
    where = surface()
    if where == ACTION:
        return _envelope(error)
    if where == RDF:
        return rdf_text(error.status, error.message or error.ckan_type)
    if where == FRAMEWORK:
        raise error
    if isinstance(error, NotFound):
        return error_page(404)
    if isinstance(error, NotAuthorized):
        return error_page(403, not_allowed_message())
    if isinstance(error, ValidationError):
        if request.method == "GET" and _only_nul(error.errors):
            return error_page(404)  # an address holding a NUL names nothing (CKAN: not found)
        return error_page(error.status, validation_message(error.errors))
    # A page shows a refused input as a 4xx with its message; 503s (lost connection) too, worded for a retry.
    return error_page(error.status if error.status < 500 else 400, error.message)


def _only_nul(errors: dict[str, Any]) -> bool:
    return bool(errors) and all(value == [NUL_MESSAGE] for key, value in errors.items() if key != "__type")


def _http_error(error: HTTPException) -> ResponseReturnValue:
    where = surface()
    if where == ACTION:
        # The action endpoint has always answered every non-ActionError with the 500 envelope (a client that
        # hung up mid-body included); the one framework error it maps (413) is mapped in api.views.request_data.
        return _unexpected_error(error)
    if where != PAGE:
        return error
    if isinstance(error, CSRFError):
        return error_page(400, expired_form_message())
    status = error.code or 500
    # Only 400 and 413 descriptions are written for people (ours, through abort); the others are Werkzeug's.
    return error_page(status, error.description if status in (400, 413) and error.description else "")


def _unexpected_error(error: Exception) -> ResponseReturnValue:
    where = surface()
    if where == FRAMEWORK:
        raise error
    request_id = uuid.uuid4().hex
    if where == ACTION:
        log.exception("action %s failed (request %s)", _action_name(), request_id, exc_info=error)
        return json_response({"help": help_url(_action_name()), "success": False, "error": INTERNAL}, 500)
    log.exception("%s failed (request %s)", request.path, request_id, exc_info=error)
    if where == RDF:
        return rdf_text(500, "Internal Server Error")
    return error_page(500)
