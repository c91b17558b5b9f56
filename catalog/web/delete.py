"""Deleting from the web at CKAN's addresses: /dataset/delete/<id>, /dataset/<id>/resource/<rid>/delete,
/organization/delete/<id> and /group/delete/<id>.

GET shows what will be deleted with a Cancel link; the POST (CSRF) calls package_delete, resource_delete,
organization_delete or group_delete as the visitor. Sysadmins also get a "purge" box there (dataset_purge,
organization_purge, group_purge: CKAN has no purge page besides its trash); something already deleted can only
be purged, and only sysadmins see its page. Who may do what is the actions' auth (can() offers the page, act()
decides), so the refusals are the API's: anonymous visitors are sent to the login page, the others get 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from catalog.errors import NotFound, ValidationError
from catalog.review.models import OPEN_STATUSES
from catalog.web.admin import editable, error_messages, login_first, require
from catalog.web.blueprint import web
from catalog.web.calls import act, can, current_user
from catalog.web.forms import DeleteForm
from catalog.web.messages import translate_error

# What purges each kind (a resource is deleted for good at once); the trash's purge buttons use it too.
PURGE_ACTIONS = {"dataset": "dataset_purge", "organization": "organization_purge", "group": "group_purge"}


@dataclass
class Target:
    """What a confirmation page deletes: the action to call on `id`, and the pages around it."""

    kind: str  # dataset, resource, organization, group
    id: str
    title: str
    question: str
    consequences: list[str]
    cancel_url: str
    done_url: str
    deleted: bool = False  # already deleted: only purging is left
    dataset: dict[str, Any] = field(default_factory=dict)  # a resource's dataset

    @property
    def delete_action(self) -> str:
        return {"dataset": "package_delete"}.get(self.kind, f"{self.kind}_delete")

    @property
    def purge_action(self) -> str | None:
        return PURGE_ACTIONS.get(self.kind)


@web.route("/dataset/delete/<id>", methods=["GET", "POST"])
def dataset_delete(id: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    pkg = act("package_show", id=id)
    title = pkg.get("title") or pkg["name"]
    count = len(pkg.get("resources") or [])
    consequences = [
        ngettext("Its %(num)d resource is deleted with it.", "Its %(num)d resources are deleted with it.", count)
        if count else _("It has no resources."),
        _("The dataset leaves the search results and the API; its page is no longer shown to the public."),
    ]
    if (pkg.get("review") or {}).get("status") in OPEN_STATUSES:  # package_delete closes the open round
        consequences.append(_("Its review is closed: changes waiting for review are dropped."))
    return _confirm(Target(
        kind="dataset", id=pkg["id"], title=title, deleted=pkg.get("state") == "deleted",
        question=_("Delete the dataset “%(title)s”?", title=title), consequences=consequences,
        cancel_url=url_for("web.dataset_read", id=pkg["name"]), done_url=url_for("web.dataset_search")))


@web.route("/dataset/<id>/resource/<resource_id>/delete", methods=["GET", "POST"])
def resource_delete(id: str, resource_id: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    published = act("package_show", id=id)
    if published.get("state") == "deleted" and not (current_user() or {}).get("sysadmin"):
        abort(404)  # a dataset in the trash: only sysadmins see it (and purge it whole from the trash)
    pkg = editable(id)  # its author's pending version when their changes are held: a resource they added is there
    res = next((r for r in pkg.get("resources") or [] if r["id"] == resource_id), None)
    if res is None:
        raise NotFound("Resource was not found.")
    # The links use the dataset's id: a name changed in held changes is not the published page's. A resource added
    # in held changes has no page yet: Cancel goes back to the changes under review.
    if any(r["id"] == res["id"] for r in published.get("resources") or []):
        cancel_url = url_for("web.resource_read", id=pkg["id"], resource_id=res["id"])
    else:
        cancel_url = url_for("web.review_read", id=pkg["id"])
    title = res.get("name") or _("Unnamed resource")
    consequences = [_("The resource is removed from the dataset “%(dataset)s”, with its preview.",
                      dataset=pkg.get("title") or pkg["name"]),
                    _("This cannot be undone.")]
    if res.get("url_type") == "upload":
        consequences.insert(1, _("Its uploaded file is no longer downloadable."))
    return _confirm(Target(
        kind="resource", id=res["id"], title=title, dataset=pkg,
        question=_("Delete the resource “%(title)s”?", title=title), consequences=consequences,
        cancel_url=cancel_url, done_url=url_for("web.dataset_read", id=pkg["id"])))


@web.route("/organization/delete/<id>", methods=["GET", "POST"])
def organization_delete(id: str) -> Any:
    return _group_delete("organization", id)


@web.route("/group/delete/<id>", methods=["GET", "POST"])
def group_delete(id: str) -> Any:
    return _group_delete("group", id)


def _group_delete(kind: str, id: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    group = act(f"{kind}_show", id=id, include_datasets=False)
    title = group.get("title") or group["name"]
    count = group.get("package_count") or 0
    if kind == "organization":
        question = _("Delete the organization “%(title)s”?", title=title)
        consequences = [_("Its members lose their capacity in it."),
                        ngettext("It still has %(num)d dataset: an organization is deleted once it has none.",
                                 "It still has %(num)d datasets: an organization is deleted once it has none.",
                                 count) if count else _("It has no datasets.")]
    else:
        question = _("Delete the group “%(title)s”?", title=title)
        consequences = [_("Its members lose their capacity in it."),
                        ngettext("Its %(num)d dataset leaves it (the dataset itself is kept).",
                                 "Its %(num)d datasets leave it (the datasets themselves are kept).",
                                 count) if count else _("It has no datasets.")]
    return _confirm(Target(
        kind=kind, id=group["id"], title=title, deleted=group.get("state") == "deleted",
        question=question, consequences=consequences,
        cancel_url=url_for(f"web.{kind}_read", id=group["name"]), done_url=url_for(f"web.{kind}_list")))


def _confirm(target: Target) -> Any:
    require(target.delete_action, id=target.id)
    may_purge = target.purge_action is not None and can(target.purge_action, id=target.id)
    if target.deleted and not may_purge:
        abort(404)  # only sysadmins see what is deleted (the read actions show it to some editors too)
    form = DeleteForm()
    if not form.is_submitted():
        return _page(target, form, may_purge)
    purge = target.deleted or bool(form.purge.data)
    if purge and not may_purge:
        abort(403)
    try:
        act(target.purge_action if purge and target.purge_action else target.delete_action, id=target.id)
    except ValidationError as error:  # e.g. an organization that still has datasets
        problems = [_conflict(message) for message in error_messages(error.errors)]
        return _page(target, form, may_purge, problems), 409
    if target.kind == "resource" and _held_for_review(target.dataset["id"]):
        flash(_("Saved for review: the published version stays online until a reviewer approves the changes."),
              "success")
        return redirect(url_for("web.review_read", id=target.dataset["id"]))
    flash(_done(target.kind, purge, target.title), "success")
    return redirect(target.done_url)


def _page(target: Target, form: DeleteForm, may_purge: bool, problems: list[str] | None = None) -> str:
    return render_template("confirm_delete.html", target=target, form=form, may_purge=may_purge,
                           problems=problems or [])


def _held_for_review(package_id: str) -> bool:
    """Whether the deletion went into an edit round instead of the dataset: a direct write is refused while an edit
    round is open (catalog/dataset/held.py), so an open one after a successful write is the one that held it."""
    review = act("package_show", id=package_id).get("review") or {}
    return review.get("kind") == "edit" and review.get("status") in OPEN_STATUSES


def _conflict(message: str) -> str:
    if message.startswith("Organization cannot be") and message.endswith("while it still has datasets"):
        return _("This organization still has datasets: delete them or move them to another organization first.")
    return translate_error(message)


def _done(kind: str, purged: bool, title: str) -> str:
    if kind == "dataset":
        return (_("The dataset “%(title)s” was purged.", title=title) if purged
                else _("The dataset “%(title)s” was deleted.", title=title))
    if kind == "resource":
        return _("The resource “%(title)s” was deleted.", title=title)
    if kind == "organization":
        return (_("The organization “%(title)s” was purged.", title=title) if purged
                else _("The organization “%(title)s” was deleted.", title=title))
    return (_("The group “%(title)s” was purged.", title=title) if purged
            else _("The group “%(title)s” was deleted.", title=title))
