"""Files uploaded in a review round: readable by the round's author and reviewers until approval, by nobody else
(public downloads serve the published file, catalog/storage/views.py)."""

from __future__ import annotations

from pathlib import Path

from catalog.context import ActionContext
from catalog.dataset.held import latest_revision, sees_round
from catalog.dataset.models import Package
from catalog.errors import NotAuthorized


def pending_files(ctx: ActionContext, package: Package) -> dict[str, Path]:
    """The files uploaded in the dataset's open round, by resource id (those still stored). Raises NotAuthorized
    for callers other than the round's author and the organization's reviewers (review_show's rule)."""
    revision = latest_revision(ctx, package.id)
    if not sees_round(ctx, package, revision):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read the files under review of {package.id}")
    if revision is None or not revision.is_open:
        return {}
    storage = ctx.services.storage.files
    found = {rid: storage.path(key) for rid, key in (revision.files or {}).items()}
    return {rid: path for rid, path in found.items() if path is not None}


def pending_file(ctx: ActionContext, package: Package, resource_id: str) -> Path | None:
    """The file uploaded for this resource in the dataset's open round, or None (no such file)."""
    return pending_files(ctx, package).get(resource_id)
