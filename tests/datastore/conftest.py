"""DataStore fixtures: a dataset with resources, uploads the way resource_create stores them, a local
HTTP server for URL resources, and DataStore tables dropped after each test (they are outside Base)."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

from catalog.context import Actor
from catalog.dataset.models import Resource
from catalog.datastore.jobs import schedule_load
from catalog.registry import unit
from catalog.storage import store_upload


@pytest.fixture(autouse=True)
def _drop_datastore_tables(services: Any) -> Iterator[None]:
    yield
    backend = services.datastore.backend
    for name in backend.table_names():
        backend.drop_table(name)


@pytest.fixture
def dataset(call: Any, sysadmin: Actor, org: dict[str, Any]) -> dict[str, Any]:
    return call("package_create", sysadmin, name="rsa-par-commune", title="RSA par commune", owner_org=org["id"])


@pytest.fixture
def private_dataset(call: Any, sysadmin: Actor, org: dict[str, Any]) -> dict[str, Any]:
    return call("package_create", sysadmin, name="donnees-privees", owner_org=org["id"], private=True)


@pytest.fixture
def resource(call: Any, sysadmin: Actor, dataset: dict[str, Any]) -> dict[str, Any]:
    """A DataStore-only resource (url_type "datastore") made by datastore_create."""
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"], "name": "table"},
                   fields=[{"id": "commune", "type": "text"}, {"id": "code", "type": "text"},
                           {"id": "allocataires", "type": "int"}, {"id": "taux", "type": "numeric"}],
                   records=COMMUNES)
    return call("resource_show", sysadmin, id=created["resource_id"])


COMMUNES = [
    {"commune": "Ambérieu-en-Bugey", "code": "01004", "allocataires": 1200, "taux": 41.7},
    {"commune": "Ajaccio", "code": "2A004", "allocataires": 5400, "taux": 38.2},
    {"commune": "Bastia", "code": "2B033", "allocataires": 3100, "taux": 40.0},
    {"commune": "Paris", "code": "75056", "allocataires": 210000, "taux": 35.5},
    {"commune": "Paris 15e", "code": "75115", "allocataires": None, "taux": 30.1},
    {"commune": "Lyon", "code": "69123", "allocataires": 45000, "taux": 39.9},
]


def upload(services: Any, actor: Actor, resource_id: str, path: Path, filename: str | None = None) -> dict:
    """What resource_create/update do with a multipart `upload`: store_upload, save, schedule_load."""
    with unit(services, actor, write=True) as ctx:
        session = ctx.session
        row = session.get(Resource, resource_id)
        with path.open("rb") as handle:
            fields = store_upload(ctx, row.package_id, resource_id, FileStorage(handle, filename or path.name))
        row.url, row.url_type, row.size, row.hash = fields["url"], "upload", fields["size"], fields["hash"]
        row.mimetype = fields["mimetype"]
        scheduled = schedule_load(ctx, resource_id)
    return {**fields, "scheduled": scheduled}


def wait_for_load(call: Any, actor: Actor, resource_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = call("datastore_load_status", actor, resource_id=resource_id)
        if status["status"] in ("complete", "error", "text"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"load of {resource_id} did not finish: {status}")


@pytest.fixture
def file_resource(call: Any, sysadmin: Actor, dataset: dict[str, Any]) -> Any:
    """make(path) -> a CSV resource whose uploaded file is `path`, loaded; returns (resource id, status)."""

    def make(path: Path, fmt: str = "CSV") -> tuple[str, dict[str, Any]]:
        created = call("resource_create", sysadmin, package_id=dataset["id"], url="", name=path.name, format=fmt)
        upload(call.services, sysadmin, created["id"], path)
        return created["id"], wait_for_load(call, sysadmin, created["id"])

    return make


@pytest.fixture
def http_files(tmp_path: Path, outbound_allow_loopback: None) -> Iterator[tuple[str, Path]]:
    """(base URL, folder): a real HTTP server on 127.0.0.1 serving a temporary folder, which loads may reach
    (MOISSON_OUTBOUND_ALLOW=127.0.0.0/8)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return
