"""/api/3/action/<name>: parse the request as CKAN does, call the dispatcher, wrap the envelope (errors: the
envelope catalog.responses renders)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy import update
from werkzeug.exceptions import RequestEntityTooLarge

from catalog.clock import utcnow
from catalog.context import ANONYMOUS, Actor
from catalog.errors import BadRequest, NotAuthorized, PayloadTooLarge, ServiceUnavailable
from catalog.nesting import TOO_DEEP, TooDeeplyNested, loads_bounded
from catalog.registry import call_action, get_action, retry_if_connection_dropped
from catalog.responses import help_url, json_response
from catalog.services import Services, current_services
from catalog.user.models import ApiToken
from catalog.user.sessions import SESSION_KEY, actor_for_user, user_for_session
from catalog.user.tokens import actor_for_token, needs_last_access_update

api = Blueprint("api", __name__)
# A JSONP callback is a (dotted) function name, nothing else: any other text would be script served from our
# origin, which the pages' `script-src 'self'` trusts (CKAN only HTML-escapes it).
JSONP_CALLBACK = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*", re.ASCII)





@api.route("/api", strict_slashes=False)
def api_root() -> Response:
    return json_response({"version": 1})


@api.route("/api/<int:version>", strict_slashes=False)
def api_version(version: int) -> Response:
    if version not in (1, 2, 3):
        return json_response("Bad request - API version not known", 404)
    return json_response({"version": version})


@api.route("/api/3/openapi.json")
def openapi() -> Response:
    from catalog.api.openapi import openapi_document

    return json_response(openapi_document(current_services().settings.site_url))


@api.route("/api/action/<name>", methods=["GET", "POST"])
@api.route("/api/3/action/<name>", methods=["GET", "POST"])  # registered first: the URL url_for builds
def action_endpoint(name: str) -> Response:
    """Errors (ActionError or not) are the envelope catalog.responses renders for this endpoint."""
    services = current_services()
    callback = request.args.get("callback") if request.method == "GET" else None
    if callback and not JSONP_CALLBACK.fullmatch(callback):
        raise BadRequest("callback must be a JavaScript function name (letters, digits, _, $ and dots)")
    spec = get_action(name)
    if request.method == "GET" and not spec.read_only:
        raise BadRequest("JSON Error: Invalid request. Please use POST method for your request")
    data = request_data(spec.read_only)
    data.pop("callback", None)
    # The caller's lookup is database work outside the dispatcher: it gets the same dropped-connection retry.
    actor = ANONYMOUS if callback else retry_if_connection_dropped(lambda: request_actor(services))
    result = call_action(services, name, data, actor=actor)
    return json_response({"help": help_url(name), "success": True, "result": result}, callback=callback)


def request_actor(services: Services) -> Actor:
    token = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key")
    if not token:
        return _session_actor(services)
    with services.db.unit_of_work(write=False) as session:
        actor, api_token = actor_for_token(session, token)
    if api_token is not None and needs_last_access_update(api_token):
        with services.db.unit_of_work(write=True) as session:
            session.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_access=utcnow()))
    return actor


def _session_actor(services: Services) -> Actor:
    """A browser session also authenticates the API (CKAN's cookie auth), set by the web login."""
    from flask import session as web_session

    payload = web_session.get(SESSION_KEY) if current_app.secret_key else None
    if not payload:
        return ANONYMOUS
    if request.method == "POST" and not _csrf_header_is_valid():
        # A cookie-authenticated write needs the CSRF token (CKAN: X-CSRFToken); without it, anonymous.
        return ANONYMOUS
    # The cookie names the user; who they are now (active? sysadmin? same stamp?) is the database's answer.
    with services.db.unit_of_work(write=False) as session:
        user = user_for_session(session, payload)
        if user is None:
            return ANONYMOUS
        return replace(actor_for_user(user), check_current_password=_check_current_password)


def _check_current_password(password: str) -> None:
    """The account form's check (catalog/web/users.py), for a cookie caller changing a password or e-mail address
    through the API: wrong guesses count in the same login limits. Its messages in English, as the API's."""
    from flask_babel import force_locale

    from catalog.web.users import current_password_problem

    with force_locale("en"):
        problem = current_password_problem(password)
    if problem is not None:
        message, status = problem
        raise ServiceUnavailable(message) if status == 503 else NotAuthorized(message)


def _csrf_header_is_valid() -> bool:
    from flask_wtf.csrf import CSRFError, validate_csrf
    from wtforms import ValidationError as FormValidationError

    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except (CSRFError, FormValidationError):
        return False
    return True


def request_data(read_only: bool) -> dict[str, Any]:
    """CKAN's _get_request_data precedence: form, then query string (read actions), then JSON body."""
    try:
        form = request.form
        files = request.files
        if request.method == "POST" and (form or files):
            if len(form) == 1 and not files:
                (key, value), = form.items(multi=False)
                if value in ("", "1"):
                    return _decode_json(key)
            data: dict[str, Any] = _flat(form)
            for key in files:
                data[key] = files[key]
            return data
        if read_only and request.args:
            return _flat(request.args)
        raw = request.get_data(cache=True)
        if request.content_length is None and len(raw) >= (request.max_content_length or len(raw) + 1):
            # A chunked body: Werkzeug stops reading at the limit and returns what it read, not a 413.
            raise RequestEntityTooLarge()
    except RequestEntityTooLarge as error:
        # The limit that tripped: the body's (max_body_bytes, or for a resource upload the file limit), or one of
        # the form's (storage.limits).
        from catalog.storage.limits import too_large_message

        raise PayloadTooLarge(too_large_message(error)) from error
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {error}") from error
    return _decode_json(text)


def _decode_json(text: str) -> dict[str, Any]:
    try:
        data = loads_bounded(text)
    except TooDeeplyNested as error:
        raise BadRequest(TOO_DEEP) from error
    except ValueError as error:
        raise BadRequest(
            f"JSON Error: Error decoding JSON data. Error: {error!r} JSON data extracted from the request: {text[:200]}"
        ) from error
    if not isinstance(data, dict):
        raise BadRequest(
            f"JSON Error: Request data JSON decoded to {data!r} but it needs to be a dictionary."[:500]
        )
    return data


def _flat(multidict: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in multidict:
        values = multidict.getlist(key)
        out[key] = values[0] if len(values) == 1 else values
    return out
