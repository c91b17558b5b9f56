"""The DCAT catalog is named by the site title a sysadmin sets at run time (config_option_update), as in
status_show and the pages (ckanext-dcat reads ckan.site_title), in every route and in the dump."""

from __future__ import annotations

import io
from typing import Any

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF

from catalog.dcat.stream import dump
from catalog.dcat.vocab import DCAT
from tests.dcat.test_views import make_dataset

TITLE = "Données ouvertes de Gironde"


def catalog_titles(graph: Graph) -> list[str]:
    return [str(title) for catalog in graph.subjects(RDF.type, DCAT.Catalog)
            for title in graph.objects(catalog, DCTERMS.title)]


def test_the_runtime_site_title_names_the_catalog(client: Any, services: Any, call: Any, sysadmin: Any,
                                                  org: dict[str, Any]) -> None:
    assert services.settings.site_title != TITLE  # the deployment's title, which the option replaces
    make_dataset(call, sysadmin, org["id"], "d1")
    call("config_option_update", sysadmin, **{"ckan.site_title": TITLE})
    for url in ("/catalog.ttl", "/dataset/d1.ttl"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert catalog_titles(Graph().parse(data=response.get_data(as_text=True), format="turtle")) == [TITLE], url
    out = io.BytesIO()
    dump(services, out, fmt="nt")
    assert catalog_titles(Graph().parse(data=out.getvalue(), format="nt")) == [TITLE]
