"""CKAN-compatible harvest actions (ckanext-harvest names and parameters; sources live in their own table,
not as datasets of type `harvest`). A source created by a non-sysadmin waits for a sysadmin's validation."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select

from catalog.authz import org_capacities
from catalog.clock import utcnow
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.errors import NotFound, ValidationError
from catalog.ids import new_id
from catalog.organization.queries import find_group
from catalog.registry import action
from harvest import auth, rules
from harvest.dictize import job_summary, log_dict, object_dict, object_error_dict, source_dict
from harvest.enqueue import enqueue_job
from harvest.jobs import FAILURE_DETAIL
from harvest.models import HarvestJob, HarvestLog, HarvestObject, HarvestSource
from harvest.queries import find_job, find_object, find_source
from harvest.runner import JobAlreadyRunning, create_job


def _apply(ctx: ActionContext, source: HarvestSource, data: dict[str, Any], *, creating: bool) -> None:
    errors: rules.Errors = {}
    source_type = data.get("source_type", source.type)
    rules.source_type_is_known(source_type, errors)
    url = data.get("url", source.url)
    rules.url_is_http(url, errors)
    rules.frequency_is_known(data.get("frequency"), errors)
    name = data.get("name", source.name)
    rules.name_is_free(ctx, name, source.id, errors)
    if data.get("owner_org"):
        data = {**data, "owner_org": rules.owner_org_accepts_actor(ctx, data["owner_org"], source.owner_org, errors)}
    if errors:
        raise ValidationError(errors)
    config = source.config
    if "config" in data or creating:
        config = rules.source_config(data.get("config"), source_type, ctx.services.settings)
    rules.organization_is_given(data["owner_org"] if "owner_org" in data else source.owner_org, config)
    # Changing the url, type or config sends a source back to validation unless a sysadmin does it.
    before = (source.url, source.type, json.dumps(source.config or {}, sort_keys=True))
    source.name, source.url, source.type, source.config = name, url, source_type, config
    for key in ("title", "notes", "frequency", "owner_org", "active"):
        if key in data:
            setattr(source, key, data[key])
    source.modified = ctx.now
    after = (source.url, source.type, json.dumps(config, sort_keys=True))
    if ctx.actor.is_sysadmin and creating:
        _validate(ctx, source, "accepted", "Created by a sysadmin")
    elif not ctx.actor.is_sysadmin and (creating or before != after):
        source.validation_state, source.validated_by, source.validated_at = "pending", None, None


def _validate(ctx: ActionContext, source: HarvestSource, state: str, comment: str | None) -> None:
    source.validation_state = state
    source.validation_comment = comment
    source.validated_by = ctx.actor.user_id or ctx.actor.name
    source.validated_at = ctx.now


@action(auth=auth.harvest_source_create)
def harvest_source_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create a harvest source.

    :param url: the remote catalog (CKAN site root, DCAT RDF document, data.json document)
    :param name: unique name of the source
    :param source_type: ``ckan``, ``dcat_rdf`` or ``dcat_json``
    :param title, notes: text
    :param frequency: MANUAL (default), HOURLY, DAILY, WEEKLY, BIWEEKLY or MONTHLY
    :param config: JSON object (or its text) checked against the backend's schema
    :param owner_org: the organization harvested datasets belong to (its admins manage the source)
    :param active: whether the source runs (default true)

    A source created by an organization admin stays ``pending`` until a sysadmin validates it.
    """
    source = HarvestSource(id=new_id(), name=data["name"], url=data["url"], type=data["source_type"],
                           frequency="MANUAL", active=True, creator_user_id=ctx.actor.user_id, created=ctx.now)
    _apply(ctx, source, data, creating=True)
    ctx.session.add(source)
    ctx.session.flush()
    return source_dict(ctx.session, source)


@action(auth=auth.harvest_source_show, read_only=True)
def harvest_source_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Show a harvest source with its status (job_count, last_job, total_datasets).

    :param id: the id or name of the source
    """
    return source_dict(ctx.session, find_source(ctx.session, data.get("id")), with_status=True)


@action(auth=auth.harvest_source_list, read_only=True)
def harvest_source_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """List the harvest sources the caller manages.

    :param organization_id: only this organization's sources
    :param only_active: only active sources (default false)
    """
    query = select(HarvestSource).order_by(HarvestSource.name)
    if data.get("organization_id"):
        org = find_group(ctx.session, data["organization_id"])
        query = query.where(HarvestSource.owner_org == (org.id if org else None))
    if data.get("only_active"):
        query = query.where(HarvestSource.active.is_(True))
    if not ctx.actor.is_sysadmin:
        admin_of = [g for g, c in org_capacities(ctx.session, ctx.actor.user_id).items() if c == "admin"]
        query = query.where(HarvestSource.owner_org.in_(admin_of))
    return [source_dict(ctx.session, s) for s in ctx.session.scalars(query.limit(1000))]


@action(auth=auth.harvest_source_update)
def harvest_source_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update a harvest source; omitted fields are kept. A non-sysadmin changing url, type or config sends
    the source back to validation.

    :param id: the id or name of the source
    """
    source = find_source(ctx.session, data.get("id"))
    _apply(ctx, source, {k: v for k, v in data.items() if k != "id"}, creating=False)
    return source_dict(ctx.session, source)


@action(auth=auth.harvest_source_validate)
def harvest_source_validate(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Accept or refuse a harvest source (sysadmins only); only accepted sources run.

    :param id: the id or name of the source
    :param state: ``accepted`` or ``refused``
    :param comment: why (shown to the source's admins)
    """
    source = find_source(ctx.session, data.get("id"))
    _validate(ctx, source, data["state"], data.get("comment"))
    return source_dict(ctx.session, source)


@action(auth=auth.harvest_source_delete)
def harvest_source_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Deactivate a harvest source (its history and datasets stay); pending jobs are aborted.

    :param id: the id or name of the source
    :param clear: also withdraw its datasets and remove its history (default false)
    """
    source = find_source(ctx.session, data.get("id"))
    source.active = False
    for job in ctx.session.scalars(select(HarvestJob).where(
        HarvestJob.source_id == source.id, HarvestJob.status.in_(("new", "running"))
    )):
        job.status, job.finished, job.message = "aborted", ctx.now, "The source was deleted"
    if data.get("clear"):
        _clear(ctx, source)


@action(auth=auth.harvest_source_clear)
def harvest_source_clear(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Withdraw (state ``deleted``, never purge) every dataset of the source and remove its jobs and
    objects; the source itself stays.

    :param id: the id or name of the source
    """
    source = find_source(ctx.session, data.get("id"))
    running = ctx.session.scalar(select(HarvestJob.id).where(
        HarvestJob.source_id == source.id, HarvestJob.status == "running"))
    if running:
        raise ValidationError({"id": ["A job of this source is running; abort it first"]})
    return {"id": source.id, "withdrawn": _clear(ctx, source)}


def _clear(ctx: ActionContext, source: HarvestSource) -> int:
    package_ids = set(ctx.session.scalars(
        select(HarvestObject.package_id).join(Package, Package.id == HarvestObject.package_id)
        .where(HarvestObject.source_id == source.id, HarvestObject.current.is_(True), Package.state != "deleted")
    ))
    for package_id in sorted(package_ids):
        ctx.as_system().call("package_delete", {"id": package_id})
    ctx.session.execute(delete(HarvestObject).where(HarvestObject.source_id == source.id))
    ctx.session.execute(delete(HarvestJob).where(HarvestJob.source_id == source.id))
    return len(package_ids)


@action(auth=auth.harvest_job_create)
def harvest_job_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create a job for a source (refused while it has a new or running job, or is not validated). With
    MOISSON_REDIS_URL set it is queued for `moisson worker`; otherwise `moisson harvest run` runs it. A running
    job whose heartbeat is stale (its process died: the source's stale_after_seconds, default 600) is not a
    refusal: it is returned, to be resumed by whoever runs it (the runner claims it, so it runs only once).

    :param source_id: the id or name of the source
    :param force_all: list everything instead of the incremental window (default false)
    """
    source = find_source(ctx.session, data.get("source_id"))
    try:
        job = create_job(ctx.session, source, force_all=bool(data.get("force_all")), now=ctx.now,
                         resume_new=False)
    except JobAlreadyRunning as error:
        raise ValidationError({"source_id": [f"There already is an unrun job for this source: {error}"]}) from error
    if ctx.settings.redis_url:
        job_id, redis_url = job.id, ctx.settings.redis_url
        ctx.after_commit(lambda: enqueue_job(redis_url, job_id))
    return job_summary(job)


@action(auth=auth.harvest_job_show, read_only=True)
def harvest_job_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Show a harvest job with its statistics and errors. `status` is ckanext-harvest's (new, running, finished,
    aborted; failed when the job broke); `gather_failed` and `error` (one sentence) say that gathering failed,
    each `gather_errors` entry has `message`, `detail` and `code`; `info` holds notes that are not errors;
    `object_errors` name the record and the local dataset it concerns. A `failed` job's `detail` (the exception's
    text) is for sysadmins only.

    :param id: the job id
    """
    job = find_job(ctx.session, data["id"])
    summary = job_summary(job)
    errored = ctx.session.scalars(select(HarvestObject).where(
        HarvestObject.job_id == job.id, HarvestObject.status == "errored").limit(100))
    errored = list(errored)
    packages = {p.id: p for p in ctx.session.scalars(
        select(Package).where(Package.id.in_([o.package_id for o in errored if o.package_id])))}
    summary["object_errors"] = [object_error_dict(o, packages.get(o.package_id)) for o in errored]
    if job.status == "failed" and ctx.actor.is_sysadmin:
        summary["detail"] = (job.stats or {}).get(FAILURE_DETAIL)  # the exception (runner._job_failed)
    return summary


@action(auth=auth.harvest_job_list, read_only=True)
def harvest_job_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """List a source's jobs, newest first.

    :param source_id: the id or name of the source
    :param status: only jobs in this status
    :param limit: at most this many (default 100)
    """
    source = find_source(ctx.session, data.get("source_id"))
    query = select(HarvestJob).where(HarvestJob.source_id == source.id)
    if data.get("status"):
        query = query.where(HarvestJob.status == data["status"])
    query = query.order_by(HarvestJob.created.desc()).limit(int(data.get("limit", 100)))
    return [job_summary(j) for j in ctx.session.scalars(query)]


@action(auth=auth.harvest_job_abort)
def harvest_job_abort(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Abort a job (by id, or the latest new/running job of a source). A running job stops after its
    current batch, without deleting anything.

    :param id: the job id
    :param source_id: or the id or name of the source
    """
    if data.get("id"):
        job = ctx.session.get(HarvestJob, data["id"])
    else:
        source = find_source(ctx.session, data.get("source_id"))
        job = ctx.session.scalars(select(HarvestJob).where(HarvestJob.source_id == source.id)
                                  .order_by(HarvestJob.created.desc()).limit(1)).first()
    if job is None:
        raise NotFound("Harvest job not found")
    if job.status in ("new", "running"):
        job.status, job.finished = "aborted", ctx.now
        job.message = f"Aborted by {ctx.actor.name or 'the system'}"
        ctx.session.add(HarvestLog(source_id=job.source_id, job_id=job.id, level="WARNING",
                                   message=job.message, created=utcnow()))
    return job_summary(job)


@action(auth=auth.harvest_object_show, read_only=True)
def harvest_object_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Show one harvested record: guid, status, errors, content hash, stored content, local dataset.

    :param id: the harvest object id
    """
    return object_dict(find_object(ctx.session, data["id"]))


@action(auth=auth.harvest_log_list, read_only=True)
def harvest_log_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Harvest log lines, newest first.

    :param source_id: only this source's lines
    :param level: only this level (DEBUG, INFO, WARNING, ERROR, CRITICAL)
    :param limit: default 100
    :param offset: default 0
    """
    query = select(HarvestLog)
    if data.get("source_id"):
        query = query.where(HarvestLog.source_id == find_source(ctx.session, data["source_id"]).id)
    if data.get("level"):
        query = query.where(HarvestLog.level == str(data["level"]).upper())
    query = query.order_by(HarvestLog.id.desc()).offset(int(data.get("offset", 0))).limit(int(data.get("limit", 100)))
    return [log_dict(r) for r in ctx.session.scalars(query)]
