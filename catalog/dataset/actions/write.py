"""package_create, package_update, package_patch, package_delete, dataset_purge, package_owner_org_update."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from catalog.clock import iso
from catalog.context import ActionContext
from catalog.dataset import auth, held, rules, save
from catalog.dataset.dictize import package_dictize, without_write_times
from catalog.dataset.locking import lock_package, package_dict_for_update
from catalog.dataset.models import Package, PackageCollaborator
from catalog.dataset.publish import PackageChange, after_package_purge, after_package_write
from catalog.dataset.queries import get_group, get_package
from catalog.errors import NotFound, ValidationError
from catalog.registry import action
from catalog.review.models import pending_file_key


def write_package(ctx: ActionContext, data: dict[str, Any], package: Package | None,
                  approval: held.Approval | None = None) -> dict[str, Any]:
    """Validate with the database rules, save, and — when something changed — index and log an activity.
    In an organization that requires review, a non-reviewer's write is held instead (catalog/dataset/held.py);
    `approval` is a review round being published (review_approve)."""
    is_create = package is None
    errors: rules.Errors = {}
    if is_create:
        rules.id_is_acceptable(ctx, data, errors)
    name = data.get("name") or (package.name if package else "")
    rules.name_is_free(ctx, name, None if package is None else package.id, errors)
    owner_org = package.owner_org if package else None
    if data.get("owner_org") and (
        package is None or data["owner_org"] not in (package.owner_org, _org_name(ctx, package))
    ):
        # An approved move was checked against its author when held; the reviewer need not edit the destination.
        owner_org = rules.owner_org_accepts_actor(ctx, data["owner_org"], errors, check_actor=approval is None)
    rules.private_needs_org({**({"private": package.private} if package else {}), **data}, owner_org, errors)
    rules.extras_are_valid(data.get("extras") or [], errors)
    rules.tag_vocabularies_exist(ctx, data.get("tags") or [], errors)
    rules.resource_ids_are_acceptable(
        ctx, None if package is None else package.id, data.get("resources") or [], errors
    )
    if errors:
        raise ValidationError(errors)

    held_here = approval is None and held.holds(ctx, owner_org, package.owner_org if package else None)
    if package is not None and package.state == "active" and held_here:
        return held.hold_edit(ctx, package, data, owner_org, _apply_fields)
    if package is not None and package.state == "active" and approval is None:
        held.refuse_direct_write(ctx, package)
    if held_here and package is not None and package.state in ("draft", "deleted"):
        # Only approval publishes a held draft; a deleted dataset brought back comes back as one.
        data = {k: v for k, v in data.items() if k != "state"}
    revision = None
    before: dict[str, Any] | None = None
    if package is None:
        save.rename_deleted_holder(ctx, name)
        package = save.new_package_row(ctx, data, name)
        # Filled before it joins the session (as bulk.py does): its collections start empty with no lazy
        # loads, and the row is written by one INSERT, not an INSERT and then an UPDATE.
        new_files = save.apply_package_fields(ctx, package, data, owner_org)
        ctx.session.add(package)
        if held_here:
            revision = held.start_new_round(ctx, package)
    else:
        before = package_dictize(ctx.session, package, ctx.settings)
        package.name = name
        # An approval's group and organization changes were checked when they were held, against their author.
        new_files = _apply_fields(ctx.as_system() if approval is not None else ctx, package, data, owner_org)
        if held_here and package.state == "deleted":
            revision = held.start_new_round(ctx, package)
        elif held_here and package.state == "draft":
            revision = held.open_revision(ctx, package.id)
    if approval is not None:
        new_files = [*new_files, *_promote_files(ctx, package, approval)]
    if before is not None and before["state"] == "draft" and package.state == "active":
        held.close_published_round(ctx, held.open_revision(ctx, package.id))
    ctx.session.flush()
    # A new dataset given no groups is in none (bulk.py knows it too): no membership query.
    no_groups = is_create and not data.get("groups")
    after = package_dictize(ctx.session, package, ctx.settings, groups=[] if no_groups else None)
    if before is not None:
        if without_write_times(before) == without_write_times(after):
            # CKAN 2.12: a no-op update changes nothing, not even metadata_modified
            return before if revision is None else held.held_answer(before, revision)
        package.metadata_modified = ctx.now
        before_resources = {r["id"]: {**r, "metadata_modified": None} for r in before["resources"]}
        touched = save.touch_resources(package, before_resources, after["resources"], ctx.now)
        # Mirror the new timestamps in the dict instead of dictizing a third time.
        after["metadata_modified"] = iso(ctx.now)
        for resource in after["resources"]:
            if resource["id"] in touched:
                resource["metadata_modified"] = iso(ctx.now)
    activity = "new package" if is_create else "changed package"
    after_package_write(ctx, [PackageChange(after, activity, new_files, is_new=is_create,
                                            activity_data={"review": approval.review} if approval else {})])
    if revision is not None:
        revision.modified, revision.owner_org = ctx.now, package.owner_org
        held.submit_for_harvest(ctx, revision, package)
        return held.held_answer(after, revision)
    return after


def _apply_fields(ctx: ActionContext, package: Package, data: dict[str, Any], owner_org: str | None) -> list[str]:
    """A write's fields onto an existing dataset's rows (also how a held write builds its pending version)."""
    if data.get("name"):
        package.name = data["name"]
    if data.get("state"):
        package.state = data["state"]
    return save.apply_package_fields(ctx, package, data, owner_org)


def _promote_files(ctx: ActionContext, package: Package, approval: held.Approval) -> list[str]:
    """The files uploaded in an approved round become the resources' files once the approval commits (before
    the DataStore loads after_package_write schedules, which read them)."""
    files = ctx.services.storage.files
    promoted = [(approval.files[resource.id], resource.id) for resource in package.resources
                if resource.url_type == "upload" and approval.files.get(resource.id)
                == pending_file_key(resource.id, approval.revision_id, resource.hash)]
    for key, rid in promoted:
        ctx.after_commit(lambda key=key, rid=rid: files.promote(key, rid))
    return [rid for _, rid in promoted]


def reindex_and_record(ctx: ActionContext, package: Package, activity_type: str) -> None:
    """After a direct change of a dataset's row: the after-write step with its activity."""
    ctx.session.flush()
    after_package_write(ctx, [PackageChange(package_dictize(ctx.session, package, ctx.settings), activity_type)])


def _org_name(ctx: ActionContext, package: Package) -> str | None:
    org = get_group(ctx.session, package.owner_org) if package.owner_org else None
    return org.name if org else None


@action(auth=auth.package_create)
def package_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create a new dataset (package) and return it as package_show does.

    :param name: the name of the new dataset: 2-100 lowercase alphanumeric characters, ``-`` and ``_``
    :param owner_org: the id or name of the organization the dataset belongs to
    :param title, notes, author, author_email, maintainer, maintainer_email, license_id, url, version: text
    :param private: whether only members of the organization can see it (default false)
    :param tags: list of ``{"name": ...}`` dicts (or ``tag_string``: comma-separated names)
    :param extras: list of ``{"key": ..., "value": ...}`` dicts
    :param resources: list of resource dicts
    :param groups: list of ``{"id"}`` or ``{"name"}`` dicts
    :param id: sysadmins only: the UUID of the new dataset
    :rtype: dictionary
    """
    return write_package(ctx, data, None)


@action(auth=auth.package_update)
def package_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update a dataset with CKAN 2.12 semantics and return it as package_show does.

    Omitted core text fields, tags and extras are cleared; omitted ``resources`` and ``groups`` are kept.
    Resources with an existing ``id`` keep it; new ones get a new id. A call that changes nothing returns
    the stored dataset without a new ``metadata_modified`` or activity.

    :param id: the id or name of the dataset to update
    :rtype: dictionary
    """
    if not data.get("id") and not data.get("name"):
        raise ValidationError({"id": ["Missing value"]})
    ctx, package = lock_package(ctx, data.get("id") or data.get("name"))
    if data.get("id") and data["id"] not in (package.id, package.name):
        raise NotFound("Package was not found.")
    data = {k: v for k, v in data.items() if k not in ("id", "type")}
    return write_package(ctx, data, package)


@action(auth=auth.package_patch)
def package_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update only the given fields of a dataset (current dataset, merge, package_update).

    A list given (``resources``, ``tags``, ``extras``, ``groups``) replaces the whole list.

    :param id: the id or name of the dataset
    :rtype: dictionary
    """
    current = package_dict_for_update(ctx, data["id"])  # under the row lock: concurrent patches all survive
    merged = {**current, **{k: v for k, v in data.items() if k != "id"}, "id": current["id"]}
    return ctx.call("package_update", merged)


@action(auth=auth.package_delete)
def package_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Delete a dataset: its state becomes ``deleted`` (recoverable; use dataset_purge to remove it).

    :param id: the id or name of the dataset
    """
    ctx, package = lock_package(ctx, data["id"])
    package.state = "deleted"
    package.metadata_modified = ctx.now
    save.remove_package_memberships(ctx.session, package.id)
    ctx.session.execute(delete(PackageCollaborator).where(PackageCollaborator.package_id == package.id))
    held.close_open_round(ctx, package.id)
    reindex_and_record(ctx, package, "deleted package")


@action(auth=auth.dataset_purge)
def dataset_purge(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a dataset and its resources for good. Sysadmins only.

    :param id: the id or name of the dataset
    """
    package = get_package(ctx.session, data["id"], for_update=True)
    if package is None:
        raise NotFound("Dataset was not found")
    save.remove_package_memberships(ctx.session, package.id)
    held.close_open_round(ctx, package.id)  # its files; the rows go with the dataset (ON DELETE CASCADE)
    after_package_purge(ctx, package)
    ctx.session.delete(package)


@action(auth=auth.package_owner_org_update)
def package_owner_org_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Move a dataset to another organization (empty ``organization_id``: no organization). Sysadmins only.

    :param id: the id or name of the dataset
    :param organization_id: the id or name of the organization
    """
    ctx, package = lock_package(ctx, data["id"])
    target = data.get("organization_id")
    org = get_group(ctx.session, target, is_organization=True) if target else None
    if target and org is None:
        raise NotFound("Organization was not found.")
    package.owner_org = org.id if org else None
    if org is None:
        package.private = False
    package.metadata_modified = ctx.now
    held.follow_move(ctx, package)
    reindex_and_record(ctx, package, "changed package")
