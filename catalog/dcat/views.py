"""DCAT endpoints: /catalog[.ext] and /dataset/<id-or-name>.ext, plus Accept negotiation on /dataset/<id>.

Only public, active datasets appear (stream.public_packages starts from authz.visible_packages as anonymous).
Client mistakes raise BadRequest, which catalog.responses renders for these endpoints as a plain-text 400 that
says what is accepted; nothing here turns bad input into a 500.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, request
from rdflib import Graph, Literal, URIRef

from catalog.context import ANONYMOUS
from catalog.dataset.dictize import package_dictize
from catalog.dataset.models import Package
from catalog.dcat.graphs import new_graph
from catalog.dcat.profiles import PROFILES, Profile, profile_named
from catalog.dcat.stream import (
    CatalogFilter,
    CountCache,
    dictize_batch,
    last_modified,
    page_of_ids,
    public_packages,
)
from catalog.dcat.to_rdf import catalog_to_rdf
from catalog.dcat.uri_owners import datasets_to_rdf
from catalog.dcat.vocab import HYDRA, RDF, XSD
from catalog.errors import ActionError, BadRequest, NotFound
from catalog.registry import call_action, unit
from catalog.services import current_services
from catalog.site.options import site_options

# extension -> (rdflib format, media type)
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("pretty-xml", "application/rdf+xml"),
    "xml": ("pretty-xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
    "n3": ("n3", "text/n3"),
    "nt": ("nt", "application/n-triples"),
}
MEDIA_TYPES = {"text/turtle": "ttl", "application/rdf+xml": "rdf", "application/ld+json": "jsonld",
               "text/n3": "n3", "application/n-triples": "nt", "application/x-turtle": "ttl"}
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
MAX_PAGE = 10**9

dcat = Blueprint("dcat", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(dcat)
    app.extensions.setdefault("dcat_counts", CountCache())
    app.before_request(_negotiate_dataset)





def _format_of(ext: str) -> tuple[str, str]:
    if ext not in FORMATS:
        raise BadRequest(f"Unknown format '{ext}'. Supported formats: {', '.join(sorted(FORMATS))}.")
    return FORMATS[ext]


def _profile() -> Profile:
    profile = profile_named(request.args.get("profiles"))
    if profile is None:
        names = ", ".join(sorted(PROFILES))
        raise BadRequest(f"Unknown profile '{request.args.get('profiles')}'. Supported profiles: {names}.")
    return profile


def _natural(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not re.fullmatch(r"\d{1,10}", raw) or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"'{name}' must be a whole number between 1 and {maximum}, got '{raw}'.")
    return int(raw)


def _modified_since() -> datetime | None:
    raw = request.args.get("modified_since")
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise BadRequest(f"'modified_since' must be an ISO 8601 date or date-time, got '{raw}'.") from None
    # metadata_modified is naive UTC.
    try:
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except OverflowError:  # 0001-01-01T00:00+01:00 has no UTC time
        raise BadRequest(f"'modified_since' is out of range: '{raw}'.") from None


def _reject_nul(*values: str) -> None:
    """PostgreSQL cannot even compare a string holding NUL: refuse it before any query."""
    if any("\x00" in value for value in (*values, *request.args.keys(), *request.args.values())):
        raise BadRequest("NUL (U+0000) characters are not allowed in DCAT requests.")


def _serialize(graph: Graph, ext: str) -> Response:
    rdf_format, media_type = _format_of(ext)
    body = graph.serialize(format=rdf_format, encoding="utf-8")
    return Response(body, mimetype=media_type, content_type=f"{media_type}; charset=utf-8",
                    headers={"Vary": "Accept"})


def negotiated_extension(default: str | None) -> str | None:
    """The RDF syntax the Accept header prefers over HTML, or default."""
    best = request.accept_mimetypes.best_match([*MEDIA_TYPES, "text/html"])
    if best in MEDIA_TYPES and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]:
        return MEDIA_TYPES[best]
    return default


@dcat.route("/catalog")
def catalog_negotiated() -> Response:
    return _catalog(negotiated_extension("ttl") or "ttl")


@dcat.route("/catalog.<ext>")
def catalog_with_extension(ext: str) -> Response:
    return _catalog(ext)


def _catalog(ext: str) -> Response:
    _reject_nul()
    _format_of(ext)
    profile = _profile()
    page = _natural("page", 1, MAX_PAGE)
    per_page = _natural("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    after = request.args.get("after") or None
    where = CatalogFilter(modified_since=_modified_since())
    services = current_services()
    settings = services.settings
    with unit(services, ANONYMOUS, write=False) as ctx:
        session = ctx.session
        if request.args.get("q") or request.args.get("fq"):
            packages, total = _searched(page, per_page, where)
        else:
            ids = page_of_ids(ctx, where, page=page, per_page=per_page, after=after)
            counts: CountCache = current_app.extensions["dcat_counts"]
            total = counts.count(session, public_packages(ctx, where), (settings.database_url, where))
            packages = dictize_batch(session, ids, settings)
        graph = new_graph(write_once=ext == "nt")
        uris = datasets_to_rdf(graph, ctx, packages, site_url=settings.site_url, profile=profile)
        catalog_to_rdf(graph, site_url=settings.site_url, title=site_options(session, settings)["site_title"],
                       dataset_uris=uris,
                       modified=last_modified(ctx))
    last_id = packages[-1]["id"] if packages else None
    _paging_to_rdf(graph, ext, page=page, per_page=per_page, total=total, last_id=last_id)
    return _serialize(graph, ext)


def _searched(page: int, per_page: int, where: CatalogFilter) -> tuple[list[dict[str, Any]], int]:
    fq = request.args.get("fq") or ""
    if where.modified_since is not None:
        since = where.modified_since.isoformat(timespec="seconds") + "Z"
        fq = f"({fq}) AND metadata_modified:[{since} TO *]" if fq else f"metadata_modified:[{since} TO *]"
    data = {"q": request.args.get("q") or "", "fq": fq, "rows": per_page, "start": (page - 1) * per_page,
            "sort": "id asc"}
    try:
        result = call_action(current_services(), "package_search", data, actor=ANONYMOUS)
    except ActionError as error:
        raise BadRequest(f"Search failed: {error.error_body()}") from error
    return result["results"], result["count"]


def _page_url(ext: str, **params: Any) -> URIRef:
    base = current_services().settings.site_url.rstrip("/")
    kept = {k: v for k, v in request.args.items() if k not in ("page", "after")}
    kept.update({k: v for k, v in params.items() if v is not None})
    path = request.path if request.path.startswith("/catalog") else f"/catalog.{ext}"
    return URIRef(f"{base}{path}?{urlencode(kept)}")


def _paging_to_rdf(graph: Graph, ext: str, *, page: int, per_page: int, total: int, last_id: str | None) -> None:
    """Hydra paging: the legacy PagedCollection terms (ckanext-dcat) and PartialCollectionView (udata)."""
    last_page = max(1, -(-total // per_page))
    node = _page_url(ext, page=page)
    graph.add((node, RDF.type, HYDRA.PagedCollection))
    graph.add((node, RDF.type, HYDRA.PartialCollectionView))
    graph.add((node, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    graph.add((node, HYDRA.itemsPerPage, Literal(per_page, datatype=XSD.integer)))
    links = {"first": _page_url(ext, page=1), "last": _page_url(ext, page=last_page)}
    if page < last_page and last_id is not None:
        after = None if request.args.get("q") or request.args.get("fq") else last_id
        links["next"] = _page_url(ext, page=page + 1, after=after)
    if page > 1:
        links["previous"] = _page_url(ext, page=min(page - 1, last_page))
    for name, url in links.items():
        graph.add((node, HYDRA[name], url))
        graph.add((node, HYDRA[f"{name}Page"], url))


@dcat.route("/dataset/<id_or_name>.<ext>")
def dataset_with_extension(id_or_name: str, ext: str) -> Response:
    return _dataset(id_or_name, ext)


def _negotiated_dataset() -> tuple[str, str] | None:
    """(id or name, extension) when a GET of /dataset/<id> asks for RDF in its Accept header."""
    match = re.fullmatch(r"/dataset/([^/.]+)", request.path)
    if match is None or request.method != "GET":
        return None
    ext = negotiated_extension(None)
    return None if ext is None else (match.group(1), ext)


def _negotiate_dataset() -> Response | None:
    """/dataset/<id> answers RDF when the Accept header asks for it; HTML pages stay with the web UI."""
    negotiated = _negotiated_dataset()
    return None if negotiated is None else _dataset(*negotiated)


def answers_in_rdf() -> bool:
    """Whether this request is one of the RDF endpoints' (catalog.responses then renders its errors as their
    plain text): the DCAT blueprint, or /dataset/<id> negotiated to RDF, whose URL matched the HTML page's route."""
    return request.blueprint == dcat.name or _negotiated_dataset() is not None


def _dataset(id_or_name: str, ext: str) -> Response:
    _reject_nul(id_or_name)
    _format_of(ext)
    profile = _profile()
    services = current_services()
    settings = services.settings
    with unit(services, ANONYMOUS, write=False) as ctx:
        session = ctx.session
        query = public_packages(ctx, CatalogFilter())
        package = session.scalar(query.where(Package.id == id_or_name)) or session.scalar(
            query.where(Package.name == id_or_name))
        if package is None:
            raise NotFound(f"Dataset not found: {id_or_name}")
        pkg = package_dictize(session, package, settings)
        graph = new_graph(write_once=ext == "nt")
        [uri] = datasets_to_rdf(graph, ctx, [pkg], site_url=settings.site_url, profile=profile)
        title = site_options(session, settings)["site_title"]  # as status_show's, changed by config_option_update
    catalog_to_rdf(graph, site_url=settings.site_url, title=title, dataset_uris=[uri])
    return _serialize(graph, ext)
