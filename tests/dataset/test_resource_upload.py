"""Uploads through resource_create/resource_update (multipart `upload`), then the DataStore preview."""

from __future__ import annotations

import json
import time

CSV = "Communes;Codes_Insee;NB_allocataires\nAMBERIEU-EN-BUGEY;01004;1520\nCHÂTEAU-THIERRY;02168;2104\n".encode(
    "cp1252")


def wait_for_load(call, sysadmin, resource_id, timeout=30.0):
    deadline = time.monotonic() + timeout
    status = {}
    while time.monotonic() < deadline:
        status = call("datastore_load_status", sysadmin, resource_id=resource_id)
        if status["status"] in ("complete", "error"):
            return status
        time.sleep(0.2)
    return status


def test_resource_create_with_upload_serves_the_file_and_loads_it(client, call, sysadmin, sysadmin_token, org):
    import io

    call("package_create", sysadmin, name="avec-fichier", owner_org=org["id"])
    response = client.post(
        "/api/3/action/resource_create",
        data={"package_id": "avec-fichier", "name": "Allocataires 2014", "format": "CSV",
              "upload": (io.BytesIO(CSV), "AllocCom2014.csv")},
        headers={"Authorization": sysadmin_token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    resource = json.loads(response.get_data(as_text=True))["result"]
    assert resource["url_type"] == "upload"
    assert resource["url"] == (f"http://test.moisson.local/dataset/{resource['package_id']}/resource/"
                               f"{resource['id']}/download/alloccom2014.csv")
    assert resource["size"] == len(CSV) and resource["hash"]
    download = client.get(resource["url"].replace("http://test.moisson.local", ""))
    assert download.status_code == 200 and download.data == CSV
    status = wait_for_load(call, sysadmin, resource["id"])
    assert status["status"] == "complete", status
    rows = call("datastore_search", sysadmin, resource_id=resource["id"])
    assert rows["total"] == 2
    assert [r["Communes"] for r in rows["records"]] == ["AMBERIEU-EN-BUGEY", "CHÂTEAU-THIERRY"]
    assert call("resource_show", sysadmin, id=resource["id"])["datastore_active"] is True
    [hit] = call("package_search", sysadmin, q="name:avec-fichier")["results"]
    assert hit["resources"][0]["datastore_active"] is True  # the search entry follows the load
    # Editing other fields keeps the file and its stored name.
    patched = call("resource_patch", sysadmin, id=resource["id"], description="Nombre d'allocataires")
    assert patched["url"] == resource["url"] and patched["url_type"] == "upload"


def test_resource_delete_and_purge_drop_the_datastore_table(client, call, sysadmin, sysadmin_token, org):
    import io

    call("package_create", sysadmin, name="a-oublier", owner_org=org["id"])
    ids = []
    for name in ("un.csv", "deux.csv"):
        response = client.post("/api/3/action/resource_create", content_type="multipart/form-data",
                               data={"package_id": "a-oublier", "upload": (io.BytesIO(CSV), name)},
                               headers={"Authorization": sysadmin_token})
        ids.append(json.loads(response.get_data(as_text=True))["result"]["id"])
    for rid in ids:
        assert wait_for_load(call, sysadmin, rid)["status"] == "complete"
    call("resource_delete", sysadmin, id=ids[0])
    call("dataset_purge", sysadmin, id="a-oublier")
    for rid in ids:
        response = client.get(f"/api/3/action/datastore_search?resource_id={rid}",
                              headers={"Authorization": sysadmin_token})
        assert response.status_code == 404, rid


def test_upload_urls_follow_the_current_site_url(client, call, sysadmin, sysadmin_token, org, services):
    """package_show and package_search serve stored dicts: their download URLs must use today's site URL."""
    import dataclasses
    import io

    call("package_create", sysadmin, name="site-url", owner_org=org["id"])
    response = client.post("/api/3/action/resource_create", content_type="multipart/form-data",
                           data={"package_id": "site-url", "upload": (io.BytesIO(CSV), "f.csv")},
                           headers={"Authorization": sysadmin_token})
    rid = json.loads(response.get_data(as_text=True))["result"]["id"]
    wait_for_load(call, sysadmin, rid)
    original = services.settings
    vars(services)["settings"] = dataclasses.replace(original, site_url="https://data.example.fr")
    try:
        shown = call("package_show", sysadmin, id="site-url")["resources"][0]["url"]
        [hit] = call("package_search", sysadmin, q="name:site-url")["results"]
    finally:
        vars(services)["settings"] = original
    assert shown.startswith("https://data.example.fr/dataset/") and shown.endswith("/download/f.csv")
    assert hit["resources"][0]["url"] == shown
