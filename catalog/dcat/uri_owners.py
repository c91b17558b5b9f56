"""Which local dataset publishes under an upstream URI, when several hold the same one.

Two harvest sources (or a source and a hand-made copy) can bring the same upstream dataset, and both copies
keep its URI in their `uri` extra. Written as they are, both become the same RDF node and a consumer sees one
dataset with two sets of distributions and contact points (the API counted 365 datasets, /catalog.ttl 215).
So exactly one copy publishes under the upstream URI: the first created of the public ones (then the
smallest id). The others publish under their own local URI, with the upstream URI as an adms:identifier and
their local URI as dct:identifier, so udata, which keys harvested datasets by dct:identifier, keeps them apart
too. The choice depends only on public, active datasets, so a private copy never shows through by taking the
URI away from a public one.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, URIRef

from catalog.authz import visible_packages
from catalog.context import ActionContext
from catalog.dataset.models import Package, PackageExtra
from catalog.dcat.profiles import DEFAULT_PROFILE, Profile
from catalog.dcat.to_rdf import dataset_to_rdf, extras_of


def upstream_uri_owners(ctx: ActionContext, uris: set[str]) -> dict[str, str]:
    """For each URI, the id of the public dataset that publishes under it (one query for a page of datasets;
    the partial index on package_extra(value) where key = 'uri' keeps it a probe per URI)."""
    if not uris:
        return {}
    query = (visible_packages(ctx.as_anonymous(), include_private=False)
             .join(PackageExtra, PackageExtra.package_id == Package.id)
             .where(PackageExtra.key == "uri", PackageExtra.value.in_(sorted(uris)))
             .with_only_columns(PackageExtra.value, Package.id)
             .order_by(PackageExtra.value, Package.metadata_created, Package.id))
    owners: dict[str, str] = {}
    for uri, package_id in ctx.session.execute(query):
        owners.setdefault(uri, package_id)
    return owners


def datasets_to_rdf(graph: Graph, ctx: ActionContext, packages: list[dict[str, Any]], *,
                    site_url: str, profile: Profile = DEFAULT_PROFILE) -> list[URIRef]:
    """dataset_to_rdf for a page of datasets, each copy of a shared upstream URI but one under its own URI."""
    upstream = [extras_of(pkg).get("uri") for pkg in packages]
    owners = upstream_uri_owners(ctx, {str(uri) for uri in upstream if uri})
    nodes = []
    for pkg, uri in zip(packages, upstream, strict=True):
        owns = not uri or owners.get(str(uri), pkg["id"]) == pkg["id"]
        nodes.append(dataset_to_rdf(graph, pkg, site_url=site_url, profile=profile, owns_upstream_uri=owns))
    return nodes
