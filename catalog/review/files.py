"""Files uploaded in a review round: readable by the round's author and reviewers until approval, by nobody else
(public downloads serve the published file, catalog/storage/views.py)."""

from __future__ import annotations

from pathlib import Path

from catalog.context import ActionContext
from catalog.dataset.held import latest_revision
from catalog.dataset.models import Package
from catalog.review import auth


def pending_file(ctx: ActionContext, package: Package, resource_id: str) -> Path | None:
    """The file uploaded for this resource in the dataset's open round, or None (no such file). Raises
    NotAuthorized for callers review_show refuses."""
    if not ctx.actor.is_sysadmin:
        auth.review_show(ctx, {"id": package.id})
    revision = latest_revision(ctx, package.id)
    if revision is None or not revision.is_open:
        return None
    key = (revision.files or {}).get(resource_id)
    return ctx.services.storage.files.path(key) if key else None
