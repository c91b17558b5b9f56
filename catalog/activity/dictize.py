"""Activity dicts (§3.7) and the rule deciding who may read an activity."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true

from catalog.activity.models import Activity
from catalog.authz import org_capacities, visible_packages
from catalog.clock import iso
from catalog.context import ActionContext
from catalog.dataset.models import Package

PACKAGE_TYPES = ("new package", "changed package", "deleted package")
# The review steps (catalog/review/): about a dataset too, so only readable while the dataset is.
REVIEW_TYPES = ("review submitted", "changes requested", "review approved", "review withdrawn")


def permission_labels(activity: Activity) -> list[str]:
    """CKAN 2.11 labels, fixed when the activity was written."""
    if not activity.is_restricted:
        return ["public"]
    if activity.owner_org:
        return [f"member-{activity.owner_org}"]
    return [f"creator-{activity.creator_user_id}"] if activity.creator_user_id else []


def readable_clause(ctx: ActionContext) -> ColumnElement[bool]:
    """Restricted activities (private or draft datasets) only for sysadmins, members of the dataset's
    organization, and the dataset's creator. Everything else is public, except that the activities of a
    dataset the caller cannot see today (a public dataset made private) are hidden too: stricter than
    CKAN's labels fixed at write time, so that a dataset's past never outlives its privacy."""
    actor = ctx.actor
    if actor.is_sysadmin:
        return true()
    clauses: list[ColumnElement[bool]] = [Activity.is_restricted.is_(False)]
    if actor.user_id:
        orgs = list(org_capacities(ctx.session, actor.user_id))
        if orgs:
            clauses.append(Activity.owner_org.in_(orgs))
        clauses.append(Activity.creator_user_id == actor.user_id)
    visible = visible_packages(ctx, include_private=True, include_drafts=True, include_deleted=True)
    readable_now = or_(
        Activity.activity_type.not_in(PACKAGE_TYPES + REVIEW_TYPES),
        Activity.object_id.in_(visible.with_only_columns(Package.id)),
        Activity.object_id.not_in(select(Package.id)),  # purged datasets: only the labels decide
    )
    return and_(or_(*clauses), readable_now)


def can_read_activity(ctx: ActionContext, activity: Activity) -> bool:
    actor = ctx.actor
    if actor.is_sysadmin or not activity.is_restricted:
        return True
    if not actor.user_id:
        return False
    if activity.creator_user_id == actor.user_id:
        return True
    return activity.owner_org is not None and activity.owner_org in org_capacities(ctx.session, actor.user_id)


def _titles_only(data: dict[str, Any]) -> dict[str, Any]:
    """CKAN's activity_show without include_data: each object reduced to its title."""
    reduced: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            reduced[key] = {"title": value.get("title") or value.get("name")}
        else:
            reduced[key] = value
    return reduced


def activity_dictize(activity: Activity, *, include_data: bool = True) -> dict[str, Any]:
    data = activity.data or {}
    return {
        "activity_type": activity.activity_type,
        "data": data if include_data else _titles_only(data),
        "id": activity.id,
        "object_id": activity.object_id,
        "permission_labels": permission_labels(activity),
        "timestamp": iso(activity.timestamp),
        "user_id": activity.user_id,
    }
