"""Home, dataset search (facets, sort, paging) and the dataset page, all through package_search/_show."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l

from catalog.dcat.schemaorg import dataset_to_schemaorg
from catalog.errors import ActionError, NotAuthorized, SearchQueryError
from catalog.registry import authorize, unit
from catalog.services import current_services
from catalog.web.blueprint import web
from catalog.web.calls import act, can, current_actor
from catalog.web.paging import Pager, int_arg, url_with
from catalog.web.site import current_site_options

FACETS = {
    "organization": _l("Organizations"),
    "groups": _l("Groups"),
    "tags": _l("Tags"),
    "res_format": _l("Formats"),
    "license_id": _l("Licences"),
}
SORTS = {
    "score desc, metadata_modified desc": _l("Relevance"),
    "title_string asc": _l("Name (A to Z)"),
    "title_string desc": _l("Name (Z to A)"),
    "metadata_modified desc": _l("Last modified"),
    "metadata_created desc": _l("Newest"),
}
PER_PAGE = 20
FACET_SHOWN = 10  # values shown per facet; `_<field>_limit=0` (CKAN's parameter) shows up to FACET_ALL
FACET_ALL = 50


def quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def facet_filters(fields: dict[str, Any] = FACETS) -> dict[str, list[str]]:
    return {field: request.args.getlist(field) for field in fields if request.args.getlist(field)}


def search_datasets(*, extra_fq: list[str] | None = None, facets: dict[str, Any] = FACETS) -> dict[str, Any]:
    """Run package_search from the page's query string; a malformed query becomes a message, not an error."""
    chosen = facet_filters(facets)
    fq_list = list(extra_fq or []) + [f"{field}:{quoted(value)}" for field, values in chosen.items()
                                      for value in values]
    sort = request.args.get("sort") or ""
    if sort not in SORTS:
        sort = next(iter(SORTS))
    q = request.args.get("q", "").strip()
    page = int_arg("page", 1, highest=10_000)
    expanded = {field for field in facets if request.args.get(f"_{field}_limit") == "0"}
    # One value more than shown tells whether to offer "show more".
    data = {"q": q, "fq_list": fq_list, "sort": sort, "rows": PER_PAGE, "start": (page - 1) * PER_PAGE,
            "facet.field": list(facets), "facet.limit": FACET_ALL if expanded else FACET_SHOWN + 1,
            "include_private": True}
    error = ""
    try:
        found = act("package_search", **data)
    except SearchQueryError as problem:
        field = problem.message.removeprefix("undefined field ") if problem.message.startswith("undefined") else ""
        error = str(_l("There is no field “%(field)s” to search in: search without it, or in another field.",
                       field=field) if field else _l("Your search could not be understood. Try simpler words."))
        found = {"count": 0, "results": [], "search_facets": {}}
        page = 1
    return {"q": q, "sort": sort, "sorts": SORTS, "facet_titles": facets, "chosen": chosen,
            "results": found["results"], "facet_lists": facet_lists(found.get("search_facets", {}), expanded),
            "pager": Pager(page, PER_PAGE, found["count"]), "count": found["count"], "error": error,
            "url_with": url_with, "toggle_facet": toggle_facet}


def facet_lists(search_facets: dict[str, Any], expanded: set[str]) -> dict[str, dict[str, Any]]:
    """Each facet's values, most frequent first, cut at FACET_SHOWN unless expanded, with the link that shows
    more (CKAN's `_<field>_limit=0`) or fewer; the links work without JavaScript."""
    out = {}
    for field, facet in search_facets.items():
        items = sorted(facet.get("items", []), key=lambda item: (-item["count"], item["display_name"]))
        more = less = None
        if field in expanded:
            less = url_with(**{f"_{field}_limit": None})
        elif len(items) > FACET_SHOWN:
            more = url_with(**{f"_{field}_limit": 0})
            items = items[:FACET_SHOWN]
        out[field] = {"items": items, "more": more, "less": less}
    return out


def toggle_facet(field: str, value: str) -> str:
    """The current search URL with one facet value added or removed (and back to page 1)."""
    args = request.args.to_dict(flat=False)
    values = args.get(field, [])
    args[field] = [v for v in values if v != value] if value in values else values + [value]
    args.pop("page", None)
    query = urlencode(args, doseq=True)
    return request.path + ("?" + query if query else "")


@web.route("/")
def home() -> str:
    found = act("package_search", q="", rows=6, sort="metadata_modified desc", include_private=True,
                **{"facet.field": ["organization", "groups", "res_format"], "facet.limit": 8})
    organizations = act("organization_list", all_fields=True)
    groups = act("group_list", all_fields=True)
    return render_template("home.html", recent=found["results"], dataset_count=found["count"],
                           organization_count=len(organizations), group_count=len(groups),
                           groups=groups, formats=found.get("search_facets", {}).get("res_format", {}))


@web.route("/dataset/")
@web.route("/dataset")
def dataset_search() -> str:
    return render_template("dataset_search.html", can_create=can("package_create"), **search_datasets())


@web.before_request
def hidden_dataset_is_not_found() -> None:
    """A dataset the visitor may not see answers 404 like an unknown one on every page under /dataset/<id>
    (read, resources, review, edit and delete forms), as CKAN's pages do, rather than a 403 telling it exists;
    for every method: a form posted to it answers as for an unknown dataset too."""
    rule = request.url_rule.rule if request.url_rule is not None else ""
    ident = (request.view_args or {}).get("id")
    if not rule.startswith("/dataset/") or not ident:
        return
    with unit(current_services(), current_actor(), write=False) as ctx:
        try:
            authorize(ctx, "package_show", {"id": ident})
        except NotAuthorized:
            abort(404)
        except ActionError:
            return  # unknown: the page's own call answers


def extras_of(pkg: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in pkg.get("extras") or []}


@web.route("/dataset/<id>")
def dataset_read(id: str) -> str:
    pkg = act("package_show", id=id)
    extras = extras_of(pkg)
    activity: list[dict[str, Any]]
    try:
        activity = act("package_activity_list", id=pkg["id"], limit=10)
    except ActionError:
        activity = []  # activity visibility is the activity action's call; the page still renders
    return render_template(
        "dataset_read.html", pkg=pkg, extras=extras, activity=activity,
        jsonld=dataset_to_schemaorg(pkg, site_url=current_services().settings.site_url,
                                    catalog_title=current_site_options()["site_title"]),
        can_edit=can("package_update", id=pkg["id"]),
    )
