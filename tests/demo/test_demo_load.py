"""load_demo through the real actions (both databases), and the /demo-files blueprint that serves its files."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from catalog.app import _optional_blueprints
from catalog.context import Actor
from catalog.demo import views
from catalog.demo.loader import FILES_DIR, demo_catalog, load_demo
from tests.conftest import Caller

EXPECTED = len(demo_catalog()["datasets"])


def test_load_twice_creates_everything_once(services: Any, call: Caller, sysadmin: Actor) -> None:
    first = load_demo(services, sysadmin)
    assert first["datasets_created"] == EXPECTED == first["datasets"]
    assert first["organizations"] == 2 and first["groups"] == 3
    second = load_demo(services, sysadmin)
    assert second["datasets_created"] == 0
    assert second["resources"] == first["resources"]

    names = call("package_list", sysadmin, limit=1000)
    assert sorted(names) == sorted(d["name"] for d in demo_catalog()["datasets"])
    assert 50 <= len(names) <= 60
    assert sorted(call("organization_list", sysadmin)) == ["caf-gironde", "cnaf"]
    assert sorted(call("group_list", sysadmin)) == ["logement", "petite-enfance", "solidarite-insertion"]

    resource_total = 0
    for name in names:
        dataset = call("package_show", sysadmin, id=name)
        assert dataset["license_id"] in {"lov2", "fr-lo"}
        assert dataset["organization"]["name"] in {"cnaf", "caf-gironde"}
        assert " - par " in dataset["title"] or "[" in dataset["title"] or dataset["title"].startswith(
            ("Les ", "Population couverte par une aide au logement - Gironde", "Adresses"))
        assert dataset["resources"], name
        resource_total += len(dataset["resources"])
        for resource in dataset["resources"]:
            assert resource["url_type"] == "upload", resource
            assert resource["url"].startswith(f"http://test.moisson.local/dataset/{dataset['id']}/resource/")
    assert resource_total == first["resources"]


def test_loaded_dataset_keeps_the_catalog_metadata(services: Any, call: Caller, sysadmin: Actor) -> None:
    load_demo(services, sysadmin)
    dataset = call("package_show", sysadmin,
                   id="foyers-allocataires-percevant-le-revenu-de-solidarite-active-rsa-par-commune")
    assert dataset["title"] == "Foyers allocataires percevant le revenu de solidarité active (RSA) - par Commune"
    assert dataset["license_id"] == "fr-lo"
    assert {t["name"] for t in dataset["tags"]} == {"RSA", "minima sociaux", "insertion", "commune"}
    assert [g["name"] for g in dataset["groups"]] == ["solidarite-insertion"]
    extras = {e["key"]: e["value"] for e in dataset["extras"]}
    assert extras["frequency"] == "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2013-01-01", "2014-12-31")
    assert extras["granularite_geographique"] == "commune" and extras["language"] == "fr"
    assert [r["name"] for r in dataset["resources"]] == ["RSACom2013.csv", "RSACom2014.csv", "lisezmoiRSACom.txt"]
    assert [r["format"] for r in dataset["resources"]] == ["CSV", "CSV", "TXT"]
    assert "encoding" not in dataset["resources"][0] and "file" not in dataset["resources"][0]


def test_a_second_run_completes_a_partial_load(services: Any, call: Caller, sysadmin: Actor) -> None:
    load_demo(services, sysadmin)
    victim = demo_catalog()["datasets"][0]["name"]
    call("dataset_purge", sysadmin, id=victim)
    assert load_demo(services, sysadmin)["datasets_created"] == 1
    assert call("package_show", sysadmin, id=victim)["name"] == victim


@pytest.fixture
def files_client() -> Any:
    # The blueprint alone: serving files needs no database, and other domains' views stay out of the way.
    app = Flask(__name__)
    views.init_app(app)
    return app.test_client()


def test_create_app_registers_the_demo_files_blueprint() -> None:
    assert views.init_app in _optional_blueprints()


def test_demo_files_are_served_with_their_charset(files_client: Any) -> None:
    client = files_client
    response = client.get("/demo-files/RSACom2014.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=windows-1252"
    assert response.data == (FILES_DIR / "RSACom2014.csv").read_bytes()
    assert response.data.decode("cp1252").startswith("Communes;Codes_Insee;")

    bom = client.get("/demo-files/NIVTOTALEPCI.csv")
    assert bom.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert bom.data.startswith(b"\xef\xbb\xbf")
    assert client.get("/demo-files/lisezmoiRSACom.txt").headers["Content-Type"] == "text/plain; charset=windows-1252"
    assert client.get("/demo-files/EAJE2017.geojson").headers["Content-Type"] == "application/geo+json"


def test_demo_files_refuse_unknown_names_and_traversal(files_client: Any) -> None:
    client = files_client
    for path in ("/demo-files/nope.csv", "/demo-files/../catalog.json", "/demo-files/..%2Fcatalog.json",
                 "/demo-files/%2E%2E/loader.py", "/demo-files//etc/passwd", "/demo-files/files/RSACom2014.csv"):
        assert client.get(path, follow_redirects=True).status_code == 404, path
