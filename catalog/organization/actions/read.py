"""organization_/group_ list, show and autocomplete; organization_list_for_user, group_list_authz,
member_list and member_roles_list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from catalog.authz import visible_packages
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.errors import NotFound
from catalog.organization import auth
from catalog.organization.auth import role_allows
from catalog.organization.dictize import group_base_dict, group_dictize
from catalog.organization.models import Group, Member
from catalog.organization.queries import get_group, package_counts
from catalog.organization.rules import parse_sort
from catalog.registry import action
from catalog.user.rules import get_user

LIST_MAX = 1000
LIST_ALL_FIELDS_MAX = 25  # ckan.group_and_organization_list_all_fields_max: silently clamped
ROLE_LABELS = {"admin": "Admin", "reviewer": "Reviewer", "editor": "Editor", "member": "Member"}


def _kind(is_org: bool) -> str:
    return "organization" if is_org else "group"


def _names(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]


def _list(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> list[Any]:
    field, descending = parse_sort(data.get("sort") or data.get("order_by"))
    all_fields = bool(data.get("all_fields"))
    max_limit = LIST_ALL_FIELDS_MAX if all_fields else LIST_MAX
    limit = None if data.get("limit") is None else int(data["limit"])  # JSON 2.0 is a valid integer
    limit = max_limit if limit is None or limit > max_limit else limit
    offset = int(data.get("offset") or 0)
    query = select(Group).where(Group.is_organization == is_org, Group.state == "active",
                                Group.type == (data.get("type") or _kind(is_org)))
    if data.get("q"):
        pattern = f"%{data['q'].lower()}%"
        query = query.where(or_(func.lower(Group.name).like(pattern),
                                func.lower(func.coalesce(Group.title, "")).like(pattern),
                                func.lower(func.coalesce(Group.description, "")).like(pattern)))
    restrict = _names(data.get("organizations" if is_org else "groups"))
    if restrict is not None:
        query = query.where(Group.name.in_(restrict))
    groups = list(ctx.session.scalars(query))
    with_counts = field == "package_count" or (all_fields and data.get("include_dataset_count", True))
    counts = package_counts(ctx, groups) if with_counts else {}

    def key(group: Group) -> Any:
        if field == "package_count":
            return counts[group.id]
        if field == "name":
            return group.name
        return (group.title or "").casefold()

    groups.sort(key=lambda group: group.name)  # ties stay in name order (stable sort, even reversed)
    groups.sort(key=key, reverse=descending)
    page = groups[offset:offset + limit]
    if not all_fields:
        return [group.name for group in page]
    return [
        group_dictize(
            ctx, group,
            include_dataset_count=bool(data.get("include_dataset_count", True)),
            include_extras=bool(data.get("include_extras")),
            include_users=bool(data.get("include_users")),
            include_groups=bool(data.get("include_groups")),
            include_followers=True,
            package_count=counts.get(group.id),
        )
        for group in page
    ]


def _show(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> dict[str, Any]:
    group = get_group(ctx.session, data["id"], is_org=is_org)
    return group_dictize(
        ctx, group,
        include_dataset_count=data.get("include_dataset_count", True),
        include_extras=data.get("include_extras", True),
        # CKAN 2.12 defaults to ckan.auth.public_user_details, true (#9232, which made it false, was reverted).
        include_users=data.get("include_users", True),
        include_groups=data.get("include_groups", True),
        include_followers=data.get("include_followers", True),
        include_member_count=data.get("include_member_count", False),
        include_datasets=data.get("include_datasets", False),
    )


def _autocomplete(ctx: ActionContext, data: dict[str, Any], *, is_org: bool) -> list[dict[str, Any]]:
    pattern = f"%{(data.get('q') or '').lower()}%"
    groups = ctx.session.scalars(
        select(Group).where(Group.is_organization == is_org, Group.state == "active",
                            or_(func.lower(Group.name).like(pattern),
                                func.lower(func.coalesce(Group.title, "")).like(pattern)))
        .order_by(Group.title, Group.name).limit(int(data.get("limit", 20)))
    )
    return [{"id": group.id, "name": group.name, "title": group.title or ""} for group in groups]


@action(auth=auth.organization_list, read_only=True)
def organization_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the active organizations: names, or dicts with all_fields (at most 25 per call).

    :param sort: name, title (default) or package_count, optionally followed by asc or desc
    :param limit, offset: paging
    :param q: restrict to organizations whose name, title or description contains this
    :param organizations: restrict to these names (list or comma-separated)
    :param all_fields: return dicts (default false)
    :param include_dataset_count, include_extras, include_users, include_groups: with all_fields
    """
    return _list(ctx, data, is_org=True)


@action(auth=auth.group_list, read_only=True)
def group_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the active groups: names, or dicts with all_fields (at most 25 per call).

    :param sort: name, title (default) or package_count, optionally followed by asc or desc
    :param limit, offset: paging
    :param q: restrict to groups whose name, title or description contains this
    :param groups: restrict to these names (list or comma-separated)
    :param all_fields: return dicts (default false)
    """
    return _list(ctx, data, is_org=False)


@action(auth=auth.organization_show, read_only=True)
def organization_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return an organization.

    :param id: the id or name of the organization
    :param include_datasets: include up to 10 datasets the caller may see (default false)
    :param include_dataset_count: include package_count (default true)
    :param include_users: include the members (default true)
    :param include_extras, include_groups, include_followers: default true
    :param include_member_count: default false
    """
    return _show(ctx, data, is_org=True)


@action(auth=auth.group_show, read_only=True)
def group_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a group.

    :param id: the id or name of the group
    :param include_datasets: include up to 10 public datasets (default false)
    :param include_dataset_count: include package_count (default true)
    :param include_users: include the members (default true)
    :param include_extras, include_groups, include_followers: default true
    :param include_member_count: default false
    """
    return _show(ctx, data, is_org=False)


@action(auth=auth.organization_autocomplete, read_only=True)
def organization_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return organizations whose name or title contains `q`, as [{id, name, title}].

    :param q: the text to look for
    :param limit: at most this many (default 20)
    """
    return _autocomplete(ctx, data, is_org=True)


@action(auth=auth.group_autocomplete, read_only=True)
def group_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return groups whose name or title contains `q`, as [{id, name, title}].

    :param q: the text to look for
    :param limit: at most this many (default 20)
    """
    return _autocomplete(ctx, data, is_org=False)


@action(auth=auth.organization_list_for_user, read_only=True)
def organization_list_for_user(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the organizations where a user has a permission, with their `capacity`.

    :param id: the id or name of the user (default: the caller; anonymous gets [])
    :param permission: default manage_group (every role); e.g. create_dataset for editors and admins
    :param include_dataset_count: add package_count (default false)
    :param include_member_count: add member_count (default false)
    """
    if data.get("id"):
        user = get_user(ctx.session, data["id"])
        user_id, is_sysadmin = user.id, user.sysadmin
    elif ctx.actor.user_id:
        user_id, is_sysadmin = ctx.actor.user_id, ctx.actor.is_sysadmin
    else:
        return []
    permission = data.get("permission") or "manage_group"
    orgs = select(Group).where(Group.is_organization.is_(True), Group.state == "active")
    if is_sysadmin:
        pairs = [(group, "admin") for group in ctx.session.scalars(orgs)]
    else:
        rows = ctx.session.execute(
            orgs.add_columns(Member.capacity).join(Member, Member.group_id == Group.id)
            .where(Member.table_name == "user", Member.table_id == user_id, Member.state == "active")
        )
        pairs = [(group, capacity) for group, capacity in rows if role_allows(capacity, permission)]
    pairs.sort(key=lambda pair: ((pair[0].title or pair[0].name).casefold(), pair[0].name))
    counts = package_counts(ctx, [group for group, _ in pairs]) if data.get("include_dataset_count") else {}
    result = []
    for group, capacity in pairs:
        item = {**group_base_dict(group), "capacity": capacity}
        if data.get("include_dataset_count"):
            item["package_count"] = counts[group.id]
        if data.get("include_member_count"):
            item["member_count"] = group_dictize(ctx, group, include_member_count=True)["member_count"]
        result.append(item)
    return result


@action(auth=auth.group_list_authz, read_only=True)
def group_list_authz(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the groups the caller may add datasets to (members of any role; sysadmins: all groups).

    :param available_only: leave out the groups that already contain `package_id` (default false)
    :param package_id: the dataset for available_only
    """
    if not ctx.actor.user_id and not ctx.actor.is_sysadmin:
        return []
    query = select(Group).where(Group.is_organization.is_(False), Group.state == "active")
    if not ctx.actor.is_sysadmin:
        member_of = select(Member.group_id).where(Member.table_name == "user", Member.state == "active",
                                                  Member.table_id == ctx.actor.user_id)
        query = query.where(Group.id.in_(member_of))
    if data.get("available_only") and data.get("package_id"):
        package_id = ctx.session.scalar(select(Package.id).where(
            or_(Package.id == data["package_id"], Package.name == data["package_id"])))
        containing = select(Member.group_id).where(Member.table_name == "package", Member.table_id == package_id)
        query = query.where(Group.id.not_in(containing))
    groups = list(ctx.session.scalars(query.order_by(Group.title, Group.name)))
    counts = package_counts(ctx, groups)
    return [{**group_base_dict(group), "package_count": counts[group.id]} for group in groups]


@action(auth=auth.member_roles_list, read_only=True)
def member_roles_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, str]]:
    """Return the possible member roles, [{"text", "value"}] (groups have no editor or reviewer role; reviewer is
    Moisson's: an editor who also reviews datasets before publication).

    :param group_type: organization (default) or group
    """
    roles = ["admin", "reviewer", "editor", "member"] if data.get("group_type", "organization") == "organization" \
        else ["admin", "member"]
    return [{"text": ROLE_LABELS[role], "value": role} for role in roles]


@action(auth=auth.member_list, read_only=True)
def member_list(ctx: ActionContext, data: dict[str, Any]) -> list[list[str]]:
    """Return the members of an organization or group as [object_id, object_type, capacity] triples.

    User capacities are display labels (Admin, Editor, Member). Only datasets the caller may see appear.

    :param id: the id or name of the organization or group
    :param object_type: user, package or group
    :param capacity: restrict to this capacity
    """
    from catalog.organization.queries import find_group

    group = find_group(ctx.session, data["id"])
    if group is None:
        raise NotFound("Group was not found.")
    query = select(Member).where(Member.group_id == group.id, Member.state == "active")
    if data.get("object_type"):
        query = query.where(Member.table_name == data["object_type"])
    if data.get("capacity"):
        query = query.where(Member.capacity == data["capacity"])
    members = list(ctx.session.scalars(query.order_by(Member.table_name, Member.table_id)))
    package_ids = [m.table_id for m in members if m.table_name == "package"]
    visible: set[str] = set()
    if package_ids:
        visible = set(ctx.session.scalars(
            visible_packages(ctx).where(Package.id.in_(package_ids)).with_only_columns(Package.id)))
    return [
        [m.table_id, m.table_name, ROLE_LABELS.get(m.capacity, m.capacity) if m.table_name == "user" else m.capacity]
        for m in members
        if m.table_name != "package" or m.table_id in visible
    ]
