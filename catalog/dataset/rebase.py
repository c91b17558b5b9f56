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
MERGED_APART = {"resources", "extras", "metadata_modified", "num_resources", "num_tags"}
RESOURCE_KEPT = {"datastore_active", "metadata_modified", "position"}


def _changed(base: dict[str, Any], pending: dict[str, Any], skip: set[str]) -> dict[str, Any]:
    """What the author changed: keys whose pending value differs from base (None: removed)."""
    return {key: pending.get(key) for key in (set(base) | set(pending)) - skip if pending.get(key) != base.get(key)}


def rebase(base: dict[str, Any], pending: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    result = {**current, **_changed(base, pending, MERGED_APART)}
    extras = {e["key"]: e.get("value") for e in current.get("extras") or []}
    for key, value in _changed({e["key"]: e.get("value") for e in base.get("extras") or []},
                               {e["key"]: e.get("value") for e in pending.get("extras") or []}, set()).items():
        if value is None:
            extras.pop(key, None)
        else:
            extras[key] = value
    result["extras"] = [{"key": key, "value": value} for key, value in sorted(extras.items())]
    base_resources = {r["id"]: r for r in base.get("resources") or []}
    current_resources = {r["id"]: r for r in current.get("resources") or []}
    resources = []
    for resource in pending.get("resources") or []:
        old = base_resources.get(resource["id"])
        if old is None:
            resources.append(resource)  # added by the author
        elif resource["id"] in current_resources:  # removed meanwhile: stays removed
            resources.append({**current_resources[resource["id"]], **_changed(old, resource, RESOURCE_KEPT)})
    pending_ids = {r["id"] for r in pending.get("resources") or []}
    resources += [r for rid, r in current_resources.items() if rid not in base_resources and rid not in pending_ids]
    result["resources"] = resources
    return result
