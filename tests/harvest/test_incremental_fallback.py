"""A CKAN re-run whose incremental filter the remote refuses falls back to the full listing and says so
(issue 12 item 11), instead of reporting itself as an "Incremental job"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from harvest.models import HarvestLog
from harvest.runner import FULL_LISTING_FALLBACK
from tests.harvest.remote import FakeCkan, Reply, ckan_package


def test_refused_incremental_filter_is_reported_as_a_full_listing(fake_ckan: FakeCkan, make_source: Any,
                                                                  run: Any, services: Any) -> None:
    for number in range(3):
        fake_ckan.put(ckan_package(number))
    search = fake_ckan.server.routes["/ckan/api/3/action/package_search"]

    def refuses_date_ranges(query: dict[str, list[str]]) -> Reply:
        # Some CKAN forks and proxies refuse Solr range queries on metadata_modified.
        if "metadata_modified" in query.get("fq", [""])[0]:
            return Reply(400, b'{"success": false, "error": {"__type": "Search Query Error"}}')
        return search(query)

    fake_ckan.server.routes["/ckan/api/3/action/package_search"] = refuses_date_ranges
    source = make_source(fake_ckan.url, deletion_threshold=0.5)
    assert run(source)["stats"]["added"] == 3
    fake_ckan.remove(ckan_package(2)["id"])
    job = run(source)
    assert job["incremental_since"] is None
    assert "Incremental job" not in (job["message"] or "")
    assert (job["stats"]["unchanged"], job["stats"]["deleted"]) == (2, 1)
    with services.db.unit_of_work(write=False) as session:
        messages = list(session.scalars(select(HarvestLog.message).where(HarvestLog.job_id == job["id"])))
    assert FULL_LISTING_FALLBACK in messages
