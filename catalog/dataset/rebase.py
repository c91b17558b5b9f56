"""A round's pending version carried over onto the current published one (editorial review, issue 16).

A round keeps the whole pending package dict, and the published dict it was built on (`base`). Between them the
published dataset may change by paths that are not dataset writes (a DataStore load sets `datastore_active`, a
dataset added to a group with member_create, package_owner_org_update, a resource added before a round opened).
Publishing the pending dict as it stands would undo those; so what goes out is the current published version with
the author's own changes (what differs between base and pending) laid over it: by key for the dataset's fields and
extras, by resource id and key for resources. `datastore_active` is never the author's: it follows the table.
"""

from __future__ import annotations

from typing import Any

# Dataset keys merged by their own rule below, or computed from others.
MERGED_APART = {"resources", "extras", "groups", "metadata_modified", "num_resources", "num_tags"}
RESOURCE_KEPT = {"datastore_active", "metadata_modified", "position"}
_REMOVED = object()  # a key the author removed (absent from pending), as opposed to one set to None


def _changed(base: dict[str, Any], pending: dict[str, Any], skip: set[str]) -> dict[str, Any]:
    """What the author changed: keys whose pending value differs from base (_REMOVED: taken out)."""
    return {key: pending.get(key, _REMOVED) for key in (set(base) | set(pending)) - skip
            if pending.get(key, _REMOVED) != base.get(key, _REMOVED)}


def _overlay(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    result = dict(current)
    for key, value in changes.items():
        if value is _REMOVED:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def _by(items: list[dict[str, Any]] | None, key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items or [] if item.get(key) is not None}


def rebase(base: dict[str, Any], pending: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    result = _overlay(current, _changed(base, pending, MERGED_APART))
    extras = _overlay({e["key"]: e.get("value") for e in current.get("extras") or []},
                      _changed({e["key"]: e.get("value") for e in base.get("extras") or []},
                               {e["key"]: e.get("value") for e in pending.get("extras") or []}, set()))
    result["extras"] = [{"key": key, "value": value} for key, value in sorted(extras.items())]
    # Groups as what the author added and took out, by name: a group joined or left meanwhile stays so.
    base_groups, pending_groups = _by(base.get("groups"), "name"), _by(pending.get("groups"), "name")
    groups = {name: group for name, group in _by(current.get("groups"), "name").items() if name not in
              set(base_groups) - set(pending_groups)}
    groups.update({name: group for name, group in pending_groups.items() if name not in base_groups})
    result["groups"] = [groups[name] for name in sorted(groups)]
    base_resources = _by(base.get("resources"), "id")
    current_resources = _by(current.get("resources"), "id")
    resources = []
    for resource in pending.get("resources") or []:
        old = base_resources.get(resource["id"])
        if old is None:
            resources.append(resource)  # added by the author
        elif resource["id"] in current_resources:  # removed meanwhile: stays removed
            resources.append(_overlay(current_resources[resource["id"]], _changed(old, resource, RESOURCE_KEPT)))
    pending_ids = {r["id"] for r in pending.get("resources") or []}
    resources += [r for rid, r in current_resources.items() if rid not in base_resources and rid not in pending_ids]
    result["resources"] = resources
    return result
