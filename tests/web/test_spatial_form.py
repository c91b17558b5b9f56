"""The dataset form's spatial coverage: pick a listed place or paste a GeoJSON geometry, checked server-side."""

from __future__ import annotations

import json
from typing import Any

from catalog.dcat import geometry
from catalog.dcat.places import PLACES
from tests.web.conftest import csrf_token, log_in

POINT = '{"type": "Point", "coordinates": [-0.58, 44.84]}'


def extras_of(call: Any, sysadmin: Any, name: str) -> dict[str, str]:
    return {e["key"]: e["value"] for e in call("package_show", sysadmin, id=name)["extras"]}


def test_a_listed_place_gives_its_outline_and_name(client: Any, sysadmin: Any, call: Any,
                                                    org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    form = client.get("/dataset/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<option value="gironde">Gironde</option>' in form and '<option value="france">France</option>' in form
    created = client.post("/dataset/new", data={"csrf_token": csrf_token(form), "title": "Allocataires",
                                                "name": "allocataires", "owner_org": org["id"], "license_id": "",
                                                "spatial_place": "gironde"})
    assert created.status_code == 302, created.get_data(as_text=True)
    extras = extras_of(call, sysadmin, "allocataires")
    assert json.loads(extras["spatial"]) == PLACES["gironde"].geometry
    assert extras["spatial_text"] == "Gironde"

    # Editing shows the geometry; a pasted one replaces it and keeps the name given.
    edit = client.get("/dataset/edit/allocataires").get_data(as_text=True)
    assert geometry.compact(PLACES["gironde"].geometry).replace('"', "&#34;") in edit
    saved = client.post("/dataset/edit/allocataires", data={
        "csrf_token": csrf_token(edit), "title": "Allocataires", "name": "allocataires", "owner_org": org["id"],
        "license_id": "", "spatial_place": "", "spatial": POINT, "spatial_text": "Bordeaux"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    extras = extras_of(call, sysadmin, "allocataires")
    assert (extras["spatial"], extras["spatial_text"]) == (POINT, "Bordeaux")

    # Emptied, the coverage goes.
    cleared = client.post("/dataset/edit/allocataires", data={
        "csrf_token": csrf_token(edit), "title": "Allocataires", "name": "allocataires", "owner_org": org["id"],
        "license_id": "", "spatial_place": "", "spatial": "", "spatial_text": ""})
    assert cleared.status_code == 302
    assert not {"spatial", "spatial_text"} & set(extras_of(call, sysadmin, "allocataires"))


def test_a_pasted_geometry_is_checked_beside_the_field(client: Any, sysadmin: Any, call: Any,
                                                       org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    form = client.get("/dataset/new").get_data(as_text=True)
    base = {"csrf_token": csrf_token(form), "title": "Allocataires", "name": "allocataires",
            "owner_org": org["id"], "license_id": "", "spatial_place": ""}
    for value, reason in (("Gironde", "Error decoding JSON object"),
                          ('{"type": "Point", "coordinates": [44.84, -200]}', "is outside longitude"),
                          ('{"type": "Feature", "geometry": null}', "not a Feature")):
        refused = client.post("/dataset/new", data={**base, "spatial": value}, headers={"Accept-Language": "en"})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 200 and "Not a GeoJSON geometry: " in html and reason in html, value
        assert html.rindex("Not a GeoJSON geometry") > html.index('id="spatial"')  # beside it, and in the summary
    french = client.post("/dataset/new", data={**base, "spatial": "Gironde"}, headers={"Accept-Language": "fr"})
    assert "Ce n&#39;est pas une géométrie GeoJSON" in french.get_data(as_text=True)
    assert call("package_list", sysadmin) == []
