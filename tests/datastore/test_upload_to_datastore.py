"""End to end over HTTP: a multipart upload on resource_create/resource_update is stored, served at CKAN's
download URL and loaded into the DataStore in the background."""

from __future__ import annotations

import io

from tests.datastore.conftest import wait_for_load

CAF = "Communes;Codes_Insee;NB_allocataires\r\nAmbérieu-en-Bugey;01004;1200\r\nAjaccio;2A004;<5\r\n".encode("cp1252")


def post(client, token, name, data):
    response = client.post(f"/api/3/action/{name}", data=data, headers={"Authorization": token},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def test_upload_is_stored_served_and_loaded(client, call, sysadmin, dataset):
    token = call("api_token_create", sysadmin, user="admin", name="upload")["token"]
    created = post(client, token, "resource_create", {
        "package_id": dataset["id"], "name": "RSA 2014", "format": "CSV",
        "upload": (io.BytesIO(CAF), "RSACom2014.csv")})
    assert created["url_type"] == "upload" and created["size"] == len(CAF)
    assert created["url"].endswith(f"/dataset/{dataset['id']}/resource/{created['id']}/download/rsacom2014.csv")
    download = client.get(created["url"].replace("http://test.moisson.local", ""))
    assert download.status_code == 200 and download.data == CAF
    status = wait_for_load(call, sysadmin, created["id"])
    assert status["status"] == "complete" and status["rows_loaded"] == 2, status
    found = call("datastore_search", sysadmin, resource_id=created["id"])
    assert [r["Communes"] for r in found["records"]] == ["Ambérieu-en-Bugey", "Ajaccio"]
    assert [r["NB_allocataires"] for r in found["records"]] == [1200, None]
    assert call("resource_show", sysadmin, id=created["id"])["datastore_active"] is True

    post(client, token, "resource_update", {
        "id": created["id"], "format": "CSV", "upload": (io.BytesIO(b"a,b\n1,2\n3,4\n5,6\n"), "v2.csv")})
    status = wait_for_load(call, sysadmin, created["id"])
    assert status["status"] == "complete" and status["rows_loaded"] == 3, status
    assert call("datastore_search", sysadmin, resource_id=created["id"])["total"] == 3
