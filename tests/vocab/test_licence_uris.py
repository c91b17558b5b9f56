"""Licence URIs as real catalogs publish them (Creative Commons, Open Data Commons, the EU publications
office vocabulary, dcat-ap.de) resolve to one register id, whatever the scheme, slash or /legalcode."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from catalog.dcat import vocab
from catalog.dcat.from_rdf import licence_term_id
from catalog.dcat.to_rdf import licence_to_rdf
from catalog.vocab.licenses import license_for

EU = "http://publications.europa.eu/resource/authority/licence/"
DE = "http://dcat-ap.de/def/licenses/"

TABLE = {
    "cc-by-4.0": ["https://creativecommons.org/licenses/by/4.0/", "http://creativecommons.org/licenses/by/4.0",
                  "https://creativecommons.org/licenses/by/4.0/legalcode",
                  "https://creativecommons.org/licenses/by/4.0/legalcode.fr",
                  "https://creativecommons.org/licenses/by/4.0/deed.de", EU + "CC_BY_4_0", DE + "cc-by/4.0"],
    "cc-by-sa-4.0": ["https://creativecommons.org/licenses/by-sa/4.0/", "http://creativecommons.org/licenses/by-sa/4.0",
                     "https://creativecommons.org/licenses/by-sa/4.0/legalcode", EU + "CC_BYSA_4_0",
                     DE + "cc-by-sa/4.0"],
    "cc-zero": ["https://creativecommons.org/publicdomain/zero/1.0/", "http://creativecommons.org/publicdomain/zero/1.0",
                "https://creativecommons.org/publicdomain/zero/1.0/legalcode", EU + "CC0", DE + "cc-zero"],
    "odc-odbl": ["https://opendatacommons.org/licenses/odbl/", "http://opendatacommons.org/licenses/odbl/1.0/",
                 "http://www.opendefinition.org/licenses/odc-odbl", EU + "ODC_BL", DE + "odbl"],
    "odc-by": ["https://opendatacommons.org/licenses/by/1.0/", EU + "ODC_BY", DE + "odby"],
    "odc-pddl": ["https://opendatacommons.org/licenses/pddl/1.0/", EU + "ODC_PDDL", DE + "odcpddl"],
    "dl-by-de/2.0": ["https://www.govdata.de/dl-de/by-2-0", "http://govdata.de/dl-de/by-2-0/", DE + "dl-by-de/2.0"],
    "dl-zero-de/2.0": ["https://www.govdata.de/dl-de/zero-2-0", DE + "dl-zero-de/2.0"],
    "lov2": ["https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
             "http://www.etalab.gouv.fr/licence-ouverte-open-licence"],
}
CASES = [(license_id, uri) for license_id, uris in TABLE.items() for uri in uris]


@pytest.mark.parametrize(("license_id", "uri"), CASES)
def test_every_variant_resolves(license_id: str, uri: str) -> None:
    assert vocab.licence_id_for(uri) == license_id
    # The id is in the register license_list serves, with a URL and the open-data flag.
    entry = license_for(license_id)
    assert entry is not None and entry["url"] and entry["isopen"] is True


@pytest.mark.parametrize("license_id", sorted(TABLE))
def test_known_licence_is_published_as_its_url_and_read_back(license_id: str) -> None:
    graph = Graph()
    node = licence_to_rdf(graph, license_id)
    assert isinstance(node, URIRef) and str(node).startswith("http")
    assert licence_term_id(graph, node) == license_id


def test_unknown_licence_uri_is_kept_and_republished_as_that_iri() -> None:
    uri = "https://example.org/licences/our-own-licence/v3"
    assert vocab.licence_id_for(uri) is None
    graph = Graph()
    node = licence_to_rdf(graph, uri)
    assert node == URIRef(uri)
    assert licence_term_id(graph, node) == uri


def test_existing_ids_keep_their_urls() -> None:
    # New ids were added beside CKAN's; the old ones and their order are unchanged.
    assert license_for("cc-by")["url"] == "http://www.opendefinition.org/licenses/cc-by"
    assert license_for("cc-zero")["url"] == "http://www.opendefinition.org/licenses/cc-zero"
