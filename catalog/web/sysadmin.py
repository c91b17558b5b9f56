"""Sysadmin pages at CKAN's URLs: /ckan-admin (the users, with search and paging: make or unmake sysadmin, delete)
and /ckan-admin/config (the site settings kept in the database: config_option_update). Each form posts to the
action the API runs (user_patch with `sysadmin`, user_delete, config_option_update), whose auth refuses everyone
but sysadmins; the pages refuse them first, so nobody else sees the forms."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from catalog.errors import ValidationError
from catalog.services import current_services
from catalog.site.options import OPTIONS, defaults, stored_options
from catalog.web import labels
from catalog.web.admin import error_messages, login_first, show_errors
from catalog.web.blueprint import web
from catalog.web.calls import act, current_user, forget_current_user
from catalog.web.forms import SiteConfigForm
from catalog.web.paging import Pager, int_arg, url_with
from catalog.web.site import forget_site_options
from catalog.web.users import page_of_users, user_message

PER_PAGE = 25
SYSADMIN_VALUES = {"1": True, "0": False}


def sysadmins_only() -> Response | None:
    """Anonymous visitors log in first; other users get the 403 page (the actions would refuse them too)."""
    if (redirect_to := login_first()) is not None:
        return redirect_to
    visitor = current_user()
    if not (visitor and visitor["sysadmin"]):
        abort(403)
    return None


# Users ---------------------------------------------------------------------------------------------------------


@web.route("/ckan-admin", methods=["GET"])
def sysadmin_users() -> Any:
    if (refused := sysadmins_only()) is not None:
        return refused
    q = request.args.get("q", "").strip()
    only_sysadmins = request.args.get("sysadmins") == "1"
    search = {"q": q} if q else {}
    if only_sysadmins:  # no action filters on the flag: every dict is read for this (rare) view
        users = [user for user in act("user_list", all_fields=True, order_by="name", **search) if user["sysadmin"]]
        pager = Pager(int_arg("page", 1), PER_PAGE, len(users))
        users = users[pager.offset:pager.offset + PER_PAGE]
    else:
        names = act("user_list", all_fields=False, order_by="name", **search)
        pager = Pager(int_arg("page", 1), PER_PAGE, len(names))
        users = page_of_users(names, pager)
    return render_template("admin/sysadmin_users.html", users=users, q=q,
                           only_sysadmins=only_sysadmins, pager=pager, url_with=url_with, form=FlaskForm())


@web.route("/ckan-admin/users/<name>/sysadmin", methods=["POST"])
def sysadmin_toggle(name: str) -> Response:
    """Make or unmake a sysadmin: user_patch with `sysadmin`, as CKAN 2.10+ does (sysadmins only)."""
    if (refused := sysadmins_only()) is not None:
        return refused
    wanted = SYSADMIN_VALUES.get(request.form.get("sysadmin", ""))
    if wanted is None:
        abort(400)
    user = act("user_show", id=name)
    back = request.form.get("next") or ""
    try:
        act("user_patch", id=user["id"], sysadmin=wanted)
    except ValidationError as error:
        for message in error_messages(error.errors):
            flash(user_message(message), "error")
        return redirect(_back(back))
    flash(_("%(user)s is now a sysadmin.", user=user["name"]) if wanted else
          _("%(user)s is no longer a sysadmin.", user=user["name"]), "success")
    if not wanted and user["id"] == current_user()["id"]:
        forget_current_user()  # the demotion ended this session (user_update): the visitor is logged out
        return redirect(url_for("web.home"))
    return redirect(_back(back))


def _back(target: str) -> str:
    """Back to the list page the form was on (a path of /ckan-admin only)."""
    return target if target.startswith("/ckan-admin") and not target.startswith("//") else url_for("web.sysadmin_users")


@web.route("/ckan-admin/users/<name>/delete", methods=["GET", "POST"])
def sysadmin_user_delete(name: str) -> Any:
    """A confirmation page, then user_delete."""
    if (refused := sysadmins_only()) is not None:
        return refused
    user = act("user_show", id=name)
    if user["state"] == "deleted":
        abort(404)
    form = FlaskForm()
    if not form.is_submitted():
        return render_template("admin/sysadmin_user_delete.html", user=user, form=form)
    try:
        act("user_delete", id=user["id"])
    except ValidationError as error:
        for message in error_messages(error.errors):
            flash(user_message(message), "error")
        return redirect(url_for("web.sysadmin_users"))
    flash(_("The account %(user)s is deleted.", user=user["name"]), "success")
    if user["id"] == current_user()["id"]:
        forget_current_user()
        return redirect(url_for("web.home"))
    return redirect(url_for("web.sysadmin_users"))


# Site settings -------------------------------------------------------------------------------------------------

FORM_FIELDS = {option.key: option.name for option in OPTIONS}  # wire key -> form field (site_title...)


def _licence_choices(current: str, default: str) -> list[tuple[str, str]]:
    """The licence register, after an empty choice that means the default (stored as no value)."""
    entries = [(lic["id"], labels.licence_title(lic["id"], lic["title"])) for lic in act("license_list")]
    titles = dict(entries)
    if current and current not in titles:
        entries.append((current, current))  # a licence the register no longer knows stays visible
    return [("", _("Default: %(licence)s", licence=titles.get(default, default))), *entries]


def _stored_and_defaults() -> tuple[dict[str, str], dict[str, str]]:
    """The values a sysadmin set (empty when none) and the defaults, by form field, in one read. The form shows
    only the stored ones, the defaults as placeholders: saving it must not turn a default (MOISSON_SITE_TITLE,
    which a deployment may change later) into a stored value."""
    services = current_services()
    with services.db.unit_of_work(write=False) as session:
        stored = stored_options(session)
    return {name: stored.get(key, "") for key, name in FORM_FIELDS.items()}, defaults(services.settings)


@web.route("/ckan-admin/config", methods=["GET", "POST"])
def sysadmin_config() -> Any:
    if (refused := sysadmins_only()) is not None:
        return refused
    stored, default = _stored_and_defaults()
    form = SiteConfigForm(data=stored)
    form.default_license_id.choices = _licence_choices(stored["default_license_id"], default["default_license_id"])
    for name in ("site_title", "site_description", "site_logo"):
        if default[name]:
            getattr(form, name).render_kw = {**(getattr(form, name).render_kw or {}), "placeholder": default[name]}
    if not form.is_submitted():
        return render_template("admin/sysadmin_config.html", form=form, problems=[])
    if form.validate():
        try:
            act("config_option_update", **{key: (getattr(form, name).data or "").strip()
                                           for key, name in FORM_FIELDS.items()})
        except ValidationError as error:
            problems = show_errors(form, error, aliases=FORM_FIELDS)
            for form_field in form:
                form_field.errors = [_config_message(str(message)) for message in form_field.errors or []]
            return render_template("admin/sysadmin_config.html", form=form, problems=problems), 400
        forget_site_options()
        flash(_("The site settings are saved."), "success")
        return redirect(url_for("web.sysadmin_config"))
    return render_template("admin/sysadmin_config.html", form=form, problems=[]), 400


def _config_message(message: str) -> str:
    if message == "Must be an http or https URL, or a path on this site starting with /":
        return _("An http or https address, or a path on this site starting with /.")
    if message.startswith("License '") and message.endswith("' not found"):
        return _("This licence is not in the licence list.")
    return message
