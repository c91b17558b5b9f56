"""datastore_create, datastore_upsert, datastore_delete and datastore_info: CKAN's parameters and results."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from catalog.registry import unit
from tests.conftest import make_user

READ_ONLY = ("Cannot edit read-only resource because changes made may be lost. Use a resource created for "
             'editing e.g. with datastore_create or use "force=True" to ignore this warning.')


def records(call, actor, resource_id, **params):
    return call("datastore_search", actor, resource_id=resource_id, **params)["records"]


def test_create_with_resource_dict_makes_a_datastore_resource(call, sysadmin, dataset):
    result = call("datastore_create", sysadmin, resource={"package_id": dataset["id"], "name": "saisie"},
                  fields=[{"id": "annee", "type": "int", "info": {"label": "Année"}}, {"id": "nb", "type": "int4"}],
                  records=[{"annee": 2020, "nb": "3"}], primary_key="annee")
    assert "records" not in result and result["primary_key"] == "annee"
    resource = call("resource_show", sysadmin, id=result["resource_id"])
    assert resource["url_type"] == "datastore" and resource["datastore_active"] is True
    assert records(call, sysadmin, resource["id"]) == [{"_id": 1, "annee": 2020, "nb": 3}]
    info = call("datastore_info", sysadmin, id=resource["id"])
    assert info["meta"]["count"] == 1 and info["meta"]["id"] == resource["id"]
    assert set(info["meta"]) == {"aliases", "count", "db_size", "id", "idx_size", "size", "table_type"}
    assert info["fields"][0]["info"] == {"label": "Année"}
    assert info["fields"][0]["schema"]["is_index"] is True and info["fields"][1]["type"] == "int4"


def test_create_on_an_upload_needs_force(call, sysadmin, dataset):
    created = call("resource_create", sysadmin, package_id=dataset["id"], url="http://example.org/a.csv")
    with pytest.raises(ValidationError) as error:
        call("datastore_create", sysadmin, resource_id=created["id"], records=[{"a": 1}])
    assert error.value.errors == {"read-only": [READ_ONLY]}
    call("datastore_create", sysadmin, resource_id=created["id"], records=[{"a": 1, "b": "x", "c": 1.5}], force=True)
    fields = call("datastore_search", sysadmin, resource_id=created["id"])["fields"]
    assert fields == [{"id": "_id", "type": "int"}, {"id": "a", "type": "int4"}, {"id": "b", "type": "text"},
                      {"id": "c", "type": "numeric"}]


def test_create_validation(call, sysadmin, resource):
    for bad_fields, message in [([{"id": "_x"}], '"_x" is not a valid field name'),
                                ([{"id": "a", "type": "money"}], '"money" is not a valid field type'),
                                ([{"id": "taux", "type": "text"}], 'field "taux" already exists with type numeric')]:
        with pytest.raises(ValidationError) as error:
            call("datastore_create", sysadmin, resource_id=resource["id"], fields=bad_fields)
        assert error.value.errors == {"fields": [message]}
    with pytest.raises(ValidationError) as error:
        call("datastore_create", sysadmin, resource_id=resource["id"], records=[{"allocataires": "beaucoup"}])
    assert "row 1" in error.value.errors["records"][0]


def test_upsert_insert_update(call, sysadmin, dataset):
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"]},
                   fields=[{"id": "code", "type": "text"}, {"id": "nb", "type": "int"}], primary_key=["code"],
                   records=[{"code": "01001", "nb": 1}])
    rid = created["resource_id"]
    result = call("datastore_upsert", sysadmin, resource_id=rid, records=[{"code": "01001", "nb": 5},
                                                                          {"code": "01002", "nb": 7}])
    assert result["method"] == "upsert" and "records" not in result
    found = records(call, sysadmin, rid, sort="code", fields="code,nb")
    assert found == [{"code": "01001", "nb": 5}, {"code": "01002", "nb": 7}]
    call("datastore_upsert", sysadmin, resource_id=rid, method="update", records=[{"code": "01002", "nb": 8}])
    assert records(call, sysadmin, rid, filters={"code": "01002"})[0]["nb"] == 8
    with pytest.raises(ValidationError) as error:
        call("datastore_upsert", sysadmin, resource_id=rid, method="update", records=[{"code": "99999", "nb": 1}])
    assert error.value.errors == {"key": ['key "(99999)" not found']}
    with pytest.raises(ValidationError):
        call("datastore_upsert", sysadmin, resource_id=rid, method="insert", records=[{"code": "01001"}])
    with pytest.raises(ValidationError) as error:
        call("datastore_upsert", sysadmin, resource_id=rid, records=[{"code": "01003", "other": 1}])
    assert error.value.errors == {"records": ['row 1 has extra keys "other"']}
    call("datastore_upsert", sysadmin, resource_id=rid, records=[{"code": "01004", "nb": 1}], dry_run=True)
    assert len(records(call, sysadmin, rid)) == 2


def test_upsert_without_key_uses_id(call, sysadmin, resource):
    call("datastore_upsert", sysadmin, resource_id=resource["id"], records=[{"_id": 2, "allocataires": 1}])
    assert records(call, sysadmin, resource["id"], filters={"_id": 2})[0]["allocataires"] == 1
    with pytest.raises(ValidationError) as error:
        call("datastore_upsert", sysadmin, resource_id=resource["id"], records=[{"commune": "Nice"}])
    assert error.value.errors == {"table": ["table does not have a unique key defined"]}
    call("datastore_upsert", sysadmin, resource_id=resource["id"], method="insert", records=[{"commune": "Nice"}])
    assert records(call, sysadmin, resource["id"], filters={"commune": "Nice"})[0]["_id"] == 7


def test_delete_rows_then_table(call, sysadmin, resource):
    result = call("datastore_delete", sysadmin, resource_id=resource["id"], filters={"code": ["2A004", "2B033"]})
    assert result["resource_id"] == resource["id"]
    assert len(records(call, sysadmin, resource["id"])) == 4
    call("datastore_delete", sysadmin, resource_id=resource["id"], filters={})
    assert records(call, sysadmin, resource["id"]) == []
    with pytest.raises(ValidationError) as error:
        call("datastore_delete", sysadmin, resource_id=resource["id"], filters="code")
    assert error.value.errors == {"filters": ["filters must be either a dict or null."]}
    call("datastore_delete", sysadmin, resource_id=resource["id"])
    assert call("resource_show", sysadmin, id=resource["id"])["datastore_active"] is False
    with pytest.raises(NotFound):
        call("datastore_search", sysadmin, resource_id=resource["id"])


def test_writes_need_edit_rights(call, resource):
    stranger = make_user(call, "stranger")
    for actor in (ANONYMOUS, stranger):
        for name, params in [("datastore_upsert", {"records": []}), ("datastore_delete", {}),
                             ("datastore_create", {"records": []}), ("datastore_submit", {})]:
            with pytest.raises(NotAuthorized):
                call(name, actor, resource_id=resource["id"], **params)
    assert call("datastore_info", ANONYMOUS, id=resource["id"])["meta"]["count"] == 6


def test_forget_resource_drops_the_table_after_commit(call, sysadmin, resource, services):
    from catalog.datastore.jobs import forget_resource

    backend = services.datastore.backend
    with pytest.raises(RuntimeError), unit(services, sysadmin, write=True) as ctx:
        forget_resource(ctx, resource["id"])
        raise RuntimeError("the deletion failed")
    assert backend.table_exists(resource["id"])  # nothing happens when the deletion rolls back
    with unit(services, sysadmin, write=True) as ctx:
        forget_resource(ctx, resource["id"])
    assert not backend.table_exists(resource["id"])


def test_datastore_create_without_resource_is_a_409(call, sysadmin):
    from catalog.errors import ValidationError as VE

    with pytest.raises(VE) as caught:
        call("datastore_create", sysadmin)
    assert caught.value.errors == {"resource_id": ["resource_id or resource required"]}


def test_column_names_with_percent_signs_work_everywhere(call, sysadmin, dataset):
    """ "Part (%)" is a common French header; psycopg reads a bare % as a placeholder if not escaped."""
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"], "name": "parts"},
                   fields=[{"id": "code", "type": "text"}, {"id": "Part (%)", "type": "numeric"},
                           {"id": "100%s", "type": "text"}],
                   records=[{"code": "a", "Part (%)": 1.5, "100%s": "x"}, {"code": "b", "Part (%)": 2.5}],
                   primary_key="code")
    resource_id = created["resource_id"]
    call("datastore_upsert", sysadmin, resource_id=resource_id, method="upsert",
         records=[{"code": "a", "Part (%)": 3.5}, {"code": "c", "Part (%)": 0.5, "100%s": "z"}], force=True)
    call("datastore_upsert", sysadmin, resource_id=resource_id, method="update",
         records=[{"code": "b", "100%s": "y"}], force=True)
    found = records(call, sysadmin, resource_id, sort="Part (%) desc", filters={"100%s": ["x", "y", "z"]})
    assert [(r["code"], r["Part (%)"], r["100%s"]) for r in found] == [("a", 3.5, "x"), ("b", 2.5, "y"),
                                                                     ("c", 0.5, "z")]
    call("datastore_delete", sysadmin, resource_id=resource_id, filters={"Part (%)": 2.5}, force=True)
    assert [r["code"] for r in records(call, sysadmin, resource_id, sort="code")] == ["a", "c"]
