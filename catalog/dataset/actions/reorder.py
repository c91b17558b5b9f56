"""package_resource_reorder: put some of a dataset's resources first, in the order given (CKAN's update.py)."""

from __future__ import annotations

import json
from typing import Any

from catalog.context import ActionContext
from catalog.dataset import auth
from catalog.dataset.locking import package_dict_for_update
from catalog.errors import ValidationError
from catalog.registry import action


def _order_key(item: Any) -> str:
    """A hashable spelling of an `order` item: clients may send numbers or objects by mistake, and those must
    reach CKAN's "can not be found" message rather than fail on set()."""
    return item if isinstance(item, str) else json.dumps(item, sort_keys=True)


def reordered(resources: list[dict[str, Any]], order: list[Any]) -> list[dict[str, Any]]:
    """The listed resources first, in `order`; the others after them, in their current relative order."""
    remaining = list(resources)
    first: list[dict[str, Any]] = []
    for resource_id in order:
        position = next((i for i, r in enumerate(remaining) if r["id"] == resource_id), None)
        if position is None:
            # CKAN's message is a plain string, not a list, under "order".
            raise ValidationError({"order": f"resource_id {resource_id} can not be found"})
        first.append(remaining.pop(position))
    return first + remaining


@action(auth=auth.package_resource_reorder)
def package_resource_reorder(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Reorder the resources of a dataset. Resources not listed keep their order, after the listed ones.

    :param id: the id or name of the dataset
    :param order: a list of resource ids, in the order wanted
    :rtype: ``{"id": <id as given>, "order": [<every resource id, in the new order>]}``
    """
    order = data["order"]
    if not isinstance(order, list):
        raise ValidationError({"order": "Must be a list of resource"})
    if len({_order_key(item) for item in order}) != len(order):
        raise ValidationError({"order": "Must supply unique resource_ids"})
    # Read under the dataset's row lock and written through package_update, like every resource write: a
    # resource added concurrently is neither lost nor resurrected, and the change is indexed and logged once.
    current = package_dict_for_update(ctx, data["id"])
    resources = reordered(current["resources"], order)
    ctx.call("package_update", {**current, "resources": resources})
    return {"id": data["id"], "order": [r["id"] for r in resources]}
