"""Concurrent read-modify-writes of one dataset against a real multi-process server (gunicorn, 2 workers x
4 threads), on SQLite and PostgreSQL: clients patching different fields at once must not undo each other.

Each client sends its writes one after another; the clients run at the same time. Every write acknowledged
with a 200 must survive: at the end each field holds its client's last value, and the activity stream, read
in commit order, never shows a field going back to an older value."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.servers import ServerProcess

pytestmark = pytest.mark.slow

WRITES_PER_CLIENT = 20
PACKAGE_FIELDS = ("title", "notes", "version", "author")
RESOURCE_FIELDS = ("name", "description", "mimetype", "coverage")

Payload = Callable[[str, int], dict[str, Any]]


def result_of(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["result"]


def value(field: str, index: int) -> str:
    return f"{field}-{index:03d}"


def index_of(text: str) -> int:
    return int(text.rsplit("-", 1)[1])


def new_dataset(server: ServerProcess) -> dict[str, Any]:
    org = result_of(server.call("organization_create", {"name": f"org-{uuid.uuid4().hex[:10]}"}))
    return result_of(server.call("package_create", {
        "name": f"ds-{uuid.uuid4().hex[:10]}", "owner_org": org["id"], "title": "Allocataires",
        "resources": [{"url": "http://example.org/a.csv", "name": "a.csv"}],
    }))


def write_concurrently(server: ServerProcess, action: str, fields: tuple[str, ...], payload: Payload) -> None:
    """One client per field, all at once; each sends WRITES_PER_CLIENT writes of increasing values."""

    def client(field: str) -> list[requests.Response]:
        with requests.Session() as http:
            http.headers["Authorization"] = server.token
            return [http.post(server.action_url(action), json=payload(field, i), timeout=60)
                    for i in range(WRITES_PER_CLIENT)]

    with ThreadPoolExecutor(max_workers=len(fields)) as pool:
        responses = [r for batch in pool.map(client, fields) for r in batch]
    failures = [(r.status_code, r.text[:300]) for r in responses if r.status_code != 200]
    assert failures == []


def activities_in_commit_order(server: ServerProcess, package_id: str) -> list[dict[str, Any]]:
    newest_first = result_of(server.call("package_activity_list", {"id": package_id, "limit": 100}))
    return list(reversed(newest_first))


def assert_stream_never_goes_back(activities: list[dict[str, Any]], current: Callable[[dict[str, Any]], dict],
                                  fields: tuple[str, ...]) -> None:
    """Along the activity stream, each write starts from the one before: no field returns to an older value,
    and timestamps and metadata_modified grow with the commit order."""
    seen = {field: -1 for field in fields}
    for before, after in zip(activities, activities[1:], strict=False):
        assert before["timestamp"] < after["timestamp"]
        assert before["data"]["package"]["metadata_modified"] < after["data"]["package"]["metadata_modified"]
    for activity in activities[1:]:
        state = current(activity["data"]["package"])
        for field in fields:
            index = index_of(state[field]) if str(state.get(field, "")).startswith(f"{field}-") else -1
            assert index >= seen[field], f"{field} went back from {seen[field]} to {index}"
            seen[field] = index


PACKAGE_WRITES: dict[str, Callable[[str, str, int], dict[str, Any]]] = {
    "package_patch": lambda package_id, field, i: {"id": package_id, field: value(field, i)},
    "package_revise": lambda package_id, field, i: {"match": {"id": package_id}, "update": {field: value(field, i)}},
}


@pytest.mark.parametrize("action", PACKAGE_WRITES)
def test_concurrent_package_writes_keep_every_field(live_server, action):
    dataset = new_dataset(live_server)
    write_concurrently(live_server, action, PACKAGE_FIELDS,
                       lambda field, i: PACKAGE_WRITES[action](dataset["id"], field, i))
    final = result_of(live_server.call("package_show", {"id": dataset["id"]}))
    assert {f: final[f] for f in PACKAGE_FIELDS} == {f: value(f, WRITES_PER_CLIENT - 1) for f in PACKAGE_FIELDS}
    activities = activities_in_commit_order(live_server, dataset["id"])
    assert len(activities) == 1 + len(PACKAGE_FIELDS) * WRITES_PER_CLIENT
    assert_stream_never_goes_back(activities, lambda package: package, PACKAGE_FIELDS)


def test_concurrent_resource_patch_keeps_every_field(live_server):
    dataset = new_dataset(live_server)
    resource_id = dataset["resources"][0]["id"]
    write_concurrently(live_server, "resource_patch", RESOURCE_FIELDS,
                       lambda field, i: {"id": resource_id, field: value(field, i)})
    final = result_of(live_server.call("resource_show", {"id": resource_id}))
    assert {f: final[f] for f in RESOURCE_FIELDS} == {f: value(f, WRITES_PER_CLIENT - 1) for f in RESOURCE_FIELDS}
    activities = activities_in_commit_order(live_server, dataset["id"])
    assert len(activities) == 1 + len(RESOURCE_FIELDS) * WRITES_PER_CLIENT
    assert_stream_never_goes_back(activities, lambda package: package["resources"][0], RESOURCE_FIELDS)


def test_concurrent_resource_create_keeps_every_resource(live_server):
    dataset = new_dataset(live_server)
    clients = ("a", "b", "c")
    write_concurrently(live_server, "resource_create", clients, lambda client, i: {
        "package_id": dataset["id"], "url": f"http://example.org/{client}/{i}.csv", "name": value(client, i)})
    final = result_of(live_server.call("package_show", {"id": dataset["id"]}))
    names = sorted(r["name"] for r in final["resources"])
    assert names == sorted(["a.csv", *(value(c, i) for c in clients for i in range(WRITES_PER_CLIENT))])
