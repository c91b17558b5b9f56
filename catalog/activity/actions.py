"""Activity streams: package/organization/group/user lists, recently changed packages, activity_show and
activity_data_show. Every list is narrowed by readable_clause: private and draft datasets' activities never
reach anonymous users or non-members."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select

from catalog.activity import auth
from catalog.activity.dictize import PACKAGE_TYPES, activity_dictize, readable_clause
from catalog.activity.models import Activity
from catalog.context import ActionContext
from catalog.errors import NotFound, ValidationError
from catalog.organization.models import Member
from catalog.registry import action

DEFAULT_LIMIT = 31  # ckan.activity_list_limit
MAX_LIMIT = 100  # ckan.activity_list_limit_max: larger limits are clamped


def _naive_utc(value: Any, field: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError) as error:  # e.g. a year beyond 9999
        raise ValidationError({field: ["Invalid number"]}) from error


def _type_list(value: Any) -> list[str] | None:
    """activity_types from a query string arrive as one string: a comma-separated list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _stream(ctx: ActionContext, where: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Filter, window and order one stream the CKAN way (after only: the window right after, newest first)."""
    types, excluded = _type_list(data.get("activity_types")), _type_list(data.get("exclude_activity_types"))
    if types is not None and excluded is not None:
        raise ValidationError({"activity_types": ["Cannot be used together with `exclude_activity_types"]})
    query: Select[tuple[Activity]] = select(Activity).where(where, readable_clause(ctx))
    if not (data.get("include_hidden_activity") and ctx.actor.is_sysadmin):
        query = query.where(Activity.user_id.is_not(None))  # the site user's work (harvests) is hidden
    if types:
        query = query.where(Activity.activity_type.in_(types))
    if excluded:
        query = query.where(Activity.activity_type.not_in(excluded))
    after, before = data.get("after"), data.get("before")
    if after is not None:
        query = query.where(Activity.timestamp > _naive_utc(after, "after"))
    if before is not None:
        query = query.where(Activity.timestamp < _naive_utc(before, "before"))
    limit = min(int(data.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)  # JSON 2.0 is a valid integer
    offset = int(data.get("offset") or 0)
    ascending = after is not None and before is None
    order = (Activity.timestamp.asc(), Activity.id.asc()) if ascending else \
        (Activity.timestamp.desc(), Activity.id.desc())
    rows = list(ctx.session.scalars(query.order_by(*order).offset(offset).limit(limit)))
    if ascending:
        rows.reverse()
    return [activity_dictize(row) for row in rows]


@action(auth=auth.package_activity_list, read_only=True)
def package_activity_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a dataset's activity stream, newest first (you must be allowed to read the dataset).

    :param id: the id or name of the dataset
    :param offset: skip this many (default 0)
    :param limit: at most this many (default 31, at most 100)
    :param after, before: unix timestamps; only activities strictly after/before
    :param include_hidden_activity: sysadmins: include the site user's activities (default false)
    :param activity_types, exclude_activity_types: lists of activity types (not both)
    """
    from catalog.dataset.queries import get_package

    package = get_package(ctx.session, data["id"])
    if package is None:
        raise NotFound("")
    return _stream(ctx, Activity.object_id == package.id, data)


def _group_stream(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> list[dict[str, Any]]:
    from catalog.organization import auth as group_auth
    from catalog.organization.queries import get_group

    group = get_group(ctx.session, data["id"], is_org=is_org)
    if not ctx.actor.is_sysadmin:
        group_auth.organization_show(ctx, {"id": group.id})
    if is_org:
        datasets = Activity.owner_org == group.id
    else:
        datasets = Activity.object_id.in_(select(Member.table_id).where(
            Member.group_id == group.id, Member.table_name == "package", Member.state == "active"))
    where = or_(Activity.object_id == group.id, and_(datasets, Activity.activity_type.in_(PACKAGE_TYPES)))
    return _stream(ctx, where, data)


@action(auth=auth.organization_activity_list, read_only=True)
def organization_activity_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return an organization's activity stream and its datasets' (private ones for members only).

    :param id: the id or name of the organization
    :param offset, limit, after, before, include_hidden_activity, activity_types: as package_activity_list
    """
    return _group_stream(ctx, data, is_org=True)


@action(auth=auth.group_activity_list, read_only=True)
def group_activity_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a group's activity stream and its datasets' (private ones for their members only).

    :param id: the id or name of the group
    :param offset, limit, after, before, include_hidden_activity, activity_types: as package_activity_list
    """
    return _group_stream(ctx, data, is_org=False)


@action(auth=auth.recently_changed_packages_activity_list, read_only=True)
def recently_changed_packages_activity_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the latest dataset activities of the site that the caller may see, newest first.

    :param offset: skip this many (default 0)
    :param limit: at most this many (default 31, at most 100)
    :param after, before: unix timestamps
    """
    return _stream(ctx, Activity.activity_type.in_(PACKAGE_TYPES), data)


@action(auth=auth.user_activity_list, read_only=True)
def user_activity_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a user's activity stream: the activities that user performed (their account's creation and
    changes included: those are recorded with the account as subject, as CKAN).

    :param id: the id or name of the user
    :param offset: skip this many (default 0)
    :param limit: at most this many (default 31, at most 100)
    :param after, before: unix timestamps
    """
    from catalog.user.rules import get_user

    user = get_user(ctx.session, data["id"], message="")
    # CKAN unions activities "from" and "about" the user, but every activity about a user has that user as
    # subject, so the subject alone is the same set, and never shows what others did to related objects.
    return _stream(ctx, Activity.user_id == user.id, data)


@action(auth=auth.activity_show, read_only=True)
def activity_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return one activity.

    :param id: the id of the activity
    :param include_data: include the full object dict in `data` (default true; else only its title)
    """
    activity = ctx.session.get(Activity, data["id"])
    if activity is None:
        raise NotFound("")
    return activity_dictize(activity, include_data=data.get("include_data", True))


@action(auth=auth.activity_data_show, read_only=True)
def activity_data_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the object stored with an activity (e.g. the dataset dict as it was then).

    :param id: the id of the activity
    :param object_type: package, user, group or organization (default: the whole data dict)
    """
    activity = ctx.session.get(Activity, data["id"])
    if activity is None:
        raise NotFound("")
    stored = activity.data or {}
    object_type = data.get("object_type")
    if not object_type:
        return stored
    if object_type == "organization":
        object_type = "group"  # organizations are stored under "group", as CKAN
    if object_type not in stored:
        raise NotFound("Could not find that object_type in the activity")
    return stored[object_type]
