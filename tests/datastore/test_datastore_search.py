"""datastore_search against CKAN's documented behaviour (reference/ckan-api.md §2.9)."""

from __future__ import annotations

import json

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user
from tests.datastore.conftest import COMMUNES


def search(call, resource, actor=ANONYMOUS, **params):
    return call("datastore_search", actor, resource_id=resource["id"], **params)


def test_default_result_shape(call, resource):
    result = search(call, resource)
    assert {"include_total", "limit", "records_format", "resource_id", "total_estimation_threshold", "fields",
            "records", "_links", "total", "total_was_estimated"} <= set(result)
    assert result["limit"] == 100 and result["records_format"] == "objects" and result["include_total"] is True
    assert result["total"] == 6 and result["total_was_estimated"] is False
    assert result["fields"] == [{"id": "_id", "type": "int"}, {"id": "commune", "type": "text"},
                                {"id": "code", "type": "text"}, {"id": "allocataires", "type": "int4"},
                                {"id": "taux", "type": "numeric"}]
    assert result["records"][0] == {"_id": 1, **COMMUNES[0]}
    assert [r["_id"] for r in result["records"]] == [1, 2, 3, 4, 5, 6]
    links = result["_links"]
    assert links["start"].startswith("/api/3/action/datastore_search?") and f"resource_id={resource['id']}" in links[
        "start"]
    assert "offset=100" in links["next"] and "prev" not in links


def test_filters_single_value_and_list(call, resource):
    assert [r["commune"] for r in search(call, resource, filters={"code": "2A004"})["records"]] == ["Ajaccio"]
    result = search(call, resource, filters={"code": ["2A004", "2B033"], "taux": 40})
    assert [r["commune"] for r in result["records"]] == ["Bastia"] and result["total"] == 1
    # GET sends filters as a JSON string
    assert search(call, resource, filters=json.dumps({"allocataires": 5400}))["records"][0]["commune"] == "Ajaccio"


def test_filters_on_unknown_field_and_bad_values(call, resource):
    with pytest.raises(ValidationError) as error:
        search(call, resource, filters={"nope": 1})
    assert error.value.errors == {"filters": ['invalid value "nope"']}
    with pytest.raises(ValidationError):
        search(call, resource, filters={"allocataires": "many"})


def test_q_full_text_and_per_field(call, resource):
    assert {r["commune"] for r in search(call, resource, q="paris")["records"]} == {"Paris", "Paris 15e"}
    assert [r["commune"] for r in search(call, resource, q={"commune": "bastia"})["records"]] == ["Bastia"]
    assert search(call, resource, q="nulle-part-xyz")["records"] == []


def test_fields_list_or_comma_string(call, resource):
    result = search(call, resource, fields="commune, code", limit=1)
    assert result["records"] == [{"commune": "Ambérieu-en-Bugey", "code": "01004"}]
    assert [f["id"] for f in result["fields"]] == ["commune", "code"]
    assert search(call, resource, fields=["code"], limit=1)["records"] == [{"code": "01004"}]
    with pytest.raises(ValidationError) as error:
        search(call, resource, fields=["code", "secret"])
    assert error.value.errors == {"fields": ['invalid value "secret"']}


def test_sort(call, resource):
    by_rate = search(call, resource, sort="taux desc")["records"]
    assert [r["taux"] for r in by_rate] == [41.7, 40, 39.9, 38.2, 35.5, 30.1]
    multi = search(call, resource, sort=["allocataires desc nulls last", "commune"])["records"]
    assert multi[0]["commune"] == "Paris" and multi[-1]["commune"] == "Paris 15e"
    assert search(call, resource, sort='"commune" asc')["records"][0]["commune"] == "Ajaccio"
    with pytest.raises(ValidationError) as error:
        search(call, resource, sort="population")
    assert error.value.errors == {"sort": ['field "population" not in table']}


def test_limit_offset_and_links(call, resource):
    page = search(call, resource, limit=2, offset=4)
    assert [r["_id"] for r in page["records"]] == [5, 6] and page["total"] == 6
    assert "offset=6" in page["_links"]["next"] and "offset=2" in page["_links"]["prev"]
    assert search(call, resource, limit=0)["records"] == []
    assert search(call, resource, limit=10**9)["limit"] == 32000  # silently clamped
    with pytest.raises(ValidationError):
        search(call, resource, limit=-1)


def test_distinct_and_include_total(call, sysadmin, resource):
    call("datastore_upsert", sysadmin, resource_id=resource["id"], method="insert",
         records=[{"commune": "Lyon", "code": "69123"}])
    distinct = search(call, resource, fields="code", distinct=True, sort="code")
    assert [r["code"] for r in distinct["records"]] == sorted({c["code"] for c in COMMUNES})
    result = search(call, resource, include_total=False)
    assert "total" not in result and result["include_total"] is False


@pytest.mark.parametrize(("fmt", "expected"), [
    ("lists", [[1, "Ambérieu-en-Bugey", "01004", 1200, 41.7]]),
    ("csv", "1,Ambérieu-en-Bugey,01004,1200,41.7\n"),
    ("tsv", "1\tAmbérieu-en-Bugey\t01004\t1200\t41.7\n"),
])
def test_records_format(call, resource, fmt, expected):
    assert search(call, resource, records_format=fmt, limit=1)["records"] == expected


def test_missing_resource_is_404_and_private_is_403(call, sysadmin, private_dataset, services):
    with pytest.raises(NotFound) as error:
        call("datastore_search", ANONYMOUS, resource_id="no-such-resource")
    assert error.value.message == 'Resource "no-such-resource" was not found.'
    created = call("datastore_create", sysadmin, resource={"package_id": private_dataset["id"]},
                   records=[{"a": 1}])
    stranger = make_user(call, "stranger")
    for actor in (ANONYMOUS, stranger):
        with pytest.raises(NotAuthorized):
            call("datastore_search", actor, resource_id=created["resource_id"])
    assert call("datastore_search", sysadmin, resource_id=created["resource_id"])["records"] == [{"_id": 1, "a": 1}]


def test_over_http_get_with_query_string(client, resource):
    response = client.get("/api/3/action/datastore_search", query_string={
        "resource_id": resource["id"], "filters": json.dumps({"code": "75056"}), "limit": "5",
        "include_total": "false", "fields": "commune,allocataires"})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()["result"]
    assert result["records"] == [{"commune": "Paris", "allocataires": 210000}]
    assert "total" not in result and result["limit"] == 5
    bad = client.get("/api/3/action/datastore_search", query_string={"resource_id": resource["id"], "sort": "x"})
    assert bad.status_code == 409
    assert bad.get_json()["error"] == {"__type": "Validation Error", "sort": ['field "x" not in table']}


@pytest.mark.parametrize("value", [10**30, "99999999999999999999", -(2**63) - 1])
def test_an_integer_filter_beyond_64_bits_is_a_409_not_a_500(call, client, resource, value):
    """SQLite cannot bind an integer past int64 (OverflowError); PostgreSQL's bigint holds no more either."""
    with pytest.raises(ValidationError) as error:
        search(call, resource, filters={"allocataires": value})
    assert error.value.errors == {"filters": [f'invalid value "{value}" for a int field']}
    with pytest.raises(ValidationError):
        call("datastore_aggregate", ANONYMOUS, resource_id=resource["id"], group_by="commune",
             filters={"allocataires": value})
    answer = client.get("/api/3/action/datastore_aggregate", query_string={
        "resource_id": resource["id"], "group_by": "commune", "filters": json.dumps({"allocataires": value})})
    assert answer.status_code == 409 and answer.get_json()["error"]["__type"] == "Validation Error"
    assert search(call, resource, filters={"allocataires": 2**63 - 1})["records"] == []
