"""The OpenAPI 3.1 document of every action, generated from schemas/ and the actions' docstrings."""

from __future__ import annotations

from functools import cache
from typing import Any

from catalog.registry import ACTIONS
from catalog.validation import bundled_schema

ENVELOPE_ERROR = {
    "type": "object",
    "required": ["help", "success", "error"],
    "properties": {
        "help": {"type": "string"},
        "success": {"const": False},
        "error": {"type": "object", "required": ["__type"], "properties": {"__type": {"type": "string"}}},
    },
}
ERROR_STATUSES = {
    "400": "Bad request: malformed JSON, a GET on a write action, a bad search query (bare string or envelope)",
    "403": "Authorization Error",
    "404": "Not Found Error",
    "409": "Validation Error: field -> list of messages",
    "413": "Request body too large",
}


def _operation(name: str, read_only: bool, doc: str) -> dict[str, Any]:
    schema = bundled_schema(name) or {"type": "object"}
    body_schema = {k: v for k, v in schema.items() if k != "title"}
    summary = doc.strip().splitlines()[0] if doc.strip() else name
    responses = {
        "200": {"description": "Success envelope {help, success: true, result}",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["help", "success", "result"],
                    "properties": {"help": {"type": "string"}, "success": {"const": True}, "result": {}}}}}},
        **{status: {"description": text, "content": {"application/json": {"schema": (
            {"oneOf": [ENVELOPE_ERROR, {"type": "string"}]} if status in ("400", "413") else ENVELOPE_ERROR)}}}
           for status, text in ERROR_STATUSES.items()},
    }
    post = {"operationId": name, "summary": summary, "description": doc, "tags": [name.split("_")[0]],
            "requestBody": {"required": False, "content": {"application/json": {"schema": body_schema}}},
            "responses": responses}
    item: dict[str, Any] = {"post": post}
    if read_only:
        params = []
        for prop, prop_schema in body_schema.get("properties", {}).items():
            if prop_schema.get("type") in ("string", "integer", "boolean", "number") or isinstance(
                    prop_schema.get("type"), list):
                params.append({"name": prop, "in": "query", "required": prop in body_schema.get("required", []),
                               "schema": {"type": "string"}})
        item["get"] = {"operationId": f"{name}_get", "summary": summary, "parameters": params,
                       "responses": responses}
    return item


@cache
def openapi_document(site_url: str) -> dict[str, Any]:
    paths = {f"/api/3/action/{name}": _operation(name, spec.read_only, spec.doc)
             for name, spec in sorted(ACTIONS.items())}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Moisson — CKAN Action API", "version": "3",
                 "description": "CKAN-compatible Action API. Every action answers the CKAN envelope."},
        "servers": [{"url": site_url.rstrip("/")}],
        "components": {"securitySchemes": {"apiToken": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "security": [{}, {"apiToken": []}],
        "paths": paths,
    }
