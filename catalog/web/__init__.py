"""The web portal: server-rendered pages in French and English over the same actions as the API.

`init_app(app)` (called by create_app) sets up Flask-Babel (language from ?lang=, then the session, then
Accept-Language), Flask-WTF's CSRF check on every form post of this blueprint (the API keeps token auth and
is not touched), the page modules and the security headers of every response (catalog.web.headers). Error
pages are catalog.web.error_page, chosen by catalog.responses (the one error renderer, registered by create_app).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale
from flask_wtf.csrf import CSRFProtect

from catalog.web import labels
from catalog.web.blueprint import web
from catalog.web.calls import can, current_user
from catalog.web.headers import add_security_headers
from catalog.web.markdown import init_app_filters as init_markdown_filters
from catalog.web.site import current_site_options

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
TRANSLATIONS = Path(__file__).parent / "translations"
csrf = CSRFProtect()


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


def _template_globals() -> dict[str, Any]:
    def switch_url(lang: str) -> str:
        args = request.args.to_dict(flat=False)
        args["lang"] = [lang]
        return request.path + "?" + urlencode(args, doseq=True)

    locale = get_locale()
    return {
        "current_user": current_user(),
        "can": can,  # for the Delete and Members links of pages whose views do not pass a flag for them
        "lang": str(locale.language) if locale else DEFAULT_LANGUAGE,
        "switch_url": switch_url,
        "site": current_site_options(),  # title, description, logo, default licence (catalog/web/site.py)
    }


def _date(value: Any, fmt: str = "medium") -> str:
    """A timestamp in the reader's language; a bare day ("2020-01-01", temporal coverage) without a time."""
    if not value:
        return ""
    text = str(value)
    try:
        if len(text) == 10:
            return format_date(date.fromisoformat(text), fmt)
        return format_datetime(datetime.fromisoformat(text), fmt)
    except ValueError:
        return text


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
    from catalog.web import (  # noqa: F401
        admin,
        auth,
        charts,
        datasets,
        delete,
        harvest,
        members,
        organizations,
        resource_admin,
        resources,
        review,
        search_histogram,
        sysadmin,
        trash,
        users,
    )

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
    app.jinja_env.filters.update(labels.FILTERS)  # filesize, licence_title, job_status, column_type...
    app.jinja_env.globals["extra_rows"] = labels.extra_rows
    init_markdown_filters(app.jinja_env)  # `markdown` and `excerpt` (catalog.web.markdown)
    app.after_request(add_security_headers)  # every blueprint's responses, the API's too
