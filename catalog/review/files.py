"""Files uploaded in a review round: readable by the round's author and reviewers until approval, by nobody else
(public downloads serve the published file, catalog/storage/views.py)."""

from __future__ import annotations

from pathlib import Path

from catalog.context import ActionContext
from catalog.dataset.held import latest_revision, sees_round
from catalog.dataset.models import Package
from catalog.errors import NotAuthorized


def pending_file(ctx: ActionContext, package: Package, resource_id: str) -> Path | None:
    """The file uploaded for this resource in the dataset's open round, or None (no such file). Raises
    NotAuthorized for callers other than the round's author and the organization's reviewers (review_show's rule)."""
    revision = latest_revision(ctx, package.id)
    if not sees_round(ctx, package, revision):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read the files under review of {package.id}")
    if revision is None or not revision.is_open:
        return None
    key = (revision.files or {}).get(resource_id)
    return ctx.services.storage.files.path(key) if key else None
