"""The database terminating the server's connections (pg_terminate_backend) during a burst of writes and reads,
against a real `moisson serve` on PostgreSQL (2 workers x 4 threads).

A read may be retried on a fresh connection; a write cut off mid-way is not retried but answers a clean 503 CKAN
envelope. Never a 500, and a write that answered 503 happened whole or not at all."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
import requests

from tests.conftest import PG_SERVER_URL, SELECTED
from tests.servers import ServerProcess

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif("postgresql" not in SELECTED, reason="pg_terminate_backend is PostgreSQL's")]

WRITERS = 4
CREATES_PER_WRITER = 25
READERS = 2
RESOURCES = 8
MAX_TERMINATION_ROUNDS = 400


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess("postgresql", workers=2, threads=4) as running:
        yield running


def terminate_server_connections(database_url: str) -> int:
    """As superuser: end every backend connected to the server's database (not this one)."""
    with psycopg.connect(PG_SERVER_URL, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()", (database_url.rsplit("/", 1)[1],)).fetchone()
    return int(row[0]) if row else 0


def dataset_body(org_id: str, name: str) -> dict[str, Any]:
    return {
        "name": name, "owner_org": org_id, "title": f"Titre {name}", "notes": "Nombre d'allocataires.",
        "tags": [{"name": "rsa"}, {"name": "caf"}, {"name": "commune"}],
        "extras": [{"key": f"k{i}", "value": f"v{i}"} for i in range(4)],
        "resources": [{"url": f"http://example.org/{name}/{i}.csv", "name": f"r{i}"} for i in range(RESOURCES)],
    }


def assert_whole(dataset: dict[str, Any], sent: dict[str, Any]) -> None:
    assert dataset["title"] == sent["title"]
    assert sorted(t["name"] for t in dataset["tags"]) == sorted(t["name"] for t in sent["tags"])
    assert {e["key"]: e["value"] for e in dataset["extras"]} == {e["key"]: e["value"] for e in sent["extras"]}
    assert [r["url"] for r in dataset["resources"]] == [r["url"] for r in sent["resources"]]


def test_terminated_connections_give_503_envelopes_never_500s(server):
    org = server.call("organization_create", {"name": f"org-{uuid.uuid4().hex[:8]}"}).json()["result"]
    shown = server.call("package_create", dataset_body(org["id"], f"shown-{uuid.uuid4().hex[:8]}")).json()["result"]
    writing = threading.Event()
    writing.set()
    outcomes: list[tuple[str, requests.Response, dict[str, Any] | None]] = []
    lock = threading.Lock()

    def record(kind: str, response: requests.Response, sent: dict[str, Any] | None = None) -> None:
        with lock:
            outcomes.append((kind, response, sent))

    def writer(index: int) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = server.token
            for i in range(CREATES_PER_WRITER):
                sent = dataset_body(org["id"], f"w{index}-{i}-{uuid.uuid4().hex[:6]}")
                record("create", http.post(server.action_url("package_create"), json=sent, timeout=60), sent)
                patch = {"id": shown["id"], "notes": f"w{index}-{i}"}
                record("patch", http.post(server.action_url("package_patch"), json=patch, timeout=60))

    def reader(_index: int) -> None:
        with requests.Session() as http:
            while writing.is_set():
                record("show", http.get(server.action_url("package_show"), params={"id": shown["id"]}, timeout=60))
                record("search", http.get(server.action_url("package_search"), params={"q": "allocataires"},
                                          timeout=60))

    terminated = 0
    with ThreadPoolExecutor(max_workers=WRITERS + READERS) as pool:
        writers = [pool.submit(writer, i) for i in range(WRITERS)]
        readers = [pool.submit(reader, i) for i in range(READERS)]
        for _round in range(MAX_TERMINATION_ROUNDS):
            if all(w.done() for w in writers):
                break
            terminated += terminate_server_connections(server.database_url)
            time.sleep(0.25)  # pacing, so that requests run between terminations (not an assertion)
        for future in writers:
            future.result()
        writing.clear()
        for future in readers:
            future.result()

    assert terminated > 0
    for kind, response, _sent in outcomes:
        assert response.status_code in (200, 503), (kind, response.status_code, response.text[:300])
        if response.status_code == 503:
            body = response.json()
            assert body["success"] is False and set(body) == {"help", "success", "error"}
            assert body["error"]["__type"] == "Service Unavailable"
            assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    for kind, response, sent in outcomes:
        if kind != "create":
            continue
        assert sent is not None
        found = server.call("package_show", {"id": sent["name"]})
        if response.status_code == 200:
            assert_whole(found.json()["result"], sent)
        elif found.status_code == 200:  # the commit went through before the connection was cut
            assert_whole(found.json()["result"], sent)
        else:
            assert found.status_code == 404
    tally = Counter(f"{kind} {response.status_code}" for kind, response, _sent in outcomes)
    print(f"{terminated} backends terminated; {dict(sorted(tally.items()))}")
