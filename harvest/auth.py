"""Who may manage harvesting: sysadmins (the dispatcher skips these checks for them) and the admins of the
source's organization. Validating a source is for sysadmins only."""

from __future__ import annotations

from typing import Any

from catalog.authz import has_org_role
from catalog.context import ActionContext
from catalog.errors import NotAuthorized
from catalog.organization.queries import find_group
from harvest.queries import find_job, find_object, find_source


def _require_org_admin(ctx: ActionContext, org_id: str | None, what: str) -> None:
    if not has_org_role(ctx.session, ctx.actor, org_id, "admin"):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to {what}")


def _source_admin(what: str) -> Any:
    def check(ctx: ActionContext, data: dict[str, Any]) -> None:
        source = find_source(ctx.session, data.get("id") or data.get("source_id"))
        _require_org_admin(ctx, source.owner_org, what)

    return check


def harvest_source_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    org = find_group(ctx.session, data.get("owner_org")) if data.get("owner_org") else None
    _require_org_admin(ctx, org.id if org is not None else None, "create harvest sources")


def harvest_source_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    if ctx.actor.is_anonymous:
        raise NotAuthorized("User not authorized to list harvest sources")


def harvest_job_abort(ctx: ActionContext, data: dict[str, Any]) -> None:
    if data.get("id"):
        data = {"source_id": find_job(ctx.session, data["id"]).source_id}
    _source_admin("abort harvest jobs")(ctx, data)


def harvest_job_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    _source_admin("see harvest jobs")(ctx, {"id": find_job(ctx.session, data.get("id")).source_id})


def harvest_object_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    _source_admin("see harvest objects")(ctx, {"id": find_object(ctx.session, data.get("id")).source_id})


def harvest_log_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    if data.get("source_id"):
        _source_admin("read the harvest log")(ctx, data)
    elif not ctx.actor.is_sysadmin:
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read the whole harvest log")


def sysadmin_only(ctx: ActionContext, data: dict[str, Any]) -> None:
    raise NotAuthorized(f"User {ctx.actor.name} not authorized: only sysadmins validate harvest sources")


harvest_source_show = _source_admin("see this harvest source")
harvest_source_update = harvest_source_patch = _source_admin("update this harvest source")
harvest_source_delete = _source_admin("delete this harvest source")
harvest_source_clear = _source_admin("clear this harvest source")
harvest_job_create = _source_admin("run this harvest source")
harvest_job_list = _source_admin("see harvest jobs")
harvest_source_validate = sysadmin_only
