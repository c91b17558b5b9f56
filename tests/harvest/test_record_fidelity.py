"""Records that used to be lost: DKAN's CKAN-compatible answers (issue 12 item 2) and records with one odd
optional field (item 4). A harvested record keeps its dataset; what had to be dropped or changed is a
warning on its harvest object, and what cannot be read at all is an errored object, never silence."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from catalog.context import SYSTEM
from harvest.models import HarvestObject
from tests.harvest.remote import FIXTURES, FakeCkan, RemoteServer, Reply, ckan_package

DKAN_SHOW = json.loads((FIXTURES / "dkan-package-show.json").read_text())
DKAN_PACKAGE = DKAN_SHOW["result"][0]


def serve_dkan(remote: RemoteServer, packages: list[Any]) -> str:
    """DKAN 7's CKAN API (open_data_schema_map): no package_search, package_list of names, and a
    package_show whose result is a list holding the dataset."""
    by_name = {p["name"]: p for p in packages if isinstance(p, dict)}
    remote.add("/dkan/api/3/action/package_search", '"Bad request - Action name not known: package_search"',
               status=400)
    remote.add("/dkan/api/3/action/package_list", json.dumps(
        {"help": "", "success": True, "result": sorted(by_name)}))

    def show(query: dict[str, list[str]]) -> Reply:
        package = by_name[query["id"][0]]
        answer = package["__answer"] if "__answer" in package else [package]
        return Reply(200, json.dumps({**DKAN_SHOW, "result": answer}).encode())

    remote.routes["/dkan/api/3/action/package_show"] = show
    return remote.url("/dkan")


def objects(services: Any) -> list[HarvestObject]:
    with services.db.unit_of_work(write=False) as session:
        return list(session.scalars(select(HarvestObject).order_by(HarvestObject.guid)))


def test_dkan_package_show_list_answers_are_harvested(remote: RemoteServer, make_source: Any, run: Any,
                                                      call: Any) -> None:
    second = {**DKAN_PACKAGE, "id": "8f1d6c9e-2b5a-4c1e-9d7f-3a2b1c0d9e8f", "name": "madison-bike-lanes",
              "title": "Madison Bike Lanes"}
    source = make_source(serve_dkan(remote, [DKAN_PACKAGE, second]))
    job = run(source)
    assert job["stats"]["added"] == 2 and job["stats"]["errored"] == 0
    package = call("package_show", SYSTEM, id="wisconsin-polling-places")
    assert package["title"] == "Wisconsin Polling Places"
    assert [t["name"] for t in package["tags"]] == ["election", "politics"]
    assert package["resources"][0]["url"].endswith("/Polling_Places_Madison_0.csv")
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["guid"] == DKAN_PACKAGE["id"]
    assert run(source, force_all=True)["stats"]["unchanged"] == 2


def test_an_unreadable_answer_is_an_errored_object_not_a_silent_skip(
    remote: RemoteServer, make_source: Any, run: Any, services: Any
) -> None:
    odd = {"name": "two-answers", "__answer": [DKAN_PACKAGE, {**DKAN_PACKAGE, "id": "other"}]}
    source = make_source(serve_dkan(remote, [DKAN_PACKAGE, odd]))
    job = run(source)
    assert (job["stats"]["added"], job["stats"]["errored"]) == (1, 1)
    errored = [o for o in objects(services) if o.status == "errored"]
    assert [o.guid for o in errored] == ["two-answers"]
    assert errored[0].errors == [
        "Could not read 'two-answers': package_show returned a list of 2 items, not a dataset dict with an id "
        "(is this a CKAN or DKAN Action API?)"
    ]


def test_a_search_result_without_id_is_an_errored_object(fake_ckan: FakeCkan, make_source: Any, run: Any,
                                                         services: Any) -> None:
    fake_ckan.put(ckan_package(1))
    fake_ckan.packages["broken"] = {"name": "no-id-here", "title": "A result without its id"}
    original = fake_ckan.server.routes["/ckan/api/3/action/package_search"]

    def search(query: dict[str, list[str]]) -> Reply:
        body = json.loads(original(query).body)  # type: ignore[arg-type]
        body["result"]["results"] = [r for r in body["result"]["results"] if r.get("id") != "broken"]
        body["result"]["results"].append({"name": "no-id-here", "title": "A result without its id"})
        body["result"]["count"] = 2
        return Reply(200, json.dumps(body).encode())

    fake_ckan.server.routes["/ckan/api/3/action/package_search"] = search
    del fake_ckan.packages["broken"]
    job = run(make_source(fake_ckan.url))
    assert (job["stats"]["added"], job["stats"]["errored"]) == (1, 1)
    errored = [o for o in objects(services) if o.status == "errored"]
    assert [o.guid for o in errored] == ["no-id-here"]
    assert "package_search result returned a dict without an id" in errored[0].errors[0]


def test_comma_keyword_and_obfuscated_email_keep_their_ckan_datasets(
    fake_ckan: FakeCkan, make_source: Any, run: Any, call: Any, services: Any
) -> None:
    fake_ckan.put(ckan_package(
        1, tags=[{"name": "Culture, Société, Service"}, {"name": "x"}, {"name": "economy"}],
        author_email="poststelle(at)statistik.rlp.de", maintainer_email="data@example.org",
    ))
    job = run(make_source(fake_ckan.url))
    assert (job["stats"]["added"], job["stats"]["errored"]) == (1, 0)
    package = call("package_show", SYSTEM, id="remote-dataset-1")
    assert sorted(t["name"] for t in package["tags"]) == ["Culture", "Service", "Société", "economy"]
    assert package["author_email"] in (None, "")
    assert package["maintainer_email"] == "data@example.org"
    [added] = objects(services)
    assert added.status == "added"
    assert added.errors == [
        "Warning: Keyword 'Culture, Société, Service' is not a valid CKAN tag: kept as 'Culture', 'Société', "
        "'Service'",
        "Warning: Keyword 'x' is not a valid CKAN tag: kept as nothing (too short once cleaned)",
        "Warning: author_email 'poststelle(at)statistik.rlp.de' dropped: "
        "Email poststelle(at)statistik.rlp.de is not a valid format",
    ]


def test_odd_dcat_records_are_kept_with_warnings(remote: RemoteServer, make_source: Any, run: Any, call: Any,
                                                 services: Any) -> None:
    remote.add_file("/dcat/odd-fields.ttl", "odd-fields.ttl", "text/turtle")
    job = run(make_source(remote.url("/dcat/odd-fields.ttl"), source_type="dcat_rdf"))
    assert (job["stats"]["added"], job["stats"]["errored"]) == (2, 0)
    by_guid = {o.guid: o for o in objects(services)}
    population = by_guid["https://www.statistik.rlp.example.de/dataset/bevoelkerung-2024"]
    assert any("poststelle(at)statistik.rlp.de" in e and "dropped" in e for e in population.errors)
    culture = by_guid["https://www.statistik.rlp.example.de/dataset/kultur-2024"]
    assert [e for e in culture.errors if "Culture, Société, Service" in e]
    package = call("package_show", SYSTEM, id=culture.package_id)
    assert sorted(t["name"] for t in package["tags"]) == ["Culture", "Service", "Société", "équipements"]


def test_a_record_without_what_ckan_requires_is_still_an_error(fake_ckan: FakeCkan, make_source: Any,
                                                               run: Any, services: Any) -> None:
    bad_resource = ckan_package(2, resources=[{"url": "https://remote.example.org/x.csv", "size": "large"}],
                                author_email="not-an-email")
    fake_ckan.put(bad_resource)
    job = run(make_source(fake_ckan.url))
    assert (job["stats"]["added"], job["stats"]["errored"]) == (0, 1)
    [errored] = objects(services)
    assert "resources" in errored.errors[0]


def test_a_source_that_listed_names_never_ends_with_nothing_gathered(remote: RemoteServer, make_source: Any,
                                                                     run: Any) -> None:
    unreadable = [{"name": name, "__answer": {"error": "not a dataset"}} for name in ("first", "second")]
    job = run(make_source(serve_dkan(remote, unreadable)))
    assert (job["stats"]["gathered"], job["stats"]["added"], job["stats"]["errored"]) == (2, 0, 2)
