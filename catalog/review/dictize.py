"""Review rounds as dicts: the queue's summaries, review_show's block and its field-by-field diff."""

from __future__ import annotations

from typing import Any

from catalog.clock import iso
from catalog.dataset.models import Package
from catalog.organization.models import Group
from catalog.review.models import ReviewRevision

# Keys that every write changes or that are computed from others: never shown as a difference.
NOT_COMPARED = {"metadata_modified", "metadata_created", "revision_id", "resources", "extras", "tags", "groups",
                "organization", "num_resources", "num_tags", "relationships_as_object", "relationships_as_subject",
                "review", "creator_user_id", "id"}
RESOURCE_NOT_COMPARED = {"metadata_modified", "position", "package_id", "id", "created", "datastore_active"}
FILE_FIELDS = ("url", "hash", "size")


def last_comment(revision: ReviewRevision) -> str:
    for entry in reversed(revision.history or []):
        if entry.get("comment"):
            return str(entry["comment"])
    return ""


def round_title(package: Package, revision: ReviewRevision) -> str:
    """The title the round would publish (the pending one for changes of a published dataset)."""
    if revision.kind == "edit" and revision.data:
        return revision.data.get("title") or package.title or package.name
    return package.title or package.name


def summary(revision: ReviewRevision, package: Package, org: Group | None, author_name: str | None) -> dict[str, Any]:
    """One line of the queue (review_list) and the answer of the steps."""
    return {
        "revision_id": revision.id,
        "package_id": package.id,
        "package_name": package.name,
        "title": round_title(package, revision),
        "organization": {"id": org.id, "name": org.name, "title": org.title or org.name} if org else None,
        "kind": revision.kind,
        "status": revision.status,
        "author": author_name,
        "author_id": revision.author_user_id,
        "created": iso(revision.created),
        "modified": iso(revision.modified),
        "submitted": iso(revision.submitted) if revision.submitted else None,
        "comment": last_comment(revision),
    }


def package_block(revision: ReviewRevision, author_name: str | None) -> dict[str, Any]:
    """package_show's extra `review` key (for the author and reviewers; CKAN clients ignore it)."""
    return {"status": revision.status, "kind": revision.kind, "revision_id": revision.id, "author": author_name,
            "submitted": iso(revision.submitted) if revision.submitted else None, "history": revision.history or []}


def _changes(published: dict[str, Any], pending: dict[str, Any], skip: set[str]) -> list[dict[str, Any]]:
    keys = sorted((set(published) | set(pending)) - skip)
    return [{"field": key, "published": published.get(key), "pending": pending.get(key)}
            for key in keys if published.get(key) != pending.get(key)]


def _names(items: list[dict[str, Any]] | None) -> set[str]:
    return {item.get("name") or item.get("id") or "" for item in items or []}


def diff(published: dict[str, Any] | None, pending: dict[str, Any]) -> dict[str, Any]:
    """What approval changes: fields, extras, tags, groups and resources; only what differs. A new dataset is
    compared with nothing (everything it has is added)."""
    before = published or {"resources": [], "extras": [], "tags": [], "groups": []}
    old_extras = {e["key"]: e.get("value") for e in before.get("extras") or []}
    new_extras = {e["key"]: e.get("value") for e in pending.get("extras") or []}
    extras = []
    for key in sorted(set(old_extras) | set(new_extras)):
        if key not in old_extras:
            extras.append({"key": key, "published": None, "pending": new_extras[key], "change": "added"})
        elif key not in new_extras:
            extras.append({"key": key, "published": old_extras[key], "pending": None, "change": "removed"})
        elif old_extras[key] != new_extras[key]:
            extras.append({"key": key, "published": old_extras[key], "pending": new_extras[key], "change": "changed"})
    old_resources = {r["id"]: r for r in before.get("resources") or []}
    new_resources = {r["id"]: r for r in pending.get("resources") or []}
    resources = []
    for resource in pending.get("resources") or []:
        old = old_resources.get(resource["id"])
        if old is None:
            resources.append({"id": resource["id"], "name": resource.get("name"), "change": "added",
                              "fields": _changes({}, resource, RESOURCE_NOT_COMPARED), "file_changed": True})
            continue
        fields = _changes(old, resource, RESOURCE_NOT_COMPARED)
        if fields:
            resources.append({"id": resource["id"], "name": resource.get("name"), "change": "changed",
                              "fields": fields,
                              "file_changed": any(old.get(key) != resource.get(key) for key in FILE_FIELDS)})
    for rid, old in old_resources.items():
        if rid not in new_resources:
            resources.append({"id": rid, "name": old.get("name"), "change": "removed",
                              "fields": [], "file_changed": False})
    order = [r["id"] for r in before.get("resources") or []]
    if [rid for rid in order if rid in new_resources] != [r["id"] for r in pending["resources"] if r["id"] in
                                                             old_resources]:
        resources.append({"id": None, "name": None, "change": "reordered", "fields": [], "file_changed": False})
    old_tags, new_tags = _names(before.get("tags")), _names(pending.get("tags"))
    old_groups, new_groups = _names(before.get("groups")), _names(pending.get("groups"))
    return {
        "fields": _changes(before if published else {}, pending, NOT_COMPARED),
        "extras": extras,
        "tags": {"added": sorted(new_tags - old_tags), "removed": sorted(old_tags - new_tags)},
        "groups": {"added": sorted(new_groups - old_groups), "removed": sorted(old_groups - new_groups)},
        "resources": resources,
    }
