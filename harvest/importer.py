"""One batch of remote records -> datasets, inside one unit of work, through the action registry.

Identity: a record's guid is scoped to its source; the source's current HarvestObject for that guid names
the local dataset. A harvest only updates datasets whose `harvest_source_id` extra is its own source, so a
dataset created locally, detached by an admin, or owned by another source is never overwritten.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, defer

from catalog.context import ActionContext
from catalog.dataset.bulk import OrgCache, creatable, create_packages
from catalog.dataset.models import Package, PackageExtra
from catalog.dcat.from_rdf import WARNINGS_KEY
from catalog.errors import ActionError, ValidationError
from catalog.ids import new_id
from catalog.organization.models import Group
from catalog.registry import CONFLICT_MESSAGE
from harvest.backends.base import Backend, RemoteRecord, SourceInfo
from harvest.models import HarvestObject
from harvest.names import free_name, name_candidates, name_taken, names_in_use
from harvest.tags import clean_tags

# Mapping bugs on odd remote input must fail the record, not the job.
# Remote keys a harvest never copies: identity, visibility and read-only computed fields.
NOT_COPIED = frozenset({
    "id", "state", "private", "type", "owner_org", "organization", "metadata_created", "metadata_modified",
    "creator_user_id", "num_resources", "num_tags", "isopen", "license_title", "license_url",
    "relationships_as_object", "relationships_as_subject", "revision_id",
})
DEFAULT_MAX_ITEMS = 1000
RECORD_ERRORS = (ActionError, KeyError, TypeError, ValueError, AttributeError)
# Optional fields whose invalid value is dropped (with a warning on the harvest object) rather than costing
# the record its dataset. Name, title, resources, owner and extras (provenance) are never dropped.
DROPPABLE_FIELDS = frozenset({
    "author", "author_email", "maintainer", "maintainer_email", "url", "version", "license_id", "notes", "tags",
})
WARNING_PREFIX = "Warning: "


class NotOwned(Exception):
    """The dataset behind a guid is no longer this source's (created locally, detached, another source)."""


class RecordUnreadable(Exception):
    """The backend listed the record but could not read it (its read_error says why)."""


@dataclass(frozen=True)
class Prepared:
    """A new record mapped, size-checked and prepared (`_prepare`) once, and its warnings."""

    object_id: str
    package: dict[str, Any]
    warnings: list[str]


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
    if session.get_bind().dialect.name == "postgresql":
        # A first harvest fills the tables from empty. psycopg prepares a statement on its 5th run, and
        # PostgreSQL may then keep a generic plan made while they were small: a seq scan of package for the
        # name check, a loop over all of the job's objects per guid. Each page then cost more than the
        # last (30,000 datasets: 200 ms a page for the names alone). Planned each time, they use the indexes.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    result = BatchResult()
    unique: dict[str, RemoteRecord] = {}
    for record in records:
        unique.setdefault(record.guid, record)
    current = {
        obj.guid: obj
        for obj in session.scalars(_with_guids(session, select(HarvestObject).options(defer(HarvestObject.content))
                                               .where(HarvestObject.source_id == source.id,
                                                      HarvestObject.current.is_(True)), list(unique)))
    }
    # Rows this job already wrote for these guids (a duplicate across pages, or a page resumed after a crash).
    in_job = set(session.scalars(_with_guids(session, select(HarvestObject.guid).where(
        HarvestObject.job_id == job_id, HarvestObject.source_id == source.id), list(unique))))
    alive = _live_packages(session, [o.package_id for o in current.values() if o.package_id])
    fresh = [r for r in unique.values() if r.guid not in in_job and r.guid not in current and not r.skip_reason
             and not r.read_error]
    new = NewRecords(ctx, job_id, source, backend, fresh, result, keep_details)
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
              and obj.package_id in alive and not record.read_error):
            status, name, errors = "unchanged", None, []
            unchanged.append(obj.id)
        elif obj is None and new.add(record):
            continue  # created with its group of new records (NewRecords.flush), counted there
        else:
            new.flush()  # earlier new records first: names are claimed in record order
            status, name, errors = _import_record(ctx, job_id, source, backend, record, obj,
                                                  new.declined.pop(record.guid, None))
            new.claim(name)
        result.counts[status] += 1
        if keep_details:
            result.details.append({"guid": record.guid, "status": status, "name": name, "errors": errors})
    new.flush()
    if unchanged:
        session.execute(
            update(HarvestObject).where(HarvestObject.id.in_(unchanged)).values(last_seen_job_id=job_id)
        )
    return result


class NewRecords:
    """Records with no object yet, created a group at a time by catalog/dataset/bulk.py instead of one
    package_create each: same validation, rules, dicts, search rows, activities and provenance. A record
    that does not fit (mapping or validation error, name held by a deleted dataset, groups, ...) goes
    through `_import_record` instead, after the group before it is created, so names are given in record
    order exactly as one-by-one imports give them. If the group's flush fails (a name taken meanwhile by
    another writer), its records are imported one by one, so one bad record never fails the others."""

    def __init__(
        self, ctx: ActionContext, job_id: str, source: SourceInfo, backend: Backend, records: list[RemoteRecord],
        result: BatchResult, keep_details: bool,
    ) -> None:
        self.ctx, self.job_id, self.source, self.backend = ctx, job_id, source, backend
        self.result, self.keep_details = result, keep_details
        self.pending: list[tuple[RemoteRecord, str, tuple[dict[str, Any], str | None], int]] = []
        self.claimed: set[str] = set()
        self.orgs: OrgCache = {}
        # Creating organizations or groups while mapping is per-record work (rolled back with its record).
        # A source under review writes through package_create one by one: the bulk path publishes directly.
        enabled = ("create" not in (source.config.get("remote_orgs"), source.config.get("remote_groups"))
                   and not held_for_review(source))
        self.prepared: dict[str, Prepared] = {}
        # Prepared records `add` turned down before anything could change them: the one-by-one import takes
        # them as they are instead of mapping and preparing them again.
        self.declined: dict[str, Prepared] = {}
        for record in records if enabled else []:
            try:
                prepared = _prepare_record(ctx, job_id, source, backend, record, new_id())
            except RECORD_ERRORS:
                continue  # the one-by-one import records the error
            if prepared.warnings:  # warnings are written by the one-by-one import
                self.declined[record.guid] = prepared
            else:
                self.prepared[record.guid] = prepared
        self.live, self.deleted = names_in_use(ctx.session, [
            name for guid, prepared in self.prepared.items()
            for name in name_candidates(prepared.package, source, guid)
        ])

    def claim(self, name: str | None) -> None:
        if name:
            self.claimed.add(name)

    def add(self, record: RemoteRecord) -> bool:
        """Queue the record for the next group; False when it must be imported one by one."""
        prepared = self.prepared.pop(record.guid, None)
        if prepared is None:
            return False
        package = prepared.package
        try:
            name = free_name(package, self.source, record.guid, lambda n: n in self.live or n in self.claimed)
        except ValidationError:
            self.declined[record.guid] = prepared
            return False
        if name in self.deleted:
            self.declined[record.guid] = prepared
            return False  # package_create renames the deleted holder first
        ready = creatable(self.ctx, {**package, "name": name}, self.orgs)
        if ready is None:
            return False
        self.claimed.add(name)
        slot = len(self.result.details)
        if self.keep_details:
            self.result.details.append({})
        self.pending.append((record, prepared.object_id, ready, slot))
        return True

    def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        session = self.ctx.session
        try:
            with session.begin_nested():
                created = create_packages(self.ctx, [ready for _, _, ready, _ in pending])
                for (record, object_id, _, _), package in zip(pending, created, strict=True):
                    session.add(HarvestObject(
                        id=object_id, source_id=self.source.id, job_id=self.job_id, guid=record.guid,
                        content_hash=record.content_hash, content=record.content, status="added", current=True,
                        package_id=package["id"], remote_url=record.remote_url, last_seen_job_id=self.job_id,
                    ))
                session.flush()
            outcomes = [("added", package["name"], []) for package in created]
        except (SQLAlchemyError, *RECORD_ERRORS):
            outcomes = [_import_record(self.ctx, self.job_id, self.source, self.backend, record, None)
                        for record, _, _, _ in pending]
        for (record, _, _, slot), (status, name, errors) in zip(pending, outcomes, strict=True):
            self.claim(name)
            self.result.counts[status] += 1
            if self.keep_details:
                self.result.details[slot] = {"guid": record.guid, "status": status, "name": name, "errors": errors}


def unchanged_guids(session: Session, source_id: str, records: list[RemoteRecord]) -> set[str]:
    """Guids of records whose current object has the same hash and a live dataset (what import_batch
    counts as unchanged), in one query per 500 records."""
    hashes = {r.guid: r.content_hash for r in records if not r.skip_reason and not r.read_error}
    guids = list(hashes)
    found: set[str] = set()
    for start in range(0, len(guids), 500):
        query = (
            select(HarvestObject.guid, HarvestObject.content_hash)
            .join(Package, Package.id == HarvestObject.package_id)
            .where(HarvestObject.source_id == source_id, HarvestObject.current.is_(True),
                   HarvestObject.status != "deleted", Package.state != "deleted")
        )
        rows = session.execute(_with_guids(session, query, guids[start : start + 500]))
        found.update(guid for guid, digest in rows if digest == hashes[guid])
    return found


def _with_guids(session: Session, query: Select[Any], guids: list[str]) -> Select[Any]:
    """`query` limited to these guids. On PostgreSQL a join on unnest(array), not IN (500 parameters):
    once psycopg prepares the statement, PostgreSQL's generic plan compares every source row with every
    parameter (no hashed IN list), 130 ms a page at 10,000 datasets; the join probes the guid index."""
    if session.get_bind().dialect.name != "postgresql":
        return query.where(HarvestObject.guid.in_(guids))
    wanted = func.unnest(literal(guids, ARRAY(String))).table_valued("guid").render_derived(name="wanted_guid")
    return query.join(wanted, wanted.c.guid == HarvestObject.guid)


def _live_packages(session: Session, package_ids: list[str]) -> set[str]:
    if not package_ids:
        return set()
    return set(session.scalars(select(Package.id).where(Package.id.in_(package_ids), Package.state != "deleted")))


def _prepare_record(
    ctx: ActionContext, job_id: str, source: SourceInfo, backend: Backend, record: RemoteRecord, object_id: str,
) -> Prepared:
    """The record mapped by its backend, size-checked and prepared for the harvest object `object_id`."""
    package = backend.to_package_dict(record)
    _check_size(source.config, package)
    warnings: list[str] = []
    return Prepared(object_id, _prepare(ctx, source, package, record, object_id, job_id, warnings), warnings)


def _import_record(
    ctx: ActionContext, job_id: str, source: SourceInfo, backend: Backend, record: RemoteRecord,
    previous: HarvestObject | None, ready: Prepared | None = None,
) -> tuple[str, str | None, list[str]]:
    """Import one record, prepared here unless `ready` (a new record NewRecords prepared, then turned down for
    its warnings or its name)."""
    session = ctx.session
    object_id = ready.object_id if ready is not None else new_id()
    warnings: list[str] = []
    # Only the dataset write is held: organizations and groups the mapping creates are not reviewed.
    writer = ctx.holding_for_review() if held_for_review(source) else ctx
    try:
        with session.begin_nested():
            if record.read_error:
                raise RecordUnreadable(record.read_error)
            if ready is None:
                ready = _prepare_record(ctx, job_id, source, backend, record, object_id)
            prepared, warnings = ready.package, list(ready.warnings)
            existing = owned_package(session, source, previous)
            if existing is not None:
                prepared["id"] = existing.id
                prepared["name"] = existing.name  # local names are stable (links, bookmarks)
                if previous is not None and previous.status == "deleted":
                    prepared["state"] = "active"  # the record came back upstream
                prepared["resources"] = _keep_resource_ids(ctx, existing.id, prepared.get("resources") or [])
                saved = save_dropping_invalid(writer, "package_update", prepared, warnings)
                status = "updated"
            else:
                prepared["name"] = free_name(prepared, source, record.guid, lambda n: name_taken(session, n))
                saved = save_dropping_invalid(writer, "package_create", prepared, warnings)
                status = "added"
            notes = [WARNING_PREFIX + warning for warning in warnings]
            session.add(HarvestObject(
                id=object_id, source_id=source.id, job_id=job_id, guid=record.guid,
                content_hash=record.content_hash, content=record.content, status=status, current=True,
                package_id=saved["id"], remote_url=record.remote_url, last_seen_job_id=job_id, errors=notes,
            ))
            if previous is not None:
                previous.current = False
                previous.content = None  # superseded content is not kept: the table grows with changes only
            session.flush()
        return status, saved["name"], notes
    except (NotOwned, RecordUnreadable, DatabaseIntegrityError, *RECORD_ERRORS) as error:
        # An integrity error (a name taken meanwhile by another writer) rolled back this record's
        # savepoint only: the record fails, as it would through the API (catalog/registry.py).
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


def held_for_review(source: SourceInfo) -> bool:
    """`review: true` in the source's config: its new datasets are drafts submitted for review and its updates
    of published datasets pending edits (catalog/dataset/held.py), instead of being published at once."""
    return bool(source.config.get("review"))


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
    if isinstance(error, NotOwned | RecordUnreadable):
        return str(error)
    if isinstance(error, DatabaseIntegrityError):
        return f"Validation error: {CONFLICT_MESSAGE}"
    return f"Could not map the record ({error.__class__.__name__}: {error})"


def owned_package(session: Session, source: SourceInfo, previous: HarvestObject | None) -> Package | None:
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


def save_dropping_invalid(
    ctx: ActionContext, action_name: str, package: dict[str, Any], warnings: list[str],
) -> dict[str, Any]:
    """Run package_create/_update; when the only fields refused are optional ones, drop them, note each in
    `warnings` and try again, so one odd optional value (an obfuscated `poststelle(at)...` e-mail) does
    not lose the dataset. Anything else (a missing name, a bad resource) still fails the record."""
    package = dict(package)
    while True:
        try:
            with ctx.session.begin_nested():
                return ctx.call(action_name, package)
        except ValidationError as error:
            refused = set(error.errors)
            if not refused or not refused <= DROPPABLE_FIELDS or not refused <= set(package):
                raise
            for key in sorted(refused):
                warnings.append(f"{key} {package.pop(key)!r} dropped: {_field_message(error.errors[key])}")


def _field_message(messages: Any) -> str:
    if isinstance(messages, list):
        return "; ".join(str(m) for m in messages)
    return str(messages)


def _prepare(
    ctx: ActionContext, source: SourceInfo, package: dict[str, Any], record: RemoteRecord, object_id: str,
    job_id: str, warnings: list[str],
) -> dict[str, Any]:
    config = source.config
    remote_org = package.pop("__remote_org", None)
    warnings.extend(package.pop(WARNINGS_KEY, None) or [])  # the DCAT reader's
    package = {k: v for k, v in package.items() if k not in NOT_COPIED}
    if isinstance(package.get("tags"), list):
        package["tags"], tag_warnings = clean_tags(package["tags"])
        warnings.extend(tag_warnings)
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
