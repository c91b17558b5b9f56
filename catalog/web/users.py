"""User pages at CKAN's URLs: the list (/user/), a profile (/user/<name>: about, the datasets the visitor may see,
the activity the visitor may see), the account form (/user/edit/<name>) and the API tokens
(/user/<name>/api-tokens: created, listed, revoked; a new token is shown once, in the answer to its creation).
Every read and write is the API's action with the visitor as actor (user_show, user_patch, package_search,
user_activity_list, api_token_*), so the rules are the API's."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from catalog.errors import ValidationError
from catalog.services import current_services
from catalog.user.login_limits import LoginLimitsUnavailable
from catalog.user.models import User
from catalog.user.passwords import verify_password
from catalog.user.rules import LAST_SYSADMIN, NAME_TAKEN, OWN_SYSADMIN
from catalog.user.sessions import SESSION_KEY, session_payload
from catalog.web.admin import login_first, show_errors
from catalog.web.auth import client_address, login_limits
from catalog.web.blueprint import web
from catalog.web.calls import act, can, current_user, forget_current_user
from catalog.web.forms import TokenForm, UserEditForm
from catalog.web.messages import translate_error
from catalog.web.paging import Pager, int_arg, url_with

log = logging.getLogger(__name__)
PER_PAGE = 20
ACTIVITY_LIMIT = 20

# The user actions' CKAN messages the account form can meet, in the visitor's language (the rest: messages.py).
USER_MESSAGES = {
    NAME_TAKEN: _l("This username is already used by another account."),
    "That login name can not be modified.": _l("Only a sysadmin can change a username."),
    "Your password must be 8 characters or longer": _l("The password must be at least 8 characters long."),
    "Edit not allowed as it looks like spam. Please avoid links in your description.":
        _l("Links are not allowed in this description."),
    LAST_SYSADMIN: _l("This is the last sysadmin of the site: make another user sysadmin first."),
    OWN_SYSADMIN: _l("You cannot change your own sysadmin rights: another sysadmin can."),
}
EMAIL_TAKEN = re.compile(r"^The email address '(?P<value>.*)' belongs to a registered user\.$")


def user_message(message: str) -> str:
    """One of the user actions' messages as the visitor reads it."""
    known = USER_MESSAGES.get(message)
    if known is not None:
        return str(known)
    match = EMAIL_TAKEN.match(message)
    if match:
        return _("The email address %(value)s is already used by another account.", value=match["value"])
    return translate_error(message)


def translate_field_errors(form: Any) -> None:
    for form_field in form:
        form_field.errors = [user_message(str(message)) for message in form_field.errors or []]


def is_self(user: dict[str, Any]) -> bool:
    visitor = current_user()
    return visitor is not None and visitor["id"] == user["id"]


def shown_user(name: str) -> dict[str, Any]:
    """user_show for a page: a deleted account is a 404 page except for sysadmins (as CKAN's pages)."""
    user = act("user_show", id=name)
    visitor = current_user()
    if user["state"] != "active" and not (visitor and visitor["sysadmin"]):
        abort(404)
    return user


# The list ------------------------------------------------------------------------------------------------------


@web.route("/user/")
@web.route("/user")
def user_list() -> str:
    """Anyone may list the active users, as user_list allows (CKAN's ckan.auth.public_user_details)."""
    q = request.args.get("q", "").strip()
    names = act("user_list", q=q, all_fields=False) if q else act("user_list", all_fields=False)
    pager = Pager(int_arg("page", 1), PER_PAGE, len(names))
    return render_template("user_list.html", users=page_of_users(names, pager), q=q, pager=pager, url_with=url_with)


def page_of_users(names: list[str], pager: Pager) -> list[dict[str, Any]]:
    """The user dicts of one page only: user_list gives the names in order, user_show each shown user (a whole
    user_list with all_fields would count every account's datasets)."""
    return [act("user_show", id=name) for name in names[pager.offset:pager.offset + pager.per_page]]


# The profile ---------------------------------------------------------------------------------------------------


@web.route("/user/<name>")
def user_read(name: str) -> str:
    user = shown_user(name)
    visitor = current_user()
    own = is_self(user) or bool(visitor and visitor["sysadmin"])
    pager_page = int_arg("page", 1, highest=10_000)
    found = act("package_search", fq=f'creator_user_id:"{user["id"]}"', rows=PER_PAGE,
                start=(pager_page - 1) * PER_PAGE, sort="metadata_modified desc", include_private=True,
                include_drafts=own)
    pager = Pager(pager_page, PER_PAGE, found["count"])
    activity = act("user_activity_list", id=user["id"], limit=ACTIVITY_LIMIT)
    return render_template("user_read.html", user=user, datasets=found["results"], count=found["count"],
                           pager=pager, url_with=url_with, activity=activity, is_self=is_self(user),
                           may_edit=can("user_update", id=user["id"]),
                           may_see_tokens=can("api_token_list", user_id=user["id"]))


# The account form ----------------------------------------------------------------------------------------------


def current_password_problem(password: str) -> tuple[str, int] | None:
    """None when `password` is the logged-in visitor's own (a sysadmin editing someone else gives theirs, as in
    CKAN); else the message and status to show. Wrong guesses count against the account and the address in the
    login limits (catalog/web/auth.py), so a borrowed session cannot try passwords faster than the login form."""
    visitor = current_user()
    if visitor is None:
        return _("Wrong password: give your current password to change the email address or the password."), 400
    limits, address = login_limits(), client_address(current_services().settings.trusted_proxies)
    try:
        wait = limits.retry_after(visitor["name"], address)
        if wait:
            return _("Too many failed logins. Please wait %(minutes)s min and try again.",
                     minutes=math.ceil(wait / 60)), 429
    except LoginLimitsUnavailable:
        log.exception("login limits unavailable")
        return _("Logging in is unavailable for a moment. Please try again in a few minutes."), 503
    with current_services().db.unit_of_work(write=False) as db_session:
        account = db_session.get(User, visitor["id"])
        matches = account is not None and bool(password) and verify_password(password, account.password_hash)
    if matches:
        return None
    try:
        limits.failed(visitor["name"], address)
    except LoginLimitsUnavailable:
        log.exception("login limits unavailable")
    return _("Wrong password: give your current password to change the email address or the password."), 400


def _refresh_own_session(user_id: str) -> None:
    """A new password ends every session of the account (user_update); the browser that changed it stays in."""
    with current_services().db.unit_of_work(write=False) as db_session:
        account = db_session.get(User, user_id)
        if account is not None and account.state == "active":
            session[SESSION_KEY] = session_payload(account)
    forget_current_user()


def _edit_page(user: dict[str, Any], form: UserEditForm, status: int = 200, problems: list[str] | None = None) -> Any:
    translate_field_errors(form)
    visitor = current_user()
    page = render_template("user_edit.html", user=user, form=form, problems=problems or [],
                           may_rename=bool(visitor and visitor["sysadmin"]))
    return page if status == 200 else (page, status)


@web.route("/user/edit/<name>", methods=["GET", "POST"])
def user_edit(name: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    user = shown_user(name)
    if not can("user_update", id=user["id"]):
        abort(403)
    form = UserEditForm(data={"fullname": user.get("fullname"), "name": user["name"], "email": user.get("email"),
                              "about": user.get("about")})
    if not form.is_submitted():
        return _edit_page(user, form)
    if not form.validate():
        return _edit_page(user, form, 400)
    password = form.password.data or ""
    email = form.email.data.strip()
    if password and password != (form.password_confirm.data or ""):
        form.password_confirm.errors = [_("The two passwords do not match.")]
        return _edit_page(user, form, 400)
    if password or email.lower() != (user.get("email") or "").lower():
        problem = current_password_problem(form.old_password.data or "")
        if problem is not None:
            form.old_password.errors = [problem[0]]
            return _edit_page(user, form, problem[1])
    data: dict[str, Any] = {"id": user["id"], "fullname": (form.fullname.data or "").strip() or None,
                            "email": email, "about": form.about.data or None, "name": form.name.data.strip()}
    if password:
        data["password"] = password
    try:
        saved = act("user_patch", **data)
    except ValidationError as error:
        problems = [user_message(message) for message in show_errors(form, error)]
        return _edit_page(user, form, 400, problems)
    if password and is_self(user):
        _refresh_own_session(user["id"])
    flash(_("The profile is saved."), "success")
    return redirect(url_for("web.user_read", name=saved["name"]))


# API tokens ----------------------------------------------------------------------------------------------------


def _tokens_page(user: dict[str, Any], form: TokenForm, *, new_token: str = "", status: int = 200) -> Any:
    tokens = act("api_token_list", user_id=user["id"])
    page = render_template("user_api_tokens.html", user=user, form=form, tokens=tokens, new_token=new_token)
    response = Response(page, status=status, mimetype="text/html")
    # The page may carry a secret shown once: never kept by the browser's or a proxy's cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@web.route("/user/<name>/api-tokens", methods=["GET", "POST"])
def user_api_tokens(name: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    user = shown_user(name)
    form = TokenForm()
    if not form.is_submitted():
        return _tokens_page(user, form)
    if not form.validate():
        return _tokens_page(user, form, status=400)
    created = act("api_token_create", user=user["id"], name=form.name.data.strip())
    form.name.data = ""
    flash(_("Token created. Copy it now: it will not be shown again."), "success")
    return _tokens_page(user, form, new_token=created["token"])


@web.route("/user/<name>/api-tokens/<jti>/revoke", methods=["POST"])
def user_api_token_revoke(name: str, jti: str) -> Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    user = shown_user(name)
    act("api_token_revoke", jti=jti)
    flash(_("Token revoked: it no longer works."), "success")
    return redirect(url_for("web.user_api_tokens", name=user["name"]))
