"""review_submit, review_approve, review_reject, review_withdraw, review_list, review_show (issue 16).

Every step locks the dataset's row first (dataset/locking.py) and then reads the round, so two reviewers deciding
the same round at once are serialised and the second finds it already decided (409): exactly one wins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select

from catalog.activity.record import record_review_activity
from catalog.authz import REVIEW_ROLES, org_capacities
from catalog.clock import iso
from catalog.context import ActionContext
from catalog.dataset.actions.write import write_package
from catalog.dataset.dictize import package_dictize
from catalog.dataset.held import (
    Approval,
    activity_review,
    close_round,
    decides,
    latest_revision,
    new_round,
    open_revision,
    org_requires_review,
    pending_version,
    step,
)
from catalog.dataset.locking import lock_package
from catalog.dataset.models import Package
from catalog.dataset.publish import PackageChange, after_package_write
from catalog.dataset.queries import get_package
from catalog.errors import NotFound, ValidationError
from catalog.organization.models import Group
from catalog.organization.queries import find_group
from catalog.registry import action
from catalog.review import auth, notify
from catalog.review.dictize import diff, round_title, summary
from catalog.review.models import OPEN_STATUSES, ReviewRevision
from catalog.user.models import User
from catalog.user.rules import find_user

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


def _conflict(message: str) -> ValidationError:
    return ValidationError({"review": [message]})


def _user_name(ctx: ActionContext, user_id: str | None) -> str | None:
    if user_id is None:
        return None
    return ctx.session.scalar(select(User.name).where(User.id == user_id))


def _display_name(ctx: ActionContext) -> str:
    """How people are named in e-mails: their full name, else their user name."""
    if ctx.actor.user_id is None:
        return ctx.actor.name
    return ctx.session.scalar(select(User.fullname).where(User.id == ctx.actor.user_id)) or ctx.actor.name


def _summary(ctx: ActionContext, revision: ReviewRevision, package: Package) -> dict[str, Any]:
    org = ctx.session.get(Group, package.owner_org) if package.owner_org else None
    return summary(revision, package, org, _user_name(ctx, revision.author_user_id))


def _locked_round(ctx: ActionContext, id_or_name: Any) -> tuple[ActionContext, Package, ReviewRevision | None]:
    ctx, package = lock_package(ctx, id_or_name)
    return ctx, package, open_revision(ctx, package.id)


@action(auth=auth.review_submit)
def review_submit(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Submit a dataset for review: a new dataset's draft, or changes of a published dataset held for review.

    :param id: the id or name of the dataset
    :param comment: a note for the reviewers (optional)
    :rtype: dictionary (the review's summary)
    """
    ctx, package, revision = _locked_round(ctx, data["id"])
    if revision is None:
        if package.state != "draft" or not org_requires_review(ctx, package.owner_org):
            raise _conflict("Nothing to submit: this dataset has no draft or changes awaiting review. Edit it "
                            "first; in an organization that requires review, an editor's changes are kept for "
                            "review.")
        revision = new_round(ctx, package, "new")
    if revision.status == "pending":
        raise _conflict("This review is already submitted and waiting for a reviewer.")
    comment = (data.get("comment") or "").strip()
    step(ctx, revision, "pending", "submitted", comment)
    revision.submitted = ctx.now
    record_review_activity(ctx, "review submitted", package, activity_review(revision, comment))
    notify.mail_reviewers(ctx, org_id=revision.owner_org or package.owner_org or "", package_name=package.name,
                          package_title=round_title(package, revision), author_name=_display_name(ctx),
                          comment=comment)
    return _summary(ctx, revision, package)


def _pending_round(ctx: ActionContext, data: dict[str, Any], verb: str) -> tuple[ActionContext, Package,
                                                                                ReviewRevision]:
    ctx, package, revision = _locked_round(ctx, data["id"])
    if revision is None:
        raise _conflict(f"There is no review to {verb} for this dataset.")
    if revision.status != "pending":
        raise _conflict(f"Only a submitted review can be {verb}d; this one is {revision.status}.")
    return ctx, package, revision


@action(auth=auth.review_approve)
def review_approve(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Approve a submitted review: publish the new dataset, or apply the held changes in one transaction.

    :param id: the id or name of the dataset
    :param comment: a note for the author (optional)
    :param modified: the round's ``modified`` as read in review_show: refused (409) if it was edited since
    :rtype: dictionary: ``{"review": summary, "package": the published dataset}``
    """
    ctx, package, revision = _pending_round(ctx, data, "approve")
    if data.get("modified") and data["modified"] != iso(revision.modified):
        raise _conflict("The changes were edited after you read them: read the review again before approving.")
    comment = (data.get("comment") or "").strip()
    author = _user_name(ctx, revision.author_user_id)
    review = {"revision_id": revision.id, "author": author, "author_id": revision.author_user_id,
              "reviewer": ctx.actor.name, "reviewer_id": ctx.actor.user_id, "comment": comment}
    if revision.kind == "new":
        package.state = "active"
        package.metadata_modified = ctx.now
        ctx.session.flush()
        published = package_dictize(ctx.session, package, ctx.settings)
        after_package_write(ctx, [PackageChange(published, "new package", activity_data={"review": review})])
    else:
        pending = pending_version(ctx, package, revision)
        pending = {k: v for k, v in pending.items() if k not in ("id", "type", "review")}
        published = write_package(ctx, pending, package,
                                  Approval(revision.id, files=dict(revision.files or {}), review=review))
    step(ctx, revision, "approved", "approved", comment, decided=True)
    record_review_activity(ctx, "review approved", package, {**activity_review(revision, comment), **review})
    notify.mail_author(ctx, author_user_id=revision.author_user_id, package_name=package.name,
                       package_title=round_title(package, revision), decision="approved",
                       reviewer_name=_display_name(ctx), comment=comment)
    return {"review": _summary(ctx, revision, package), "package": published}


@action(auth=auth.review_reject)
def review_reject(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Send a submitted review back to its author, with a comment saying what to change.

    :param id: the id or name of the dataset
    :param comment: what the author should change (required)
    :rtype: dictionary (the review's summary)
    """
    comment = data["comment"].strip()  # required and not blank (schemas/review_reject.json)
    ctx, package, revision = _pending_round(ctx, data, "reject")
    step(ctx, revision, "changes_requested", "changes_requested", comment, decided=True)
    record_review_activity(ctx, "changes requested", package, activity_review(revision, comment))
    notify.mail_author(ctx, author_user_id=revision.author_user_id, package_name=package.name,
                       package_title=round_title(package, revision), decision="changes_requested",
                       reviewer_name=_display_name(ctx), comment=comment)
    return _summary(ctx, revision, package)


@action(auth=auth.review_withdraw)
def review_withdraw(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Take a submission back out of the review queue (status draft), or with ``discard`` drop held changes of a
    published dataset altogether (the published version stays as it is).

    :param id: the id or name of the dataset
    :param discard: drop the held changes (changes of a published dataset only)
    :rtype: dictionary (the review's summary)
    """
    ctx, package, revision = _locked_round(ctx, data["id"])
    if revision is None:
        raise _conflict("There is no review to withdraw for this dataset.")
    if data.get("discard"):
        if revision.kind != "edit":
            raise _conflict("A new dataset's draft cannot be discarded: delete the dataset (package_delete).")
        close_round(ctx, revision, "discarded")
    else:
        if revision.status != "pending":
            raise _conflict(f"Only a submitted review can be withdrawn; this one is {revision.status}.")
        step(ctx, revision, "draft", "withdrawn")
    record_review_activity(ctx, "review withdrawn", package, activity_review(revision, ""))
    return _summary(ctx, revision, package)


def _reviewed_orgs(ctx: ActionContext) -> list[str] | None:
    """The organizations whose rounds the caller reviews; None: all (sysadmins)."""
    if ctx.actor.is_sysadmin:
        return None
    return [org for org, capacity in org_capacities(ctx.session, ctx.actor.user_id).items()
            if capacity in REVIEW_ROLES]


def _visible_rounds(ctx: ActionContext, orgs: list[str] | None) -> Select[Any]:
    query = select(ReviewRevision, Package).join(Package, Package.id == ReviewRevision.package_id)
    if orgs is None:
        return query
    return query.where(or_(Package.owner_org.in_(orgs), ReviewRevision.owner_org.in_(orgs),
                           ReviewRevision.author_user_id == ctx.actor.user_id))


@action(auth=auth.review_list, read_only=True)
def review_list(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """The review queue: the rounds of the organizations the caller reviews, and the caller's own.

    :param organization: only this organization's (id or name)
    :param status: draft, pending (default), changes_requested, approved, withdrawn; ``open`` (the first three)
        or ``all``
    :param author: only this author's (user id or name)
    :param kind: ``new`` (datasets not yet published) or ``edit`` (changes of published ones)
    :param limit: at most this many results (default 20, at most 1000)
    :param offset: skip this many
    :rtype: dictionary: ``{"count", "results": [summary...], "counts": {organization name: number pending}}``
    """
    orgs = _reviewed_orgs(ctx)
    query = _visible_rounds(ctx, orgs)
    status = data.get("status") or "pending"
    if status == "open":
        query = query.where(ReviewRevision.status.in_(OPEN_STATUSES))
    elif status != "all":
        query = query.where(ReviewRevision.status == status)
    if data.get("organization"):
        org = find_group(ctx.session, data["organization"])
        org_id = org.id if org else ""  # an unknown organization matches nothing (not the rounds without one)
        query = query.where(or_(Package.owner_org == org_id, ReviewRevision.owner_org == org_id))
    if data.get("author"):
        user = find_user(ctx.session, data["author"])
        query = query.where(ReviewRevision.author_user_id == (user.id if user else ""))
    if data.get("kind"):
        query = query.where(ReviewRevision.kind == data["kind"])
    count = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    limit = min(data.get("limit") if data.get("limit") is not None else DEFAULT_LIMIT, MAX_LIMIT)
    rows = ctx.session.execute(query.order_by(ReviewRevision.modified.desc(), ReviewRevision.id)
                               .limit(limit).offset(data.get("offset") or 0)).all()
    # Counted by the organization the round is reviewed for (the dataset's, or the one held changes move it to).
    pending_by_org = (select(Group.name, func.count())
                      .join(ReviewRevision, ReviewRevision.owner_org == Group.id)
                      .where(ReviewRevision.status == "pending").group_by(Group.name))
    if orgs is not None:
        pending_by_org = pending_by_org.where(Group.id.in_(orgs))
    return {
        "count": count,
        "results": [_summary(ctx, revision, package) for revision, package in rows],
        "counts": {name: number for name, number in ctx.session.execute(pending_by_org)},
    }


@action(auth=auth.review_show, read_only=True)
def review_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """A dataset's review: the published version, the pending one, what differs, the status and the history.

    :param id: the id or name of the dataset
    :rtype: dictionary: ``{"published", "pending", "diff", "status", "kind", "revision_id", "author",
        "history", "files"}`` (``published`` is null for a dataset never published; ``files``: the resources
        whose file was uploaded in this round, readable by reviewers until approval)
    """
    package = get_package(ctx.session, data["id"])
    if package is None:
        raise NotFound("Dataset was not found")
    revision = latest_revision(ctx, package.id)
    if revision is None:
        raise NotFound("This dataset has no review")
    current = package_dictize(ctx.session, package, ctx.settings)
    if revision.kind == "edit" and revision.is_open:
        published, pending = current, pending_version(ctx, package, revision, current)
    elif revision.kind == "new" and revision.is_open:
        published, pending = None, current
    else:  # decided: what it published is what is online now
        published, pending = current, current
    return {
        "published": published,
        "pending": pending,
        "diff": diff(published, pending),
        "status": revision.status,
        "kind": revision.kind,
        "revision_id": revision.id,
        "author": _user_name(ctx, revision.author_user_id),
        "author_id": revision.author_user_id,
        "submitted": iso(revision.submitted) if revision.submitted else None,
        "history": revision.history or [],
        "files": {rid: True for rid in (revision.files or {})} if revision.is_open else {},
        "modified": iso(revision.modified),
        "can_review": decides(ctx, package, revision) if revision.is_open else False,
    }
