"""GeoNetwork catalogs harvested through the DCAT backend (issue 12 items 3 and 8): blank-node themes read by
their label, so a re-run finds every record unchanged; repeated dates read as the valid one; plain-text periods;
WKT, GeoJSON and bbox geometries stored as one GeoJSON `spatial`; never an empty `spatial`. The fixtures are
shaped like GeoNetwork 4's GeoDCAT-AP output (SEMICeu's XSLT) and GeoNetwork 3's own DCAT output."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from catalog.context import SYSTEM
from harvest.models import HarvestObject
from tests.harvest.remote import RemoteServer

RECORDS = "https://geo.region.example/geonetwork/srv/api/records/"


def extras_by_guid(call: Any) -> dict[str, dict[str, str]]:
    found = {}
    for name in call("package_list", SYSTEM):
        package = call("package_show", SYSTEM, id=name)
        extras = {e["key"]: e["value"] for e in package["extras"]}
        found[extras["guid"]] = extras
    return found


def test_geodcat_ap_records(remote: RemoteServer, make_source: Any, run: Any, call: Any, services: Any) -> None:
    remote.add_file("/geonetwork/dcat.rdf", "geonetwork-geodcat.rdf", "application/rdf+xml")
    source = make_source(remote.url("/geonetwork/dcat.rdf"), source_type="dcat_rdf")
    job = run(source)
    assert job["gather_errors"] == [] and job["stats"]["added"] == 5 and job["stats"]["errored"] == 0
    found = extras_by_guid(call)

    land_use = found[RECORDS + "0f5e1c2a-occupation-du-sol"]
    # Labels, not blank-node ids; the French label of a concept labelled in two languages; URIs as they are.
    assert json.loads(land_use["theme"]) == [
        "Aménagement du territoire", "Usage des sols", "http://inspire.ec.europa.eu/theme/lu"]
    assert json.loads(land_use["theme_schemes"]) == {
        "Aménagement du territoire": "https://geo.region.example/thesaurus/themes-regionaux",
        "Usage des sols": "GEMET - INSPIRE themes, version 1.0"}
    # dct:modified "", "non renseigné" and a date: the date.
    assert (land_use["issued"], land_use["modified"]) == ("2021-03-01", "2023-06-15")
    assert (land_use["temporal_start"], land_use["temporal_end"]) == ("2020-01-01", "2020-12-31")
    # WKT with its CRS IRI -> GeoJSON, compact, as ckanext-spatial stores it.
    assert land_use["spatial"] == ('{"type":"Polygon","coordinates":[[[-5.14,47.28],[-1.01,47.28],[-1.01,48.9],'
                                   '[-5.14,48.9],[-5.14,47.28]]]}')
    assert land_use["spatial_text"] == "Bretagne"

    rivers = found[RECORDS + "7a1b2c3d-cours-d-eau"]
    assert json.loads(rivers["spatial"]) == {"type": "Polygon", "coordinates": [
        [[-1.8, 48.1], [-1.2, 48.1], [-1.2, 47.6], [-1.8, 47.6], [-1.8, 48.1]]]}  # the bbox: GeoJSON of three
    assert (rivers["temporal_start"], rivers["temporal_end"]) == ("2010-01-01", "2020-12-31")
    assert rivers["theme"] == "Hydrographie"

    towns = found[RECORDS + "c4d5e6f7-communes"]
    assert json.loads(towns["spatial"])["coordinates"][0][0] == [-1.95, 48.0]
    assert towns["spatial_text"] == "Rennes Métropole"
    assert (towns["temporal_start"], towns["temporal_end"]) == ("2010-01-01", "2020-12-31")

    # An empty dct:Location: no spatial key at all; a Lambert-93 geometry: not stored, the place name is.
    assert not {"spatial", "spatial_text", "spatial_uri"} & set(found[RECORDS + "e8f9a0b1-sans-emprise"])
    lambert = found[RECORDS + "b2c3d4e5-lambert-93"]
    assert "spatial" not in lambert and lambert["spatial_text"] == "Ille-et-Vilaine"
    with services.db.unit_of_work(write=False) as session:
        errors = session.scalars(select(HarvestObject.errors).where(
            HarvestObject.guid == RECORDS + "b2c3d4e5-lambert-93", HarvestObject.current.is_(True))).one()
    assert len(errors) == 1 and errors[0].startswith("Warning: dct:spatial geometry '<http://www.opengis.net/def/"
                                                     "crs/EPSG/0/2154> POLYGON((300000 6740000")
    assert errors[0].endswith("not stored: coordinates in http://www.opengis.net/def/crs/EPSG/0/2154, "
                              "not longitude/latitude")

    # Blank nodes get new ids on every parse: nothing read from them may change the content hash.
    again = run(source)
    assert (again["stats"]["unchanged"], again["stats"]["updated"], again["stats"]["added"]) == (5, 0, 0)


def test_geonetwork_3_records(remote: RemoteServer, make_source: Any, run: Any, call: Any) -> None:
    remote.add_file("/srv/eng/rdf.search", "geonetwork-3.rdf", "application/rdf+xml")
    source = make_source(remote.url("/srv/eng/rdf.search"), source_type="dcat_rdf")
    assert run(source)["stats"]["added"] == 1
    [extras] = extras_by_guid(call).values()
    # Two ogc:Polygon bounding boxes ("<CRS84> Polygon((...))" with line breaks) -> one MultiPolygon.
    assert json.loads(extras["spatial"]) == {"type": "MultiPolygon", "coordinates": [
        [[[-2.3, 48.2], [-2.3, 48.9], [-1.5, 48.9], [-1.5, 48.2], [-2.3, 48.2]]],
        [[[-2.9, 47.9], [-2.9, 48.3], [-2.4, 48.3], [-2.4, 47.9], [-2.9, 47.9]]]]}
    # "2012-05-01\n /\n 2019-09-30" as plain text; the ISO revision date written as dct:updated.
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2012-05-01", "2019-09-30")
    assert (extras["issued"], extras["modified"]) == ("2012-05-01", "2021-11-20")
    # The ISO frequency code as the EU frequency; the ISO abstract (dct:abstract) as the description.
    assert extras["frequency"] == "http://publications.europa.eu/resource/authority/frequency/AS_NEEDED"
    [package] = call("package_search", SYSTEM)["results"]
    assert package["notes"] == "Inventaire départemental des zones humides."
    assert run(source)["stats"]["unchanged"] == 1
