"""Which datasets a DCAT page or dump holds: keyset paging by id over visible_packages, and the streaming dump.

Order is by dataset id, which never changes, so a harvester following `next` links sees each dataset once
even while others are edited. Next links carry the last id seen (`after`), so following them costs one index
range scan per page whatever the catalog size; a bare `page=N` (random access) falls back to OFFSET.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from rdflib import Graph, URIRef
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog.authz import visible_packages
from catalog.clock import iso
from catalog.context import ANONYMOUS, ActionContext
from catalog.dataset.dictize import groups_by_package, package_dictize, stored_package
from catalog.dataset.models import Package
from catalog.db import count_rows
from catalog.dcat.graphs import new_graph
from catalog.dcat.profiles import DEFAULT_PROFILE, Profile
from catalog.dcat.to_rdf import catalog_to_rdf
from catalog.dcat.uri_owners import datasets_to_rdf
from catalog.dcat.vocab import DCAT
from catalog.organization.models import Group
from catalog.registry import unit
from catalog.search.stored import current_stored_dicts
from catalog.settings import Settings
from catalog.site.options import site_options

if TYPE_CHECKING:
    from catalog.services import Services

DUMP_BATCH = 200
STREAMABLE_FORMATS = {"nt": "nt", "ttl": "turtle"}


@dataclass(frozen=True)
class CatalogFilter:
    modified_since: datetime | None = None


def public_packages(ctx: ActionContext, where: CatalogFilter) -> Select[tuple[Package]]:
    """Public, active datasets only (never private, never draft), whoever asks: the DCAT export is public."""
    query = visible_packages(ctx.as_anonymous(), include_private=False)
    if where.modified_since is not None:
        query = query.where(Package.metadata_modified >= where.modified_since)
    return query


def page_of_ids(ctx: ActionContext, where: CatalogFilter, *, page: int, per_page: int,
                after: str | None) -> list[str]:
    """The ids of one page, read from the (state, private, id) index alone."""
    query = public_packages(ctx, where).with_only_columns(Package.id).order_by(Package.id).limit(per_page)
    if after is not None:
        query = query.where(Package.id > after)
    elif page > 1:
        query = query.offset((page - 1) * per_page)
    return list(ctx.session.scalars(query))


class CountCache:
    """totalItems of recent filters for a short time: counting a million rows for every page is not free."""

    def __init__(self, ttl_seconds: float = 30.0) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[Any, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def count(self, session: Session, query: Select[Any], key: Any) -> int:
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit and now - hit[0] < self.ttl:
                return hit[1]
        total = count_rows(session, query)
        with self._lock:
            if len(self._entries) > 256:
                self._entries.clear()
            self._entries[key] = (now, total)
        return total


def last_modified(ctx: ActionContext) -> str | None:
    """Catalog dct:modified: the newest public dataset change. ORDER BY + LIMIT walks the metadata_modified
    index from its end and stops at the first public row (MAX() with a WHERE would scan every row)."""
    newest = ctx.session.scalar(public_packages(ctx, CatalogFilter()).with_only_columns(Package.metadata_modified)
                                .order_by(Package.metadata_modified.desc()).limit(1))
    return iso(newest) if newest else None


def iter_public_packages(ctx: ActionContext, where: CatalogFilter,
                         batch_size: int = DUMP_BATCH) -> Iterator[list[dict[str, Any]]]:
    """Batches of package dicts, keyset-paged by id; the session forgets each batch (flat memory)."""
    after: str | None = None
    while True:
        ids = page_of_ids(ctx, where, page=1, per_page=batch_size, after=after)
        if not ids:
            return
        after = ids[-1]
        yield dictize_batch(ctx.session, ids, ctx.settings)
        ctx.session.expunge_all()


def dictize_batch(session: Session, ids: list[str], settings: Settings) -> list[dict[str, Any]]:
    """package_show dicts of a batch: the stored dicts package_show itself serves (one query for the batch),
    and for datasets without a current one, dictized with two queries for all of them (groups, organizations).
    Reading stored dicts instead of dictizing every dataset made a full dump 1.5x faster (100,000 datasets)."""
    stored = current_stored_dicts(session, ids)
    dictized = _dictize(session, [package_id for package_id in ids if package_id not in stored], settings)
    return [stored_package(stored[package_id], settings) if package_id in stored else dictized[package_id]
            for package_id in ids]


def _dictize(session: Session, ids: list[str], settings: Settings) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    # The model loads collections eagerly: a query per collection for the batch, not per dataset.
    packages = list(session.scalars(select(Package).where(Package.id.in_(ids))))
    groups = groups_by_package(session, ids)
    org_ids = {package.owner_org for package in packages if package.owner_org}
    # Held here so the identity map (weak references) keeps them while each dict asks for its organization.
    organizations = list(session.scalars(select(Group).where(Group.id.in_(org_ids)))) if org_ids else []
    batch = {package.id: package_dictize(session, package, settings, groups=groups[package.id])
             for package in packages}
    del organizations
    return batch


def count_public(services: Services, where: CatalogFilter) -> int:
    """How many datasets a dump with this filter will write (for a progress bar's total)."""
    with unit(services, ANONYMOUS, write=False) as ctx:
        return count_rows(ctx.session, public_packages(ctx, where))


def dump(services: Services, out: IO[bytes], *, fmt: str = "nt", profile: Profile = DEFAULT_PROFILE,
         where: CatalogFilter | None = None, batch_size: int = DUMP_BATCH,
         progress: Callable[[int], object] | None = None) -> int:
    """Write the whole public catalog to out as N-Triples or Turtle, one small graph per batch.

    Concatenated N-Triples are N-Triples; concatenated Turtle documents are Turtle (prefixes may be
    declared again). progress is called with the size of each batch once it is written. Returns the number
    of datasets written.
    """
    rdf_format = STREAMABLE_FORMATS[fmt]
    settings = services.settings
    count = 0
    with unit(services, ANONYMOUS, write=False) as ctx:
        graph = new_graph()
        catalog_to_rdf(graph, site_url=settings.site_url, title=site_options(ctx.session, settings)["site_title"],
                       modified=last_modified(ctx))
        graph.serialize(destination=out, format=rdf_format, encoding="utf-8")
        for batch in iter_public_packages(ctx, where or CatalogFilter(), batch_size):
            graph = new_graph(write_once=fmt == "nt")
            uris = datasets_to_rdf(graph, ctx, batch, site_url=settings.site_url, profile=profile)
            catalog_to_rdf_links(graph, settings.site_url, uris)
            graph.serialize(destination=out, format=rdf_format, encoding="utf-8")
            count += len(batch)
            if progress is not None:
                progress(len(batch))
    return count


def catalog_to_rdf_links(graph: Graph, site_url: str, dataset_uris: list[URIRef]) -> None:
    """Only the dcat:dataset links of the catalog (its other triples were written once, first)."""
    catalog = URIRef(f"{site_url.rstrip('/')}/catalog")
    for uri in dataset_uris:
        graph.add((catalog, DCAT.dataset, uri))
