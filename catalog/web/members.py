"""An organization's members page (CKAN's /organization/members/<id>): the members with their capacity and, for
those organization_member_create allows (the organization's administrators, sysadmins), forms to add a member
by user name, change a capacity (admin, reviewer, editor, member) or remove a member. Each form posts to the
action the API runs."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog.errors import NotAuthorized, ValidationError
from catalog.web.admin import login_first, show_errors
from catalog.web.blueprint import web
from catalog.web.calls import act, can
from catalog.web.forms import CAPACITIES, MemberForm, MemberRoleForm


def _page(org: dict[str, Any], form: MemberForm, status: int = 200, *, may_manage: bool | None = None) -> Any:
    if may_manage is None:
        may_manage = can("organization_member_create", id=org["id"])
    page = render_template("members.html", org=org, form=form, may_manage=may_manage,
                           capacities=CAPACITIES, capacity_labels=dict(CAPACITIES))
    return page if status == 200 else (page, status)


def _organization(id: str) -> dict[str, Any]:
    return act("organization_show", id=id, include_datasets=False, include_users=True)


@web.route("/organization/members/<id>", methods=["GET", "POST"])
def organization_members(id: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    org = _organization(id)
    form = MemberForm()
    if not form.is_submitted():
        return _page(org, form)
    if not can("organization_member_create", id=org["id"]):
        abort(403)
    if not form.validate():
        return _page(org, form, 400, may_manage=True)
    try:
        act("organization_member_create", id=org["id"], username=form.username.data.strip(), role=form.role.data)
    except ValidationError as error:
        show_errors(form, error, aliases={"id": "username"})  # the action's messages beside the fields
        return _page(org, form, 400, may_manage=True)
    flash(_("%(user)s is now a member (%(capacity)s).", user=form.username.data.strip(),
            capacity=dict(CAPACITIES)[form.role.data]), "success")
    return redirect(url_for("web.organization_members", id=org["name"]))


@web.route("/organization/members/<id>/role", methods=["POST"])
def organization_member_role(id: str) -> Response:
    return _change(id, remove=False)


@web.route("/organization/members/<id>/remove", methods=["POST"])
def organization_member_remove(id: str) -> Response:
    return _change(id, remove=True)


def _change(id: str, *, remove: bool) -> Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    org = _organization(id)
    if not can("organization_member_create", id=org["id"]):
        abort(403)
    form = MemberRoleForm()
    if not form.validate() or (not remove and form.role.data not in dict(CAPACITIES)):
        abort(400)
    username = form.username.data
    try:
        if remove:
            act("organization_member_delete", id=org["id"], username=username)
        else:
            act("organization_member_create", id=org["id"], username=username, role=form.role.data)
    except NotAuthorized:
        # The permission was checked above: what is left is an administrator demoting themselves.
        flash(_("You cannot remove your own administrator capacity; another administrator can."), "error")
    except ValidationError:
        flash(_("There is no user with this name."), "error")
    else:
        flash(_("%(user)s removed.", user=username) if remove else _("Capacity of %(user)s changed.", user=username),
              "success")
    return redirect(url_for("web.organization_members", id=org["name"]))
