"""package_collaborator_create, package_collaborator_list, package_collaborator_delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.clock import iso
from catalog.context import ActionContext
from catalog.dataset import auth
from catalog.dataset.models import PackageCollaborator
from catalog.dataset.queries import get_package
from catalog.errors import NotFound, ValidationError
from catalog.registry import action
from catalog.user.models import User

CAPACITIES = ("editor", "member")


def _collaborator_dict(row: PackageCollaborator) -> dict[str, Any]:
    return {
        "package_id": row.package_id,
        "user_id": row.user_id,
        "capacity": row.capacity,
        "modified": iso(row.modified),
    }


def _package_and_user(ctx: ActionContext, data: dict[str, Any]) -> tuple[str, str]:
    package = get_package(ctx.session, data["id"])
    if package is None:
        raise NotFound("Dataset not found")
    user = ctx.session.scalar(
        select(User).where((User.id == data["user_id"]) | (User.name == data["user_id"]))
    )
    if user is None:
        raise NotFound("User not found")
    return package.id, user.id


@action(auth=auth.package_collaborator_create)
def package_collaborator_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Make a user a collaborator of a dataset, or change their capacity.

    :param id: the id or name of the dataset
    :param user_id: the id or name of the user
    :param capacity: ``editor`` or ``member``
    :rtype: dictionary
    """
    if not ctx.settings.allow_dataset_collaborators:
        raise ValidationError({"message": "Dataset collaborators not enabled"})
    if data["capacity"] not in CAPACITIES:
        raise ValidationError({"message": f'Role must be one of "{", ".join(CAPACITIES)}"'})
    package_id, user_id = _package_and_user(ctx, data)
    row = ctx.session.get(PackageCollaborator, (package_id, user_id))
    if row is None:
        row = PackageCollaborator(
            package_id=package_id, user_id=user_id, capacity=data["capacity"], modified=ctx.now
        )
        ctx.session.add(row)
    else:
        row.capacity, row.modified = data["capacity"], ctx.now
    ctx.session.flush()
    return _collaborator_dict(row)


@action(auth=auth.package_collaborator_list, read_only=True)
def package_collaborator_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """List the collaborators of a dataset.

    :param id: the id or name of the dataset
    :param capacity: only those with this capacity
    :rtype: list of dictionaries
    """
    package = get_package(ctx.session, data["id"])
    if package is None:
        raise NotFound("Dataset not found")
    query = select(PackageCollaborator).where(PackageCollaborator.package_id == package.id)
    if data.get("capacity"):
        query = query.where(PackageCollaborator.capacity == data["capacity"])
    return [
        _collaborator_dict(row) for row in ctx.session.scalars(query.order_by(PackageCollaborator.modified))
    ]


@action(auth=auth.package_collaborator_delete)
def package_collaborator_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a collaborator from a dataset.

    :param id: the id or name of the dataset
    :param user_id: the id or name of the user
    """
    package_id, user_id = _package_and_user(ctx, data)
    row = ctx.session.get(PackageCollaborator, (package_id, user_id))
    if row is None:
        raise NotFound(f"User {data['user_id']} is not a collaborator on this dataset")
    ctx.session.delete(row)
