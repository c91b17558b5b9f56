"""Loads schemas/*.json, coerces query-string values, validates, and turns errors into CKAN messages.

Schema extensions (all prefixed `x-`):
- `x-messages`: {keyword: message or [messages]} — CKAN's text for a failing keyword; `{value}` is the input.
- `x-flatten-errors`: on an array, its items' messages become one flat list of strings (CKAN's tags).
- `x-integrity`: on an object item schema, a wrong type is CKAN's 400 Integrity Error, not a 409.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema import ValidationError as SchemaError
from referencing import Registry, Resource

from catalog.errors import IntegrityError, ValidationError

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
TRUE_STRINGS = {"true", "yes", "t", "y", "1", "on"}
FALSE_STRINGS = {"false", "no", "f", "n", "0", "off", ""}

DEFAULT_MESSAGES = {
    "required": "Missing value",
    "integer": "Invalid integer",
    "number": "Invalid number",
    "boolean": "Invalid boolean",
    "string": "Must be a string",
    "object": "Must be a dict",
    "array": "Must be a list",
    "minimum": "Must be a natural number",
}


@cache
def schema_registry() -> Registry:
    resources = []
    for path in sorted((SCHEMA_DIR / "defs").glob("*.json")):
        contents = json.loads(path.read_text())
        resources.append((f"defs/{path.name}", Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def load_schema(name: str) -> dict[str, Any] | None:
    path = SCHEMA_DIR / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def _is_database_integer(checker: Any, instance: Any) -> bool:
    # An "integer" is one both databases can store (64-bit): a larger one is CKAN's "Invalid integer",
    # not an overflow error from the driver.
    return Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer") and -(2**63) <= instance < 2**63


CatalogValidator = validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_database_integer)
)


@cache
def _validator(name: str) -> Draft202012Validator | None:
    schema = load_schema(name)
    if schema is None:
        return None
    return CatalogValidator(schema, registry=schema_registry())


def validate_input(name: str, data: dict[str, Any], *, phase: str) -> dict[str, Any]:
    """phase="coerce": turn query-string strings into the types the schema asks for.
    phase="validate": raise ValidationError with CKAN-shaped field errors."""
    if phase == "coerce":
        reject_nul_characters(data)
    schema = bundled_schema(name)
    if schema is None:
        return data
    if phase == "coerce":
        return _coerce_object(data, schema)
    validator = _validator(name)
    assert validator is not None
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ValidationError(_ckan_errors(errors, schema or {}))
    return data


def document_errors(name: str, document: Any, *, root: str) -> list[str]:
    """Messages for a document checked against schemas/<name>.json outside an action's input (a harvest source's
    config): jsonschema's own text after the dotted path of the value it is about (`root`: the whole document),
    in path order. A name without a schema has no messages."""
    validator = _validator(name)
    if validator is None:
        return []
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
    return [f"{'.'.join(map(str, e.path)) or root}: {e.message}" for e in errors]


NUL_MESSAGE = "Must not contain NUL (U+0000) characters"


def reject_nul_characters(data: dict[str, Any]) -> None:
    """PostgreSQL text cannot hold U+0000 (SQLite can): refuse it on both, as a 409 on the field, not a 500."""
    errors = {str(key): [NUL_MESSAGE] for key, value in data.items() if _has_nul(key) or _has_nul(value)}
    if errors:
        raise ValidationError(errors)


def natural_number(data: dict[str, Any], key: str, default: int) -> int:
    """data[key] as a natural number, `default` when absent or empty, refused with the schemas' messages.

    The actions' schemas check their paging numbers first; this keeps a body right when it is called directly,
    and turns JSON's 5.0 (an integer to JSON Schema) into 5."""
    value = data.get(key, default)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValidationError({key: [DEFAULT_MESSAGES["integer"]]})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({key: [DEFAULT_MESSAGES["integer"]]}) from None
    if number < 0:
        raise ValidationError({key: [DEFAULT_MESSAGES["minimum"]]})
    return number


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def inline_refs(node: Any, resolver: Any = None) -> Any:
    """Replace every $ref by its target (relative to the document it sits in): a standalone schema."""
    resolver = resolver or schema_registry().resolver()
    if isinstance(node, list):
        return [inline_refs(item, resolver) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    inner = {k: inline_refs(v, resolver) for k, v in node.items() if k not in ("$ref", "$defs", "$schema", "$id")}
    if not ref:
        return inner
    resolved = resolver.lookup(ref)
    return {**inline_refs(resolved.contents, resolved.resolver), **inner}


@cache
def bundled_schema(name: str) -> dict[str, Any] | None:
    schema = load_schema(name)
    return None if schema is None else inline_refs(schema)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    return inline_refs(schema) if "$ref" in schema else schema


def properties_of(schema: dict[str, Any]) -> dict[str, Any]:
    """Properties of a schema, including those reached through $ref and allOf."""
    schema = _resolve(schema)
    merged: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        merged.update(properties_of(part))
    merged.update(schema.get("properties", {}))
    return merged


def _schema_types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return set(kind)
    return {kind} if isinstance(kind, str) else set()


def _coerce_object(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    properties = properties_of(schema)
    out = dict(data)
    for key, value in data.items():
        prop = properties.get(key)
        if prop is not None:
            out[key] = coerce_value(value, _resolve(prop))
    return out


def coerce_value(value: Any, schema: dict[str, Any]) -> Any:
    """Query strings carry only strings; convert the way CKAN's validators do."""
    if not isinstance(value, str):
        return value
    types = _schema_types(schema)
    if "string" in types:
        return value
    text = value.strip()
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            return value
    if "number" in types:
        try:
            return float(text)
        except ValueError:
            return value
    if "boolean" in types:
        if text.lower() in TRUE_STRINGS:
            return True
        if text.lower() in FALSE_STRINGS:
            return False
        return value
    if types & {"array", "object"}:
        try:
            return json.loads(text)
        except ValueError:
            if "array" in types and schema.get("x-comma-list"):
                return [part.strip() for part in text.split(",") if part.strip()]
            return value
    return value


def _message_for(error: SchemaError) -> list[str]:
    custom = error.schema.get("x-messages", {}) if isinstance(error.schema, dict) else {}
    key = error.validator
    if key == "required":
        # The message belongs to the missing property's schema, if it has one.
        missing = error.message.split("'")[1] if "'" in error.message else ""
        prop = _resolve(properties_of(error.schema).get(missing, {}))
        texts = prop.get("x-messages", {}).get("required", DEFAULT_MESSAGES["required"])
        return texts if isinstance(texts, list) else [texts]
    text = custom.get(key)
    if text is None and key == "type":
        wanted = error.validator_value
        wanted = wanted[0] if isinstance(wanted, list) else wanted
        text = DEFAULT_MESSAGES.get(wanted, error.message)
    if text is None:
        text = DEFAULT_MESSAGES.get(key, error.message)
    texts = text if isinstance(text, list) else [text]
    shown = error.instance if isinstance(error.instance, str | int | float) else ""
    return [t.replace("{value}", str(shown)) for t in texts]


# CKAN's validators stop at the first failure of a value: a length or type error hides the pattern one.
SHADOWING_KEYWORDS = {"type", "minLength", "maxLength"}


def _first_failures(errors: list[SchemaError]) -> list[SchemaError]:
    shadowed = {tuple(e.absolute_path) for e in errors if e.validator in SHADOWING_KEYWORDS}
    return [e for e in errors if not (e.validator == "pattern" and tuple(e.absolute_path) in shadowed)]


def _ckan_errors(errors: list[SchemaError], schema: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for error in _first_failures(errors):
        if error.validator == "type" and isinstance(error.schema, dict) and error.schema.get("x-integrity"):
            path = tuple(str(p) for p in error.absolute_path if not isinstance(p, int))
            raise IntegrityError(
                f"Only lists of dicts can be placed against subschema {path!r}, not {type(error.instance)!r}"
            )
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else "message"
            path = [*path, missing]
        elif error.validator == "additionalProperties" and not path:
            for extra in sorted(set(error.instance) - set(error.schema.get("properties", {}))):
                _insert(result, ["__junk"], [f"The input field {extra} was not expected."])
            continue
        _insert(result, path or ["message"], _message_for(error), flatten=_flatten_root(error, schema))
    return result


def _flatten_root(error: SchemaError, schema: dict[str, Any]) -> int | None:
    """Index in the path of an array whose item errors CKAN flattens to strings (tags)."""
    node: Any = _resolve(schema)
    for depth, step in enumerate(error.absolute_path):
        if not isinstance(node, dict):
            return None
        node = _resolve(node)
        if isinstance(step, int):
            node = _resolve(node.get("items", {}))
            continue
        node = _resolve(properties_of(node).get(step, {}))
        if node.get("x-flatten-errors"):
            return depth
    return None


def _insert(result: dict[str, Any], path: list[Any], messages: list[str], flatten: int | None = None) -> None:
    if flatten is not None:
        key = str(path[flatten])
        existing = result.setdefault(key, [])
        existing.extend(m for m in messages if m not in existing)
        return
    node: Any = result
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(step, int):
            while len(node) <= step:
                node.append({})
            if last:
                node[step] = messages
                return
            node = node[step]
            continue
        key = str(step)
        if last:
            existing = node.setdefault(key, []) if isinstance(node, dict) else []
            if isinstance(existing, list):
                existing.extend(m for m in messages if m not in existing)
            return
        nxt = path[i + 1]
        node = node.setdefault(key, [] if isinstance(nxt, int) else {})
