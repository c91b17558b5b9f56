"""Editorial review pages (issue 16): the reviewer's queue ("À relire"), a dataset's review page (the diff
between the published and the pending version, a preview of changed CSV files, the decision forms), the
submit/approve/reject/withdraw posts, and the download of a pending file.

Every read and decision is the review actions' (review_list, review_show, review_submit...), called as the
visitor, so who may see or decide is the API's rule. The one exception is the pending count in the menu
(`review_nav`), a single query per page for signed-in users, because running review_list on every page
would cost far more than the menu is worth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from werkzeug.wrappers import Response

from catalog.authz import REVIEW_ROLES
from catalog.context import ActionContext
from catalog.dataset.queries import get_package
from catalog.errors import ActionError, NotFound
from catalog.organization.models import Group, Member
from catalog.registry import unit
from catalog.review.files import pending_files
from catalog.review.models import OPEN_STATUSES, ReviewRevision
from catalog.services import current_services
from catalog.web import labels
from catalog.web.admin import error_messages, login_first
from catalog.web.blueprint import web
from catalog.web.calls import act, can, current_actor, current_user
from catalog.web.csv_head import CsvHead, looks_like_csv, read_head
from catalog.web.forms import ReviewForm
from catalog.web.messages import translate_error
from catalog.web.paging import Pager, int_arg, url_with

STATUS_LABELS = {
    "draft": _l("Draft"),
    "pending": _l("Awaiting review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Published"),
    "withdrawn": _l("Withdrawn"),
}
# The dashboard's status filter: review_list takes one status or "open" (draft, pending, changes requested).
DASHBOARD_STATUSES = {"pending": _l("Awaiting review"), "changes_requested": _l("Changes requested"),
                      "draft": _l("Draft"), "open": _l("All open reviews"), "approved": _l("Published"),
                      "withdrawn": _l("Withdrawn")}
HISTORY_LABELS = {
    "created": _l("changes started"), "edited": _l("changes edited"), "submitted": _l("submitted for review"),
    "changes_requested": _l("changes requested"), "approved": _l("approved and published"),
    "withdrawn": _l("withdrawn from review"), "discarded": _l("changes discarded"),
}
CHANGE_LABELS = {"added": _l("Added"), "removed": _l("Removed"), "changed": _l("Changed"),
                 "reordered": _l("Order changed")}
# The diff names fields as the form does; any other key (custom fields, extras) is shown as it is stored.
FIELD_LABELS = {
    **labels.EXTRA_LABELS, **labels.HARVEST_LABELS,  # every extra Moisson knows, named as on the dataset page
    "title": _l("Title"), "name": _l("Name (address)"), "notes": _l("Description"), "url": _l("Source"),
    "version": _l("Version"), "author": _l("Author"), "maintainer": _l("Maintainer"),
    "maintainer_email": _l("Maintainer email"), "license_id": _l("Licence"), "private": _l("Private"),
    "owner_org": _l("Organization"), "frequency": _l("Update frequency"),
    "temporal_start": _l("Temporal coverage: start"), "temporal_end": _l("Temporal coverage: end"),
    "spatial_text": _l("Geographic coverage"),
}
RESOURCE_FIELD_LABELS = {"name": _l("Name"), "description": _l("Description"), "format": _l("Format")}
PER_PAGE = 25
MAX_PREVIEWS = 5  # CSV previews on one review page; the others are a download link away


@web.app_context_processor
def review_globals() -> dict[str, Any]:
    return {"review_nav": review_nav, "review_status_label": lambda status: str(STATUS_LABELS.get(status, status))}


def review_nav() -> dict[str, int] | None:
    """{"pending": n} for the menu of a signed-in reviewer, None for everyone else (no link).

    One query: a sysadmin counts every pending round; anyone else counts those of the organizations where they
    are a reviewer or an administrator, and the same row says whether there is any such organization that
    requires review (an administrator of organizations without review gets no link)."""
    if "review_nav" in g:
        return g.review_nav
    user = current_user()
    answer: dict[str, int] | None = None
    if user is not None:
        pending = ReviewRevision.status == "pending"
        with current_services().db.unit_of_work(write=False) as session:
            if user["sysadmin"]:
                answer = {"pending": session.scalar(select(func.count(ReviewRevision.id)).where(pending)) or 0}
            else:
                requires, count = session.execute(
                    select(func.max(case((Group.review_required, 1), else_=0)), func.count(ReviewRevision.id))
                    .select_from(Member)
                    .join(Group, and_(Group.id == Member.group_id, Group.is_organization, Group.state == "active"))
                    .outerjoin(ReviewRevision, and_(ReviewRevision.owner_org == Member.group_id, pending))
                    .where(Member.table_name == "user", Member.table_id == user["id"], Member.state == "active",
                           Member.capacity.in_(REVIEW_ROLES))
                ).one()
                if requires or count:
                    answer = {"pending": count}
    g.review_nav = answer
    return answer


# The queue ---------------------------------------------------------------------------------------------------


@web.route("/review")
def review_dashboard() -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    status = request.args.get("status") or "pending"
    if status not in DASHBOARD_STATUSES:
        status = "pending"
    organization = request.args.get("organization", "").strip()
    page = int_arg("page", 1, highest=10_000)
    data: dict[str, Any] = {"status": status, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE}
    if organization:
        data["organization"] = organization
    found = act("review_list", **data)
    counts = found.get("counts") or {}
    # The organizations the visitor reviews (an author who reviews nothing filters by status only).
    reviewed = act("organization_list_for_user", permission="review_dataset")
    choices = [(org["name"], org.get("title") or org["name"]) for org in reviewed]
    if organization and organization not in {name for name, _title in choices}:
        choices.append((organization, organization))
    return render_template("review_list.html", results=found["results"], count=found["count"], counts=counts,
                           status=status, statuses=DASHBOARD_STATUSES, organization=organization,
                           organizations=choices, pager=Pager(page, PER_PAGE, found["count"]), url_with=url_with)


# One dataset's review ----------------------------------------------------------------------------------------


@web.route("/dataset/<id>/review")
def review_read(id: str) -> str:
    return _review_page(id, ReviewForm())


def _review_page(id: str, form: ReviewForm, status: int = 200) -> Any:
    shown = act("review_show", id=id)
    pending = shown["pending"]
    package_id = pending["id"]
    state = shown["status"]
    user = current_user()
    is_author = user is not None and shown.get("author_id") == user["id"]
    page = render_template(
        "review_read.html", shown=shown, pkg=pending, published=shown.get("published"), diff=shown["diff"],
        status=state, form=form, previews=_previews(shown),
        resources_by_id={r["id"]: r for r in (pending.get("resources") or [])},
        may_decide=state == "pending" and bool(shown.get("can_review")),
        may_withdraw=state in OPEN_STATUSES and can("review_withdraw", id=package_id),
        may_submit=state in ("draft", "changes_requested") and can("review_submit", id=package_id),
        is_author=is_author, history_labels=HISTORY_LABELS, change_labels=CHANGE_LABELS,
        field_labels=FIELD_LABELS, resource_field_labels=RESOURCE_FIELD_LABELS)
    return page if status == 200 else (page, status)


def _pending_files(shown: dict[str, Any]) -> list[dict[str, Any]]:
    """The pending version's resources whose file is new in this round (diff: added, or file_changed)."""
    changed = {r["id"] for r in shown["diff"].get("resources") or []
               if r["change"] != "removed" and (r.get("file_changed") or r["change"] == "added")}
    files = shown.get("files") or {}
    return [r for r in shown["pending"].get("resources") or []
            if r["id"] in changed and (r["id"] in files or r.get("url_type") == "upload")]


def _previews(shown: dict[str, Any]) -> list[dict[str, Any]]:
    resources = [r for r in _pending_files(shown) if looks_like_csv(r)][:MAX_PREVIEWS]
    if not resources:
        return []
    out = []
    with unit(current_services(), current_actor(), write=False) as ctx:
        paths = _files_under_review(ctx, shown, [r["id"] for r in resources])
        for resource in resources:
            path = paths.get(resource["id"])
            head: CsvHead | None = read_head(path) if path is not None else None
            out.append({"resource": resource, "head": head, "found": path is not None})
    return out


def _files_under_review(ctx: ActionContext, shown: dict[str, Any], resource_ids: list[str]) -> dict[str, Path]:
    """The files a reviewer is asked to approve, by resource id, found with one round lookup. Changes of a
    published dataset keep theirs apart (pending_files, which also refuses callers review_show refuses); a new
    dataset's draft stores its uploads as any dataset does, readable by those who may see the draft, which the
    author and reviewers may."""
    package = get_package(ctx.session, shown["pending"]["id"])
    if package is None:
        return {}
    paths = pending_files(ctx, package)
    if shown["kind"] == "new" and shown["status"] in OPEN_STATUSES:
        storage = ctx.services.storage.files
        for resource_id in resource_ids:
            if resource_id not in paths and (path := storage.path(resource_id)) is not None:
                paths[resource_id] = path
    return {rid: path for rid, path in paths.items() if rid in resource_ids}


@web.route("/dataset/<id>/review/resource/<resource_id>/download")
def review_download(id: str, resource_id: str) -> Response:
    """A file of the pending version, for those review_show allows. Always an octet-stream attachment: the file
    has not been reviewed, so the browser must never render it (storage/views.py does the same for any type
    outside its inert list)."""
    shown = act("review_show", id=id)  # the auth: 403 for other editors, members, anonymous visitors
    resource = next((r for r in shown["pending"].get("resources") or [] if r["id"] == resource_id), None)
    if resource is None:
        raise NotFound("Resource was not found.")
    with unit(current_services(), current_actor(), write=False) as ctx:
        path = _files_under_review(ctx, shown, [resource_id]).get(resource_id)
    if path is None:
        raise NotFound("Resource was not found.")
    name = (resource.get("url") or "").rstrip("/").rsplit("/", 1)[-1] or resource.get("name") or "download"
    return send_file(path, download_name=name, as_attachment=True, mimetype="application/octet-stream",
                         conditional=True)


# Decisions ---------------------------------------------------------------------------------------------------


def _post(id: str, action_name: str, *, done: str, comment_required: bool = False,
          after: str = "web.review_read") -> str | Response | tuple[str, int]:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    form = ReviewForm()
    if not form.validate():
        return _review_page(id, form, 400)
    comment = (form.comment.data or "").strip()
    if comment_required and not comment:
        form.comment.errors = [_("Say what should be changed: a comment is required to request changes.")]
        return _review_page(id, form, 400)
    data: dict[str, Any] = {"id": id}
    if comment:
        data["comment"] = comment
    if action_name == "review_withdraw" and form.discard.data:
        data["discard"] = True
    if action_name == "review_approve" and form.modified.data:
        data["modified"] = form.modified.data
    try:
        answer = act(action_name, **data)
    except ActionError as error:
        if error.status != 409:  # 403/404 are error pages; 409 is "not now" (already pending, nothing to submit)
            raise
        flash(_("This could not be done: %(reason)s", reason=_conflict_text(error)), "error")
        return redirect(url_for("web.review_read", id=id) if _has_review(id) else url_for("web.dataset_read", id=id))
    flash(done, "success")
    package = answer.get("package") or {}
    target = package.get("name") or (answer.get("review") or answer).get("package_name") or id
    return redirect(url_for(after, id=target))


def _has_review(id: str) -> bool:
    """Whether the visitor can still open the review page (a discarded round may leave nothing to show)."""
    try:
        act("review_show", id=id)
    except ActionError:
        return False
    return True


def _conflict_text(error: ActionError) -> str:
    errors = getattr(error, "errors", None)
    if isinstance(errors, dict):
        return " ".join(translate_error(message) for message in error_messages(errors))
    return translate_error(error.message)


@web.route("/dataset/<id>/review/submit", methods=["POST"])
def review_submit(id: str) -> Any:
    return _post(id, "review_submit", after="web.dataset_read",
                 done=_("Submitted for review. The reviewers of the organization will see it in their queue."))


@web.route("/dataset/<id>/review/approve", methods=["POST"])
def review_approve(id: str) -> Any:
    return _post(id, "review_approve", done=_("Approved: the dataset is published."), after="web.dataset_read")


@web.route("/dataset/<id>/review/reject", methods=["POST"])
def review_reject(id: str) -> Any:
    return _post(id, "review_reject", comment_required=True,
                 done=_("Changes requested: the author will see your comment."))


@web.route("/dataset/<id>/review/withdraw", methods=["POST"])
def review_withdraw(id: str) -> Any:
    return _post(id, "review_withdraw", done=_("Withdrawn from review."), after="web.dataset_read")
