"""Login and logout with a username (or email) and password. Flask's signed session cookie holds the user id and
security stamp only (catalog/user/sessions.py); failed logins are limited per account and per address."""

from __future__ import annotations

import logging
import math
import unicodedata
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from catalog.services import current_services
from catalog.user.login_limits import LoginLimits, LoginLimitsUnavailable, build_login_limits
from catalog.user.models import User
from catalog.user.passwords import dummy_hash, verify_password
from catalog.user.sessions import SESSION_KEY, end_sessions, session_payload, user_for_session
from catalog.web.blueprint import web
from catalog.web.calls import forget_current_user
from catalog.web.forms import LoginForm, LogoutForm

log = logging.getLogger(__name__)
LIMITS_EXTENSION = "moisson_login_limits"


def safe_next(target: str | None) -> str:
    """A path on this site, or the home page: the login form must not bounce visitors to another site.

    Browsers drop tabs and line breaks inside URLs and read a backslash as a slash, so `/<TAB>/evil.example` or
    `/\\evil.example` would become `//evil.example` (another host) on their side: any whitespace or control
    character, any backslash, a leading `//` and anything with a scheme or host are refused."""
    home = url_for("web.home")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    if any(char.isspace() or unicodedata.category(char).startswith("C") for char in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


@web.record_once
def _session_cookie_flags(state: BlueprintSetupState) -> None:
    """The login cookie is never sent by another site's forms or read by scripts, and over https only when the
    site is served over https (a plain-http intranet portal must still be able to log in)."""
    config, settings = state.app.config, state.app.extensions["moisson"].settings
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SECURE"] = urlsplit(settings.site_url).scheme == "https"


def login_limits() -> LoginLimits:
    """One per application (tests put their own, with a clock, under the same key)."""
    limits = current_app.extensions.get(LIMITS_EXTENSION)
    if limits is None:
        limits = current_app.extensions.setdefault(LIMITS_EXTENSION, build_login_limits(current_services().settings))
    return limits


def client_address(trusted_proxies: int) -> str:
    """The visitor's address for the login limits. Each proxy appends the address it received the request from
    to X-Forwarded-For, so with N proxies of ours the client is the N-th entry from the right; entries further
    left are whatever the client itself sent, and are never believed."""
    if trusted_proxies > 0:
        chain = [part.strip() for value in request.headers.getlist("X-Forwarded-For") for part in value.split(",")]
        if len(chain) >= trusted_proxies and chain[-trusted_proxies]:
            return chain[-trusted_proxies]
    return request.remote_addr or "unknown"


def _check(login: str, password: str) -> tuple[str, dict[str, str]] | None:
    """The user's name and session payload when the password is theirs."""
    # Credentials are the one thing no action returns (user_show never exposes the hash).
    with current_services().db.unit_of_work(write=False) as db_session:
        user = db_session.scalars(select(User).where(
            User.state == "active",
            or_(User.name == login, func.lower(User.email) == login.lower()),
        ).order_by((User.name == login).desc())).first()
        stored = user.password_hash if user is not None else None
        # The same scrypt work whether or not the account exists, so answer times do not reveal who has one.
        matches = verify_password(password, stored or dummy_hash())
        if user is None or not stored or not matches:
            return None
        return user.name, session_payload(user)


def _keep_language_only() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    forget_current_user()


def _refuse(form: LoginForm, next_url: str, message: str, status: int) -> tuple[str, int]:
    form.password.errors = [message]
    return render_template("login.html", form=form, next_url=next_url), status


@web.route("/user/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        return render_template("login.html", form=form, next_url=next_url)
    name = form.username.data.strip()
    address = client_address(current_services().settings.trusted_proxies)
    limits = login_limits()
    try:
        wait = limits.retry_after(name, address)
        if wait:
            return _refuse(form, next_url, _("Too many failed logins. Please wait %(minutes)s min and try again.",
                                             minutes=math.ceil(wait / 60)), 429)
        checked = _check(name, form.password.data)
        if checked is None:
            limits.failed(name, address)
            return _refuse(form, next_url, _("Wrong username or password."), 200)
        limits.succeeded(name)
    except LoginLimitsUnavailable:
        log.exception("login limits unavailable")
        return _refuse(form, next_url, _("Logging in is unavailable for a moment. Please try again in a few "
                                         "minutes."), 503)
    _keep_language_only()  # a fresh session on login (no fixation of a pre-login cookie)
    user_name, session[SESSION_KEY] = checked
    flash(_("You are logged in as %(name)s.", name=user_name), "success")
    return redirect(next_url)


@web.route("/user/_logout", methods=["POST"])
def logout() -> Response:
    LogoutForm()  # the CSRF check ran in the blueprint's before_request
    _keep_language_only()
    flash(_("You are logged out."), "info")
    return redirect(url_for("web.home"))


@web.route("/user/_logout_everywhere", methods=["POST"])
def logout_everywhere() -> Response:
    """A new stamp for the user: every session (other browsers, a forgotten computer) ends with this one."""
    LogoutForm()
    with current_services().db.unit_of_work(write=True) as db_session:
        user = user_for_session(db_session, session.get(SESSION_KEY))
        if user is not None:
            end_sessions(user)
    _keep_language_only()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("web.home"))
