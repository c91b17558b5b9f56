"""Charts of a tabular resource and its saved views (CKAN's /dataset/<id>/resource/<rid>/view/<view_id>).

The chart page (/dataset/<id>/resource/<rid>/chart) is a GET form: a column to group by (a category or a date), a
numeric column, sum/count/mean and bar/line; the database does the sums (datastore_aggregate) and the chart is SVG
drawn on the server (catalog/web/chart_figure.py), with its numbers in a table below and as a download (.svg; a PNG
is drawn from it by static/chart.js). Editors save it as a `chart` resource view (resource_view_create); the
dataset page shows the saved views (templates/_resource_views.html, through `resource_views_of`).
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.datastore import aggregate
from catalog.datastore.masks import mask_pairs
from catalog.errors import ActionError, NotAuthorized, NotFound, ValidationError
from catalog.web.admin import error_messages
from catalog.web.blueprint import web
from catalog.web.calls import act, can
from catalog.web.chart_figure import figure, printable
from catalog.web.resources import column_label
from catalog.web.text_file import text_excerpt

# The field types datastore_aggregate takes, as datastore_search names them (int8, float8, timestamptz...).
NUMERIC_TYPES = aggregate.field_types(aggregate.NUMERIC_TYPES)
DATE_TYPES = aggregate.field_types(aggregate.DATE_TYPES)
GROUP_TYPES = aggregate.field_types(aggregate.GROUP_TYPES)
FEW_GROUPS = 50  # a category column with more distinct values is not a default
CANDIDATES_TRIED = 8
# Numeric columns that are no quantity to add up: years, codes, identifiers (by their names).
NOT_A_MEASURE = re.compile(r"ann[ée]e|year|^an$|^date|code|^num|^id$|^_id$|siren|siret|insee", re.IGNORECASE)
AGGREGATES = {"sum": _l("Sum"), "count": _l("Number of rows"), "mean": _l("Mean")}
KINDS = {"bar": _l("Bars"), "line": _l("Line")}
PERIODS = {"month": _l("Month"), "year": _l("Year")}
DATASET_PAGE_VIEWS = 6  # views drawn on a dataset page; the others are links
TABLE_VIEW_ROWS = 25  # a table view shows the first rows; the resource page pages through them all


@dataclass
class Choice:
    group_by: str
    value: str | None
    agg: str
    kind: str
    period: str | None

    def params(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


def resource_of(id: str, resource_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    pkg = act("package_show", id=id)
    resource = next((r for r in pkg["resources"] if r["id"] == resource_id), None)
    if resource is None:
        raise NotFound("Resource was not found.")
    return pkg, resource


def table_fields(resource: dict[str, Any]) -> list[dict[str, Any]]:
    if not resource.get("datastore_active"):
        return []
    try:
        found = act("datastore_search", resource_id=resource["id"], limit=0, include_total=False)
    except NotFound:
        return []
    # A masked count's companion column (catalog/datastore/masks.py) is no column to chart: its numbers are.
    companions = set(mask_pairs(found["fields"]).values())
    return [f for f in found["fields"] if f["id"] != "_id" and f["id"] not in companions]


def _has_few_groups(resource_id: str, field: dict[str, Any]) -> bool:
    found = act("datastore_aggregate", resource_id=resource_id, group_by=field["id"], agg="count", limit=1)
    if field["type"] in DATE_TYPES:
        return found["groups_total"] >= 2  # months: a single one makes no chart
    # a column whose every value differs (a code, a name) is an identifier, not a category
    return 2 <= found["groups_total"] <= FEW_GROUPS and found["groups_total"] < found["total"]["count"]


def default_choice(resource_id: str, fields: list[dict[str, Any]]) -> Choice | None:
    """The first text or date column with few distinct values, repeated across rows (else the first such column),
    by the first numeric column that is not a year or a code (else the first numeric one, else a count of rows)."""
    groups = [f for f in fields if f["type"] in DATE_TYPES or f["type"] in ("text", "varchar", "name")]
    numbers = [f for f in fields if f["type"] in NUMERIC_TYPES]
    measures = [f for f in numbers if not NOT_A_MEASURE.search(f["id"])] or numbers
    if not groups:
        groups = [f for f in fields if f["type"] in GROUP_TYPES and f not in numbers[:1]]
    if not groups:
        return None
    group = next((f for f in groups[:CANDIDATES_TRIED] if _has_few_groups(resource_id, f)), groups[0])
    value = measures[0]["id"] if measures else None
    is_date = group["type"] in DATE_TYPES
    return Choice(group_by=group["id"], value=value, agg="sum" if value else "count",
                  kind="line" if is_date else "bar", period="month" if is_date else None)


def choice_from(args: Any, fallback: Choice) -> Choice:
    """The visitor's choice from the query string or a view's settings; what is missing keeps the default."""
    group_by = args.get("group_by") or fallback.group_by
    agg = args.get("agg") if args.get("agg") in AGGREGATES else None
    value = args.get("value") or None
    if "group_by" not in args:
        value = value or fallback.value
    agg = agg or ("sum" if value else "count")
    if agg == "count":
        value = None
    kind = args.get("kind") if args.get("kind") in KINDS else fallback.kind
    period = args.get("period") if args.get("period") in PERIODS else None
    return Choice(group_by=group_by, value=value, agg=agg, kind=kind, period=period)


def choice_for(args: Any, resource_id: str, fields: list[dict[str, Any]]) -> Choice | None:
    """The chart a URL asks for. The default chart costs a count per candidate column (default_choice), so it is
    worked out only when the URL names no column to group by; None when the table has nothing to chart."""
    group_by = args.get("group_by")
    if group_by:
        date = next((f["type"] in DATE_TYPES for f in fields if f["id"] == group_by), False)
        named = Choice(group_by=group_by, value=None, agg="count", kind="line" if date else "bar", period=None)
        return choice_from(args, named)
    fallback = default_choice(resource_id, fields) if fields else None
    return choice_from(args, fallback) if fallback else None


def grouped(value: Any) -> str:
    """A chart's number in the reader's locale, with thousands grouped (80 000 in French): axes, labels, table."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##")


def _labels(fields: list[dict[str, Any]]) -> dict[str, str]:
    return {f["id"]: printable(column_label(f)) for f in fields}


def _key_label(key: Any) -> str:
    if key is None:
        return _("(empty)")
    if isinstance(key, bool):
        return _("Yes") if key else _("No")
    return printable(str(key))


def chart_title(choice: Choice, labels: dict[str, str]) -> str:
    group = labels.get(choice.group_by, choice.group_by)
    if choice.agg == "count":
        return _("Number of rows by %(group)s", group=group)
    value = labels.get(choice.value or "", choice.value or "")
    if choice.agg == "mean":
        return _("Mean of %(value)s by %(group)s", value=value, group=group)
    return _("Sum of %(value)s by %(group)s", value=value, group=group)


def build_chart(resource: dict[str, Any], fields: list[dict[str, Any]], choice: Choice) -> dict[str, Any]:
    """Everything the chart templates need; ValidationError when the columns do not fit."""
    data: dict[str, Any] = {"resource_id": resource["id"], "group_by": choice.group_by, "agg": choice.agg}
    if choice.value:
        data["value"] = choice.value
    if choice.period:
        data["period"] = choice.period
    types = {f["id"]: f["type"] for f in fields}
    if choice.period and types.get(choice.group_by) not in DATE_TYPES:
        del data["period"]  # the form always sends one; it applies to date columns only
        choice.period = None
    result = act("datastore_aggregate", **data)
    choice.period = result["period"]
    labels = _labels(fields)
    groups = result["groups"]
    key_labels = [_key_label(g["key"]) for g in groups]
    others = result["others"]
    other_label = _("Others (%(num)d)", num=others["groups"]) if others else ""
    fig = figure(groups, choice.kind, key_labels,
                 (other_label, others["value"]) if others and not choice.period else None)
    title = chart_title(choice, labels)
    description = _("Chart (%(kind)s) of %(num)d groups; every value is in the data table.",
                    kind=KINDS[choice.kind], num=result["groups_total"])
    rows = [(label, g["value"], g["count"]) for label, g in zip(key_labels, groups, strict=True)]
    if others:
        rows.append((other_label, others["value"], others["count"]))
    return {"result": result, "figure": fig, "title": title, "description": description, "rows": rows,
            "choice": choice, "labels": labels, "svg_id": "chart-" + resource["id"][:8], "fmt": grouped,
            "svg_url": url_for("web.resource_chart_svg", id=resource["package_id"], resource_id=resource["id"],
                               **choice.params())}


def _errors_text(error: ValidationError) -> str:
    return "; ".join(f"{key}: {' '.join(error_messages(value))}" for key, value in error.errors.items()
                     if key != "__type")


@web.route("/dataset/<id>/resource/<resource_id>/chart", methods=["GET", "POST"])
def resource_chart(id: str, resource_id: str) -> Any:
    pkg, resource = resource_of(id, resource_id)
    fields = table_fields(resource)
    args = request.form if request.method == "POST" else request.args
    choice = choice_for(args, resource["id"], fields) if fields else None
    if choice is None:
        return render_template("chart.html", pkg=pkg, res=resource, chart=None, fields=[], error=""), 404
    error, status = "", 200
    try:
        chart = build_chart(resource, fields, choice)
    except ValidationError as problem:
        error, status = _errors_text(problem), 400
        choice = default_choice(resource["id"], fields)
        if choice is None:
            return render_template("chart.html", pkg=pkg, res=resource, chart=None, fields=[], error=""), 404
        try:
            chart = build_chart(resource, fields, choice)
        except ValidationError:  # the default chart fails too (a time limit): the form and the error, no chart
            chart = {"choice": choice, "labels": _labels(fields)}
    may_save = can("resource_view_create", resource_id=resource["id"])
    if request.method == "POST" and not error:
        if not may_save:
            abort(403)
        title = (request.form.get("title") or "").strip() or chart["title"]
        try:
            view = act("resource_view_create", resource_id=resource["id"], title=title, view_type="chart",
                       description=request.form.get("description") or None, **choice.params())
        except ValidationError as problem:
            error, status = _errors_text(problem), 400
        else:
            flash(_("The chart is saved as a view of this resource."), "success")
            return redirect(url_for("web.resource_view", id=pkg["name"], resource_id=resource["id"],
                                    view_id=view["id"]))
    page = render_template("chart.html", pkg=pkg, res=resource, chart=chart, fields=fields, error=error,
                           may_save=may_save, aggregates=AGGREGATES, kinds=KINDS, periods=PERIODS,
                           date_types=DATE_TYPES, numeric_types=NUMERIC_TYPES, group_types=GROUP_TYPES)
    return page if status == 200 else (page, status)


@web.route("/dataset/<id>/resource/<resource_id>/chart.svg")
def resource_chart_svg(id: str, resource_id: str) -> Response:
    _pkg, resource = resource_of(id, resource_id)
    fields = table_fields(resource)
    choice = choice_for(request.args, resource["id"], fields)
    if choice is None:
        raise NotFound("This resource has no table to chart.")
    chart = build_chart(resource, fields, choice)
    svg = render_template("_chart_svg.html", chart=chart, standalone=True)
    # send_file writes a name that is not Latin-1 as filename*=UTF-8''... beside an ASCII filename: a header
    # must be Latin-1, and a real server refuses the response otherwise ("Données – 2024 €").
    return send_file(io.BytesIO(svg.encode()), mimetype="image/svg+xml",
                     download_name=f"{resource.get('name') or resource['id']}.svg")


def view_content(resource: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """What a saved view shows: a chart (drawn now from the table), the table's first rows, the text of a file
    (catalog/web/text_file.py, as the resource page shows prose), an image, or a link to the resource page."""
    if view["view_type"] == "chart":
        fields = table_fields(resource)
        if not fields:
            return {"kind": "missing"}
        fallback = Choice(group_by=view.get("group_by") or "", value=None, agg="count", kind="bar", period=None)
        try:
            chart = build_chart(resource, fields, choice_from({**view}, fallback))
        except ValidationError:
            return {"kind": "missing"}
        chart["svg_id"] = "chart-" + view["id"][:8]  # several views of one resource on the dataset page
        return {"kind": "chart", "chart": chart}
    if view["view_type"] == "datatables_view" and resource.get("datastore_active"):
        try:
            found = act("datastore_search", resource_id=resource["id"], limit=TABLE_VIEW_ROWS, include_total=True)
        except (NotFound, ValidationError):
            return {"kind": "missing"}
        # As in the preview, a masked count shows its mask (<5, s...) and the companion columns are not shown.
        masks = mask_pairs(found["fields"])
        companions = set(masks.values())
        fields = [f for f in found["fields"] if f["id"] != "_id" and f["id"] not in companions]
        shown = view.get("show_fields")
        if isinstance(shown, list) and shown:
            fields = [f for f in fields if f["id"] in shown] or fields
        return {"kind": "table", "fields": fields, "records": found["records"], "total": found.get("total", 0),
                "labels": _labels(fields), "masks": masks}
    if view["view_type"] == "text_view":
        excerpt = text_excerpt(resource)
        if excerpt is not None:
            return {"kind": "text", "text": excerpt[0], "truncated": excerpt[1]}
        return {"kind": "link"}
    if view["view_type"] == "image_view":
        return {"kind": "image", "url": view.get("image_url") or resource.get("url") or ""}
    return {"kind": "link"}


@web.route("/dataset/<id>/resource/<resource_id>/view/<view_id>")
def resource_view(id: str, resource_id: str, view_id: str) -> str:
    pkg, resource = resource_of(id, resource_id)
    view = act("resource_view_show", id=view_id)
    if view["resource_id"] != resource["id"]:
        raise NotFound("Resource view not found")
    return render_template("view.html", pkg=pkg, res=resource, view=view, content=view_content(resource, view),
                           may_edit=can("resource_view_delete", id=view["id"]))


@web.route("/dataset/<id>/resource/<resource_id>/view/<view_id>/delete", methods=["POST"])
def resource_view_delete(id: str, resource_id: str, view_id: str) -> Response:
    pkg, resource = resource_of(id, resource_id)
    view = act("resource_view_show", id=view_id)
    if view["resource_id"] != resource["id"]:
        raise NotFound("Resource view not found")
    try:
        act("resource_view_delete", id=view["id"])
    except NotAuthorized:
        abort(403)
    flash(_("The view “%(title)s” is deleted.", title=view["title"]), "success")
    return redirect(url_for("web.resource_read", id=pkg["name"], resource_id=resource["id"]))


@web.app_context_processor
def _resource_views() -> dict[str, Any]:
    def resource_views_of(pkg: dict[str, Any]) -> list[dict[str, Any]]:
        """The dataset's saved views, resource by resource, the first few drawn (for _resource_views.html)."""
        shown: list[dict[str, Any]] = []
        for resource in pkg.get("resources") or []:
            try:
                views = act("resource_view_list", id=resource["id"])
            except ActionError:  # a resource held for review has no row, hence no views yet
                continue
            for view in views:
                drawn = len(shown) < DATASET_PAGE_VIEWS
                shown.append({"res": resource, "view": view,
                              "content": view_content(resource, view) if drawn else {"kind": "link"}})
        return shown

    def views_of_resource(resource_id: str) -> list[dict[str, Any]]:
        """One resource's saved views, for links on its page."""
        try:
            return act("resource_view_list", id=resource_id)
        except ActionError:
            return []

    return {"resource_views_of": resource_views_of, "views_of_resource": views_of_resource}
