"""Titles and descriptions in several languages (issue 12 item 9): which one `title`/`notes` show, how untagged
literals count, and the export writing each language with its tag (round trip and DCAT-AP shapes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

from catalog.dcat import languages
from catalog.dcat.from_rdf import datasets_from_graph
from catalog.dcat.graphs import new_graph
from catalog.dcat.profiles import DCAT_AP_2, DCAT_AP_3
from catalog.dcat.schemaorg import dataset_to_schemaorg
from catalog.dcat.to_rdf import catalog_to_rdf, dataset_to_rdf
from catalog.dcat.vocab import DCAT, DCT, RDF, SCHEMA
from tests.dcat import shacl
from tests.dcat.roundtrip import SYNTAXES, differences, round_trip
from tests.dcat.samples import SITE, package

NODE = URIRef("https://dati.example.it/dataset/asili-nido")
TITLES = {"fr": "Crèches municipales", "en": "Municipal nurseries", "it": "Asili nido comunali"}
NOTES = {"fr": "Liste des crèches.", "en": "List of nurseries.", "it": "Elenco degli asili nido."}
TRANSLATED = ("title_translated", "notes_translated")


def extras(pkg: dict[str, Any]) -> dict[str, Any]:
    return {e["key"]: e["value"] for e in pkg["extras"]}


def read(titles: list[Literal], **languages: Any) -> dict[str, Any]:
    graph = Graph()
    graph.add((NODE, RDF.type, DCAT.Dataset))
    for title in titles:
        graph.add((NODE, DCT.title, title))
    [(_, pkg)] = list(datasets_from_graph(graph, **languages))
    assert isinstance(pkg, dict), pkg
    return pkg


@pytest.mark.parametrize("tags, shown", [
    (("it", "en", "fr"), "fr"),  # the portal's language
    (("it", "en"), "en"),  # else English
    (("it", "de"), "de"),  # else the first by code, whatever the graph's order
    (("it", "fr-be"), "fr-be"),  # a regional tag stands for its language
])
def test_the_portal_language_is_shown(tags: tuple[str, ...], shown: str) -> None:
    pkg = read([Literal(f"Titre {tag}", lang=tag) for tag in tags])
    assert pkg["title"] == f"Titre {shown}"
    assert json.loads(extras(pkg)["title_translated"]) == {tag: f"Titre {tag}" for tag in tags}


def test_another_portal_language_can_be_asked_for() -> None:
    pkg = read([Literal(text, lang=tag) for tag, text in TITLES.items()], language="it")
    assert pkg["title"] == TITLES["it"]


def test_an_untagged_literal_counts_as_a_language() -> None:
    titles = [Literal("Parcheggi di scambio"), Literal("Park and ride", lang="en")]
    # By default it is in the portal's language, as ckanext-dcat reads it; English is not lost.
    pkg = read(titles)
    assert pkg["title"] == "Parcheggi di scambio"
    assert json.loads(extras(pkg)["title_translated"]) == {"fr": "Parcheggi di scambio", "en": "Park and ride"}
    # A source that says its untagged literals are Italian.
    pkg = read(titles, untagged_language="it")
    assert pkg["title"] == "Park and ride"
    assert json.loads(extras(pkg)["title_translated"]) == {"it": "Parcheggi di scambio", "en": "Park and ride"}


def test_untagged_and_tagged_copies_of_one_text_are_one_language() -> None:
    pkg = read([Literal("Crèches"), Literal("Crèches", lang="fr")])
    assert pkg["title"] == "Crèches" and "title_translated" not in extras(pkg)


def test_several_texts_of_one_language_give_one_answer_whatever_their_order() -> None:
    texts = [Literal("B title", lang="en"), Literal("A title", lang="en"), Literal("Titolo", lang="it")]
    assert read(texts) == read(list(reversed(texts)))
    assert read(texts)["title"] == "A title"


def multilingual(**fields: Any) -> dict[str, Any]:
    pkg = package(title=TITLES["fr"], notes=NOTES["fr"], **fields)
    pkg["extras"] = [*pkg["extras"], {"key": "title_translated", "value": languages.dump(TITLES)},
                     {"key": "notes_translated", "value": languages.dump(NOTES)}]
    return pkg


def text_differences(pkg: dict[str, Any], back: dict[str, Any]) -> list[tuple[Any, ...]]:
    """differences() limited to the texts and their translations (the other fields have tests of their own)."""
    keys = {"title", "notes", "extra"}
    return [d for d in differences(pkg, back) if d[0] in keys and (d[0] != "extra" or d[1] in TRANSLATED)]


def exported(pkg: dict[str, Any]) -> tuple[Graph, URIRef]:
    graph = new_graph()
    node = dataset_to_rdf(graph, pkg, site_url=SITE)
    return graph, node


def stored_extras(graph: Graph, node: URIRef) -> dict[str, Any]:
    for entry in graph.objects(node, SCHEMA.additionalProperty):
        return json.loads(str(graph.value(entry, SCHEMA.value)))["extras"]
    return {}


def test_each_language_is_written_with_its_tag() -> None:
    graph, node = exported(multilingual())
    assert set(graph.objects(node, DCT.title)) == {Literal(text, lang=tag) for tag, text in TITLES.items()}
    assert set(graph.objects(node, DCT.description)) == {Literal(text, lang=tag) for tag, text in NOTES.items()}
    # The tagged literals carry the translations: the lossless store does not repeat them.
    assert not {"title_translated", "notes_translated"} & set(stored_extras(graph, node))


@pytest.mark.parametrize("profile", [DCAT_AP_3, DCAT_AP_2], ids=lambda p: p.name)
@pytest.mark.parametrize("syntax", sorted(SYNTAXES))
def test_multilingual_round_trip(profile: Any, syntax: str) -> None:
    pkg = multilingual()
    back = round_trip(pkg, site_url=SITE, profile=profile, syntax=syntax)
    assert text_differences(pkg, back) == []
    # The languages travel in DCAT itself, not only in Moisson's lossless store: without it, same texts.
    graph, node = exported(pkg)
    parsed = Graph().parse(data=graph.serialize(format=SYNTAXES[syntax]), format=SYNTAXES[syntax])
    parsed.remove((URIRef(str(node)), SCHEMA.additionalProperty, None))
    [(_, plain)] = list(datasets_from_graph(parsed))
    assert isinstance(plain, dict), plain
    assert text_differences(pkg, plain) == []


def test_title_wins_over_a_stale_translation_of_its_language() -> None:
    # title edited through the API after a harvest: DCAT shows the current title, never the old French one.
    pkg = multilingual()
    pkg["title"] = "Crèches de la ville"
    graph, node = exported(pkg)
    assert Literal("Crèches de la ville", lang="fr") in set(graph.objects(node, DCT.title))
    assert Literal(TITLES["fr"], lang="fr") not in set(graph.objects(node, DCT.title))
    assert text_differences(pkg, round_trip(pkg, site_url=SITE, profile=DCAT_AP_3, syntax="ttl")) == []


@pytest.mark.parametrize("value", ["not json", json.dumps(["fr"]), json.dumps({"not a tag!": "x", "en": "y"}),
                                   json.dumps({"fr": TITLES["fr"]})])
def test_a_translated_extra_that_is_not_several_languages_is_kept_as_is(value: str) -> None:
    pkg = package(title=TITLES["fr"])
    pkg["extras"] = [*pkg["extras"], {"key": "title_translated", "value": value}]
    graph, node = exported(pkg)
    assert len(set(graph.objects(node, DCT.title))) == 1
    assert stored_extras(graph, node)["title_translated"] == value
    assert text_differences(pkg, round_trip(pkg, site_url=SITE, profile=DCAT_AP_3, syntax="ttl")) == []


@pytest.mark.parametrize("version, profile", [("3.0.1", DCAT_AP_3), ("2.1.1", DCAT_AP_2)])
def test_multilingual_export_conforms_to_dcat_ap(version: str, profile: Any) -> None:
    graph = new_graph()
    uri = dataset_to_rdf(graph, multilingual(), site_url=SITE, profile=profile)
    catalog_to_rdf(graph, site_url=SITE, title="Moisson de test", dataset_uris=[uri])
    conforms, report = shacl.validate(graph, version)
    assert conforms, report


def test_schema_org_shows_the_portal_language() -> None:
    # Derived from the DCAT graph, which now holds one title per language: it must not pick one at random.
    doc = dataset_to_schemaorg(multilingual(), site_url=SITE, catalog_title="Moisson")
    assert (doc["name"], doc["description"]) == (TITLES["fr"], NOTES["fr"])
