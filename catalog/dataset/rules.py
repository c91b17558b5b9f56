"""Dataset checks JSON Schema cannot express (they need the database). Each returns CKAN field errors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.authz import has_org_role
from catalog.context import ActionContext
from catalog.dataset.models import Package, Resource
from catalog.dataset.queries import get_group
from catalog.dataset.save import CORE_TEXT_FIELDS
from catalog.ids import is_uuid

RESERVED_NAMES = {"new", "edit", "search"}
# Top-level keys an extra may not shadow (CKAN: "There is a schema field with the same name").
CORE_FIELDS = {
    *CORE_TEXT_FIELDS,
    "id",
    "name",
    "state",
    "type",
    "private",
    "owner_org",
    "tags",
    "tag_string",
    "extras",
    "groups",
    "resources",
    "plugin_data",
    "metadata_created",
    "metadata_modified",
    "creator_user_id",
    "organization",
    "num_resources",
    "num_tags",
    "isopen",
    "license_title",
    "license_url",
    "relationships_as_object",
    "relationships_as_subject",
}

Errors = dict[str, Any]


def id_is_acceptable(ctx: ActionContext, data: dict[str, Any], errors: Errors) -> None:
    """On create, only sysadmins may choose an id, which must be a free UUID."""
    if "id" not in data or data["id"] in (None, ""):
        return
    if not ctx.actor.is_sysadmin:
        errors["id"] = ["The input field id was not expected."]
    elif not is_uuid(data["id"]):
        errors["id"] = ["Invalid id provided"]
    elif ctx.session.get(Package, data["id"]) is not None:
        errors["id"] = ["Dataset id already exists"]


def name_is_free(ctx: ActionContext, name: str, own_id: str | None, errors: Errors) -> None:
    if name in RESERVED_NAMES:
        errors.setdefault("name", []).append("That name cannot be used")
        return
    query = select(Package.id).where(Package.name == name, Package.state != "deleted")
    if own_id:
        query = query.where(Package.id != own_id)
    if ctx.session.scalar(query) is not None:
        errors.setdefault("name", []).append("That URL is already in use.")


def owner_org_accepts_actor(ctx: ActionContext, owner_org: str, errors: Errors, *,
                            check_actor: bool = True) -> str | None:
    """Resolve an organization id or name to its id, checking the caller may add datasets to it."""
    org = get_group(ctx.session, owner_org, is_organization=True)
    if org is None or org.state != "active":
        errors["owner_org"] = ["Organization does not exist"]
        return None
    if check_actor and not has_org_role(ctx.session, ctx.actor, org.id, "editor"):
        errors["owner_org"] = ["You cannot add a dataset to this organization"]
        return None
    return org.id


def private_needs_org(data: dict[str, Any], owner_org: str | None, errors: Errors) -> None:
    if data.get("private") and not owner_org:
        errors.setdefault("private", []).append("Datasets with no organization can't be private.")


def extras_are_valid(extras: list[dict[str, Any]], errors: Errors) -> None:
    per_item: list[dict[str, Any]] = []
    seen: set[str] = set()
    duplicates: list[str] = []
    for extra in extras:
        item: dict[str, Any] = {}
        key = extra.get("key")
        if key in CORE_FIELDS:
            item["key"] = ["There is a schema field with the same name"]
        if not extra.get("deleted") and isinstance(key, str):
            if key in seen:
                duplicates.append(f'Duplicate key "{key}"')
            seen.add(key)
        per_item.append(item)
    if any(per_item):
        errors["extras"] = per_item
    if duplicates:
        errors["extras_validation"] = duplicates


def resource_ids_are_acceptable(
    ctx: ActionContext, package_id: str | None, resources: list[dict[str, Any]], errors: Errors
) -> None:
    per_item: list[dict[str, Any]] = []
    given = [resource.get("id") for resource in resources]
    wanted = [rid for rid in given if rid and is_uuid(rid)]
    # One lookup for the whole list, not one per resource.
    found = ctx.session.execute(select(Resource.id, Resource.package_id).where(Resource.id.in_(wanted))) if wanted else []
    owners = {rid: owner for rid, owner in found}
    for rid in given:
        item: dict[str, Any] = {}
        if rid:
            if not is_uuid(rid):
                item["id"] = ["Invalid id provided"]
            elif owners.get(rid) is not None and owners[rid] != package_id:
                item["id"] = ["Resource id already exists."]
        per_item.append(item)
    if any(per_item):
        errors["resources"] = per_item


def tag_vocabularies_exist(ctx: ActionContext, tags: list[dict[str, Any]], errors: Errors) -> None:
    """A tag's vocabulary_id must be a vocabulary's id (CKAN's vocabulary_id_exists: ids only, not names).
    A tag name the vocabulary lacks is added to it, as CKAN's default schema does."""
    from catalog.vocab.models import Vocabulary

    wanted = {tag["vocabulary_id"] for tag in tags if isinstance(tag, dict) and tag.get("vocabulary_id")}
    known = set(ctx.session.scalars(select(Vocabulary.id).where(Vocabulary.id.in_(wanted)))) if wanted else set()
    # CKAN's ValidationError keeps only the failing tags' dicts under `tags` (valid ones leave no {}).
    failing = [{"vocabulary_id": ["Tag vocabulary was not found."]}
               for tag in tags if isinstance(tag, dict) and tag.get("vocabulary_id") and tag["vocabulary_id"] not in known]
    if failing:
        errors["tags"] = failing
