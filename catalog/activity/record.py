"""Writing activities. Every change writes one, with a snapshot of the object after the change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog.activity.models import Activity
from catalog.context import ActionContext
from catalog.dataset.models import Package


def record_package_activity(ctx: ActionContext, activity_type: str, package: dict[str, Any],
                            more: Mapping[str, Any] | None = None) -> None:
    """`new|changed|deleted package` with the package_show dict (and `more` data, such as a review approval's
    author and reviewer); readers are fixed now (CKAN 2.11 labels)."""
    ctx.session.add(
        Activity(
            timestamp=ctx.now,
            user_id=ctx.actor.user_id,
            object_id=package["id"],
            activity_type=activity_type,
            data={"package": package, "actor": ctx.actor.name, **(more or {})},
            owner_org=package.get("owner_org"),
            is_restricted=bool(package.get("private")) or package.get("state") != "active",
            creator_user_id=package.get("creator_user_id"),
        )
    )


def record_review_activity(ctx: ActionContext, activity_type: str, package: Package, review: dict[str, Any]) -> None:
    """A review step (`review submitted`, `changes requested`, `review approved`, `review withdrawn`) with its
    comment. Always restricted: only the organization's members, the dataset's creator and sysadmins read it."""
    ctx.session.add(
        Activity(
            timestamp=ctx.now,
            user_id=ctx.actor.user_id,
            object_id=package.id,
            activity_type=activity_type,
            data={"package": {"id": package.id, "name": package.name, "title": package.title,
                              "owner_org": package.owner_org},
                  "actor": ctx.actor.name, "review": review},
            owner_org=package.owner_org,
            is_restricted=True,
            creator_user_id=package.creator_user_id,
        )
    )


def record_group_activity(ctx: ActionContext, activity_type: str, group: dict[str, Any]) -> None:
    """`new|changed|deleted organization|group` with the group dict."""
    ctx.session.add(
        Activity(
            timestamp=ctx.now,
            user_id=ctx.actor.user_id,
            object_id=group["id"],
            activity_type=activity_type,
            data={"group": group, "actor": ctx.actor.name},
        )
    )


def record_user_activity(ctx: ActionContext, activity_type: str, user_id: str) -> None:
    """`new user` / `changed user` (no data). As CKAN's activity subscription, the account itself is the
    subject whoever made the change, so a sysadmin's user_create or user_update is in the account's
    user_activity_list, not the sysadmin's."""
    ctx.session.add(
        Activity(timestamp=ctx.now, user_id=user_id, object_id=user_id, activity_type=activity_type, data={})
    )
