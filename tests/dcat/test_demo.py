"""Every dataset of the demo catalog, exported through the real endpoints, conforms and round-trips."""

from __future__ import annotations

import pytest
from rdflib import Graph

from catalog.context import ANONYMOUS, SYSTEM
from catalog.dcat.profiles import DCAT_AP_2, DCAT_AP_3
from catalog.registry import call_action
from tests.dcat import shacl
from tests.dcat.roundtrip import SYNTAXES, differences, round_trip

PROFILE_FOR = {"3.0.1": DCAT_AP_3, "2.1.1": DCAT_AP_2}
PROFILE_PARAM = {"3.0.1": "dcat_ap_3", "2.1.1": "dcat_ap_2"}


@pytest.fixture
def demo(services):
    loader = pytest.importorskip("catalog.demo.loader", reason="the demo catalog is not installed")
    counts = loader.load_demo(services, SYSTEM)
    assert counts["datasets"] > 0
    names = call_action(services, "package_list", {}, actor=ANONYMOUS)
    return [call_action(services, "package_show", {"id": name}, actor=ANONYMOUS) for name in names]


@pytest.mark.parametrize("version", shacl.VERSIONS)
def test_every_demo_dataset_conforms(client, demo, version):
    """Each dataset alone (its own page), then the whole catalog page, against the full offline shapes."""
    failures = {}
    for pkg in demo:
        response = client.get(f"/dataset/{pkg['name']}.ttl?profiles={PROFILE_PARAM[version]}")
        assert response.status_code == 200
        conforms, report = shacl.validate(Graph().parse(data=response.get_data(), format="turtle"), version)
        if not conforms:
            failures[pkg["name"]] = report
    assert failures == {}
    response = client.get(f"/catalog.ttl?per_page=1000&profiles={PROFILE_PARAM[version]}")
    graph = Graph().parse(data=response.get_data(), format="turtle")
    assert shacl.validate(graph, version)[0]


@pytest.mark.parametrize("syntax", sorted(SYNTAXES))
def test_every_demo_dataset_round_trips(demo, services, syntax):
    site = services.settings.site_url
    for profile in PROFILE_FOR.values():
        for pkg in demo:
            back = round_trip(pkg, site_url=site, profile=profile, syntax=syntax)
            assert differences(pkg, back) == [], pkg["name"]
