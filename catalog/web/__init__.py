"""The web portal: server-rendered pages in French and English over the same actions as the API.

`init_app(app)` (called by create_app) sets up Flask-Babel (language from ?lang=, then the session, then
Accept-Language), Flask-WTF's CSRF check on every form post of this blueprint (the API keeps token auth and
is not touched), the HTML error pages, the page modules and the security headers of every response
(catalog.web.headers).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, render_template, request, session
from flask_babel import Babel, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from catalog.errors import ActionError, NotAuthorized, NotFound
from catalog.web.blueprint import web
from catalog.web.calls import current_user
from catalog.web.headers import add_security_headers

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
TRANSLATIONS = Path(__file__).parent / "translations"
csrf = CSRFProtect()
log = logging.getLogger(__name__)


def select_locale() -> str:
    wanted = session.get("lang")
    if wanted in LANGUAGES:
        return wanted
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


@web.before_app_request
def remember_language() -> None:
    if request.args.get("lang") in LANGUAGES and not request.path.startswith("/api"):
        session["lang"] = request.args["lang"]


@web.before_request
def check_csrf() -> None:
    # Only this blueprint's forms: API clients authenticate with tokens and never carry a CSRF token.
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        csrf.protect()


def _not_ours() -> bool:
    """Errors of other blueprints (API, DCAT, downloads) keep their own rendering; unmatched URLs get ours."""
    return request.blueprint not in (None, "web") or request.path.startswith("/api")


def _error_page(status: int, message: str) -> tuple[str, int]:
    titles = {400: _("Bad request"), 403: _("Access denied"), 404: _("Page not found"),
              405: _("Method not allowed"), 413: _("File too large"), 500: _("Something went wrong")}
    return render_template("error.html", status=status, title=titles.get(status, _("Error")), message=message), status


def _http_error(error: HTTPException) -> Any:
    if _not_ours():
        return error
    status = error.code or 500
    return _error_page(status, error.description if status in (400, 413) else "")


def _csrf_error(error: CSRFError) -> Any:
    if _not_ours():
        return error
    return _error_page(400, _("The form has expired or was not sent from this site. Please try again."))


def _action_error(error: ActionError) -> Any:
    if _not_ours():
        raise error
    if isinstance(error, NotFound):
        return _error_page(404, "")
    if isinstance(error, NotAuthorized):
        return _error_page(403, _("You are not allowed to see this page.") if current_user() is None
                           else _("Your account is not allowed to do this."))
    return _error_page(error.status if error.status < 500 else 400, error.message)


def _unexpected_error(error: Exception) -> Any:
    if _not_ours() or isinstance(error, HTTPException):
        raise error
    log.exception("page %s failed", request.path)
    return _error_page(500, "")


def _template_globals() -> dict[str, Any]:
    def switch_url(lang: str) -> str:
        args = request.args.to_dict(flat=False)
        args["lang"] = [lang]
        return request.path + "?" + urlencode(args, doseq=True)

    locale = get_locale()
    return {
        "current_user": current_user(),
        "lang": str(locale.language) if locale else DEFAULT_LANGUAGE,
        "switch_url": switch_url,
    }


def _date(value: Any, fmt: str = "medium") -> str:
    if not value:
        return ""
    try:
        return format_datetime(datetime.fromisoformat(str(value)), fmt)
    except ValueError:
        return str(value)


def _number(value: Any) -> Any:
    """A number in the reader's locale (decimal comma in French), never grouped: years stay 2023."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return format_decimal(value, format="0.##########")


def _href(value: Any) -> str:
    """A user-supplied link, or "#" when its scheme could run script (javascript:, data:)."""
    text = str(value or "").strip()
    scheme = text.split(":", 1)[0].lower() if ":" in text.split("/", 1)[0] else ""
    return text if scheme in ("", "http", "https", "ftp", "mailto") else "#"


def init_app(app: Flask) -> None:
    from catalog.web import admin, auth, datasets, harvest, organizations, resources  # noqa: F401 - routes

    app.config.setdefault("SITE_TITLE", app.extensions["moisson"].settings.site_title)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead of a clock
    Babel(app, locale_selector=select_locale)
    csrf.init_app(app)
    app.register_blueprint(web)
    app.context_processor(_template_globals)
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["href"] = _href
    app.jinja_env.filters["number"] = _number
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(ActionError, _action_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.after_request(add_security_headers)  # every blueprint's responses, the API's too
