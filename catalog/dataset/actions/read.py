"""package_show and package_list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.authz import public_clause
from catalog.context import ActionContext
from catalog.dataset import auth
from catalog.dataset.dictize import package_dictize, stored_package
from catalog.dataset.held import latest_revision, sees_round
from catalog.dataset.models import Package
from catalog.dataset.queries import get_package
from catalog.errors import NotFound
from catalog.registry import action
from catalog.review.dictize import package_block
from catalog.user.models import User


@action(auth=auth.package_show, read_only=True)
def package_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a dataset (package) and its resources.

    :param id: the id or name of the dataset
    :type id: string
    :param include_plugin_data: sysadmins only: include the dataset's plugin_data
    :type include_plugin_data: bool
    :rtype: dictionary
    """
    found = ctx.search.package_for_read(ctx.session, data.get("id") or data.get("name_or_id"))
    if found is None:
        raise NotFound()
    plugin_data = data.get("include_plugin_data") and ctx.actor.is_sysadmin
    if found.data_dict is not None and not plugin_data:
        # The dict the search index stored at the last write (it is current): no dictize queries.
        return _with_review(ctx, stored_package(found.data_dict, ctx.settings))
    package = get_package(ctx.session, found.id)
    if package is None:
        raise NotFound()
    result = package_dictize(ctx.session, package, ctx.settings)
    if plugin_data:
        result["plugin_data"] = package.plugin_data
    return _with_review(ctx, result)


def _with_review(ctx: ActionContext, result: dict[str, Any]) -> dict[str, Any]:
    """The dataset's review status and history as an extra key, for those review_show answers (its author while
    they may edit it, its reviewers; CKAN clients ignore unknown keys). Anonymous callers cost nothing; others one indexed query."""
    if ctx.actor.user_id is None and not ctx.actor.is_sysadmin:
        return result
    revision = latest_revision(ctx, result["id"])
    if revision is None:
        return result
    package = ctx.session.get(Package, result["id"])
    if package is None or not sees_round(ctx, package, revision):  # review_show's rule
        return result
    author = ctx.session.get(User, revision.author_user_id) if revision.author_user_id else None
    return {**result, "review": package_block(revision, author.name if author else None)}


@action(auth=auth.package_list, read_only=True)
def package_list(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return the names of the site's active public datasets, of every type, sorted by name.

    :param limit: if given, the list of datasets will be broken into pages of at most ``limit`` datasets
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start returning packages from
    :type offset: int
    :rtype: list of strings
    """
    query = (
        select(Package.name)
        .where(public_clause())
        .order_by(Package.name)
    )
    if data.get("limit") is not None:
        query = query.limit(data["limit"])
    if data.get("offset"):
        query = query.offset(data["offset"])
    return list(ctx.session.scalars(query))
