"""The view types Moisson knows and the keys of each one's configuration (CKAN's view plugins' `info()['schema']`).

A view dict carries its type's keys at the top level (CKAN's resource_view_dict_save keeps every key that is not a
column in `config`); a `config` object, as the API reference documents it, is accepted too (a key at the top level
wins). Any other key is refused as CKAN's `__extras: [empty]` refuses it, except `id` and `package_id`, which a
view dict read back from resource_view_show carries (ckanapi loads views that way).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from catalog.context import ActionContext
from catalog.datastore.aggregate import parse_aggregate
from catalog.errors import ValidationError

CHART_AGGREGATES = ("sum", "count", "mean")
CHART_KINDS = ("bar", "line")
CHART_PERIODS = ("month", "year")


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _flag(value: Any) -> bool:
    return isinstance(value, bool) or value in ("true", "false", "True", "False", "on", "")


def _text_list(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _natural(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
        isinstance(value, str) and value.isdigit())


def _one_of(options: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda value: value in options


# view type -> {key: check}; the checks give CKAN's "Invalid value" on failure.
VIEW_TYPES: dict[str, dict[str, Callable[[Any], bool]]] = {
    "datatables_view": {"responsive": _flag, "ellipsis_length": _natural, "date_format": _text,
                        "show_fields": _text_list, "filterable": _flag, "filter_fields": _text_list,
                        "filter_values": _text_list},
    "text_view": {},
    "image_view": {"image_url": _text},
    "chart": {"group_by": _text, "value": _text, "agg": _one_of(CHART_AGGREGATES), "kind": _one_of(CHART_KINDS),
              "period": _one_of(CHART_PERIODS)},
}
BASE_KEYS = {"resource_id", "title", "description", "view_type", "config"}
READ_BACK_KEYS = {"id", "package_id"}  # in a view dict read back; ignored on input


def check_view_type(view_type: Any) -> str:
    if view_type not in VIEW_TYPES:
        # CKAN's message is a string, not a list (reference/ckan-api.md §2.4).
        raise ValidationError({"view_type": f"No plugin found for view_type {view_type}"})
    return view_type


def view_config(ctx: ActionContext, resource_id: str, view_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The view type's keys from the input (top level over `config`), checked; field errors are 409s."""
    given = data.get("config") or {}
    if isinstance(given, str):
        try:
            given = json.loads(given)
        except ValueError:
            raise ValidationError({"config": ["Could not parse as valid JSON"]}) from None
    if not isinstance(given, dict):
        raise ValidationError({"config": ["Not a JSON object"]})
    merged = {**given, **{k: v for k, v in data.items() if k not in BASE_KEYS | READ_BACK_KEYS}}
    allowed = VIEW_TYPES[view_type]
    errors: dict[str, list[str]] = {}
    extra = sorted(key for key in merged if key not in allowed)
    if extra:
        errors["__junk"] = [f"The input field {key} was not expected." for key in extra]
    config = {}
    for key, value in merged.items():
        if key not in allowed or value is None:
            continue
        if not allowed[key](value):
            errors[key] = ["Invalid value"]
        config[key] = value
    if view_type == "chart" and not errors:
        errors.update(chart_errors(ctx, resource_id, config))
    if errors:
        raise ValidationError(errors)
    return config


def chart_errors(ctx: ActionContext, resource_id: str, config: dict[str, Any]) -> dict[str, list[str]]:
    """A chart names a column to group by and, unless it counts rows, a numeric column; the names are checked
    against the DataStore table when it exists (a view may be made before the table is loaded)."""
    errors: dict[str, list[str]] = {}
    if not config.get("group_by"):
        errors["group_by"] = ["Missing value"]
    if config.get("agg", "sum") != "count" and not config.get("value"):
        errors["value"] = ["Missing value"]
    columns = ctx.services.datastore.backend.columns(resource_id)
    if errors or columns is None:
        return errors
    try:  # datastore_aggregate's own checks of the names, as the chart will be drawn by it
        parse_aggregate({key: config.get(key) for key in ("group_by", "value", "agg")}, columns)
    except ValidationError as problem:
        return {key: value for key, value in problem.errors.items() if key != "__type"}
    return errors
