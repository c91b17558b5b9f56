"""Where every read-modify-write of a dataset starts: lock its row, then read what the change merges into.

Reading first and locking later let two writers start from the same state, and the later commit silently
undo the earlier one (lost updates). On PostgreSQL the lock is SELECT ... FOR UPDATE; on SQLite a write holds
the database lock from its first statement (BEGIN IMMEDIATE). The row and its collections are re-read under
the lock (get_package's populate_existing), so a copy an auth function loaded earlier in the session is never
the starting point, and nor is package_show's stored dict."""

from __future__ import annotations

from typing import Any

from catalog.authz import can_read_package
from catalog.context import ActionContext
from catalog.dataset.dictize import package_dictize
from catalog.dataset.held import dict_for_author
from catalog.dataset.models import Package
from catalog.dataset.queries import get_package
from catalog.errors import NotAuthorized, NotFound


def lock_package(ctx: ActionContext, id_or_name: Any) -> tuple[ActionContext, Package]:
    """The dataset's row, locked until the unit of work ends, and a context whose clock was read under the lock.

    ctx.now was read when the call began, before waiting for the lock: a write that waited would commit after
    another one yet carry an older metadata_modified and activity time. Read under the lock, those times
    follow the order in which writes to one dataset commit (harvesters page on metadata_modified)."""
    package = get_package(ctx.session, id_or_name, for_update=True)
    if package is None:
        raise NotFound("Package was not found.")
    return ctx.with_clock_read_now(), package


def package_dict_for_update(ctx: ActionContext, id_or_name: Any) -> dict[str, Any]:
    """The current package_show dict of a dataset the actor may read, dictized under the dataset's row lock; for the
    author of changes held for review, their pending version (catalog/dataset/held.py): their edit extends it."""
    ctx, package = lock_package(ctx, id_or_name)
    if not can_read_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read package {package.id}")
    pending = dict_for_author(ctx, package)
    return pending if pending is not None else package_dictize(ctx.session, package, ctx.settings)
