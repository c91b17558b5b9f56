"""DataStore answers as CKAN 2.12 gives them (issue 13), from ckanext/datastore/tests/test_create.py,
test_info.py and test_search.py: include_records, the error when no resource is named, and PostgreSQL's type
names in `fields` and in datastore_info's `schema.native_type`, on SQLite as on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.datastore.backend import PG_NAMES, TYPE_ALIASES
from catalog.errors import ValidationError

# One column of each type datastore_create takes, with what CKAN's PostgreSQL reports for it:
# (declared, typname in datastore_search's fields, format_type in datastore_info's native_type).
TYPES = [
    ("text", "text", "text"),
    ("int", "int4", "integer"),
    ("int4", "int4", "integer"),
    ("bigint", "int8", "bigint"),
    ("numeric", "numeric", "numeric"),
    ("float", "float8", "double precision"),
    ("bool", "bool", "boolean"),
    ("date", "date", "date"),
    ("time", "time", "time without time zone"),
    ("timestamp", "timestamp", "timestamp without time zone"),
    ("timestamptz", "timestamptz", "timestamp with time zone"),
    ("json", "json", "json"),
]


def token_of(call: Any, sysadmin: Any) -> str:
    return call("api_token_create", sysadmin, user="admin", name="answers")["token"]


def test_create_include_records_returns_the_rows_with_their_id(call, sysadmin, dataset):
    """CKAN test_create.py test_create_include_records_return: every record comes back with its `_id`
    (the stored row: all columns, as INSERT ... RETURNING gives them)."""
    result = call("datastore_create", sysadmin, resource={"package_id": dataset["id"]},
                  fields=[{"id": "movie", "type": "text"}, {"id": "directors", "type": "text"}], force=True,
                  records=[{"movie": "Cats", "director": "Tom Hooper"}, {"movie": "Les Misérables"}],
                  include_records=True)
    assert result["records"] == [
        {"_id": 1, "movie": "Cats", "directors": None, "director": "Tom Hooper"},
        {"_id": 2, "movie": "Les Misérables", "directors": None, "director": None},
    ]
    assert "include_records" not in result
    # Later rows get the next ids, and what comes back is what datastore_search reads.
    more = call("datastore_create", sysadmin, resource_id=result["resource_id"], records=[{"movie": "Tár"}],
                include_records=True)
    stored = call("datastore_search", sysadmin, resource_id=result["resource_id"], filters={"_id": 3})
    assert more["records"] == stored["records"] == [{"_id": 3, "movie": "Tár", "directors": None, "director": None}]


def test_create_does_not_include_records_by_default(call, sysadmin, dataset):
    """CKAN test_create.py test_create_does_not_include_records_by_default."""
    result = call("datastore_create", sysadmin, resource={"package_id": dataset["id"]},
                  fields=[{"id": "movie", "type": "text"}], records=[{"movie": "Cats"}])
    assert "records" not in result


def test_create_include_records_over_http(client, call, sysadmin, dataset):
    response = client.post("/api/3/action/datastore_create", headers={"Authorization": token_of(call, sysadmin)},
                           json={"resource": {"package_id": dataset["id"]}, "include_records": True,
                                 "fields": [{"id": "n", "type": "int"}, {"id": "taux", "type": "numeric"}],
                                 "records": [{"n": 7, "taux": 41.5}]})
    body = response.get_json()
    assert response.status_code == 200 and body["success"] is True, body
    assert body["result"]["records"] == [{"_id": 1, "n": 7, "taux": 41.5}]


def test_create_without_resource_id_or_resource(call, sysadmin):
    """CKAN logic/action.py datastore_create: ValidationError({'resource_id': ['resource_id or resource
    required']})."""
    with pytest.raises(ValidationError) as caught:
        call("datastore_create", sysadmin, fields=[{"id": "a", "type": "text"}])
    assert caught.value.errors == {"resource_id": ["resource_id or resource required"]}
    with pytest.raises(ValidationError) as caught:  # CKAN: `if resource:`, an empty dict is no resource
        call("datastore_create", sysadmin, resource={}, records=[{"a": 1}])
    assert caught.value.errors == {"resource_id": ["resource_id or resource required"]}


def test_create_without_resource_id_or_resource_over_http(client, call, sysadmin):
    response = client.post("/api/3/action/datastore_create", headers={"Authorization": token_of(call, sysadmin)},
                           json={"records": [{"a": 1}]})
    assert response.status_code == 409
    body = response.get_json()
    assert body["success"] is False
    assert body["error"] == {"__type": "Validation Error", "resource_id": ["resource_id or resource required"]}


def test_create_with_both_resource_id_and_resource(call, sysadmin, resource, dataset):
    with pytest.raises(ValidationError) as caught:
        call("datastore_create", sysadmin, resource_id=resource["id"], resource={"package_id": dataset["id"]})
    assert caught.value.errors == {"resource": ["resource cannot be used with resource_id"]}


def test_every_accepted_type_name_has_its_postgresql_names():
    assert set(PG_NAMES) == set(TYPE_ALIASES)


@pytest.fixture
def typed(call: Any, sysadmin: Any, dataset: dict[str, Any]) -> str:
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"]},
                   fields=[{"id": f"c_{name}", "type": name} for name, _, _ in TYPES])
    return created["resource_id"]


def test_search_fields_carry_postgresql_type_names(call, sysadmin, typed):
    """CKAN test_search.py: fields are [{"type": "int", "id": "_id"}, {"type": "text", ...},
    {"type": "timestamp", ...}, {"type": "json", ...}]: pg_type names, `_id` excepted."""
    fields = call("datastore_search", sysadmin, resource_id=typed)["fields"]
    assert fields == [{"id": "_id", "type": "int"}] + [{"id": f"c_{name}", "type": typname}
                                                      for name, typname, _ in TYPES]


def test_info_native_types_are_postgresql_format_type(call, sysadmin, typed):
    info = call("datastore_info", sysadmin, id=typed)
    assert [(f["id"], f["type"], f["schema"]["native_type"]) for f in info["fields"]] == [
        (f"c_{name}", typname, native) for name, typname, native in TYPES]


def test_info_success(call, sysadmin, dataset):
    """CKAN test_info.py test_info_success: types guessed from the records; `num` (from 2, 22) is an integer."""
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"]}, force=True,
                   records=[{"from": "Brazil", "to": "Brazil", "num": 2}, {"from": "Brazil", "to": "Italy", "num": 22}])
    info = call("datastore_info", sysadmin, resource_id=created["resource_id"])
    assert len(info["meta"]) == 7 and info["meta"]["count"] == 2 and info["meta"]["table_type"] == "BASE TABLE"
    assert len(info["fields"]) == 3
    assert info["fields"][0]["id"] == "from" and info["fields"][0]["type"] == "text"
    assert info["fields"][0]["schema"]["native_type"] == "text" and not info["fields"][0]["schema"]["is_index"]
    assert info["fields"][2]["id"] == "num" and info["fields"][2]["type"] == "int4"
    assert info["fields"][2]["schema"]["native_type"] == "integer"
    assert set(info["fields"][2]["schema"]) == {"native_type", "index_name", "is_index", "notnull", "uniquekey"}
    bare = call("datastore_info", sysadmin, resource_id=created["resource_id"], include_meta=False,
                include_fields_schema=False)
    assert "meta" not in bare and not any("schema" in f for f in bare["fields"])


def test_info_over_http(client, call, sysadmin, resource):
    """The conftest resource: commune/code text, allocataires int, taux numeric; GET with CKAN's envelope."""
    response = client.get(f"/api/3/action/datastore_info?id={resource['id']}",
                          headers={"Authorization": token_of(call, sysadmin)})
    body = response.get_json()
    assert response.status_code == 200 and body["success"] is True, body
    assert [(f["id"], f["type"], f["schema"]["native_type"]) for f in body["result"]["fields"]] == [
        ("commune", "text", "text"), ("code", "text", "text"), ("allocataires", "int4", "integer"),
        ("taux", "numeric", "numeric")]
    response = client.get(f"/api/3/action/datastore_info?id={resource['id']}&include_meta=false")
    assert response.status_code == 200 and "meta" not in response.get_json()["result"]


def test_search_fields_over_http(client, resource):
    response = client.get(f"/api/3/action/datastore_search?resource_id={resource['id']}&limit=0")
    body = response.get_json()
    assert response.status_code == 200 and body["success"] is True, body
    assert body["result"]["fields"] == [{"id": "_id", "type": "int"}, {"id": "commune", "type": "text"},
                                        {"id": "code", "type": "text"}, {"id": "allocataires", "type": "int4"},
                                        {"id": "taux", "type": "numeric"}]


def test_declared_names_survive_a_second_create(call, sysadmin, typed):
    """Adding a column keeps the names the first ones were declared with."""
    call("datastore_create", sysadmin, resource_id=typed, fields=[{"id": "extra", "type": "int8"}],
         records=[{"c_int": 5, "extra": 6}])
    fields = {f["id"]: f["type"] for f in call("datastore_search", sysadmin, resource_id=typed)["fields"]}
    assert fields["c_int"] == "int4" and fields["extra"] == "int8" and fields["c_float"] == "float8"
