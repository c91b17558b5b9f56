"""The DCAT mapping on hand-made package dicts: DCAT-AP 3.0.1 / 2.1.1 conformance and lossless round trip."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF

from catalog.dcat.from_rdf import datasets_from_graph
from catalog.dcat.graphs import new_graph
from catalog.dcat.profiles import DCAT_AP_2, DCAT_AP_3, profile_named
from catalog.dcat.to_rdf import catalog_to_rdf, dataset_to_rdf
from catalog.dcat.vocab import DCT, SPDX
from tests.dcat import shacl
from tests.dcat.roundtrip import SYNTAXES, differences, round_trip
from tests.dcat.samples import SITE, edge_cases, package

PROFILE_FOR = {"3.0.1": DCAT_AP_3, "2.1.1": DCAT_AP_2}
CASES = edge_cases()


def catalog_graph(packages, profile):
    graph = new_graph()
    uris = [dataset_to_rdf(graph, pkg, site_url=SITE, profile=profile) for pkg in packages]
    catalog_to_rdf(graph, site_url=SITE, title="Moisson de test", dataset_uris=uris)
    return graph


@pytest.mark.parametrize("version", shacl.VERSIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_edge_case_conforms_to_dcat_ap(case, version):
    conforms, report = shacl.validate(catalog_graph([CASES[case]], PROFILE_FOR[version]), version)
    assert conforms, report


@pytest.mark.parametrize("version", shacl.VERSIONS)
@pytest.mark.parametrize("example", ["catalog-valid.ttl", "catalog-invalid.ttl"])
def test_shapes_bite_on_the_shared_examples(example, version):
    graph = Graph().parse(shacl.require_shapes() / "examples" / example)
    conforms, _ = shacl.validate(graph, version)
    assert conforms is (example == "catalog-valid.ttl")


@pytest.mark.parametrize("version", shacl.VERSIONS)
def test_a_broken_export_is_rejected(version):
    """Mistakes our mapping could make (literal licence, missing title) are caught by the same check."""
    graph = catalog_graph([package()], PROFILE_FOR[version])
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    graph.remove((dataset, DCT.title, None))
    assert not shacl.validate(graph, version)[0]
    graph = catalog_graph([package()], PROFILE_FOR[version])
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        graph.set((distribution, DCT.license, Literal("Licence Ouverte")))
    assert not shacl.validate(graph, version)[0]


def test_each_profile_fails_the_other_profiles_byte_size():
    """The switch matters: byteSize datatypes of 3.0.1 and 2.1.1 exclude each other."""
    pkg = package()
    assert not shacl.validate(catalog_graph([pkg], DCAT_AP_3), "2.1.1")[0]
    assert not shacl.validate(catalog_graph([pkg], DCAT_AP_2), "3.0.1")[0]


@pytest.mark.parametrize("syntax", sorted(SYNTAXES))
@pytest.mark.parametrize("profile", [DCAT_AP_3, DCAT_AP_2], ids=lambda p: p.name)
@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip_gives_back_every_mapped_field(case, profile, syntax):
    back = round_trip(CASES[case], site_url=SITE, profile=profile, syntax=syntax)
    assert differences(CASES[case], back) == []


def test_round_trip_comparison_bites():
    pkg = package()
    back = round_trip(pkg, site_url=SITE, profile=DCAT_AP_3, syntax="ttl")
    back["extras"] = [e for e in back["extras"] if e["key"] != "geographic_level"]
    back["resources"][1]["custom_field"] = "changed"
    assert len(differences(pkg, back)) == 2


def test_dcat_terms_of_the_full_dataset():
    graph = catalog_graph([package()], DCAT_AP_3)
    dataset = URIRef(f"{SITE}/dataset/{package()['id']}")
    eu = "http://publications.europa.eu/resource/authority/"
    assert graph.value(dataset, DCT.accrualPeriodicity) == URIRef(eu + "frequency/ANNUAL")
    assert graph.value(dataset, DCT.language) == URIRef(eu + "language/FRA")
    assert graph.value(dataset, DCT.publisher) == URIRef(f"{SITE}/organization/cnaf")
    assert graph.value(dataset, DCT.license) == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
    period = graph.value(dataset, DCT.temporal)
    assert str(graph.value(period, DCAT.startDate)) == "2009-12-31"
    csv = URIRef(f"{SITE}/dataset/{package()['id']}/resource/e5a1c0de-0000-4000-8000-000000000000")
    assert graph.value(csv, DCT.format) == URIRef(eu + "file-type/CSV")
    assert graph.value(csv, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert graph.value(csv, DCAT.byteSize).toPython() == 123456
    checksum = graph.value(csv, SPDX.checksum)
    assert str(graph.value(checksum, SPDX.checksumValue)) == "a" * 40


def test_frequency_spellings_become_the_eu_uri():
    for spelling in ("annual", "ANNUAL", "http://purl.org/cld/freq/annual"):
        pkg = package(extras=[{"key": "frequency", "value": spelling}])
        graph = catalog_graph([pkg], DCAT_AP_3)
        assert str(next(graph.objects(None, DCT.accrualPeriodicity))).endswith("/frequency/ANNUAL")


def test_profile_names():
    assert profile_named(None) is DCAT_AP_3
    assert profile_named("euro_dcat_ap_2") is DCAT_AP_2
    assert profile_named("unknown,dcat_ap_3") is DCAT_AP_3
    assert profile_named("nope") is None


def test_unmapped_values_stay_out_of_dcat_properties():
    """A theme that is not an EU code is not forced into dcat:theme (it would fail the shapes)."""
    pkg = package(extras=[{"key": "theme", "value": json.dumps(["Social", "SOCI"])}])
    graph = catalog_graph([pkg], DCAT_AP_3)
    assert [str(t) for t in graph.objects(None, DCAT.theme)] == [
        "http://publications.europa.eu/resource/authority/data-theme/SOCI"]
    [(_, back)] = list(datasets_from_graph(graph))
    assert {e["key"]: e["value"] for e in back["extras"]}["theme"] == json.dumps(["Social", "SOCI"])
