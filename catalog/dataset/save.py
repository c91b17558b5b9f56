"""package_save: apply a validated dataset dict to the model (CKAN 2.12 update semantics)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from catalog.context import ActionContext
from catalog.dataset.formats import guess_format, normalize_format
from catalog.dataset.models import Package, PackageExtra, PackageTag, Resource, Tag
from catalog.dataset.publish import refresh_packages
from catalog.errors import NotAuthorized
from catalog.ids import new_id
from catalog.organization.models import Group, Member

# Omitted on update → cleared (CKAN replace semantics for core text fields).
CORE_TEXT_FIELDS = (
    "title",
    "notes",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "license_id",
    "url",
    "version",
)
RESOURCE_TEXT_FIELDS = ("name", "description", "mimetype", "mimetype_inner", "resource_type", "cache_url")
RESOURCE_DATE_FIELDS = ("created", "last_modified", "cache_last_updated")
RESOURCE_KNOWN_KEYS = {
    *RESOURCE_TEXT_FIELDS,
    *RESOURCE_DATE_FIELDS,
    "id",
    "package_id",
    "url",
    "format",
    "hash",
    "size",
    "url_type",
    "position",
    "state",
    "datastore_active",
    "metadata_modified",
    "upload",
    "clear_upload",
}
# Dropped as CKAN's resource_dict_save drops them: a resource's extras are its other top-level keys, so a key
# literally named "extras" is not stored (ckan TestResourceCreate.test_extras), nor are these derived ones.
RESOURCE_IGNORED_KEYS = {"extras", "revision_timestamp", "tracking_summary"}


def parse_timestamp(value: Any) -> datetime | None:
    """ISO dates as CKAN accepts them; a zone is converted to naive UTC (2.11+)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def extra_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def apply_core_fields(package: Package, data: dict[str, Any]) -> None:
    for field in CORE_TEXT_FIELDS:
        value = data.get(field)
        setattr(
            package, field, value.strip() if field.endswith("email") and isinstance(value, str) else value
        )
    if "private" in data:
        package.private = bool(data["private"])


def apply_extras(package: Package, extras: list[dict[str, Any]]) -> None:
    wanted = {e["key"]: extra_text(e.get("value")) for e in extras if not e.get("deleted")}
    wanted = {k: v for k, v in wanted.items() if v is not None}
    for extra in list(package.extras):
        if extra.key not in wanted:
            package.extras.remove(extra)
        elif extra.value != wanted[extra.key]:
            extra.value = wanted.pop(extra.key)
        else:
            wanted.pop(extra.key)
    for key, value in wanted.items():
        package.extras.append(PackageExtra(key=key, value=value))


def tag_names(data: dict[str, Any]) -> list[tuple[str, str | None]]:
    names: list[tuple[str, str | None]] = []
    for tag in data.get("tags") or []:
        names.append((tag["name"].strip(), tag.get("vocabulary_id") or None))
    if data.get("tag_string"):
        names += [(part.strip(), None) for part in data["tag_string"].split(",") if part.strip()]
    return list(dict.fromkeys(names))  # duplicates collapse, order kept


def get_or_create_tags(session: Session, wanted: list[tuple[str, str | None]]) -> dict[tuple[str, str | None], Tag]:
    """The Tag rows for (name, vocabulary_id) pairs, creating the missing ones: one query when all exist."""
    if not wanted:
        return {}
    names = sorted({name for name, _ in wanted})

    def existing() -> dict[tuple[str, str | None], Tag]:
        return {(t.name, t.vocabulary_id): t for t in session.scalars(select(Tag).where(Tag.name.in_(names)))}

    found = existing()
    missing = [key for key in wanted if key not in found]
    if missing and session.get_bind().dialect.name == "postgresql":
        # NULL vocabulary ids never collide in a unique index: serialize creators of a name instead
        # (locks taken in name order, so two writers cannot deadlock), then look again.
        for name in sorted({name for name, _ in missing}):
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": "tag:" + name})
        found = existing()
        missing = [key for key in wanted if key not in found]
    for name, vocabulary_id in missing:
        tag = Tag(id=new_id(), name=name, vocabulary_id=vocabulary_id)
        session.add(tag)
        found[(name, vocabulary_id)] = tag
    return found


def apply_tags(
    session: Session, package: Package, names: list[tuple[str, str | None]],
    known: dict[tuple[str, str | None], Tag] | None = None,
) -> None:
    """`known`: the Tag rows already fetched for a whole batch of datasets (bulk creation)."""
    current = {(pt.tag.name, pt.tag.vocabulary_id): pt for pt in package.tags}
    for key, link in current.items():
        if key not in names:
            package.tags.remove(link)
    added = [key for key in names if key not in current]
    tags = known if known is not None else get_or_create_tags(session, added)
    for key in added:
        package.tags.append(PackageTag(tag=tags[key]))


def apply_package_fields(
    ctx: ActionContext, package: Package, data: dict[str, Any], owner_org: str | None,
    known_tags: dict[tuple[str, str | None], Tag] | None = None,
) -> list[str]:
    """Validated package_create/package_update data onto the row: fields, owner, extras, tags, groups,
    resources (write_package and bulk creation alike). Returns the resources whose file must be loaded."""
    apply_core_fields(package, data)
    package.owner_org = owner_org
    if "plugin_data" in data and ctx.actor.is_sysadmin:
        package.plugin_data = data["plugin_data"]
    apply_extras(package, data.get("extras") or [])
    apply_tags(ctx.session, package, tag_names(data), known=known_tags)
    if "groups" in data:
        apply_groups(ctx, package, data["groups"] or [])
    return apply_resources(ctx, package, data["resources"] or []) if "resources" in data else []


def apply_groups(ctx: ActionContext, package: Package, groups: list[dict[str, Any]]) -> None:
    """Unknown groups are skipped (CKAN); adding needs membership of the group unless sysadmin."""
    session = ctx.session
    keys = [key for ref in groups if (key := ref.get("id") or ref.get("name"))]
    found = session.scalars(
        select(Group).where(
            Group.id.in_(keys) | Group.name.in_(keys),
            Group.is_organization.is_(False),
            Group.state == "active",
        )
    ).all() if keys else []
    by_key = {group.name: group for group in found} | {group.id: group for group in found}  # an id before a name
    wanted: dict[str, Group] = {}
    for key in keys:
        if key in by_key:
            wanted[by_key[key].id] = by_key[key]
    existing = {
        m.group_id: m
        for m in session.scalars(
            select(Member)
            .join(Group, Group.id == Member.group_id)
            .where(
                Member.table_name == "package",
                Member.table_id == package.id,
                Group.is_organization.is_(False),
            )
        )
    }
    added = [gid for gid in wanted if gid not in existing or existing[gid].state != "active"]
    if added and not ctx.actor.is_sysadmin:
        from catalog.authz import org_capacities

        mine = org_capacities(session, ctx.actor.user_id)
        if any(gid not in mine for gid in added):
            raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit these groups")
    for gid, member in existing.items():
        if gid not in wanted:
            session.delete(member)
    for gid in added:
        if gid in existing:
            existing[gid].state = "active"
        else:
            session.add(Member(group_id=gid, table_name="package", table_id=package.id, capacity="public"))


def apply_resources(ctx: ActionContext, package: Package, resources: list[dict[str, Any]]) -> list[str]:
    """Sync the resource list; returns the ids whose file is new (upload or URL change), to load in the DataStore."""
    by_id = {r.id: r for r in package.resources}
    kept: set[str] = set()
    new_files: list[str] = []
    for position, data in enumerate(resources):
        resource = by_id.get(data.get("id") or "")
        if resource is None:
            resource = Resource(
                id=data.get("id") or new_id(),
                package_id=package.id,
                created=ctx.now,
                metadata_modified=ctx.now,
            )
            package.resources.append(resource)
        upload = data.get("upload")
        if hasattr(upload, "stream"):  # a multipart file (werkzeug FileStorage)
            data = {**data, **ctx.services.storage.store_upload(ctx, package.id, resource.id, upload)}
            new_files.append(resource.id)
        old_url = resource.url
        apply_resource_fields(resource, data, is_new=resource.id not in by_id)
        url_changed = resource.url and resource.url != old_url
        if resource.id not in new_files and url_changed and ctx.settings.datastore_load_urls:
            new_files.append(resource.id)
        resource.position = position
        resource.state = "active"
        kept.add(resource.id)
    for resource in list(package.resources):
        if resource.id not in kept:
            package.resources.remove(resource)
            ctx.services.datastore.forget_resource(ctx, resource.id)
    return new_files


def apply_resource_fields(resource: Resource, data: dict[str, Any], *, is_new: bool) -> None:
    resource.url = (data.get("url") or "").strip()
    for field in RESOURCE_TEXT_FIELDS:
        setattr(resource, field, data.get(field))
    fmt = normalize_format(data.get("format") or "")
    if not fmt and is_new:
        fmt = guess_format(resource.url)
    resource.format = fmt
    resource.hash = data.get("hash") or ""
    resource.size = data.get("size")
    resource.url_type = data.get("url_type")
    if resource.url_type == "upload" and "/" in resource.url:
        # Uploads are stored as a bare file name and shown as this site's download URL.
        resource.url = resource.url.rsplit("/", 1)[-1]
    if "datastore_active" in data:
        resource.datastore_active = str(data["datastore_active"]).lower() in ("true", "1")
    created = parse_timestamp(data.get("created"))
    if created is not None:
        resource.created = created
    resource.last_modified = parse_timestamp(data.get("last_modified"))
    resource.cache_last_updated = parse_timestamp(data.get("cache_last_updated"))
    resource.extras = {
        k: v for k, v in data.items() if k not in RESOURCE_KNOWN_KEYS and k not in RESOURCE_IGNORED_KEYS
    }


def touch_resources(
    package: Package, before: dict[str, dict[str, Any]], after: list[dict[str, Any]], now: datetime
) -> set[str]:
    """Bump metadata_modified of the resources whose dict changed; returns their ids."""
    changed = {r["id"] for r in after if before.get(r["id"]) != {**r, "metadata_modified": None}}
    for resource in package.resources:
        if resource.id in changed:
            resource.metadata_modified = now
    return changed


def new_package_row(ctx: ActionContext, data: dict[str, Any], name: str) -> Package:
    """The row of a dataset being created (package_create, and bulk.py for a batch)."""
    return Package(
        id=data.get("id") or new_id(),
        name=name,
        type=data.get("type") or "dataset",
        creator_user_id=ctx.actor.user_id,
        metadata_created=ctx.now,
        metadata_modified=ctx.now,
        state=(data.get("state") or "active") if ctx.actor.is_sysadmin else "active",
        private=False,
    )


def rename_deleted_holder(ctx: ActionContext, name: str) -> None:
    """A deleted dataset's name can be reused: the old row is renamed to its id (CKAN), and re-indexed."""
    old = ctx.session.scalar(select(Package).where(Package.name == name, Package.state == "deleted"))
    if old is not None:
        old.name = old.id
        refresh_packages(ctx, [old.id])

def remove_package_memberships(session: Session, package_id: str) -> None:
    session.execute(delete(Member).where(Member.table_name == "package", Member.table_id == package_id))
