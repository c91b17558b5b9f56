"""The one after-write step of datasets: what follows "this dataset's package_show dict is now X".

Every path that changes what package_show shows ends here — package_create/update/patch/delete and
package_owner_org_update (`write.py`), a harvest's batch of creations (`bulk.py`), and changes made from outside
the dataset (an organization or group renamed or deleted, a membership, a tag vocabulary renamed, a deleted
dataset renamed to free its name, a DataStore table loaded or dropped: `refresh_packages`). So a new consumer of
"a dataset changed" (a search outbox, the review workflow, webhooks) is added here, once.

What it does, in the caller's transaction: store the dict and index it for search (services.search), record the
activity (when the change was a dataset write), and schedule DataStore loads of new files (services.datastore,
started after the commit). Features are reached through services, never imported: the dataset core sits below
them in the import graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from catalog.activity.record import record_package_activity
from catalog.context import ActionContext
from catalog.dataset.dictize import package_dictize
from catalog.dataset.models import Package

REFRESH_CHUNK = 500


@dataclass(frozen=True)
class PackageChange:
    """One dataset's new package_show dict and what produced it."""

    package: dict[str, Any]
    # "new package", "changed package" or "deleted package"; None when the dict changed without a dataset write
    # (CKAN records no dataset activity for an organization renamed).
    activity: str | None = None
    # Resources whose file is new (an upload, or a URL changed): their DataStore loads.
    new_files: Sequence[str] = field(default_factory=tuple)
    # Never indexed before: a batch of creations is inserted together, with no lookup of old index rows.
    is_new: bool = False
    # More for the activity's data (a review approval names its author and reviewer).
    activity_data: Mapping[str, Any] = field(default_factory=dict)


def after_package_write(ctx: ActionContext, changes: Sequence[PackageChange]) -> None:
    if not changes:
        return
    created = [change.package for change in changes if change.is_new]
    changed = [change.package for change in changes if not change.is_new]
    ctx.search.index_packages(ctx.session, created, new=True)
    ctx.search.index_packages(ctx.session, changed)
    _searchable_after_commit(ctx)
    for change in changes:
        if change.activity is not None:
            record_package_activity(ctx, change.activity, change.package, change.activity_data)
    for change in changes:
        for resource_id in change.new_files:
            ctx.services.datastore.schedule_load(ctx, resource_id)


def after_package_purge(ctx: ActionContext, package: Package) -> None:
    """A dataset removed for good (dataset_purge): out of the index, its DataStore tables dropped after commit."""
    ctx.search.remove_package(ctx.session, package.id)
    _searchable_after_commit(ctx)
    for resource in package.resources:
        ctx.services.datastore.forget_resource(ctx, resource.id)


def _searchable_after_commit(ctx: ActionContext) -> None:
    """Read-your-writes: once the unit has committed, wait (bounded) until search shows its changes, as CKAN's
    synchronous Solr commit does (clients such as ckanapi and harvesters search right after writing). Once per
    unit, for its last change."""
    info = ctx.session.info
    if info.get("searchable_after_commit"):
        return
    info["searchable_after_commit"] = True
    search, session = ctx.search, ctx.session
    ctx.after_commit(lambda: search.wait_searchable(search.pending_token(session)))


def refresh_packages(ctx: ActionContext, package_ids: Iterable[str]) -> None:
    """Datasets whose package_show dict changed without a write of their own (see the module docstring): dictized
    again and passed through the after-write step, without an activity."""
    ids = sorted(set(package_ids))
    ctx.session.flush()
    for start in range(0, len(ids), REFRESH_CHUNK):
        packages = ctx.session.scalars(select(Package).where(Package.id.in_(ids[start:start + REFRESH_CHUNK])))
        after_package_write(ctx, [PackageChange(package_dictize(ctx.session, package, ctx.settings))
                                  for package in packages])
