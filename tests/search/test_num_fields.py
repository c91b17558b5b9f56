"""num_resources and num_tags are integer fields as in CKAN's Solr schema: exact values, ranges and sorts compare
numbers (10 after 9), on each search backend; and the PostgreSQL 500 on fq=metadata_modified:* (regression)."""

from __future__ import annotations

import pytest

from catalog.errors import SearchQueryError
from tests.search.conftest import names

pytestmark = pytest.mark.usefixtures("each_search_backend")

# The catalog fixture's public datasets: (resources, tags).
COUNTS = {"allocataires-caf": (1, 2), "aides-logement": (1, 2), "population-census": (2, 1), "naissances": (0, 1)}


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "num_resources:[2 TO *]"}, {"population-census"}),
    ({"fq": "num_resources:0"}, {"naissances"}),
    ({"fq": 'num_resources:"1"'}, {"allocataires-caf", "aides-logement"}),
    ({"fq": "num_tags:2"}, {"allocataires-caf", "aides-logement"}),
    ({"fq": "num_tags:[* TO 1]"}, {"population-census", "naissances"}),
    ({"fq": "num_tags:{1 TO *]"}, {"allocataires-caf", "aides-logement"}),
    ({"q": "num_resources:[1 TO 1] AND num_tags:2 -name:aides-logement"}, {"allocataires-caf"}),
    ({"fq": "num_resources:*"}, set(COUNTS)),
    ({"fq": "num_resources:[10 TO *]"}, set()),
])
def test_num_fields_filter_as_numbers(call, catalog, params, expected):
    assert names(call("package_search", **params)) == expected


def test_num_fields_sort_as_numbers(call, catalog, sysadmin):
    # Ten resources sort after two: a text comparison would put "10" before "2".
    call("package_patch", sysadmin, id="naissances",
         resources=[{"url": f"http://example.org/{i}.csv", "format": "CSV"} for i in range(10)])
    found = call("package_search", sort="num_resources desc, name asc")["results"]
    assert [(r["name"], r["num_resources"]) for r in found] == [
        ("naissances", 10), ("population-census", 2), ("aides-logement", 1), ("allocataires-caf", 1)]
    found = call("package_search", sort="num_tags asc, name desc")["results"]
    assert [r["name"] for r in found] == ["population-census", "naissances", "allocataires-caf", "aides-logement"]
    assert names(call("package_search", fq="num_resources:[3 TO 10]")) == {"naissances"}


def test_num_fields_facet(call, catalog):
    facets = call("package_search", **{"facet.field": '["num_tags"]'})["facets"]
    assert facets == {"num_tags": {"1": 2, "2": 2}}


@pytest.mark.parametrize("bad", ["num_resources:deux", "num_tags:[a TO 3]", "num_resources:1*",
                                 # Python's int() takes these, Solr's int field does not.
                                 "num_resources:1_0", 'num_resources:"+3"', "num_tags:\uff13", "num_tags:[1_0 TO *]",
                                 # Beyond 32 bits (PostgreSQL's int4: was a 500 there, and with huge ones everywhere).
                                 "num_resources:3000000000", "num_tags:-2147483649", "num_resources:" + "9" * 400])
def test_num_fields_need_whole_numbers(call, catalog, bad):
    with pytest.raises(SearchQueryError):
        call("package_search", fq=bad)
    with pytest.raises(SearchQueryError):
        call("package_search", q=bad)


def test_num_fields_range_bounds_beyond_32_bits_are_clamped(call, catalog):
    assert names(call("package_search", fq="num_resources:[0 TO 3000000000]")) == set(COUNTS)
    assert names(call("package_search", fq="num_tags:[-99999999999999999999 TO 1]")) == {"population-census",
                                                                                         "naissances"}
    assert names(call("package_search", fq="num_resources:[3000000000 TO *]")) == set()


def test_num_fields_huge_number_is_a_400_through_the_api(client, catalog):
    answer = client.get("/api/3/action/package_search?q=num_resources:3000000000")
    assert answer.status_code == 400 and answer.json["success"] is False
    assert answer.json["error"]["__type"] == "Search Query Error"


def test_date_exists_filter(call, catalog):
    # Was a 500 on PostgreSQL: the "not empty" test of text columns was applied to a timestamp.
    assert names(call("package_search", fq="metadata_modified:*")) == set(COUNTS)
    assert names(call("package_search", q="metadata_created:* AND num_tags:2")) == {"allocataires-caf",
                                                                                    "aides-logement"}


def test_date_exists_filter_through_the_api(client, catalog):
    answer = client.get("/api/3/action/package_search?fq=metadata_modified:*")
    assert answer.status_code == 200 and answer.json["result"]["count"] == len(COUNTS)
