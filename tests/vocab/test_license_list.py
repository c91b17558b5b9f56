"""license_list and license_for."""

from __future__ import annotations

import json
from pathlib import Path

from catalog.context import ANONYMOUS
from catalog.vocab.licenses import license_for

KEYS = {"domain_content", "domain_data", "domain_software", "family", "id", "is_generic", "maintainer",
        "od_conformance", "osd_conformance", "status", "title", "url"}
# CKAN's register as read from its source (origin in fixtures/README.md), shipped so the check runs from a clone.
REFERENCE = Path(__file__).parent / "fixtures" / "ckan-default-licenses.json"
CKAN_ORDER = ["notspecified", "odc-pddl", "odc-odbl", "odc-by", "cc-zero", "cc-by", "cc-by-sa", "gfdl",
              "other-open", "other-pd", "other-at", "uk-ogl", "cc-nc", "other-nc", "other-closed"]


def test_license_list_ckan_defaults_then_etalab(call):
    licences = call("license_list", ANONYMOUS)
    # CKAN's ids first and unchanged, then the ones harvested licence URIs need (issue 12, item 6).
    assert [lic["id"] for lic in licences] == CKAN_ORDER + ["fr-lo", "lov2", "cc-by-4.0", "cc-by-sa-4.0",
                                                            "dl-by-de/2.0", "dl-zero-de/2.0"]
    assert all(set(lic) == KEYS for lic in licences)
    assert all(isinstance(value, str) for lic in licences for value in lic.values())
    reference = json.loads(REFERENCE.read_text())["licenses"]
    assert len(reference) == len(CKAN_ORDER)
    for ours, theirs in zip(licences, reference, strict=False):  # stringified as CKAN does
        assert ours == {key: str(theirs[key]) for key in KEYS}
    by_id = {lic["id"]: lic for lic in licences}
    assert by_id["notspecified"]["is_generic"] == "True" and by_id["notspecified"]["url"] == ""
    assert by_id["cc-nc"]["od_conformance"] == "not reviewed"
    assert by_id["lov2"]["title"] == "Licence Ouverte / Open Licence version 2.0"
    assert by_id["lov2"]["od_conformance"] == "approved"


def test_license_list_over_http(client):
    body = client.get("/api/3/action/license_list").get_json()
    assert body["success"] is True and body["result"][0]["id"] == "notspecified"


def test_license_for():
    assert license_for("cc-by") == {"id": "cc-by", "title": "Creative Commons Attribution",
                                    "url": "http://www.opendefinition.org/licenses/cc-by", "isopen": True}
    assert license_for("other-closed")["isopen"] is False
    assert license_for("fr-lo")["isopen"] is True
    assert license_for("other-open")["url"] == ""
    assert license_for("no-such-licence") is None
    assert license_for(None) is None
