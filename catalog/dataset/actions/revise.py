"""package_revise: match, filter and deep-update a dataset in one call (CKAN 2.9+)."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from catalog.context import ActionContext
from catalog.dataset import auth
from catalog.dataset.locking import package_dict_for_update
from catalog.errors import ValidationError
from catalog.registry import action

SEP = "__"


def _as_structure(value: Any, kind: type) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [p.strip() for p in value.split(",")] if kind is list else value
    return value


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}{key}{SEP}"))
        return out
    if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}{index}{SEP}"))
        return out
    return {prefix[: -len(SEP)]: value}


def _list_index(items: list[Any], step: str) -> int:
    """A resource id prefix of at least 5 characters, else a position (-1 for the last).

    CKAN tries the id prefix first, so a prefix made only of digits ("78421443")
    still names a resource rather than an out-of-range position.
    """
    if len(step) >= 5:
        for index, item in enumerate(items):
            if isinstance(item, dict) and str(item.get("id", "")).startswith(step):
                return index
    elif step.lstrip("-").isdigit() and -len(items) <= int(step) < len(items):
        index = int(step)
        return index if index >= 0 else len(items) + index
    raise ValidationError({"update": [f"Unable to find item {step}"]})


def deep_update(target: Any, changes: Any) -> Any:
    if isinstance(target, dict) and isinstance(changes, dict):
        result = dict(target)
        for key, value in changes.items():
            result[key] = deep_update(target.get(key), value) if key in target else value
        return result
    if isinstance(target, list) and isinstance(changes, list):
        result_list = list(target)
        for index, value in enumerate(changes):
            if index < len(result_list):
                result_list[index] = deep_update(result_list[index], value)
            else:
                result_list.append(value)
        return result_list
    return changes


def apply_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    node: Any = target
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, list):
            if step == "extend" and last:
                node.extend(value if isinstance(value, list) else [value])
                return
            index = _list_index(node, step)
            if last:
                node[index] = deep_update(node[index], value)
                return
            node = node[index]
            continue
        if last:
            node[step] = deep_update(node.get(step), value) if step in node else value
            return
        if step not in node or node[step] is None:
            node[step] = [] if path[i + 1].lstrip("-").isdigit() or path[i + 1] == "extend" else {}
        node = node[step]


def apply_filter(package: dict[str, Any], patterns: list[str]) -> dict[str, Any]:
    """Remove top-level keys or list items matched by `-pattern`, unless a later `+pattern` keeps them."""
    result = json.loads(json.dumps(package))
    for key in list(result):
        keep = True
        for pattern in patterns:
            sign, glob = pattern[0], pattern[1:]
            if fnmatch.fnmatchcase(key, glob):
                keep = sign == "+"
        if not keep:
            del result[key]
            continue
        if isinstance(result[key], list):
            kept = []
            for index, item in enumerate(result[key]):
                keep_item = True
                for pattern in patterns:
                    if fnmatch.fnmatchcase(f"{key}{SEP}{index}", pattern[1:]):
                        keep_item = pattern[0] == "+"
                if keep_item:
                    kept.append(item)
            result[key] = kept
    return result


def _object_param(data: dict[str, Any], key: str) -> dict[str, Any]:
    """`match` and `update` are JSON objects, given as such or as a JSON string (GET-style)."""
    value = _as_structure(data.get(key) or {}, dict)
    if not isinstance(value, dict):
        raise ValidationError({key: ["Must be a JSON object"]})
    return value


@action(auth=auth.package_revise)
def package_revise(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update part of a dataset, only if it still matches what you expect.

    :param match: fields the dataset must currently have; must include ``id`` or ``name``
    :param filter: glob patterns removing (``-resources__1``) or keeping (``+title``) fields before update
    :param update: fields to deep-merge into the dataset (lists merged by position)
    :param include: glob patterns selecting the fields returned
    Flattened forms are accepted: ``match__name``, ``update__resources__0__url``,
    ``update__resources__<id prefix>__description``, ``update__resources__extend``.
    :rtype: ``{"package": <package_show dict>}``
    """
    match = _object_param(data, "match")
    update = _object_param(data, "update")
    flat_updates: list[tuple[list[str], Any]] = []
    for key, value in data.items():
        if key.startswith(f"match{SEP}"):
            match[key[len("match") + len(SEP) :]] = value
        elif key.startswith(f"update{SEP}"):
            parsed = value
            if isinstance(value, str) and value[:1] in "[{":
                parsed = _as_structure(value, dict)
            flat_updates.append((key[len("update") + len(SEP) :].split(SEP), parsed))
    if not match.get("id") and not match.get("name"):
        raise ValidationError({"match__id": ["Missing value"]})
    # Matched and merged under the row lock: a concurrent write cannot slip in between (lost updates).
    current = package_dict_for_update(ctx, match.get("id") or match.get("name"))
    current_flat = flatten(current)
    mismatched = sorted(k for k, v in flatten(match).items() if current_flat.get(k) != v)
    if mismatched:
        raise ValidationError({"match": mismatched})
    revised = apply_filter(current, list(_as_structure(data.get("filter") or [], list)))
    revised = deep_update(revised, update)
    for path, value in flat_updates:
        apply_path(revised, path, value)
    revised["id"] = current["id"]
    result = ctx.call("package_update", revised)
    include = list(_as_structure(data.get("include") or [], list))
    if include:
        result = apply_filter(result, include)
    return {"package": result}
