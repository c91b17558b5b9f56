"""package_dictize: the exact CKAN package_show dict (ckan-api.md §3.1), and its resource dicts."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.clock import iso
from catalog.dataset.models import Package, Resource
from catalog.dataset.urls import upload_url
from catalog.organization.models import Group, Member
from catalog.settings import Settings

RESOURCE_EXTRA_EXCLUDED = {"upload", "clear_upload"}


def package_dictize(session: Session, package: Package, settings: Settings, *,
                    groups: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """`groups`: the package's groups when the caller fetched them for a whole batch (groups_by_package)."""
    from catalog.vocab.licenses import license_for

    license = license_for(package.license_id) if package.license_id else None
    active_resources = sorted((r for r in package.resources if r.state == "active"), key=lambda r: r.position)
    tags = sorted((pt for pt in package.tags if pt.state == "active"), key=lambda pt: pt.tag.name)
    result: dict[str, Any] = {
        "author": package.author,
        "author_email": package.author_email,
        "creator_user_id": package.creator_user_id,
        "id": package.id,
        "isopen": bool(license and license["isopen"]),
        "license_id": package.license_id,
        "license_title": (license["title"] if license else package.license_id),
        "maintainer": package.maintainer,
        "maintainer_email": package.maintainer_email,
        "metadata_created": iso(package.metadata_created),
        "metadata_modified": iso(package.metadata_modified),
        "name": package.name,
        "notes": package.notes,
        "num_resources": len(active_resources),
        "num_tags": len(tags),
        "organization": organization_summary(session, package.owner_org),
        "owner_org": package.owner_org,
        "private": package.private,
        "state": package.state,
        "title": package.title or package.name,
        "type": package.type,
        "url": package.url,
        "version": package.version,
        "extras": [{"key": e.key, "value": e.value} for e in sorted(package.extras, key=lambda e: e.key)],
        "groups": package_groups(session, package.id) if groups is None else groups,
        "resources": [resource_dictize(r, package, settings) for r in active_resources],
        "tags": [
            {
                "display_name": pt.tag.name,
                "id": pt.tag.id,
                "name": pt.tag.name,
                "state": "active",
                "vocabulary_id": pt.tag.vocabulary_id,
            }
            for pt in tags
        ],
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }
    if license and license.get("url"):
        result["license_url"] = license["url"]
    return result


def organization_summary(session: Session, org_id: str | None) -> dict[str, Any] | None:
    if not org_id:
        return None
    org = session.get(Group, org_id)
    if org is None or org.state != "active":
        return None
    # "" rather than null for description/image_url: udata-ckan rejects nulls there (ckan-api.md §6.3).
    return {
        "id": org.id,
        "name": org.name,
        "title": org.title or "",
        "type": org.type,
        "description": org.description or "",
        "image_url": org.image_url or "",
        "created": iso(org.created),
        "is_organization": True,
        "approval_status": org.approval_status,
        "state": org.state,
    }


def package_groups(session: Session, package_id: str) -> list[dict[str, Any]]:
    return groups_by_package(session, [package_id])[package_id]


def groups_by_package(session: Session, package_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Active groups (not organizations) of several datasets in one query, sorted by display name."""
    rows = session.execute(
        select(Member.table_id, Group)
        .join(Member, Member.group_id == Group.id)
        .where(
            Member.table_name == "package",
            Member.table_id.in_(package_ids),
            Member.state == "active",
            Group.is_organization.is_(False),
            Group.state == "active",
        )
    ).all()
    found: dict[str, list[dict[str, Any]]] = {package_id: [] for package_id in package_ids}
    for package_id, group in rows:
        entry = {
            "description": group.description,
            "display_name": group.title or group.name,
            "id": group.id,
            "image_display_url": group.image_url or "",
            "name": group.name,
            "title": group.title,
        }
        found[package_id].append({k: v for k, v in entry.items() if v is not None})
    for groups in found.values():
        groups.sort(key=lambda g: g["display_name"])
    return found


def stored_package(data_dict: str, settings: Settings) -> dict[str, Any]:
    """A dict the search index stored (JSON), as package_show serves it."""
    return with_current_site_url(json.loads(data_dict), settings)


def with_current_site_url(package: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A stored dict (search index) with its upload URLs built from today's site URL, which may have
    changed since the dataset was indexed."""
    for resource in package.get("resources", []):
        if resource.get("url_type") == "upload" and resource.get("url"):
            filename = unquote(resource["url"].rsplit("/", 1)[-1])
            resource["url"] = upload_url(settings, package["id"], resource["id"], filename)
    return package


def resource_url(resource: Resource, package: Package, settings: Settings) -> str:
    if resource.url_type == "upload" and resource.url and "/" not in resource.url:
        return upload_url(settings, package.id, resource.id, resource.url)
    url = resource.url or ""
    if url and "://" not in url and not url.startswith("/"):
        return "http://" + url
    return url


def resource_dictize(resource: Resource, package: Package, settings: Settings) -> dict[str, Any]:
    result: dict[str, Any] = {
        "cache_last_updated": iso(resource.cache_last_updated),
        "cache_url": resource.cache_url,
        "created": iso(resource.created),
        "datastore_active": resource.datastore_active,
        "description": resource.description,
        "format": resource.format or "",
        "hash": resource.hash or "",
        "id": resource.id,
        "last_modified": iso(resource.last_modified),
        "metadata_modified": iso(resource.metadata_modified),
        "mimetype": resource.mimetype,
        "mimetype_inner": resource.mimetype_inner,
        "name": resource.name,
        "package_id": package.id,
        "position": resource.position,
        "resource_type": resource.resource_type,
        "size": resource.size,
        "state": resource.state,
        "url": resource_url(resource, package, settings),
        "url_type": resource.url_type,
    }
    for key, value in (resource.extras or {}).items():
        result.setdefault(key, value)
    return result


def without_write_times(package_dict: dict[str, Any]) -> dict[str, Any]:
    """A dict without the timestamps an update sets, to tell a real change from a no-op."""
    resources = [{**r, "metadata_modified": None} for r in package_dict["resources"]]
    return {**package_dict, "metadata_modified": None, "resources": resources}
