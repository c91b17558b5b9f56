"""One batch of remote records -> datasets, inside one unit of work, through the action registry.

Identity: a record's guid is scoped to its source; the source's current HarvestObject for that guid names
the local dataset. A harvest only updates datasets whose `harvest_source_id` extra is its own source, so a
dataset created locally, detached by an admin, or owned by another source is never overwritten.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.context import ActionContext
from catalog.dataset.models import Package, PackageExtra
from catalog.errors import ActionError, ValidationError
from catalog.ids import new_id
from catalog.organization.models import Group
from harvest.backends.base import Backend, RemoteRecord, SourceInfo
from harvest.models import HarvestObject

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
# Mapping bugs on odd remote input must fail the record, not the job.
# Remote keys a harvest never copies: identity, visibility and read-only computed fields.
NOT_COPIED = frozenset({
    "id", "state", "private", "type", "owner_org", "organization", "metadata_created", "metadata_modified",
    "creator_user_id", "num_resources", "num_tags", "isopen", "license_title", "license_url",
    "relationships_as_object", "relationships_as_subject", "revision_id",
})
DEFAULT_MAX_ITEMS = 1000
RECORD_ERRORS = (ActionError, KeyError, TypeError, ValueError, AttributeError)


class NotOwned(Exception):
    """The dataset behind a guid is no longer this source's (created locally, detached, another source)."""


@dataclass
class BatchResult:
    counts: Counter[str] = field(default_factory=Counter)
    # Per-record outcomes, kept only for dry runs (guid, status, name, errors).
    details: list[dict[str, Any]] = field(default_factory=list)


def import_batch(
    ctx: ActionContext, job_id: str, source: SourceInfo, backend: Backend, records: list[RemoteRecord],
    *, keep_details: bool = False,
) -> BatchResult:
    session = ctx.session
    result = BatchResult()
    unique: dict[str, RemoteRecord] = {}
    for record in records:
        unique.setdefault(record.guid, record)
    current = {
        obj.guid: obj
        for obj in session.scalars(
            select(HarvestObject).where(
                HarvestObject.source_id == source.id,
                HarvestObject.current.is_(True),
                HarvestObject.guid.in_(list(unique)),
            )
        )
    }
    # Rows this job already wrote for these guids (a duplicate across pages, or a page resumed after a crash).
    in_job = set(session.scalars(
        select(HarvestObject.guid).where(
            HarvestObject.job_id == job_id, HarvestObject.source_id == source.id,
            HarvestObject.guid.in_(list(unique)),
        )
    ))
    alive = _live_packages(session, [o.package_id for o in current.values() if o.package_id])
    unchanged: list[str] = []
    for record in unique.values():
        obj = current.get(record.guid)
        if record.guid in in_job or (obj is not None and obj.last_seen_job_id == job_id):
            continue
        result.counts["gathered"] += 1
        if record.skip_reason:
            status, name, errors = "skipped", None, [record.skip_reason]
            session.add(HarvestObject(
                source_id=source.id, job_id=job_id, guid=record.guid, status="skipped",
                remote_url=record.remote_url, errors=errors, last_seen_job_id=job_id,
            ))
            if obj is not None:
                unchanged.append(obj.id)
        elif (obj is not None and obj.content_hash == record.content_hash and obj.status != "deleted"
              and obj.package_id in alive):
            status, name, errors = "unchanged", None, []
            unchanged.append(obj.id)
        else:
            status, name, errors = _import_record(ctx, job_id, source, backend, record, obj)
        result.counts[status] += 1
        if keep_details:
            result.details.append({"guid": record.guid, "status": status, "name": name, "errors": errors})
    if unchanged:
        session.execute(
            update(HarvestObject).where(HarvestObject.id.in_(unchanged)).values(last_seen_job_id=job_id)
        )
    return result


def _live_packages(session: Session, package_ids: list[str]) -> set[str]:
    if not package_ids:
        return set()
    return set(session.scalars(select(Package.id).where(Package.id.in_(package_ids), Package.state != "deleted")))


def _import_record(
    ctx: ActionContext, job_id: str, source: SourceInfo, backend: Backend, record: RemoteRecord,
    previous: HarvestObject | None,
) -> tuple[str, str | None, list[str]]:
    session = ctx.session
    object_id = new_id()
    try:
        with session.begin_nested():
            package = backend.to_package_dict(record)
            _check_size(source.config, package)
            prepared = _prepare(ctx, source, package, record, object_id, job_id)
            existing = _owned_package(session, source, previous)
            if existing is not None:
                prepared["id"] = existing.id
                prepared["name"] = existing.name  # local names are stable (links, bookmarks)
                if previous is not None and previous.status == "deleted":
                    prepared["state"] = "active"  # the record came back upstream
                prepared["resources"] = _keep_resource_ids(ctx, existing.id, prepared.get("resources") or [])
                saved = ctx.call("package_update", prepared)
                status = "updated"
            else:
                prepared["name"] = _free_name(session, prepared, source, record.guid)
                saved = ctx.call("package_create", prepared)
                status = "added"
            session.add(HarvestObject(
                id=object_id, source_id=source.id, job_id=job_id, guid=record.guid,
                content_hash=record.content_hash, content=record.content, status=status, current=True,
                package_id=saved["id"], remote_url=record.remote_url, last_seen_job_id=job_id,
            ))
            if previous is not None:
                previous.current = False
                previous.content = None  # superseded content is not kept: the table grows with changes only
            session.flush()
        return status, saved["name"], []
    except (NotOwned, *RECORD_ERRORS) as error:
        message = _error_message(error)
        session.add(HarvestObject(
            id=object_id, source_id=source.id, job_id=job_id, guid=record.guid, content_hash=None,
            content=record.content, status="errored", current=False, remote_url=record.remote_url,
            errors=[message], last_seen_job_id=job_id,
            package_id=previous.package_id if previous is not None else None,
        ))
        if previous is not None:
            previous.last_seen_job_id = job_id  # seen upstream: never "missing", whatever its import did
        return "errored", None, [message]


def _check_size(config: dict[str, Any], package: dict[str, Any]) -> None:
    """Huge records (8,327 distributions, 34,866 keywords: GSA/data.gov#4583, #4965) fail alone."""
    for key, limit_key in (("resources", "max_resources_per_record"), ("tags", "max_tags_per_record")):
        limit = int(config.get(limit_key, DEFAULT_MAX_ITEMS))
        if len(package.get(key) or []) > limit:
            raise ValidationError({key: [f"The record has {len(package[key])} {key}, more than {limit_key}={limit}"]})


def _error_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return f"Validation error: {error.errors}"
    if isinstance(error, ActionError):
        return f"{error.ckan_type}: {error.message}"
    if isinstance(error, NotOwned):
        return str(error)
    return f"Could not map the record ({error.__class__.__name__}: {error})"


def _owned_package(session: Session, source: SourceInfo, previous: HarvestObject | None) -> Package | None:
    if previous is None or previous.package_id is None:
        return None
    package = session.get(Package, previous.package_id)
    if package is None:
        return None  # purged locally: harvest it again as new
    owner = session.scalar(
        select(PackageExtra.value).where(PackageExtra.package_id == package.id, PackageExtra.key == "harvest_source_id")
    )
    if owner != source.id:
        holder = f"harvest source {owner}" if owner else "a local user (it has no harvest_source_id)"
        raise NotOwned(
            f"Dataset {package.name!r} is now managed by {holder}; this harvest does not overwrite it"
        )
    return package


def _prepare(
    ctx: ActionContext, source: SourceInfo, package: dict[str, Any], record: RemoteRecord, object_id: str,
    job_id: str,
) -> dict[str, Any]:
    config = source.config
    remote_org = package.pop("__remote_org", None)
    package = {k: v for k, v in package.items() if k not in NOT_COPIED}
    package["owner_org"] = _resolve_org(ctx, config, remote_org) or source.owner_org
    if config.get("remote_groups") in ("only_local", "create") or config.get("default_groups"):
        package["groups"] = _resolve_groups(ctx, config, package.get("groups") or [])
    else:
        package.pop("groups", None)  # local curation of groups survives re-harvests
    provenance = {
        "harvest_object_id": object_id,
        "harvest_source_id": source.id,
        "harvest_source_title": source.title or source.name,
        "guid": record.guid,
    }
    if record.remote_url:
        provenance["remote_url"] = record.remote_url
    values = {
        "harvest_source_id": source.id, "harvest_source_url": source.url.rstrip("/"),
        "harvest_source_title": source.title or "", "harvest_job_id": job_id, "harvest_object_id": object_id,
        "dataset_id": "",
    }
    extras = [
        {"key": e["key"], "value": _substitute(e.get("value"), values)}
        for e in package.get("extras") or [] if e.get("key") not in provenance
    ]
    package["extras"] = extras + [{"key": k, "value": v} for k, v in provenance.items()]
    return package


def _substitute(value: Any, values: dict[str, str]) -> Any:
    if not isinstance(value, str) or "{" not in value:
        return value
    for key, replacement in values.items():
        value = value.replace("{" + key + "}", replacement)
    return value


def _resolve_org(ctx: ActionContext, config: dict[str, Any], remote_org: dict[str, Any] | None) -> str | None:
    if not remote_org or not remote_org.get("name"):
        return None
    found = ctx.session.scalar(
        select(Group.id).where(Group.name == remote_org["name"], Group.is_organization.is_(True),
                               Group.state == "active")
    )
    if found or config.get("remote_orgs") != "create":
        return found
    created = ctx.as_system().call("organization_create", dict(remote_org))
    return created["id"]


def _resolve_groups(ctx: ActionContext, config: dict[str, Any], groups: list[dict[str, Any]]) -> list[dict[str, str]]:
    names = [g["name"] for g in groups if g.get("name")]
    existing = set(ctx.session.scalars(
        select(Group.name).where(Group.name.in_(names), Group.is_organization.is_(False), Group.state == "active")
    )) if names else set()
    kept = []
    for group in groups:
        name = group.get("name")
        if not name:
            continue
        if name not in existing:
            if config.get("remote_groups") != "create" or name in (config.get("default_groups") or []):
                continue
            ctx.as_system().call("group_create", {k: v for k, v in group.items() if v})
            existing.add(name)
        kept.append({"name": name})
    return kept


def _keep_resource_ids(ctx: ActionContext, package_id: str, resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Match incoming resources to the existing ones by URL (then position) so resource ids survive
    re-harvests (ckanext-dcat#91: ids recreated on every run orphan DataStore tables)."""
    from catalog.dataset.models import Resource

    rows = list(ctx.session.execute(
        select(Resource.id, Resource.url).where(Resource.package_id == package_id, Resource.state == "active")
        .order_by(Resource.position)
    ))
    free = {row.id: row.url for row in rows}
    matched = []
    for resource in resources:
        resource = {k: v for k, v in resource.items() if k != "id"}
        hit = next((rid for rid, url in free.items() if url == resource.get("url")), None)
        if hit is not None:
            resource["id"] = hit
            del free[hit]
        matched.append(resource)
    return matched


def _free_name(session: Session, package: dict[str, Any], source: SourceInfo, guid: str) -> str:
    """The remote name when free, else a suffix derived from (source, guid): the same on every run."""
    base = package.get("name") if isinstance(package.get("name"), str) else ""
    if not base or not NAME_RE.match(base):
        base = _munge(base or package.get("title") or guid)
    if not _name_taken(session, base):
        return base
    suffix = hashlib.sha1(f"{source.id}\n{guid}".encode()).hexdigest()[:8]
    candidate = f"{base[: 100 - len(suffix) - 1]}-{suffix}"
    if _name_taken(session, candidate):
        raise ValidationError({"name": [f"Both {base!r} and {candidate!r} are already in use"]})
    return candidate


def _name_taken(session: Session, name: str) -> bool:
    # Deleted holders do not count: package_create renames them out of the way.
    return session.scalar(
        select(Package.id).where(Package.name == name, Package.state != "deleted").limit(1)
    ) is not None


def _munge(text: str) -> str:
    name = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)[:100].strip("-")
    return name if len(name) >= 2 else f"dataset-{hashlib.sha1(text.encode()).hexdigest()[:8]}"

