"""Writes held for review (issue 16): the dataset write path's side of the editorial review.

In an organization with `review_required`, the writes of someone who does not review its datasets (an editor, an
editor collaborator; a harvest source with `review: true`) do not publish:
- a new dataset is created as a draft, with a `new` review round (catalog/review/models.py);
- a change of a published dataset goes into the dataset's open `edit` round instead of its rows. The change is
  applied to the rows inside a savepoint (the same rules, save and dictize as a direct write, so the pending
  version is exactly what approval will publish), dictized, and rolled back: the published rows, the stored dict,
  the search index, DCAT, the DataStore and downloads never see it. Files uploaded meanwhile are stored under
  their own key (storage.pending_file_key) until approval promotes them.

Only the round's author extends it: another editor gets a 409 while it is open, since extending it would show
them changes the issue keeps between author and reviewers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select

from catalog.activity.record import record_review_activity
from catalog.authz import can_edit_package, can_review
from catalog.clock import iso
from catalog.context import ActionContext
from catalog.dataset.dictize import package_dictize, without_write_times
from catalog.dataset.models import Package
from catalog.dataset.rebase import rebase
from catalog.errors import ValidationError
from catalog.ids import new_id
from catalog.organization.models import Group
from catalog.review.models import OPEN_STATUSES, ReviewRevision, pending_file_key

HELD_MESSAGES = {
    "new": "The dataset is a draft: submit it for review (review_submit) to have it published.",
    "edit": "The change is held for review: the published version stays online until a reviewer approves it.",
}


@dataclass(frozen=True)
class Approval:
    """A review round being published by write_package: its files to promote and its activity's review data."""

    revision_id: str
    files: dict[str, str] = field(default_factory=dict)
    review: dict[str, Any] = field(default_factory=dict)


def org_requires_review(ctx: ActionContext, org_id: str | None) -> bool:
    if not org_id:
        return False
    return bool(ctx.session.scalar(select(Group.review_required).where(Group.id == org_id)))


def holds(ctx: ActionContext, *org_ids: str | None) -> bool:
    """Whether this caller's writes to datasets of these organizations are held for review: a harvest source that
    asks for it, or an organization that requires review and a caller who does not review its datasets."""
    if ctx.hold_for_review:
        return True
    return any(org_requires_review(ctx, org) and not can_review(ctx.session, ctx.actor, org)
               for org in dict.fromkeys(org for org in org_ids if org))  # one query per distinct organization


def open_revision(ctx: ActionContext, package_id: str) -> ReviewRevision | None:
    return ctx.session.scalar(select(ReviewRevision).where(
        ReviewRevision.package_id == package_id, ReviewRevision.status.in_(OPEN_STATUSES)))


def latest_revision(ctx: ActionContext, package_id: str) -> ReviewRevision | None:
    """The open round, else the last closed one: rounds open one at a time, so the last created is either."""
    return ctx.session.scalar(
        select(ReviewRevision).where(ReviewRevision.package_id == package_id)
        .order_by(ReviewRevision.created.desc(), ReviewRevision.id.desc()).limit(1))


def reviews(ctx: ActionContext, package: Package, revision: ReviewRevision | None) -> bool:
    """Whether the caller reviews this dataset's round: a reviewer of its organization, or of the organization the
    held changes move it to (what enters an organization is its reviewers' to decide)."""
    if can_review(ctx.session, ctx.actor, package.owner_org):
        return True
    return revision is not None and revision.owner_org != package.owner_org \
        and can_review(ctx.session, ctx.actor, revision.owner_org)


def sees_round(ctx: ActionContext, package: Package, revision: ReviewRevision | None) -> bool:
    """review_show's rule (also the pending files' and package_show's `review` key): its reviewers, and its author
    while they may still edit the dataset (not after leaving the organization)."""
    return reviews(ctx, package, revision) or is_editing_author(ctx, package, revision)


def is_editing_author(ctx: ActionContext, package: Package, revision: ReviewRevision | None) -> bool:
    return revision is not None and revision.author_user_id is not None and is_author(ctx, revision) \
        and can_edit_package(ctx, package)


def decides(ctx: ActionContext, package: Package, revision: ReviewRevision | None) -> bool:
    """Whether the caller may approve or reject the round: never its own author (but sysadmins); a reviewer of the
    dataset's organization when it requires review, else (a dataset moving into one that does) of the destination.
    So moving a dataset to an organization one administers never approves one's own changes."""
    if ctx.actor.is_sysadmin:
        return True
    if revision is not None and revision.author_user_id is not None and revision.author_user_id == ctx.actor.user_id:
        return False
    source = package.owner_org
    target = revision.owner_org if revision is not None else source
    if target and target != source and not org_requires_review(ctx, source):
        return can_review(ctx.session, ctx.actor, target)
    return can_review(ctx.session, ctx.actor, source)


def new_round(ctx: ActionContext, package: Package, kind: str) -> ReviewRevision:
    """A round opened now by the caller (a harvest's has no author), added to the session."""
    revision = ReviewRevision(id=new_id(), package_id=package.id, owner_org=package.owner_org, kind=kind,
                              status="draft", author_user_id=None if ctx.hold_for_review else ctx.actor.user_id,
                              created=ctx.now, modified=ctx.now, files={}, history=[])
    add_history(revision, history_entry(ctx, "created"))
    ctx.session.add(revision)
    return revision


def step(ctx: ActionContext, revision: ReviewRevision, status: str, action: str, comment: str = "", *,
         decided: bool = False) -> None:
    """A round moves on: its status, its modified time, a history entry (and who decided, for a decision)."""
    revision.status, revision.modified = status, ctx.now
    if decided:
        revision.decided_by, revision.decided_at = ctx.actor.user_id, ctx.now
    add_history(revision, history_entry(ctx, action, comment))


def activity_review(revision: ReviewRevision, comment: str) -> dict[str, Any]:
    """The `review` data of a review step's activity."""
    return {"revision_id": revision.id, "kind": revision.kind, "status": revision.status, "comment": comment}


def delete_files_after_commit(ctx: ActionContext, keys: Iterable[str]) -> None:
    """Stored files of a round that nothing refers to any more, removed once the unit commits."""
    keys, files = list(keys), ctx.services.storage.files
    if keys:
        ctx.after_commit(lambda: [files.delete(key) for key in keys])


def close_round(ctx: ActionContext, revision: ReviewRevision, action: str) -> None:
    """A round closed without publishing (discarded, or its dataset deleted): out of the queue, its files gone."""
    step(ctx, revision, "withdrawn", action)
    delete_files_after_commit(ctx, (revision.files or {}).values())


def close_published_round(ctx: ActionContext, revision: ReviewRevision | None) -> bool:
    """A draft published by a direct write (a reviewer making it active) takes its `new` round with it: left open,
    the round would stay in the queue and swallow the author's next edit. True when it closed one."""
    if revision is None or revision.kind != "new":
        return False
    step(ctx, revision, "approved", "approved", "published directly", decided=True)
    return True


def refuse_direct_write(ctx: ActionContext, package: Package) -> None:
    """A direct write (a reviewer's, an admin's, a harvest's) to a published dataset whose changes await review
    would be undone by their approval, which publishes the round's whole version: 409 until it is decided."""
    revision = open_revision(ctx, package.id)
    if revision is not None and revision.kind == "edit":
        raise ValidationError({"review": [
            "This dataset has changes awaiting review: approve, reject or discard them (review_approve, "
            "review_reject, review_withdraw with discard) before changing the published version."]})


def submit_for_harvest(ctx: ActionContext, revision: ReviewRevision, package: Package) -> None:
    """A harvest's round has no author to submit it: the harvest's held writes do, when they open it and when they
    bring more changes to one sent back (with the step's activity, as review_submit records it)."""
    if ctx.hold_for_review and revision.author_user_id is None and revision.status != "pending":
        step(ctx, revision, "pending", "submitted")
        revision.submitted = ctx.now
        record_review_activity(ctx, "review submitted", package, activity_review(revision, ""))


def is_author(ctx: ActionContext, revision: ReviewRevision) -> bool:
    """A round opened by a harvest (no author) is extended by the harvest's held writes only."""
    if revision.author_user_id is None:
        return ctx.hold_for_review
    return revision.author_user_id == ctx.actor.user_id and not ctx.hold_for_review


def history_entry(ctx: ActionContext, action: str, comment: str | None = None) -> dict[str, Any]:
    return {"action": action, "user_id": ctx.actor.user_id, "user": ctx.actor.name, "timestamp": iso(ctx.now),
            "comment": comment or ""}


def add_history(revision: ReviewRevision, entry: dict[str, Any]) -> None:
    revision.history = [*(revision.history or []), entry]  # a new list: JSON columns track assignment only


def held_answer(result: dict[str, Any], revision: ReviewRevision) -> dict[str, Any]:
    """A held write's answer: the dict as package_show would show it, plus what happened (clients ignore it)."""
    return {**result, "review": {"status": revision.status, "kind": revision.kind, "revision_id": revision.id,
                                 "held": True, "message": HELD_MESSAGES[revision.kind]}}


def start_new_round(ctx: ActionContext, package: Package) -> ReviewRevision:
    """A new dataset held for review: a draft, with its round (submitted at once for a harvest: nobody else
    would submit it)."""
    package.state = "draft"
    revision = new_round(ctx, package, "new")
    submit_for_harvest(ctx, revision, package)
    return revision


def pending_version(ctx: ActionContext, package: Package, revision: ReviewRevision,
                    published: dict[str, Any] | None = None) -> dict[str, Any]:
    """An edit round's pending version on today's published one: the author's changes over what is online now
    (catalog/dataset/rebase.py), which is what approval publishes and what the author's next edit starts from."""
    current = published if published is not None else package_dictize(ctx.session, package, ctx.settings)
    data = copy.deepcopy(revision.data or current)
    return rebase(revision.base or current, data, current)


def dict_for_author(ctx: ActionContext, package: Package) -> dict[str, Any] | None:
    """The pending version the caller's next edit starts from: their own open edit round, when their writes to this
    dataset are held. None: they edit the published dataset."""
    revision = open_revision(ctx, package.id)
    if revision is None or revision.kind != "edit" or revision.data is None:
        return None
    if not is_author(ctx, revision) or not holds(ctx, package.owner_org) or not can_edit_package(ctx, package):
        return None
    return pending_version(ctx, package, revision)


def pending_resource_package(ctx: ActionContext, resource_id: str) -> str | None:
    """The dataset whose open edit round, by this caller, added the resource (it has no row until approval)."""
    rounds = ctx.session.scalars(select(ReviewRevision).where(
        ReviewRevision.status.in_(OPEN_STATUSES), ReviewRevision.kind == "edit",
        ReviewRevision.author_user_id == ctx.actor.user_id))
    for revision in rounds:
        if any(r.get("id") == resource_id for r in (revision.data or {}).get("resources", [])):
            return revision.package_id
    return None


def hold_edit(ctx: ActionContext, package: Package, data: dict[str, Any], owner_org: str | None,
              save: Any) -> dict[str, Any]:
    """A change of a published dataset, held: applied in a savepoint, dictized, rolled back, kept in the round.
    `save(ctx, package, data, owner_org)` applies a write's fields to the rows (write_package's own step) and
    returns the ids of resources with a new file."""
    revision = open_revision(ctx, package.id)
    if close_published_round(ctx, revision):  # a `new` round left open on a published dataset is stale
        revision = None
    if revision is not None and not is_author(ctx, revision):
        raise ValidationError({"review": [
            "This dataset has changes awaiting review by another author: ask them or a reviewer of the "
            "organization to finish that review first."]})
    published = package_dictize(ctx.session, package, ctx.settings)
    if revision is None:
        revision = new_round(ctx, package, "edit")
        submit_for_harvest(ctx, revision, package)
    # Its own after-commit list, dropped with the savepoint: a held removal of a resource must not drop the
    # published resource's DataStore table once the unit commits (uploads are stored at once, see store_upload).
    held_ctx = replace(ctx, pending_revision=revision.id, after_commit_callbacks=[])
    uploads = {position for position, item in enumerate(data.get("resources") or [])
               if hasattr(item.get("upload"), "stream")}
    savepoint = ctx.session.begin_nested()
    try:
        if revision.data is not None:
            previous = pending_version(ctx, package, revision, published)
            # Replayed as the site: its group and organization changes were checked when they were held.
            save(held_ctx.as_system(), package, previous, previous.get("owner_org"))
            ctx.session.flush()
            if "owner_org" not in data:  # omitted keeps it (CKAN), so the pending move, not the published one
                owner_org = previous.get("owner_org")
        save(held_ctx, package, data, owner_org)
        ctx.session.flush()
        pending = package_dictize(ctx.session, package, ctx.settings)
    finally:
        savepoint.rollback()
    ctx.session.expire(package)
    files = dict(revision.files or {})
    for position in uploads:
        resource = pending["resources"][position]
        files[resource["id"]] = pending_file_key(resource["id"], revision.id, resource["hash"])
    files = files_still_pending(revision.id, files, pending, published)
    delete_files_after_commit(ctx, set((revision.files or {}).values()) - set(files.values()))
    if without_write_times(pending) == without_write_times(published) and revision.data is None:
        ctx.session.delete(revision)  # a no-op, as a direct write would be: nothing to review
        return published
    pending["metadata_modified"] = iso(ctx.now)
    if revision.data is not None:
        add_history(revision, history_entry(ctx, "edited"))
        submit_for_harvest(ctx, revision, package)
    revision.owner_org = pending.get("owner_org")
    revision.base = published
    revision.data = pending
    revision.files = files
    revision.modified = ctx.now
    return held_answer(pending, revision)


def files_still_pending(revision_id: str, files: dict[str, str], pending: dict[str, Any],
                        published: dict[str, Any]) -> dict[str, str]:
    """The round's uploads its pending version still carries: a resource of the pending version that is that upload
    (its hash is the key's) and differs from the published file. A resource set back to its published dict, or
    given a URL, drops its upload, so approval never promotes a file the review did not show."""
    pending_resources = {r["id"]: r for r in pending.get("resources") or []}
    published_hashes = {r["id"]: r.get("hash") for r in published.get("resources") or []}
    return {rid: key for rid, key in files.items()
            if (resource := pending_resources.get(rid)) is not None and resource.get("url_type") == "upload"
            and resource.get("hash") and key == pending_file_key(rid, revision_id, resource["hash"])
            and published_hashes.get(rid) != resource["hash"]}


def follow_move(ctx: ActionContext, package: Package) -> None:
    """A dataset moved by a sysadmin (package_owner_org_update) takes its open round to its new organization,
    unless the round itself moves it: the round is reviewed where the dataset will be."""
    revision = open_revision(ctx, package.id)
    if revision is None:
        return
    author_moves = revision.data is not None and revision.data.get("owner_org") != (revision.base or {}).get(
        "owner_org")
    if not author_moves:
        revision.owner_org = package.owner_org


def close_open_round(ctx: ActionContext, package_id: str) -> None:
    """A dataset deleted or purged takes its open round with it (out of the queue) and its held files."""
    revision = open_revision(ctx, package_id)
    if revision is not None:
        close_round(ctx, revision, "deleted")
