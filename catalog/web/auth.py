"""Login and logout with a username (or email) and password, kept in Flask's signed session cookie."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from catalog.user.models import User
from catalog.user.passwords import verify_password
from catalog.web.blueprint import web
from catalog.web.calls import services
from catalog.web.forms import LoginForm, LogoutForm


def safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot bounce visitors to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.home")


def _check(login: str, password: str) -> dict[str, object] | None:
    # Credentials are the one thing no action returns (user_show never exposes the hash).
    with services().db.unit_of_work(write=False) as db_session:
        user = db_session.scalars(select(User).where(
            User.state == "active",
            or_(User.name == login, func.lower(User.email) == login.lower()),
        ).order_by((User.name == login).desc())).first()
        if user is None or not verify_password(password, user.password_hash):
            return None
        return {"id": user.id, "name": user.name, "sysadmin": bool(user.sysadmin)}


@web.route("/user/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = _check(form.username.data.strip(), form.password.data)
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session on login (no fixation of a pre-login cookie)
            session["user"] = user
            if lang:
                session["lang"] = lang
            flash(_("You are logged in as %(name)s.", name=user["name"]), "success")
            return redirect(next_url)
        form.password.errors = [_("Wrong username or password.")]
    return render_template("login.html", form=form, next_url=next_url)


@web.route("/user/_logout", methods=["POST"])
def logout() -> Response:
    LogoutForm()  # the CSRF check ran in the blueprint's before_request
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "info")
    return redirect(url_for("web.home"))
