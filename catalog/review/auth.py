"""Who may take each review step. Reviewers: the organization's admins and reviewers, and sysadmins (who skip
these functions, so the actions raise NotFound themselves). The author: whoever opened the round."""

from __future__ import annotations

from typing import Any

from catalog.authz import can_edit_package
from catalog.context import ActionContext
from catalog.dataset.held import decides, is_editing_author, latest_revision, open_revision, reviews
from catalog.dataset.models import Package
from catalog.dataset.queries import get_package
from catalog.errors import NotAuthorized, NotFound


def _signed_in(ctx: ActionContext, action_name: str) -> None:
    if ctx.actor.user_id is None and not ctx.actor.is_sysadmin:
        raise NotAuthorized(f"Action {action_name} requires an authenticated user")


def _package(ctx: ActionContext, data: dict[str, Any], action_name: str) -> Package:
    _signed_in(ctx, action_name)
    package = get_package(ctx.session, data.get("id"))
    if package is None:
        raise NotFound("Dataset was not found")
    return package


def _author_or_reviewer(ctx: ActionContext, package: Package, action_name: str, *, open_only: bool,
                        deciders_only: bool = False) -> None:
    """Reviewers (of the dataset's organization or of the one held changes move it to; with deciders_only, those
    who decide the round), and the round's author."""
    revision = open_revision(ctx, package.id) if open_only else latest_revision(ctx, package.id)
    if (decides if deciders_only else reviews)(ctx, package, revision) or is_editing_author(ctx, package, revision):
        return
    raise NotAuthorized(f"User {ctx.actor.name} not authorized to {action_name} for dataset {package.id}")


def review_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    _author_or_reviewer(ctx, _package(ctx, data, "review_show"), "review_show", open_only=False)


def review_submit(ctx: ActionContext, data: dict[str, Any]) -> None:
    package = _package(ctx, data, "review_submit")
    if not can_edit_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to review_submit for dataset {package.id}")
    if open_revision(ctx, package.id) is None:
        return  # a draft without a round yet: whoever may edit it submits it (the action checks it is one)
    _author_or_reviewer(ctx, package, "review_submit", open_only=True, deciders_only=True)


def review_withdraw(ctx: ActionContext, data: dict[str, Any]) -> None:
    _author_or_reviewer(ctx, _package(ctx, data, "review_withdraw"), "review_withdraw", open_only=True,
                        deciders_only=True)


def _reviewer(action_name: str):
    def check(ctx: ActionContext, data: dict[str, Any]) -> None:
        package = _package(ctx, data, action_name)
        if not decides(ctx, package, open_revision(ctx, package.id)):
            raise NotAuthorized(f"User {ctx.actor.name} not authorized to {action_name} for dataset {package.id}")
    check.__name__ = action_name
    return check


review_approve = _reviewer("review_approve")
review_reject = _reviewer("review_reject")


def review_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    _signed_in(ctx, "review_list")
