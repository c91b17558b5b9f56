"""package_search behaviour, run on SQLite (FTS5) and PostgreSQL (tsvector) alike."""

from __future__ import annotations

import pytest

from catalog.errors import SearchQueryError, ValidationError
from tests.search.conftest import names

# Behaviour every search backend must share: each test runs on the database's search and on Tantivy.
pytestmark = pytest.mark.usefixtures("each_search_backend")

ALL_PUBLIC = {"allocataires-caf", "aides-logement", "population-census", "naissances"}


def search(call, actor=None, **params):
    return call("package_search", actor, **params) if actor else call("package_search", **params)


def test_result_shape_and_defaults(call, catalog):
    result = search(call)
    assert list(result) == ["count", "facets", "results", "sort", "search_facets"]
    assert result["count"] == 4 and names(result) == ALL_PUBLIC
    assert result["sort"] == "score desc, metadata_modified desc"
    assert result["facets"] == {} and result["search_facets"] == {}
    shown = call("package_show", id="allocataires-caf")
    found = next(r for r in result["results"] if r["name"] == "allocataires-caf")
    assert found == shown  # the stored dict is the package_show dict


def test_default_order_is_newest_first(call, catalog):
    result = search(call, q="*:*")
    assert [r["name"] for r in result["results"]] == ["naissances", "population-census", "aides-logement",
                                                        "allocataires-caf"]


FREE_TEXT = [
    ("allocataire", {"allocataires-caf"}),  # French plural stemmed
    ("ALLOCATAIRES", {"allocataires-caf"}),
    ("logement", {"aides-logement"}),  # "Logements" in the notes, "logement" in the title
    ("Logements", {"aides-logement"}),
    ("ile de france", {"aides-logement"}),  # accents folded: "Île-de-France"
    ("etat civil", {"naissances"}),
    ("démographie", {"naissances"}),  # tag text, accented
    ("housing", {"population-census"}),
    ("statistics", {"population-census", "naissances"}),  # English tag, French organization title
    ("statistic", {"population-census", "naissances"}),
    ("famille prestations", {"allocataires-caf"}),  # all terms required
    ("cnaf", {"allocataires-caf", "aides-logement"}),  # organization in the catch-all
    ("nothing-matches-this", set()),
]


def test_free_text(call, catalog):
    # One catalog for all cases (filling it costs far more than the searches, on each backend); every wrong
    # answer is reported, with what was expected.
    wrong = {q: (got, expected) for q, expected in FREE_TEXT if (got := names(search(call, q=q))) != expected}
    assert wrong == {}


LUCENE_SUBSET = [
    ("tags:famille", {"allocataires-caf", "aides-logement"}),
    ("tags:Famille", set()),  # exact strings are case-sensitive, as in Solr
    ("organization:insee", {"population-census", "naissances"}),
    ("res_format:CSV", {"allocataires-caf", "population-census"}),
    ("res_format:XLSX", {"population-census"}),
    ("groups:social", {"allocataires-caf"}),
    ("license_id:cc-by", {"population-census"}),
    ("name:aides-logement", {"aides-logement"}),
    ("name:aides*", {"aides-logement"}),
    ("name:*census", {"population-census"}),
    ("name:naissanc?s", {"naissances"}),
    ("title:logement", {"aides-logement"}),
    ("title:allocataire", {"allocataires-caf"}),
    ("notes:allocataire", {"allocataires-caf"}),
    ('title:"aides au logement"', {"aides-logement"}),
    ('notes:"aides personnelles"', {"aides-logement"}),
    ('"personnelles aides"', set()),  # a phrase keeps word order
    ("res_name:workbook", {"population-census"}),
    ("extras_frequency:annuelle", {"allocataires-caf"}),
    ("frequency:mensuelle", {"aides-logement"}),  # extras copied to an exact field of their own
    ("capacity:public", ALL_PUBLIC),
    ("dataset_type:dataset", ALL_PUBLIC),
    ("tags:famille AND organization:cnaf", {"allocataires-caf", "aides-logement"}),
    ("tags:famille AND -name:aides-logement", {"allocataires-caf"}),
    ("tags:famille NOT name:aides-logement", {"allocataires-caf"}),
    ("-organization:cnaf", {"population-census", "naissances"}),
    ("organization:insee OR tags:logement", {"population-census", "naissances", "aides-logement"}),
    ("(tags:logement OR tags:statistics) AND res_format:CSV", {"population-census"}),
    ("organization:(insee OR cnaf) AND -tags:famille", {"population-census", "naissances"}),
    ("logem*", {"aides-logement"}),  # a prefix longer than the stem "log"
    ("lo*", {"aides-logement"}),
    ("allocatair*", {"allocataires-caf"}),  # not "allocations"
    ("allocat*", {"allocataires-caf", "aides-logement"}),  # "allocations" in cnaf's title
    ("title:popul*", {"population-census"}),
    ("tags:*", ALL_PUBLIC),
    ("*:*", ALL_PUBLIC),
    ("id:nonexistent", set()),
    ("famille OR census", {"allocataires-caf", "aides-logement", "population-census"}),
    ("+famille -logement", {"allocataires-caf"}),
    # an unknown field is a 400 now (test_unknown_field.py), no longer 0 results
]


def test_lucene_subset(call, catalog):
    # One catalog for all cases (filling it costs far more than the searches, on each backend); every wrong
    # answer is reported, with what was expected.
    wrong = {q: (got, expected) for q, expected in LUCENE_SUBSET if (got := names(search(call, q=q))) != expected}
    assert wrong == {}


def test_id_field(call, catalog):
    package_id = catalog["datasets"]["naissances"]["id"]
    assert names(search(call, q=f"id:{package_id}")) == {"naissances"}
    assert names(search(call, fq=f"owner_org:{catalog['insee']['id']}")) == {"population-census", "naissances"}


def test_date_ranges(call, catalog):
    created = catalog["datasets"]["logements"]["metadata_modified"]
    assert names(search(call, q="metadata_modified:[2000-01-01T00:00:00Z TO *]")) == ALL_PUBLIC
    assert names(search(call, q=f"metadata_modified:[{created}Z TO *]")) == {
        "aides-logement", "population-census", "naissances"}
    assert names(search(call, q=f"metadata_modified:{{{created}Z TO *]")) == {"population-census", "naissances"}
    assert names(search(call, q=f"metadata_modified:[* TO {created}Z]")) == {"allocataires-caf", "aides-logement"}
    assert names(search(call, q="metadata_modified:[NOW-1DAY TO NOW]")) == ALL_PUBLIC
    assert names(search(call, q="metadata_created:[NOW/DAY-1DAY TO *]")) == ALL_PUBLIC
    assert names(search(call, q="metadata_modified:[* TO NOW-1DAY]")) == set()
    harvester = f"metadata_modified:[{created}Z TO *] AND organization:cnaf"
    assert names(search(call, fq=harvester)) == {"aides-logement"}


def test_fq_and_fq_list(call, catalog):
    assert names(search(call, q="famille", fq="organization:cnaf")) == {"allocataires-caf", "aides-logement"}
    assert names(search(call, fq="tags:famille", fq_list=["res_format:JSON"])) == {"aides-logement"}
    assert names(search(call, fq_list=["organization:insee", "-tags:statistics"])) == {"naissances"}
    assert names(search(call, fq_list='["organization:insee"]')) == {"population-census", "naissances"}


@pytest.mark.parametrize(("sort", "expected"), [
    ("name asc", ["aides-logement", "allocataires-caf", "naissances", "population-census"]),
    ("name desc", ["population-census", "naissances", "allocataires-caf", "aides-logement"]),
    ("title_string asc", ["aides-logement", "allocataires-caf", "naissances", "population-census"]),
    ("metadata_created asc", ["allocataires-caf", "aides-logement", "population-census", "naissances"]),
    ("metadata_modified desc", ["naissances", "population-census", "aides-logement", "allocataires-caf"]),
    ("organization asc, name desc", ["allocataires-caf", "aides-logement", "population-census", "naissances"]),
])
def test_sort(call, catalog, sort, expected):
    result = search(call, sort=sort)
    assert [r["name"] for r in result["results"]] == expected
    assert result["sort"] == sort


def test_sort_by_id(call, catalog):
    result = search(call, sort="id asc")
    ids = [r["id"] for r in result["results"]]
    assert ids == sorted(ids)


def test_score_ranks_title_matches_first(call, catalog):
    ranked = call("package_search", q="logement")
    assert ranked["results"][0]["name"] == "aides-logement"
    both = call("package_search", q="census OR naissances")
    assert names(both) == {"population-census", "naissances"}


@pytest.mark.parametrize("sort", ["foo asc", "name sideways", "title asc", "name asc,", "score"])
def test_invalid_sort_is_a_400(call, catalog, sort):
    if sort == "score":
        search(call, sort=sort)  # a bare field means ascending, still valid
        return
    with pytest.raises(SearchQueryError) as error:
        search(call, sort=sort)
    assert error.value.error_body()["message"] == "Search Query is invalid: ('Invalid \"sort\" parameter',)"


def test_rows_and_start(call, catalog):
    assert len(search(call, rows=2)["results"]) == 2
    assert search(call, rows=0) == {**search(call, rows=0), "results": []}
    assert search(call, rows=0)["count"] == 4
    assert [r["name"] for r in search(call, sort="name asc", rows=2, start=1)["results"]] == [
        "allocataires-caf", "naissances"]
    assert search(call, start=10)["results"] == []
    assert len(search(call, rows="5000")["results"]) == 4  # clamped, not refused
    with pytest.raises(ValidationError) as error:
        search(call, rows="abc")
    assert error.value.errors == {"rows": ["Invalid integer"]}
    with pytest.raises(ValidationError) as error:
        search(call, start=-1)
    assert error.value.errors == {"start": ["Must be a natural number"]}


def test_unknown_parameter_is_a_400(call, catalog):
    with pytest.raises(SearchQueryError) as error:
        search(call, q="x", foo="bar")
    assert error.value.error_body() == {
        "__type": "Search Query Error",
        "message": "Search Query is invalid: (\"Invalid search parameters: ['foo']\",)"}
    search(call, ext_bbox="1,2,3,4", wt="json", defType="edismax")  # accepted and ignored


MALFORMED = ["title:(", "foo AND", '"unclosed', "a]", "a:b:c", "*foo", "title:[a TO b]",
             "metadata_modified:[yesterday TO *]", "/regex/", "metadata_modified:[NOW-1WEEKS TO *]"]


def test_malformed_queries_are_400s(call, catalog):
    for q in MALFORMED:  # one catalog for all cases, as above
        with pytest.raises(SearchQueryError) as error:
            search(call, q=q)
        assert "Search Query is invalid" in error.value.error_body()["message"], q
        with pytest.raises(SearchQueryError):
            search(call, fq=q)


def test_malformed_query_over_http(client, catalog):
    response = client.get("/api/3/action/package_search", query_string={"q": "title:("})
    assert response.status_code == 400
    body = response.get_json()
    assert body["success"] is False and body["error"]["__type"] == "Search Query Error"
    assert "title:(" in body["error"]["message"] and "unmatched parenthesis" in body["error"]["message"]


def test_get_parameters_are_coerced(client, catalog):
    response = client.get("/api/3/action/package_search", query_string={
        "q": "famille", "rows": "1", "facet.field": '["organization", "tags"]', "include_private": "false"})
    assert response.status_code == 200
    result = response.get_json()["result"]
    assert result["count"] == 2 and len(result["results"]) == 1
    assert result["facets"]["organization"] == {"cnaf": 2}


def test_facets(call, catalog):
    result = search(call, **{"facet.field": ["organization", "tags", "res_format", "license_id", "groups",
                                             "frequency"]})
    facets = result["facets"]
    assert facets["organization"] == {"cnaf": 2, "insee": 2}
    assert facets["tags"] == {"famille": 2, "démographie": 1, "logement": 1, "prestations": 1, "statistics": 1}
    assert list(facets["tags"]) == ["famille", "démographie", "logement", "prestations", "statistics"]
    assert facets["res_format"] == {"CSV": 2, "JSON": 1, "XLSX": 1}
    assert facets["license_id"] == {"lov2": 2, "cc-by": 1}
    assert facets["groups"] == {"social": 1}
    assert facets["frequency"] == {"annuelle": 1, "mensuelle": 1}
    org_items = result["search_facets"]["organization"]
    assert org_items["title"] == "organization"
    assert org_items["items"] == [
        {"name": "insee", "display_name": "Institut national de la statistique", "count": 2},
        {"name": "cnaf", "display_name": "Caisse nationale des allocations familiales", "count": 2},
    ]
    tag_names = [item["name"] for item in result["search_facets"]["tags"]["items"]]
    assert tag_names == sorted(tag_names, reverse=True)


def test_facets_follow_the_query_limit_and_mincount(call, catalog):
    result = search(call, q="famille", **{"facet.field": '["tags"]'})
    assert result["facets"]["tags"] == {"famille": 2, "logement": 1, "prestations": 1}
    limited = search(call, **{"facet.field": ["tags"], "facet.limit": 1})
    assert limited["facets"]["tags"] == {"famille": 2}
    assert search(call, **{"facet.field": ["tags"], "facet.mincount": 2})["facets"]["tags"] == {"famille": 2}
    unlimited = search(call, **{"facet.field": ["tags"], "facet.limit": -1})
    assert len(unlimited["facets"]["tags"]) == 5
    assert search(call, facet="false", **{"facet.field": ["tags"]})["facets"] == {}


def test_fl_returns_only_those_fields(call, catalog):
    result = search(call, q="name:naissances", fl="id,name")
    assert result["results"] == [{"id": catalog["datasets"]["naissances"]["id"], "name": "naissances"}]
