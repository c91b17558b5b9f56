"""Downloads are served with a type Moisson derives from the stored file, never the client's `mimetype` string:
only inert types inline, everything else an application/octet-stream attachment, always nosniff (issue 11, #4)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from catalog.storage import guess_mimetype

SCRIPT = b"<html><body><script>document.title = 'pwned'</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CP1252_CSV = "Commune;Allocataires\nChâteau-Thierry;2104\n".encode("cp1252")
OCTET = "application/octet-stream"


def upload(client: Any, token: str, package_id: str, filename: str, declared: str, data: bytes) -> dict[str, Any]:
    """resource_create with a multipart file whose part carries the client's declared Content-Type."""
    response = client.post("/api/3/action/resource_create", headers={"Authorization": token},
                           content_type="multipart/form-data",
                           data={"package_id": package_id, "name": filename,
                                 "upload": (io.BytesIO(data), filename, declared)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["result"]


def download(client: Any, resource: dict[str, Any]) -> Any:
    response = client.get(resource["url"].replace("http://test.moisson.local", ""))
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response


def disposition(response: Any) -> str:
    return response.headers["Content-Disposition"].split(";", 1)[0]


@pytest.fixture
def dataset(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    return call("package_create", sysadmin, name="fichiers", owner_org=org["id"])


@pytest.mark.parametrize(("filename", "declared", "data", "content_type", "shown"), [
    # The client's string is ignored: no extension means no known type, whatever was declared.
    ("notes", "text/plain,text/html", SCRIPT, OCTET, "attachment"),
    ("page", "TEXT/HTML", SCRIPT, OCTET, "attachment"),
    ("page", "text/html;charset=utf-8", SCRIPT, OCTET, "attachment"),
    ("notes.txt", "text/plain,text/html", SCRIPT, "text/plain; charset=utf-8", "inline"),
    # Active types by extension are never inline, and never sent with their own type.
    ("x.html", "text/csv", SCRIPT, OCTET, "attachment"),
    ("logo.svg", "image/svg+xml", SVG, OCTET, "attachment"),
    ("app.js", "text/plain", b"alert(1)", OCTET, "attachment"),
    # HTML bytes in a .csv stay text/csv: inert under nosniff.
    ("data.csv", "text/html", SCRIPT, "text/csv; charset=utf-8", "inline"),
    ("rsa.csv", "text/csv", CP1252_CSV, "text/csv; charset=windows-1252", "inline"),
    ("chart.png", "image/png", PNG, "image/png", "inline"),
    ("fake.png", "image/png", SCRIPT, OCTET, "attachment"),
    ("report.pdf", "application/pdf", PDF, "application/pdf", "inline"),
    ("tableau.xlsx", "application/vnd.ms-excel", b"PK\x03\x04", OCTET, "attachment"),
])
def test_resource_create_upload_is_served_with_the_type_of_the_stored_file(
        client, sysadmin_token, dataset, filename, declared, data, content_type, shown):
    resource = upload(client, sysadmin_token, dataset["id"], filename, declared, data)
    response = download(client, resource)
    assert response.headers["Content-Type"] == content_type
    assert disposition(response) == shown
    assert response.data == data


@pytest.mark.parametrize("mimetype", ["text/html", "text/plain,text/html", "TEXT/HTML", "image/svg+xml"])
@pytest.mark.parametrize("action", ["resource_patch", "resource_update"])
def test_resource_mimetype_changed_later_is_metadata_only(client, call, sysadmin, sysadmin_token, dataset,
                                                           mimetype, action):
    resource = upload(client, sysadmin_token, dataset["id"], "notes.txt", "text/plain", SCRIPT)
    fields = {"url": resource["url"]} if action == "resource_update" else {}
    changed = call(action, sysadmin, id=resource["id"], mimetype=mimetype, **fields)
    assert changed["mimetype"] == mimetype  # kept as the client wrote it: metadata
    response = download(client, changed)
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert disposition(response) == "inline"


def test_inline_files_carry_a_policy_that_forbids_script(client, sysadmin_token, dataset):
    text = download(client, upload(client, sysadmin_token, dataset["id"], "notes.txt", "text/plain", SCRIPT))
    policy = text.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "frame-ancestors 'none'" in policy
    pdf = download(client, upload(client, sysadmin_token, dataset["id"], "report.pdf", "application/pdf", PDF))
    assert "script-src 'self'" in pdf.headers["Content-Security-Policy"]  # the site's (PDF viewers refuse sandbox)


@pytest.mark.parametrize(("filename", "declared", "recorded"), [
    ("rsa.csv", "text/html", "text/csv"),
    ("notes", "text/plain,text/html", None),
    ("notes", "TEXT/HTML", "text/html"),
    ("notes", "text/html;charset=utf-8", "text/html"),
    ("notes", "application/octet-stream", None),
    ("notes", "text/plain\r\nX-Injected: 1", None),
])
def test_guess_mimetype_records_one_well_formed_type(filename, declared, recorded):
    assert guess_mimetype(filename, declared) == recorded


def test_demo_files_follow_the_same_rule(client):
    from catalog.demo.views import content_types
    from catalog.storage.content_type import INLINE_TYPES

    for filename, (mimetype, full) in content_types().items():
        response = client.get(f"/demo-files/{filename}")
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Type"] == full
        assert mimetype in INLINE_TYPES and response.headers["Content-Disposition"].startswith("inline"), filename
        response.close()
