"""A job withdraws only what the source really stopped listing: every page of a ckanext-dcat catalog is read
(literal or IRI paging links), a shortfall against the announced total is a gather error, a source that
empties is an error, and incremental CKAN runs learn deletions from the complete id listing (issue 12: items
1, 12, 13)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from catalog.dataset.models import Package
from tests.harvest.fixtures.ckanext_dcat_pages import page
from tests.harvest.remote import FakeCkan, RemoteServer, Reply, ckan_package

PER_PAGE = 4


def states(services: Any) -> dict[str, str]:
    with services.db.unit_of_work(write=False) as session:
        return dict(session.execute(select(Package.title, Package.state)).all())


def serve_pages(remote: RemoteServer, pages: list[list[int]], *, links: str = "literal", legacy: bool = False,
                total: int | None = None, missing: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    """Serve `pages` as ckanext-dcat's /catalog.ttl?page=N; a page number in `missing` answers 404."""
    base = remote.url("/catalog.ttl")
    announced = total if total is not None else sum(len(p) for p in pages)

    def route(query: dict[str, list[str]]) -> Reply:
        number = int(query.get("page", ["1"])[0])
        if number in missing or not 1 <= number <= len(pages):
            return Reply(404, b"Not found", "text/plain")
        body = page(base, pages[number - 1], number, len(pages), announced, links=links, legacy=legacy)
        return Reply(200, body.encode(), "text/turtle")

    remote.routes["/catalog.ttl"] = route
    return base


def active_titles(services: Any) -> set[str]:
    return {title for title, state in states(services).items() if state == "active"}


@pytest.mark.parametrize("links, legacy", [("literal", False), ("literal", True), ("uri", False)])
def test_every_page_of_a_ckanext_dcat_catalog_is_read(links: str, legacy: bool, remote: RemoteServer,
                                                      make_source: Any, run: Any, services: Any) -> None:
    url = serve_pages(remote, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]], links=links, legacy=legacy)
    job = run(make_source(url, source_type="dcat_rdf"))
    assert job["gather_errors"] == []
    assert job["stats"]["gathered"] == 10 and job["stats"]["added"] == 10
    assert active_titles(services) == {f"Demo dataset {n}" for n in range(1, 11)}
    assert [q.get("page", ["1"])[0] for path, q in remote.requests if path == "/catalog.ttl"] == ["1", "2", "3"]


def test_a_dataset_moving_to_the_next_page_is_not_withdrawn(remote: RemoteServer, make_source: Any, run: Any,
                                                           services: Any) -> None:
    source = make_source(serve_pages(remote, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]), source_type="dcat_rdf",
                         deletion_threshold=0.9)
    run(source)
    # Upstream, dataset 10 was added at the front of CKAN's order: 4 and 8 each slip one page further.
    serve_pages(remote, [[10, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    job = run(source)
    assert job["gather_errors"] == [] and job["stats"]["deleted"] == 0
    assert (job["stats"]["added"], job["stats"]["unchanged"]) == (1, 9)
    assert active_titles(services) == {f"Demo dataset {n}" for n in range(1, 11)}


def test_announced_total_not_reached_is_a_gather_error_and_nothing_is_withdrawn(
    remote: RemoteServer, make_source: Any, run: Any, services: Any
) -> None:
    source = make_source(serve_pages(remote, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]), source_type="dcat_rdf",
                         deletion_threshold=0.9)
    run(source)
    # The catalog still says 10 datasets, but its last page now has no `next` link to reach page 3.
    serve_pages(remote, [[1, 2, 3, 4], [5, 6, 7, 8]], total=10)
    job = run(source)
    assert job["stats"]["gathered"] == 8 and job["stats"]["deleted"] == 0
    assert len(job["gather_errors"]) == 1
    assert "announced 10 record(s) but only 8 were gathered" in job["gather_errors"][0]["message"]
    assert active_titles(services) == {f"Demo dataset {n}" for n in range(1, 11)}


def test_a_page_that_fails_withdraws_nothing(remote: RemoteServer, make_source: Any, run: Any,
                                            services: Any) -> None:
    source = make_source(serve_pages(remote, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]), source_type="dcat_rdf",
                         deletion_threshold=0.9)
    run(source)
    serve_pages(remote, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]], missing={2})
    job = run(source)
    assert job["gather_errors"] and job["stats"]["deleted"] == 0
    assert active_titles(services) == {f"Demo dataset {n}" for n in range(1, 11)}


def test_ckan_count_not_reached_is_a_gather_error(fake_ckan: FakeCkan, remote: RemoteServer, make_source: Any,
                                                  run: Any, services: Any) -> None:
    for number in range(12):
        fake_ckan.put(ckan_package(number))
    source = make_source(fake_ckan.url, rows=5, deletion_threshold=0.9)
    run(source)
    search = remote.routes["/ckan/api/3/action/package_search"]

    def short_last_page(query: dict[str, list[str]]) -> Reply:
        reply = search(query)
        if query.get("start", ["0"])[0] == "10":  # the page that should hold datasets 10 and 11 comes back empty
            return FakeCkan.ok({"count": 12, "results": [], "sort": "id asc"})
        return reply

    remote.routes["/ckan/api/3/action/package_search"] = short_last_page
    job = run(source, force_all=True)
    assert job["stats"]["gathered"] == 10 and job["stats"]["deleted"] == 0
    assert "announced 12 record(s) but only 10 were gathered" in job["gather_errors"][0]["message"]
    assert set(states(services).values()) == {"active"}


def test_a_dataset_removed_between_two_incremental_runs_is_withdrawn(
    filled_ckan: FakeCkan, remote: RemoteServer, make_source: Any, run: Any, services: Any
) -> None:
    source = make_source(filled_ckan.url, rows=7)
    run(source)  # the first run is a full listing
    filled_ckan.remove(ckan_package(7)["id"])
    filled_ckan.put(ckan_package(3, title="Changed upstream", modified="2099-01-01T00:00:00.000000"))
    remote.requests.clear()
    job = run(source)
    assert job["incremental_since"] is not None
    assert (job["stats"]["gathered"], job["stats"]["updated"], job["stats"]["deleted"]) == (1, 1, 1)
    assert job["gather_errors"] == []
    assert states(services)["Remote dataset 7"] == "deleted"
    assert sum(1 for s in states(services).values() if s == "active") == 29
    listing = [q for path, q in remote.requests if path.endswith("package_search") and q.get("fl") == ["id"]]
    assert listing and all("metadata_modified" not in q.get("fq", [""])[0] for q in listing)
    # Still under the shrink guard: losing 5 of 29 (17%) at once is more than the default 10%.
    for number in (10, 11, 12, 13, 14):
        filled_ckan.remove(ckan_package(number)["id"])
    guarded = run(source)
    assert guarded["incremental_since"] is not None and guarded["stats"]["deleted"] == 0
    assert "deletion guard" in guarded["message"]


def test_incremental_run_whose_id_listing_fails_withdraws_nothing(
    filled_ckan: FakeCkan, remote: RemoteServer, make_source: Any, run: Any, services: Any
) -> None:
    source = make_source(filled_ckan.url)
    run(source)
    filled_ckan.remove(ckan_package(7)["id"])
    search = remote.routes["/ckan/api/3/action/package_search"]

    def listing_breaks(query: dict[str, list[str]]) -> Reply:
        if query.get("fl") == ["id"]:
            return FakeCkan.ok({"count": 29, "results": [], "sort": "id asc"})
        return search(query)

    remote.routes["/ckan/api/3/action/package_search"] = listing_breaks
    job = run(source)
    assert job["stats"]["deleted"] == 0
    assert "id listing gave 0 of the 29" in job["gather_errors"][0]["detail"]
    assert set(states(services).values()) == {"active"}


@pytest.mark.parametrize("force_all", [True, False], ids=["full", "incremental"])
def test_a_source_that_empties_withdraws_nothing_and_errors(filled_ckan: FakeCkan, make_source: Any, run: Any,
                                                            services: Any, force_all: bool) -> None:
    source = make_source(filled_ckan.url)
    run(source)
    filled_ckan.packages.clear()
    job = run(source, force_all=force_all)
    assert (job["incremental_since"] is None) is force_all
    assert job["stats"]["deleted"] == 0
    assert len(job["gather_errors"]) == 1
    assert "listed no datasets while 30 dataset(s) came from it" in job["gather_errors"][0]["message"]
    assert job["message"] == job["gather_errors"][0]["message"]
    assert set(states(services).values()) == {"active"} and len(states(services)) == 30


def test_incremental_run_of_a_remote_without_search_is_not_an_error(fake_ckan: FakeCkan, make_source: Any,
                                                                     run: Any) -> None:
    for number in range(5):
        fake_ckan.put(ckan_package(number))
    fake_ckan.search_enabled = False  # package_list + package_show only: no cheap id listing
    source = make_source(fake_ckan.url, rows=2)
    run(source)
    job = run(source)
    assert job["gather_errors"] == [] and job["stats"]["unchanged"] == 5 and job["stats"]["deleted"] == 0
