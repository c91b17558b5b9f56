"""Uploads of real size (issue 17): a multipart resource write is limited by max_resource_bytes (plus max_body_bytes
for its other fields), every other body by max_body_bytes; file parts spool to disk beside the stored files and a
file over the limit is counted, never kept. Through the Flask client, then a real `moisson serve` (chunked bodies,
early 413 answers, a streamed upload)."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from catalog.storage.limits import SPOOL_BYTES, UPLOAD_FORM_PARTS, CappedSpool, upload_limit
from tests.conftest import SELECTED
from tests.servers import ServerProcess

BODY = 64 * 1024
FILE = 1024 * 1024


@pytest.fixture
def small_limits(services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings = replace(services.settings, max_body_bytes=BODY, max_resource_bytes=FILE)
    monkeypatch.setitem(vars(services), "settings", settings)
    return settings


@pytest.fixture
def dataset(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    return call("package_create", sysadmin, name="grand-fichier", owner_org=org["id"])


def csv_bytes(size: int) -> bytes:
    line = b"commune;allocataires\n" + b"Amberieu-en-Bugey;1200\n" * (size // 23 + 1)
    return line[:size]


def upload(client: Any, token: str, action: str, data: dict[str, str], content: bytes, name: str = "big.bin") -> Any:
    files = {**data, "upload": (io.BytesIO(content), name)}
    return client.post(f"/api/3/action/{action}", data=files, headers={"Authorization": token},
                       content_type="multipart/form-data")


def test_a_file_larger_than_the_body_limit_is_stored_whole(client, sysadmin_token, dataset, services, small_limits):
    content = csv_bytes(FILE - 1000)
    response = upload(client, sysadmin_token, "resource_create", {"package_id": dataset["id"], "format": "bin"},
                      content)
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["result"]
    assert result["size"] == len(content) and result["hash"] == hashlib.sha256(content).hexdigest()
    assert services.storage.files.path(result["id"]).read_bytes() == content
    patched = upload(client, sysadmin_token, "resource_patch", {"id": result["id"]}, content[:BODY * 2])
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert patched.get_json()["result"]["size"] == BODY * 2
    updated = upload(client, sysadmin_token, "resource_update", {"id": result["id"], "format": "bin"},
                     content[: BODY * 3])
    assert updated.status_code == 200, updated.get_data(as_text=True)
    assert services.storage.files.path(result["id"]).stat().st_size == BODY * 3


def test_other_bodies_keep_the_body_limit(client, sysadmin_token, org, small_limits):
    big_json = json.dumps({"name": "trop", "owner_org": org["id"], "notes": "x" * BODY}).encode()
    response = client.post("/api/3/action/package_create", data=big_json, content_type="application/json",
                           headers={"Authorization": sysadmin_token})
    assert response.status_code == 413
    assert response.get_json()["error"] == {"__type": "Payload Too Large",
                                            "message": f"Request body is larger than {BODY} bytes"}
    # A multipart body to an action that stores no file keeps the body limit too.
    response = upload(client, sysadmin_token, "package_create", {"name": "trop", "owner_org": org["id"]},
                      csv_bytes(BODY + 10))
    assert response.status_code == 413 and response.get_json()["success"] is False


def test_a_body_over_the_upload_limit_is_a_413_naming_it(client, sysadmin_token, dataset, small_limits):
    response = upload(client, sysadmin_token, "resource_create", {"package_id": dataset["id"]},
                      csv_bytes(upload_limit(small_limits) + 1))
    assert response.status_code == 413
    body = response.get_json()
    assert body["success"] is False and body["help"].endswith("name=resource_create")
    assert body["error"] == {"__type": "Payload Too Large",
                             "message": f"Request body is larger than {FILE + BODY} bytes"}


def test_an_anonymous_upload_keeps_the_body_limit(client, dataset, small_limits):
    """Only a caller with a token or a session may send more than max_body_bytes: anyone else would be refused
    anyway, after the whole body was read."""
    response = client.post("/api/3/action/resource_create", content_type="multipart/form-data",
                           data={"package_id": dataset["id"], "upload": (io.BytesIO(csv_bytes(BODY + 10)), "a.csv")})
    assert response.status_code == 413
    assert response.get_json()["error"] == {"__type": "Payload Too Large",
                                            "message": f"Request body is larger than {BODY} bytes"}


def test_an_upload_s_fields_share_one_memory_budget(client, sysadmin_token, dataset, small_limits):
    """Each field under Werkzeug's per-field limit, all of them over max_body_bytes: a 413 naming that budget."""
    fields = {"package_id": dataset["id"], **{f"extra{i}": "x" * (BODY // 4) for i in range(5)}}
    response = upload(client, sysadmin_token, "resource_create", fields, csv_bytes(100))
    assert response.status_code == 413
    assert response.get_json()["error"] == {"__type": "Payload Too Large",
                                            "message": f"The form fields are larger than {BODY} bytes in all"}


def test_small_files_past_the_budget_go_to_disk_and_are_stored(client, sysadmin_token, dataset, small_limits):
    fields = {"package_id": dataset["id"], "notes": "y" * (BODY // 2)}
    content = csv_bytes(BODY - 100)  # under the spool size: it would stay in memory, but the budget is passed
    response = upload(client, sysadmin_token, "resource_create", fields, content)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["result"]["hash"] == hashlib.sha256(content).hexdigest()


def test_an_upload_has_few_parts_and_the_413_says_so(client, sysadmin_token, dataset, small_limits):
    fields = {"package_id": dataset["id"], **{f"e{i}": "1" for i in range(UPLOAD_FORM_PARTS)}}
    response = upload(client, sysadmin_token, "resource_create", fields, csv_bytes(100))
    assert response.status_code == 413
    assert response.get_json()["error"] == {"__type": "Payload Too Large",
                                            "message": f"The form has more than {UPLOAD_FORM_PARTS} parts"}


def test_a_field_over_its_own_limit_is_a_413_naming_it(app, client, sysadmin_token, dataset, small_limits,
                                                       monkeypatch):
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 1000)
    response = upload(client, sysadmin_token, "resource_create", {"package_id": dataset["id"], "notes": "z" * 1001},
                      csv_bytes(100))
    assert response.status_code == 413
    assert response.get_json()["error"] == {"__type": "Payload Too Large",
                                            "message": "A form field is larger than 1000 bytes"}


def test_a_file_over_the_limit_within_the_allowance_is_refused_as_ckan_does(client, sysadmin_token, dataset,
                                                                           services, small_limits):
    before = stored_files(services)
    response = upload(client, sysadmin_token, "resource_create", {"package_id": dataset["id"]}, csv_bytes(FILE + 1))
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error", "upload": ["File upload too large"]}
    shown = client.get(f"/api/3/action/package_show?id={dataset['id']}",
                       headers={"Authorization": sysadmin_token}).get_json()["result"]
    assert shown["resources"] == []
    assert stored_files(services) == before


def stored_files(services: Any) -> set[Path]:
    """Every file under the storage path, staging and temporary files included."""
    return {path for path in Path(services.settings.storage_path).rglob("*") if path.is_file()}


def test_a_spooled_part_goes_to_the_given_folder_and_stops_at_its_cap(tmp_path):
    spool = CappedSpool(3 * SPOOL_BYTES, tmp_path)
    spool.write(b"a" * (2 * SPOOL_BYTES))
    assert spool._rolled  # on disk, not in memory
    assert os.readlink(f"/proc/self/fd/{spool.fileno()}").startswith(str(tmp_path))
    assert not spool.too_large
    spool.write(b"b" * (2 * SPOOL_BYTES))
    assert spool.too_large and spool.size == 4 * SPOOL_BYTES
    spool.seek(0, os.SEEK_END)
    assert spool.tell() == 0  # nothing of a refused file is kept
    spool.close()
    assert list(tmp_path.iterdir()) == []  # no name on disk, nothing left behind


# --- a real server: gunicorn's chunked bodies and early answers ---------------------------------------------------

@pytest.fixture(scope="module", params=SELECTED)
def small_server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    server = ServerProcess(request.param, workers=1, threads=4,
                           extra_env={"MOISSON_MAX_BODY_BYTES": str(BODY), "MOISSON_MAX_RESOURCE_BYTES": str(FILE),
                                      "MOISSON_REDIS_URL": ""}).start()
    try:
        yield server
    finally:
        server.stop()


def server_dataset(server: ServerProcess, name: str) -> dict[str, Any]:
    org = server.call("organization_create", {"name": f"org-{name}"}).json()["result"]
    return server.call("package_create", {"name": name, "owner_org": org["id"]}).json()["result"]


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def multipart(fields: dict[str, str], content: bytes, name: str) -> tuple[bytes, str]:
    boundary = "upl-boundary-7f3a"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="{name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_a_chunked_upload_without_content_length_is_stored(small_server):
    dataset = server_dataset(small_server, "chunked-ok")
    content = csv_bytes(FILE - 4096)
    body, content_type = multipart({"package_id": dataset["id"], "format": "bin"}, content, "gros.bin")
    response = requests.post(small_server.action_url("resource_create"), data=chunks(body), timeout=60,
                             headers={"Authorization": small_server.token, "Content-Type": content_type})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["size"] == len(content) and result["hash"] == hashlib.sha256(content).hexdigest()
    downloaded = requests.get(result["url"], timeout=30)
    assert hashlib.sha256(downloaded.content).hexdigest() == result["hash"]


def test_chunked_bodies_are_limited_too(small_server):
    big_json = json.dumps({"name": "chunked-json", "notes": "x" * (2 * BODY)}).encode()
    response = requests.post(small_server.action_url("package_create"), data=chunks(big_json), timeout=60,
                             headers={"Authorization": small_server.token, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["success"] is False
    dataset = server_dataset(small_server, "chunked-big")
    body, content_type = multipart({"package_id": dataset["id"]}, csv_bytes(FILE + 2 * BODY), "trop.bin")
    try:
        response = requests.post(small_server.action_url("resource_create"), data=chunks(body), timeout=60,
                                 headers={"Authorization": small_server.token, "Content-Type": content_type})
    except requests.ConnectionError:  # the server may stop reading once it has answered; nothing was stored
        pass
    else:
        assert response.status_code == 413, response.text
        assert response.json()["error"]["__type"] == "Payload Too Large"
    shown = small_server.call("package_show", {"id": dataset["id"]}, method="GET").json()["result"]
    assert shown["resources"] == []


def test_a_declared_length_over_the_limit_is_answered_before_the_body(small_server):
    dataset = server_dataset(small_server, "early-413")
    body, content_type = multipart({"package_id": dataset["id"]}, csv_bytes(FILE + 2 * BODY), "trop.bin")
    response = requests.post(small_server.action_url("resource_create"), data=body, timeout=60,
                             headers={"Authorization": small_server.token, "Content-Type": content_type})
    assert response.status_code == 413
    assert response.json()["error"]["message"] == f"Request body is larger than {FILE + BODY} bytes"
