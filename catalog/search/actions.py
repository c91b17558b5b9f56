"""package_search and its relatives (package_autocomplete, resource_search,
current_package_list_with_resources), answered from the search index."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.exc import DBAPIError

from catalog.authz import public_clause, rule_clause, visibility_clause, visibility_rule
from catalog.context import ActionContext
from catalog.dataset.dictize import resource_dictize, with_current_site_url
from catalog.dataset.models import Package, Resource
from catalog.db import count_rows, statement_timed_out
from catalog.errors import SearchError, SearchQueryError, ValidationError
from catalog.organization.models import Group
from catalog.registry import action
from catalog.search.index import search_package, search_value
from catalog.search.query import Node, parse, unknown_fields
from catalog.search.sql import DEFAULT_SORT, SearchRequest, index_visibility, parse_sort, visible_where
from catalog.validation import natural_number

ROWS_MAX = 1000
FACET_LIMIT = 50
VALID_PARAMS = {
    "q", "fl", "fq", "rows", "sort", "start", "wt", "qf", "bf", "boost", "facet", "facet.mincount",
    "facet.limit", "facet.field", "extras", "fq_list", "tie", "defType", "mm", "df",
    "include_private", "include_drafts", "include_deleted", "use_default_schema",
}
SP = search_package.c
# CKAN answers a Solr failure with 409 Search Error; here the search ran out of the read bound (catalog.db).
SEARCH_TOO_SLOW = ("the search took longer than the {ms} ms a request may hold the database: use more specific "
                   "words or filters, or fewer facets")


def _as_list(value: Any, name: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise SearchQueryError(f'Invalid "{name}" parameter: not a JSON list') from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SearchQueryError(f'Invalid "{name}" parameter: not a list of strings')
    if any("\x00" in v for v in value):  # a JSON \u0000: PostgreSQL text cannot hold it, Solr has no such field
        raise SearchQueryError(f'Invalid "{name}" parameter: a value contains a NUL (U+0000) character')
    return value


def check_fields(ctx: ActionContext, request: SearchRequest) -> None:
    """Solr's "undefined field": a name that is neither a known field (catalog.search.query.KNOWN_FIELDS) nor the
    key of an extra of a dataset this search may return is a 400, not 0 results for a misspelt field. Only the
    datasets the caller may see count, so the answer tells nothing of the others' extras. Run only when the search
    found nothing (package_search): finding a key held only by datasets the caller cannot see costs a scan of
    them, and a search with results shows what its fields matched (unlike Solr, a negated or OR-ed unknown field
    beside a clause that matched is then not refused)."""
    nodes: list[Node] = [request.q, *request.filters]
    for name in sorted({name for node in nodes for name in unknown_fields(node)}):
        held = (select(search_value.c.field).join(search_package, SP.doc_id == search_value.c.doc_id)
                .where(search_value.c.field == name, *visible_where(request)).limit(1))
        if ctx.session.scalar(held) is None:
            raise SearchQueryError(f"undefined field {name}")


def build_request(ctx: ActionContext, data: dict[str, Any]) -> SearchRequest:
    """CKAN's package_search parameters -> a compiled request (400 for anything it cannot run)."""
    unknown = sorted(k for k in data if k not in VALID_PARAMS and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    include_private = bool(data.get("include_private"))
    include_drafts = bool(data.get("include_drafts"))
    fq = data.get("fq") or ""
    if not isinstance(fq, str):
        raise SearchQueryError('Invalid "fq" parameter')
    states: tuple[str, ...] = ("active",) + (("draft",) if include_drafts else ()) + (
        ("deleted",) if data.get("include_deleted") else ())
    if "+state" in fq:
        states = ("active", "draft", "deleted")  # the caller's own state filter decides
    q = data.get("q")
    if q is not None and not isinstance(q, str):
        raise SearchQueryError('Invalid "q" parameter')
    filters = [parse(fq)] + [parse(item) for item in _as_list(data.get("fq_list"), "fq_list")]
    parsed_q = parse(q)
    facet_on = str(data.get("facet", "true")).lower() not in ("false", "0", "off", "no")
    # Asking for a state only widens the states searched; which datasets of each state the caller sees is
    # authz's rule (deleted ones: those who may edit them), also when fq names the states itself.
    rule = visibility_rule(ctx, include_private=include_private, include_drafts="draft" in states,
                           include_deleted="deleted" in states)
    request = SearchRequest(
        q=parsed_q, filters=filters, sort=parse_sort(data.get("sort")),
        # schemas/package_search.json has checked these numbers; int() because JSON Schema counts 5.0 as one.
        rows=min(int(data.get("rows", 10)), ROWS_MAX), start=int(data.get("start", 0)),
        states=states, include_private=include_private, visibility=index_visibility(rule_clause(rule)), rule=rule,
        facet_fields=_as_list(data.get("facet.field"), "facet.field") if facet_on else [],
        facet_limit=int(data.get("facet.limit", FACET_LIMIT)), facet_mincount=int(data.get("facet.mincount", 1)),
        walk_key=(ctx.actor.user_id, ctx.actor.is_sysadmin, q, fq, json.dumps(data.get("fq_list")), states,
                  include_private, data.get("sort")),
    )
    return request


def _display_names(ctx: ActionContext, field: str, values: list[str]) -> dict[str, str]:
    if field in ("organization", "groups") and values:
        rows = ctx.session.execute(select(Group.name, Group.title).where(Group.name.in_(values)))
        return {name: title or name for name, title in rows}
    if field == "license_id":
        try:
            from catalog.vocab.licenses import license_for
        except ImportError:
            return {}
        found = {value: license_for(value) for value in values}
        return {value: lic["title"] for value, lic in found.items() if lic}
    return {}


def _fields(result: dict[str, Any], fl: Any) -> dict[str, Any]:
    names = fl.replace(",", " ").split() if isinstance(fl, str) else list(fl)
    if "*" in names:
        return result
    flat = {**{e["key"]: e["value"] for e in result.get("extras") or []}, **result}
    return {name: flat[name] for name in names if name in flat}


@action(public=True, read_only=True)
def package_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search datasets with CKAN's (Solr) query syntax, filters, sorting, paging and facets.

    :param q: the query, e.g. ``logement`` or ``tags:economy AND -organization:cnaf`` (default ``*:*``)
    :param fq: a filter query (same syntax), ANDed; ``fq_list``: a list of them
    :param sort: e.g. ``metadata_modified desc`` or ``id asc`` (default ``score desc, metadata_modified desc``)
    :param rows: results per page, default 10, at most 1000; ``start``: offset
    :param facet.field: JSON list of fields to count values of; ``facet.limit`` (50), ``facet.mincount`` (1)
    :param include_private: include private datasets the caller may read
    :param include_drafts: include draft datasets the caller may read
    :param include_deleted: include deleted datasets the caller may edit (as package_show shows them)
    :rtype: dictionary with count, results, facets, search_facets and sort
    """
    request = build_request(ctx, data)
    try:
        found = ctx.search.search(ctx.session, request)
    except DBAPIError as error:
        if not statement_timed_out(error):
            raise
        raise SearchError(SEARCH_TOO_SLOW.format(ms=ctx.settings.read_statement_timeout_ms)) from error
    if found.count == 0:
        check_fields(ctx, request)  # a misspelt field is a 400, not 0 results
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict[str, Any]] = {}
    for field, counts in found.facets.items():
        facets[field] = dict(counts)
        names = _display_names(ctx, field, [value for value, _ in counts])
        items = [{"name": value, "display_name": names.get(value, value), "count": n} for value, n in counts]
        items.sort(key=lambda item: item["display_name"], reverse=True)
        search_facets[field] = {"title": field, "items": items}
    results = [with_current_site_url(r, ctx.settings) for r in found.results]
    if data.get("fl"):
        results = [_fields(r, data["fl"]) for r in results]
    return {"count": found.count, "facets": facets, "results": results,
            "sort": data.get("sort") or DEFAULT_SORT, "search_facets": search_facets}


@action(public=True, read_only=True)
def current_package_list_with_resources(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the most recently modified datasets with their resources (package_search underneath).

    :param limit: how many datasets (default 10... as rows); :param offset: skip that many
    :param page: 1-based page of ``limit`` datasets (instead of offset)
    :rtype: list of dataset dictionaries
    """
    limit = natural_number(data, "limit", 10)
    offset = natural_number(data, "offset", 0)
    if data.get("page") not in (None, ""):
        page = natural_number(data, "page", 1)
        if page < 1:
            raise ValidationError({"page": ["Must be larger than 0"]})
        offset = (page - 1) * limit
    result = package_search(ctx, {"q": "", "rows": limit, "start": offset, "sort": "metadata_modified desc",
                                  "include_private": ctx.actor.is_sysadmin})
    return result["results"]


@action(public=True, read_only=True)
def package_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return datasets whose name or title contains the given string, for autocompletion.

    :param q: the string to look for (required)
    :param limit: the maximum number of datasets to return (default 10)
    :rtype: list of {name, title, match_field, match_displayed}
    """
    q = data.get("q")
    if not isinstance(q, str) or not q.strip():
        raise ValidationError({"q": ["Missing value"]})
    limit = natural_number(data, "limit", 10)
    needle = q.strip().lower()
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    visible = index_visibility(visibility_clause(ctx, include_private=True, include_drafts=False))
    stmt = (select(SP.name, SP.title_string)
            .where(SP.state == "active", visible,
                   or_(SP.name.like(pattern, escape="\\"), func.lower(SP.title_string).like(pattern, escape="\\")))
            .order_by(SP.name).limit(limit))
    out = []
    for name, title in ctx.session.execute(stmt):
        in_name = needle in name.lower()
        out.append({"name": name, "title": title or name, "match_field": "name" if in_name else "title",
                    "match_displayed": name if in_name else f"{title} ({name})"})
    return out


RESOURCE_FIELDS = {"name", "description", "format", "url", "hash", "resource_type", "mimetype",
                   "mimetype_inner", "url_type", "id", "package_id", "cache_url", "position", "size",
                   "created", "last_modified", "metadata_modified", "state"}


@action(public=True, read_only=True)
def resource_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search resources of public active datasets by field:term pairs (case-insensitive substring; hash
    is a prefix match).

    :param query: a ``field:term`` string or a list of them (ANDed)
    :param order_by: a resource field to order by
    :param offset: skip that many results; :param limit: return at most that many
    :rtype: {count, results}
    """
    query = data.get("query")
    if query in (None, "", []):
        raise ValidationError({"query": ["Missing value"]})
    terms = [query] if isinstance(query, str) else query
    if not isinstance(terms, list) or not all(isinstance(t, str) and ":" in t for t in terms):
        raise ValidationError({"query": ["Must be <field>:<value> pair(s)"]})
    stmt = select(Resource, Package).join(Package, Resource.package_id == Package.id).where(
        Resource.state == "active", public_clause())
    for term in terms:
        field, value = term.split(":", 1)
        if field not in RESOURCE_FIELDS:
            raise ValidationError({"query": [f'Field "{field}" not recognised in resource_search.']})
        column = func.lower(cast(getattr(Resource, field), Text))
        escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = escaped + "%" if field == "hash" else "%" + escaped + "%"
        stmt = stmt.where(column.like(pattern, escape="\\"))
    count = count_rows(ctx.session, stmt)
    order_by = data.get("order_by")
    if order_by:
        if order_by not in RESOURCE_FIELDS:
            raise ValidationError({"order_by": [f'Field "{order_by}" not recognised in resource_search.']})
        stmt = stmt.order_by(getattr(Resource, order_by), Resource.id)
    else:
        stmt = stmt.order_by(Resource.id)
    offset, limit = natural_number(data, "offset", 0), data.get("limit")
    stmt = stmt.offset(offset)
    if limit not in (None, ""):
        stmt = stmt.limit(natural_number(data, "limit", 0))
    rows = ctx.session.execute(stmt).all()
    results = [resource_dictize(res, pkg, ctx.settings) for res, pkg in rows]
    for result in results:
        result.pop("datastore_active", None)
    return {"count": count, "results": results}


@action(public=True, read_only=True)
def format_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return resource formats containing the given string (case-insensitive), most used first.

    :param q: the string to look for (required)
    :param limit: the maximum number of formats to return (default 5)
    :rtype: list of lowercased format strings
    """
    q = data.get("q")
    if not isinstance(q, str) or not q.strip():
        raise ValidationError({"q": ["Missing value"]})
    needle = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    fmt = func.lower(Resource.format)
    uses = func.count(Resource.id)
    stmt = (select(fmt).where(Resource.state == "active", fmt.like(f"%{needle}%", escape="\\"))
            .group_by(fmt).order_by(uses.desc(), fmt).limit(natural_number(data, "limit", 5)))
    return list(ctx.session.scalars(stmt))
