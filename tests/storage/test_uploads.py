"""Uploaded resource files: store_upload (size, hash, type, limit), the download URL and its privacy."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

from catalog.context import Actor
from catalog.dataset.models import Resource
from catalog.dataset.urls import upload_url
from catalog.errors import ValidationError
from catalog.registry import unit
from catalog.storage import munge_filename, store_upload

CSV = "Communes;NB_allocataires\nAmbérieu-en-Bugey;1200\n".encode()


def stored(services: Any, actor: Actor, package_id: str, resource_id: str, data: bytes, name: str) -> dict:
    """What resource_create does with a multipart upload; raising after store_upload rolls back."""
    with unit(services, actor, write=True) as ctx:
        session = ctx.session
        fields = store_upload(ctx, package_id, resource_id, FileStorage(io.BytesIO(data), name))
        row = session.get(Resource, resource_id)
        row.url, row.url_type, row.size, row.hash, row.mimetype = (
            fields["url"], fields["url_type"], fields["size"], fields["hash"], fields["mimetype"])
    return fields


@pytest.fixture
def dataset(call, sysadmin, org):
    return call("package_create", sysadmin, name="rsa", owner_org=org["id"])


@pytest.fixture
def private_dataset(call, sysadmin, org):
    return call("package_create", sysadmin, name="prive", owner_org=org["id"], private=True)


def new_resource(call, sysadmin, dataset) -> dict:
    return call("resource_create", sysadmin, package_id=dataset["id"], url="", name="RSA")


def test_store_upload_fills_url_size_hash_and_type(call, sysadmin, dataset, services):
    resource = new_resource(call, sysadmin, dataset)
    fields = stored(services, sysadmin, dataset["id"], resource["id"], CSV, "RSACom2014.csv")
    assert fields["url"] == "rsacom2014.csv" and fields["url_type"] == "upload"
    assert fields["size"] == len(CSV) and fields["hash"] == hashlib.sha256(CSV).hexdigest()
    assert fields["mimetype"] == "text/csv"
    assert services.storage.files.path(resource["id"]).read_bytes() == CSV
    shown = call("resource_show", sysadmin, id=resource["id"])
    expected = f"http://test.moisson.local/dataset/{dataset['id']}/resource/{resource['id']}/download/rsacom2014.csv"
    assert shown["url"] == expected == upload_url(services.settings, dataset["id"], resource["id"], "rsacom2014.csv")
    assert shown["size"] == len(CSV) and shown["url_type"] == "upload"


def test_file_too_large_is_refused_and_stores_nothing(call, sysadmin, dataset, services):
    resource = new_resource(call, sysadmin, dataset)
    small = dataclasses.replace(services.settings, max_resource_bytes=10)
    original = services.settings
    vars(services)["settings"] = small
    try:
        with pytest.raises(ValidationError) as error:
            stored(services, sysadmin, dataset["id"], resource["id"], CSV, "big.csv")
    finally:
        vars(services)["settings"] = original
    assert error.value.errors == {"upload": ["File upload too large"]}
    assert services.storage.files.path(resource["id"]) is None


def test_a_rolled_back_write_keeps_the_previous_file(call, sysadmin, dataset, services):
    resource = new_resource(call, sysadmin, dataset)
    stored(services, sysadmin, dataset["id"], resource["id"], CSV, "v1.csv")
    with pytest.raises(RuntimeError), unit(services, sysadmin, write=True) as ctx:
        store_upload(ctx, dataset["id"], resource["id"], FileStorage(io.BytesIO(b"new"), "v2.csv"))
        raise RuntimeError("the resource write failed")
    assert services.storage.files.path(resource["id"]).read_bytes() == CSV


def test_download_serves_the_file(client, call, sysadmin, dataset, services):
    resource = new_resource(call, sysadmin, dataset)
    stored(services, sysadmin, dataset["id"], resource["id"], CSV, "RSACom2014.csv")
    for path in (f"/dataset/{dataset['id']}/resource/{resource['id']}/download/rsacom2014.csv",
                 f"/dataset/{dataset['name']}/resource/{resource['id']}/download"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.data == CSV
        assert response.headers["Content-Type"].startswith("text/csv")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = new_resource(call, sysadmin, dataset)
    stored(services, sysadmin, dataset["id"], html["id"], b"<script>alert(1)</script>", "page.html")
    response = client.get(f"/dataset/{dataset['id']}/resource/{html['id']}/download/page.html")
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_download_of_private_dataset_needs_read_rights(client, call, sysadmin, private_dataset, services):
    """Without them, a 404 like an unknown file (CKAN's download view), so the dataset's existence stays hidden."""
    resource = new_resource(call, sysadmin, private_dataset)
    stored(services, sysadmin, private_dataset["id"], resource["id"], CSV, "x.csv")
    path = f"/dataset/{private_dataset['id']}/resource/{resource['id']}/download/x.csv"
    assert client.get(path).status_code == 404
    token = call("api_token_create", sysadmin, user="admin", name="t")["token"]
    assert client.get(path, headers={"Authorization": token}).status_code == 200


def test_download_not_found_cases_and_url_redirect(client, call, sysadmin, dataset, org, services):
    other = call("package_create", sysadmin, name="autre", owner_org=org["id"])
    resource = new_resource(call, sysadmin, dataset)
    stored(services, sysadmin, dataset["id"], resource["id"], CSV, "x.csv")
    assert client.get(f"/dataset/{other['id']}/resource/{resource['id']}/download/x.csv").status_code == 404
    assert client.get(f"/dataset/{dataset['id']}/resource/nope/download/x.csv").status_code == 404
    remote = call("resource_create", sysadmin, package_id=dataset["id"], url="https://data.caf.fr/RSA.csv")
    response = client.get(f"/dataset/{dataset['id']}/resource/{remote['id']}/download")
    assert response.status_code == 302 and response.headers["Location"] == "https://data.caf.fr/RSA.csv"
    assert call("resource_show", sysadmin, id=remote["id"])["url"] == "https://data.caf.fr/RSA.csv"


@pytest.mark.parametrize(("name", "expected"), [
    ("RSACom2014.csv", "rsacom2014.csv"),
    ("C:\\Users\\me\\Données été.CSV", "donnees-ete.csv"),
    ("../../etc/passwd", "passwd"),
    ("a.csv", "a.csv"),
    ("", "___"),
])
def test_munge_filename_like_ckan(name, expected):
    assert munge_filename(name) == expected
