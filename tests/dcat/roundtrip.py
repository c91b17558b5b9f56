"""dict -> RDF (one syntax) -> dict, and the comparison of what must come back."""

from __future__ import annotations

from typing import Any

from rdflib import Graph

from catalog.dcat.from_rdf import datasets_from_graph
from catalog.dcat.graphs import new_graph
from catalog.dcat.profiles import Profile
from catalog.dcat.to_rdf import RESOURCE_MANAGED, dataset_to_rdf

SYNTAXES = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld", "n3": "n3", "nt": "nt"}
CORE_FIELDS = ("id", "name", "title", "notes", "url", "version", "license_id", "author", "author_email",
               "maintainer", "maintainer_email")
# Extras the reader derives from DCAT even when the original dict did not have them (ckanext-dcat's keys).
DERIVED_EXTRAS = {"uri", "identifier", "issued", "modified", "contact_name", "contact_email", "contact_uri",
                  "publisher_name", "publisher_uri"}


def round_trip(pkg: dict[str, Any], *, site_url: str, profile: Profile, syntax: str) -> dict[str, Any]:
    graph = new_graph()
    dataset_to_rdf(graph, pkg, site_url=site_url, profile=profile)
    text = graph.serialize(format=SYNTAXES[syntax])
    parsed = Graph().parse(data=text, format=SYNTAXES[syntax])
    results = list(datasets_from_graph(parsed))
    assert len(results) == 1, results
    _uri, back = results[0]
    assert isinstance(back, dict), back
    return back


def differences(original: dict[str, Any], back: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every mapped field that did not come back identical (empty list = lossless)."""
    diffs: list[tuple[Any, ...]] = []
    for key in CORE_FIELDS:
        if (original.get(key) or None) != (back.get(key) or None):
            diffs.append((key, original.get(key), back.get(key)))
    if sorted(t["name"] for t in original.get("tags") or []) != [t["name"] for t in back["tags"]]:
        diffs.append(("tags", original.get("tags"), back["tags"]))
    extras = {e["key"]: e["value"] for e in original.get("extras") or []}
    back_extras = {e["key"]: e["value"] for e in back["extras"]}
    for key, value in extras.items():
        if back_extras.get(key) != value:
            diffs.append(("extra", key, value, back_extras.get(key)))
    for key in set(back_extras) - set(extras) - DERIVED_EXTRAS:
        diffs.append(("unexpected extra", key, back_extras[key]))
    resources = original.get("resources") or []
    if len(resources) != len(back["resources"]):
        return [*diffs, ("resources", len(resources), len(back["resources"]))]
    for index, (resource, back_resource) in enumerate(zip(resources, back["resources"], strict=True)):
        for key, value in resource.items():
            if key in RESOURCE_MANAGED:
                continue
            if (value if value != "" else None) != (back_resource.get(key) if back_resource.get(key) != ""
                                                    else None):
                diffs.append(("resource", index, key, value, back_resource.get(key)))
    return diffs
