"""Walking `start` over every page with a fixed sort returns each dataset exactly once."""

from __future__ import annotations

import pytest

from catalog.context import SYSTEM
from tests.conftest import wait_until_searchable

# Behaviour every search backend must share: each test runs on the database's search and on Tantivy.
pytestmark = pytest.mark.usefixtures("each_search_backend")


@pytest.fixture
def many(call, services, sysadmin, org):
    # Index rows straight from dicts (cheap), with many equal metadata_modified values to test tie-breaks.
    datasets = []
    with services.db.unit_of_work(write=True) as session:
        for n in range(57):
            pkg = {"id": f"00000000-0000-4000-8000-{n:012d}", "name": f"jeu-{n:02d}", "title": f"Jeu {n % 7}",
                   "state": "active", "private": False, "type": "dataset", "owner_org": org["id"],
                   "organization": {"name": org["name"], "title": org["title"]},
                   "metadata_created": f"2024-01-{1 + n % 3:02d}T00:00:00",
                   "metadata_modified": f"2024-02-{1 + n % 5:02d}T00:00:00",
                   "tags": [{"name": f"t{n % 4}"}], "resources": [], "extras": [], "groups": []}
            services.search.index_package(session, pkg)
            datasets.append(pkg)
    wait_until_searchable(services)  # written to the index directly, not by a write action that would wait
    return datasets


@pytest.mark.parametrize("sort", ["id asc", "metadata_modified desc", "name desc", "title_string asc",
                                  "metadata_created asc, metadata_modified desc", None])
def test_walking_pages_returns_every_dataset_once(call, many, sort):
    for rows in (1, 10, 1000):  # one catalog for every page size (filling it costs more than the walks)
        seen: list[str] = []
        start = 0
        params = {"rows": rows} | ({"sort": sort} if sort else {})
        while True:
            page = call("package_search", SYSTEM, start=start, **params)["results"]
            if not page:
                break
            seen += [r["name"] for r in page]
            start += rows
        assert len(seen) == len(set(seen)) == 57, rows


def test_walking_a_filtered_text_query(call, many):
    seen: list[str] = []
    for start in range(0, 100, 3):
        seen += [r["name"] for r in call("package_search", q="jeu", fq="tags:t1", rows=3, start=start)["results"]]
    assert sorted(seen) == sorted({f"jeu-{n:02d}" for n in range(57) if n % 4 == 1})


def test_id_asc_is_in_id_order(call, many):
    ids = [r["id"] for r in call("package_search", sort="id asc", rows=1000)["results"]]
    assert ids == sorted(ids) and len(ids) == 57


@pytest.mark.parametrize("sort", ["id asc", "metadata_modified desc", "name desc", "metadata_created asc, name asc"])
def test_seek_paging_gives_offset_paging_rows(call, many, sort):
    # q="" and q="*:*" mean the same but are different walks: the second is always fetched by OFFSET.
    for start in range(0, 60, 7):
        walked = call("package_search", q="", sort=sort, rows=7, start=start)["results"]
        fresh = call("package_search", q="*:*", sort=sort, rows=7, start=start, fq=f"-name:x{start}")["results"]
        assert [r["id"] for r in walked] == [r["id"] for r in fresh]


def test_a_write_during_a_walk_falls_back_to_offset(call, services, many, sysadmin):
    first = call("package_search", sort="id asc", rows=10, start=0)["results"]
    with services.db.unit_of_work(write=True) as session:  # a dataset sorting before the whole first page
        services.search.index_package(session, {**many[0], "id": "00000000-0000-0000-0000-000000000000",
                                                 "name": "jeu-avant"})
    wait_until_searchable(services)
    second = call("package_search", sort="id asc", rows=10, start=10)["results"]
    assert second[0]["id"] == first[-1]["id"]  # OFFSET semantics: everything moved down by one
