"""Issue 12 item 9, multilingual round trip: a DCAT-AP_IT-shaped catalog (titles, descriptions and keywords in
Italian and English) harvested through the DCAT backend from a local server keeps every language
(title_translated/notes_translated), shows the portal's language or else English in title/notes, and Moisson's
own DCAT republishes each language with its tag, which reads back as the same record."""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS

from catalog.context import SYSTEM
from catalog.dcat.from_rdf import datasets_from_graph
from tests.harvest.remote import RemoteServer, ckan_package

NURSERIES = "https://dati.example.it/dataset/asili-nido"
PARKING = "https://dati.example.it/dataset/parcheggi"
TRANSLATED = ("title_translated", "notes_translated")


def extras(package: dict[str, Any]) -> dict[str, Any]:
    return {e["key"]: e["value"] for e in package["extras"]}


def harvest(remote: RemoteServer, make_source: Any, run: Any, call: Any, **config: Any) -> dict[str, Any]:
    remote.add_file("/dcatapit.ttl", "dcatapit-multilingual.ttl", "text/turtle")
    source = make_source(remote.url("/dcatapit.ttl"), source_type="dcat_rdf", **config)
    job = run(source)
    assert job["gather_errors"] == [] and job["stats"]["added"] == 2, job
    assert run(source)["stats"]["unchanged"] == 2  # several languages read the same way on every parse
    packages = [call("package_show", SYSTEM, id=name) for name in call("package_list", SYSTEM)]
    return {extras(package)["uri"]: package for package in packages}


def test_dcatapit_record_keeps_every_language(remote: RemoteServer, make_source: Any, run: Any,
                                              call: Any) -> None:
    found = harvest(remote, make_source, run, call, default_language="it")
    nurseries = found[NURSERIES]
    # The portal is French; the record has no French, so English is shown, and Italian is kept beside it.
    assert nurseries["title"] == "Municipal nurseries"
    assert nurseries["notes"] == "List of municipal nurseries with address and number of places."
    assert json.loads(extras(nurseries)["title_translated"]) == {
        "it": "Asili nido comunali", "en": "Municipal nurseries"}
    assert json.loads(extras(nurseries)["notes_translated"]) == {
        "it": "Elenco degli asili nido comunali con indirizzo e numero di posti.",
        "en": "List of municipal nurseries with address and number of places."}
    assert sorted(tag["name"] for tag in nurseries["tags"]) == ["asili nido", "childhood", "infanzia", "nurseries"]
    # Untagged literals are in the source's default_language, beside the tagged English ones.
    parking = found[PARKING]
    assert parking["title"] == "Park and ride car parks"
    assert json.loads(extras(parking)["title_translated"]) == {
        "it": "Parcheggi di scambio", "en": "Park and ride car parks"}
    assert json.loads(extras(parking)["notes_translated"]) == {
        "it": "Parcheggi di scambio con il trasporto pubblico.", "en": "Car parks linked to public transport."}


def test_multilingual_round_trip(remote: RemoteServer, make_source: Any, run: Any, call: Any,
                                 client: Any) -> None:
    found = harvest(remote, make_source, run, call, default_language="it")
    nurseries = found[NURSERIES]
    for path, uris in ((f"/dataset/{nurseries['id']}.ttl", [NURSERIES]), ("/catalog.ttl", [NURSERIES, PARKING])):
        response = client.get(path)
        assert response.status_code == 200, path
        graph = Graph().parse(data=response.get_data(), format="turtle")
        for uri in uris:
            node, package = URIRef(uri), found[uri]
            # One literal per language, with its tag, and no untagged copy of any of them.
            for predicate, key in ((DCTERMS.title, "title_translated"), (DCTERMS.description, "notes_translated")):
                expected = {Literal(text, lang=tag) for tag, text in json.loads(extras(package)[key]).items()}
                assert set(graph.objects(node, predicate)) == expected, (path, uri, key)
            assert {str(k) for k in graph.objects(node, DCAT.keyword)} == {t["name"] for t in package["tags"]}
        read_back = dict(datasets_from_graph(graph))
        for uri in uris:
            back, package = read_back[uri], found[uri]
            assert isinstance(back, dict), back
            assert (back["title"], back["notes"]) == (package["title"], package["notes"])
            assert {k: extras(back).get(k) for k in TRANSLATED} == {k: extras(package)[k] for k in TRANSLATED}
            assert sorted(t["name"] for t in back["tags"]) == sorted(t["name"] for t in package["tags"])


def test_fluent_ckan_translations_are_kept(fake_ckan: Any, make_source: Any, run: Any, call: Any) -> None:
    # A CKAN with ckanext-scheming + fluent answers its translations as top-level objects.
    fake_ckan.put(ckan_package(1, title="Crèches municipales", notes="Places par crèche",
                               title_translated={"fr": "Crèches municipales", "EN": "Municipal nurseries"},
                               notes_translated={"fr": "Places par crèche", "en": "Places per nursery", "de": ""}))
    job = run(make_source(fake_ckan.url))
    assert job["stats"]["added"] == 1
    extras = {e["key"]: e["value"] for e in call("package_show", SYSTEM, id="remote-dataset-1")["extras"]}
    assert json.loads(extras["title_translated"]) == {"en": "Municipal nurseries", "fr": "Crèches municipales"}
    assert json.loads(extras["notes_translated"]) == {"en": "Places per nursery", "fr": "Places par crèche"}
