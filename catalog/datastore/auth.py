"""Auth functions of the datastore actions (same names). CKAN: reads follow resource_show, writes
follow resource_update (package_update on the dataset)."""

from __future__ import annotations

from typing import Any

from catalog.authz import can_edit_package, can_read_package
from catalog.context import ActionContext
from catalog.dataset.held import holds
from catalog.dataset.models import Package, Resource
from catalog.dataset.queries import get_package
from catalog.errors import NotAuthorized, NotFound, ValidationError

RESOURCE_REQUIRED = "resource_id or resource required"  # CKAN's datastore_create, when neither is given


def resource_id_of(data: dict[str, Any]) -> str:
    resource_id = data.get("resource_id") or data.get("id")
    if not resource_id or not isinstance(resource_id, str):
        raise ValidationError({"resource_id": ["Missing value"]})
    return resource_id


def get_resource(ctx: ActionContext, resource_id: str) -> tuple[Resource, Package]:
    resource = ctx.session.get(Resource, resource_id)
    package = ctx.session.get(Package, resource.package_id) if resource is not None else None
    if resource is None or package is None or resource.state == "deleted":
        raise NotFound(f'Resource "{resource_id}" was not found.')
    return resource, package


def _read(ctx: ActionContext, data: dict[str, Any]) -> None:
    resource_id = resource_id_of(data)
    _, package = get_resource(ctx, resource_id)
    if not can_read_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read resource {resource_id}")


def _editable_package(ctx: ActionContext, data: dict[str, Any]) -> Package:
    resource_id = resource_id_of(data)
    _, package = get_resource(ctx, resource_id)
    if not can_edit_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to update resource {resource_id}")
    return package


def _write(ctx: ActionContext, data: dict[str, Any]) -> None:
    _refuse_held(ctx, _editable_package(ctx, data))


def datastore_submit(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Loading the resource's own file again writes only what was reviewed: open to its editors."""
    _editable_package(ctx, data)


def _refuse_held(ctx: ActionContext, package: Package) -> None:
    """In an organization that requires review, an editor's DataStore rows would be public at once (a published
    dataset) or never shown to the reviewer (a draft): they change the resource's file instead, which is reviewed,
    and the table is loaded from it."""
    if holds(ctx, package.owner_org):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to write the DataStore of a dataset whose "
                            "organization requires review: upload the new file to the resource instead")


def datastore_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    if data.get("resource_id") or data.get("id"):
        _write(ctx, data)
        return
    resource = data.get("resource")
    if not isinstance(resource, dict) or not resource:  # CKAN ignores an empty `resource`
        raise ValidationError({"resource_id": [RESOURCE_REQUIRED]})
    if not resource.get("package_id"):
        raise ValidationError({"resource_id": ["Missing value"]})
    package = get_package(ctx.session, resource["package_id"])
    if package is None:
        raise NotFound("Package was not found.")
    if not can_edit_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to create resources on dataset {package.id}")
    _refuse_held(ctx, package)


datastore_upsert = _write
datastore_delete = _write
datastore_records_delete = _write
datastore_search = _read
datastore_info = _read
datastore_load_status = _read


def datastore_search_sql(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Every table the query names must be the DataStore table of a resource the caller may read."""
    from catalog.datastore.sqlcheck import referenced_tables

    sql = data.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise ValidationError({"sql": ["Missing value"]})
    for table in referenced_tables(sql, dialect_of(ctx)):
        resource = ctx.session.get(Resource, table)
        package = ctx.session.get(Package, resource.package_id) if resource is not None else None
        if resource is None or package is None or resource.state == "deleted" or not resource.datastore_active:
            raise NotAuthorized(f"Not authorized to read table {table}: it is not a DataStore resource table")
        if not can_read_package(ctx, package):
            raise NotAuthorized(f"User {ctx.actor.name} not authorized to read resource {table}")


def dialect_of(ctx: ActionContext) -> str:
    return "sqlite" if ctx.services.db.is_sqlite else "postgres"
