"""Members pages of organizations and groups (CKAN's /organization/members/<id>, /group/members/<id>): the members
with their capacity, 50 a page, searched by name; for those <kind>_member_create allows (the administrators,
sysadmins), forms to add a member by user name or e-mail, change a capacity (organizations: admin, reviewer, editor,
member; groups: admin, member) or remove a member. Each form posts to the action the API runs.

Adding by e-mail: the e-mail is resolved to a user here, after the permission check, and only for sysadmins and
an organization's administrators (anyone may administer a group of their own when MOISSON_USER_CREATE_GROUPS is on),
so no one else learns whether an address has an account; the message then does not name the user (no action gives
that to others: user_list's `email` filter is for sysadmins)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from catalog.errors import NotAuthorized, ValidationError
from catalog.services import current_services
from catalog.user.models import User
from catalog.web.admin import login_first, show_errors
from catalog.web.blueprint import web
from catalog.web.calls import act, can, current_user
from catalog.web.forms import CAPACITIES, MemberForm, MemberRoleForm
from catalog.web.paging import Pager, int_arg, url_with

PER_PAGE = 50
KINDS = ("organization", "group")


def capacities(kind: str) -> list[tuple[str, Any]]:
    if kind == "organization":
        return list(CAPACITIES)
    return [(value, label) for value, label in CAPACITIES if value in ("admin", "member")]


def _group(kind: str, id: str) -> dict[str, Any]:
    return act(f"{kind}_show", id=id, include_datasets=False, include_users=True)


def _matches(user: dict[str, Any], q: str) -> bool:
    words = (user.get("name"), user.get("fullname"), user.get("display_name"))
    return any(q in (word or "").lower() for word in words)


def _page(kind: str, group: dict[str, Any], form: MemberForm, status: int = 200, *,
          may_manage: bool | None = None) -> Any:
    if may_manage is None:
        may_manage = can(f"{kind}_member_create", id=group["id"])
    q = request.args.get("q", "").strip()
    users = [user for user in group.get("users") or [] if not q or _matches(user, q.lower())]
    pager = Pager(int_arg("page", 1), PER_PAGE, len(users))  # a page past the last one is its own 404
    choices = capacities(kind)
    page = render_template("members.html", kind=kind, group=group, form=form, may_manage=may_manage,
                           users=users[pager.offset:pager.offset + PER_PAGE], q=q, pager=pager,
                           total=len(group.get("users") or []), url_with=url_with, capacities=choices,
                           capacity_labels=dict(CAPACITIES))
    return page if status == 200 else (page, status)


def find_member_user(text: str) -> str | None:
    """The name of the active user with this name, id or e-mail address (case-insensitive), or None."""
    if "\x00" in text:  # in no name nor address (and PostgreSQL refuses it in a query)
        return None
    with current_services().db.unit_of_work(write=False) as session:
        if "@" in text:  # user names cannot hold an @
            condition = func.lower(User.email) == text.lower()
        else:
            condition = or_(User.name == text.lower(), User.id == text)  # names are lower case
        return session.scalar(select(User.name).where(condition, User.state == "active").limit(1))


def may_add_by_email(kind: str) -> bool:
    """Whether the visitor, who manages this organization's or group's members, may name a user by e-mail: a
    sysadmin, or an organization's administrator (sysadmins make organizations unless MOISSON_USER_CREATE_ORGANIZATIONS
    is on)."""
    return kind == "organization" or bool((current_user() or {}).get("sysadmin"))


@web.route("/organization/members/<id>", methods=["GET", "POST"])
def organization_members(id: str) -> Any:
    return _members("organization", id)


@web.route("/group/members/<id>", methods=["GET", "POST"])
def group_members(id: str) -> Any:
    return _members("group", id)


def _members(kind: str, id: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    group = _group(kind, id)
    form = MemberForm()
    form.role.choices = capacities(kind)
    if not form.is_submitted():
        return _page(kind, group, form)
    if not can(f"{kind}_member_create", id=group["id"]):
        abort(403)  # before any lookup: the answer about an e-mail is for those who manage the members
    if not form.validate():
        return _page(kind, group, form, 400, may_manage=True)
    wanted = form.username.data.strip()
    by_email = "@" in wanted
    if by_email and not may_add_by_email(kind):
        form.username.errors = [_("Give the user's name: adding by e-mail is for sysadmins and organization "
                                  "administrators.")]
        return _page(kind, group, form, 400, may_manage=True)
    username = find_member_user(wanted)
    if username is None:
        form.username.errors = [_("There is no user with this name or e-mail.")]
        return _page(kind, group, form, 400, may_manage=True)
    try:
        act(f"{kind}_member_create", id=group["id"], username=username, role=form.role.data)
    except ValidationError as error:
        show_errors(form, error, aliases={"id": "username"})  # the action's messages beside the fields
        return _page(kind, group, form, 400, may_manage=True)
    capacity = dict(CAPACITIES)[form.role.data]
    flash(_("The user with this e-mail is now a member (%(capacity)s).", capacity=capacity) if by_email
          else _("%(user)s is now a member (%(capacity)s).", user=username, capacity=capacity), "success")
    return redirect(url_for(f"web.{kind}_members", id=group["name"]))


@web.route("/organization/members/<id>/role", methods=["POST"])
def organization_member_role(id: str) -> Response:
    return _change("organization", id, remove=False)


@web.route("/organization/members/<id>/remove", methods=["POST"])
def organization_member_remove(id: str) -> Response:
    return _change("organization", id, remove=True)


@web.route("/group/members/<id>/role", methods=["POST"])
def group_member_role(id: str) -> Response:
    return _change("group", id, remove=False)


@web.route("/group/members/<id>/remove", methods=["POST"])
def group_member_remove(id: str) -> Response:
    return _change("group", id, remove=True)


def _change(kind: str, id: str, *, remove: bool) -> Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    group = _group(kind, id)
    if not can(f"{kind}_member_create", id=group["id"]):
        abort(403)
    form = MemberRoleForm()
    if not form.validate() or (not remove and form.role.data not in dict(capacities(kind))):
        abort(400)
    username = form.username.data
    if username not in {user["name"] for user in group.get("users") or []}:
        flash(_("%(user)s is not a member.", user=username), "error")
        return redirect(url_for(f"web.{kind}_members", id=group["name"]))
    try:
        if remove:
            act(f"{kind}_member_delete", id=group["id"], username=username)
        else:
            act(f"{kind}_member_create", id=group["id"], username=username, role=form.role.data)
    except NotAuthorized:
        # The permission was checked above: what is left is an administrator demoting themselves.
        flash(_("You cannot remove your own administrator capacity; another administrator can."), "error")
    except ValidationError:
        flash(_("There is no user with this name or e-mail."), "error")
    else:
        flash(_("%(user)s removed.", user=username) if remove else _("Capacity of %(user)s changed.", user=username),
              "success")
    # Back to the same search (the row's form carries it), and the same page unless a removal may have emptied it.
    back = {key: request.form[key] for key in ("q",) + (() if remove else ("page",)) if request.form.get(key)}
    return redirect(url_for(f"web.{kind}_members", id=group["name"], **back))
