"""resource_view_* and datastore_aggregate over HTTP: CKAN's envelope and statuses, GET parameters coerced."""

from __future__ import annotations

import json
from typing import Any

import pytest


@pytest.fixture
def resource(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    pkg = call("package_create", sysadmin, name="vues-api", owner_org=org["id"],
               resources=[{"url": "https://example.org/a.csv"}])
    return pkg["resources"][0]


def post(client: Any, token: str | None, name: str, **data: Any) -> Any:
    headers = {"Authorization": token} if token else {}
    return client.post(f"/api/3/action/{name}", json=data, headers=headers)


def test_resource_view_create_and_its_errors_in_ckans_envelope(client, sysadmin_token, resource):
    response = post(client, sysadmin_token, "resource_view_create", resource_id=resource["id"], title="Carte",
                    view_type="image_view", image_url="https://example.org/carte.png")
    body = response.get_json()
    assert response.status_code == 200 and body["success"] is True
    assert body["result"]["image_url"] == "https://example.org/carte.png"
    view_id = body["result"]["id"]

    response = post(client, sysadmin_token, "resource_view_create", resource_id=resource["id"], title="x",
                    view_type="recline_view")
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error",
                                            "view_type": "No plugin found for view_type recline_view"}
    response = post(client, None, "resource_view_create", resource_id=resource["id"], title="x",
                    view_type="text_view")
    assert response.status_code == 403 and response.get_json()["error"]["__type"] == "Authorization Error"
    response = post(client, sysadmin_token, "resource_view_create", title="x", view_type="text_view")
    assert response.status_code == 409 and response.get_json()["error"]["resource_id"] == ["Missing value"]

    shown = client.get(f"/api/3/action/resource_view_show?id={view_id}").get_json()
    assert shown["success"] is True and shown["result"]["title"] == "Carte"
    missing = client.get("/api/3/action/resource_view_show?id=nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["__type"] == "Not Found Error"
    listed = client.get(f"/api/3/action/resource_view_list?id={resource['id']}").get_json()["result"]
    assert [v["id"] for v in listed] == [view_id]
    response = post(client, sysadmin_token, "resource_view_reorder", id=resource["id"], order="not a list")
    assert response.status_code == 409
    response = post(client, sysadmin_token, "resource_view_delete", id=view_id)
    assert response.status_code == 200 and response.get_json()["result"] == {"resource_id": resource["id"]}


def test_datastore_aggregate_over_get(client, call, sysadmin, resource):
    created = call("datastore_create", sysadmin, resource={"package_id": resource["package_id"]},
                   fields=[{"id": "k", "type": "text"}, {"id": "n", "type": "int"}],
                   records=[{"k": "a", "n": 1}, {"k": "a", "n": 2}, {"k": "b", "n": 5}])
    rid = created["resource_id"]
    try:
        response = client.get("/api/3/action/datastore_aggregate", query_string={
            "resource_id": rid, "group_by": "k", "value": "n", "limit": "1", "filters": json.dumps({"k": ["a", "b"]})})
        result = response.get_json()["result"]
        assert response.status_code == 200
        assert result["groups"] == [{"key": "b", "value": 5, "count": 1}]
        assert result["others"] == {"value": 3, "count": 2, "groups": 1}
        response = client.get("/api/3/action/datastore_aggregate", query_string={
            "resource_id": rid, "group_by": "k; DROP TABLE x", "agg": "count"})
        assert response.status_code == 409 and "group_by" in response.get_json()["error"]
        response = client.get("/api/3/action/datastore_aggregate", query_string={
            "resource_id": rid, "group_by": "k", "limit": "many"})
        assert response.status_code == 409
    finally:
        call("datastore_delete", sysadmin, resource_id=rid, force=True)


@pytest.mark.parametrize("given", [{}, {"id": ""}])
def test_resource_view_list_without_an_id_names_id_as_ckan_does(client, given):
    response = client.post("/api/3/action/resource_view_list", json=given)
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error", "id": ["Missing value"]}
