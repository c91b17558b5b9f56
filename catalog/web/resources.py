"""The resource page: metadata, download link and a preview table read straight from datastore_search, or, for
a file that is prose (DataStore load status "text"), the start of its text (catalog.web.text_file)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from catalog.datastore.masks import mask_pairs
from catalog.errors import NotFound, ValidationError
from catalog.web.blueprint import web
from catalog.web.calls import act, can
from catalog.web.paging import Pager, int_arg, url_with
from catalog.web.text_file import looks_like_prose, read_text, uploaded_path

PAGE_SIZES = (10, 25, 50, 100)


def _sort_item(column: str, direction: str) -> str:
    # Blank (masked) cells last both ways, the same on SQLite and PostgreSQL.
    return '"' + column.replace('"', '""') + '" ' + direction + " nulls last"


def _preview(resource: dict[str, Any]) -> dict[str, Any]:
    """Everything the preview needs; `state` says which message to show when there is no table."""
    if not resource.get("datastore_active"):
        status = _load_status(resource["id"])
        if status.get("status") in ("pending", "running", "submitting"):
            return {"state": "loading", "rows_loaded": status.get("rows_loaded") or 0}
        if status.get("status") == "error":
            return {"state": "error", "message": (status.get("error") or {}).get("message") or ""}
        if status.get("status") != "complete":
            return _text_preview(resource, status.get("status")) or {"state": "none"}
        # "complete" with datastore_active false: the load ended between the page's two reads (or the table was
        # deleted since, which datastore_search's NotFound below tells).
    per_page = int_arg("per_page", 25, highest=max(PAGE_SIZES))
    if per_page not in PAGE_SIZES:
        per_page = 25
    page = int_arg("page", 1)
    sort_column = request.args.get("sort", "")
    direction = "desc" if request.args.get("dir") == "desc" else "asc"
    q = request.args.get("q", "").strip()
    filter_column = request.args.get("column", "")
    filter_value = request.args.get("value", "")
    data: dict[str, Any] = {"resource_id": resource["id"], "limit": per_page, "offset": (page - 1) * per_page,
                            "include_total": True}
    if sort_column:
        data["sort"] = [_sort_item(sort_column, direction)]
    if q:
        data["q"] = q
    if filter_column and filter_value != "":
        data["filters"] = {filter_column: filter_value}
    error = ""
    try:
        found = act("datastore_search", **data)
    except ValidationError as problem:
        error = "; ".join(f"{key}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                          for key, msgs in problem.errors.items() if key != "__type")
        found = act("datastore_search", resource_id=resource["id"], limit=per_page, include_total=True)
        page, q, sort_column, filter_column, filter_value = 1, "", "", "", ""
    except NotFound:
        return {"state": "none"}
    # A masked count (<5, s, nd...) is shown as written, from its companion column (catalog/datastore/masks.py),
    # so it is told apart from a missing value; the companion columns themselves are not shown.
    masks = mask_pairs(found["fields"])
    shown = set(masks.values()) | {"_id"}
    fields = [f for f in found["fields"] if f["id"] not in shown]
    return {
        "state": "ready", "fields": fields, "records": found["records"], "error": error, "masks": masks,
        "pager": Pager(page, per_page, int(found.get("total") or 0)), "per_page": per_page,
        "page_sizes": PAGE_SIZES, "sort": sort_column, "dir": direction, "q": q,
        "filter_column": filter_column, "filter_value": filter_value,
    }


def _text_preview(resource: dict[str, Any], status: str | None) -> dict[str, Any] | None:
    """The start of the file when the DataStore found it to be prose, or when it was never loaded and its
    content is prose (a read-me uploaded with a format the DataStore does not load)."""
    if status not in ("text", "unknown", None):
        return None
    path = uploaded_path(resource)
    head = read_text(path) if path is not None else None
    if head is None or (status != "text" and not looks_like_prose(head)):
        # A linked file the DataStore found to be text: said so, with the link (it is not fetched for the page).
        return {"state": "text", "text": None, "truncated": True} if status == "text" else None
    return {"state": "text", "text": head.text, "truncated": head.truncated}


def _load_status(resource_id: str) -> dict[str, Any]:
    try:
        return act("datastore_load_status", resource_id=resource_id)
    except (NotFound, ValidationError):
        return {}


def column_label(field: dict[str, Any]) -> str:
    """The original header when the DataStore kept it, else the column id."""
    info = field.get("info") or {}
    return str(info.get("label") or field["id"])


@web.route("/dataset/<id>/resource/<resource_id>")
def resource_read(id: str, resource_id: str) -> str:
    pkg = act("package_show", id=id)
    resource = next((r for r in pkg["resources"] if r["id"] == resource_id), None)
    if resource is None:
        raise NotFound("Resource was not found.")
    return render_template("resource_read.html", pkg=pkg, res=resource, preview=_preview(resource),
                           url_with=url_with, column_label=column_label,
                           can_edit=can("package_update", id=pkg["id"]))
