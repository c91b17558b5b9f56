"""The API over real HTTP against `moisson serve` (gunicorn, 2 workers x 4 threads), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.conftest import SELECTED
from tests.servers import ServerProcess

pytestmark = pytest.mark.slow


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def result_of(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    return body["result"]


@pytest.fixture(scope="module")
def organization(live_server: ServerProcess) -> dict[str, Any]:
    return result_of(live_server.call("organization_create", {"name": unique("org"), "title": "Organisation"}))


def new_dataset(server: ServerProcess, org_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": unique("ds"), "title": "Allocataires du RSA", "owner_org": org_id, "license_id": "lov2",
        "notes": "Nombre d'allocataires.", "tags": [{"name": "rsa"}, {"name": "commune"}],
        "extras": [{"key": "frequency", "value": "annual"}],
        "resources": [{"url": "http://example.org/a.csv", "name": "a.csv"},
                      {"url": "http://example.org/b.txt", "name": "b"}],
        **extra,
    }
    return result_of(server.call("package_create", body))


# -- transport ------------------------------------------------------------------------------------------------

def test_version_and_success_envelope(live_server):
    assert requests.get(f"{live_server.url}/api/3", timeout=10).json() == {"version": 3}
    for path in ("/api/3/action/site_read", "/api/action/site_read"):
        response = requests.get(live_server.url + path, timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json;charset=utf-8"
        assert response.json() == {"help": f"{live_server.url}/api/3/action/help_show?name=site_read",
                                   "success": True, "result": True}


def test_error_statuses_and_envelopes(live_server):
    missing = live_server.call("package_show", {"id": "no-such-dataset"}, method="GET")
    assert missing.status_code == 404
    assert missing.json()["error"]["__type"] == "Not Found Error" and missing.json()["success"] is False
    unknown = live_server.call("no_such_action")
    assert (unknown.status_code, unknown.json()) == (400, "Bad request - Action name not known: no_such_action")
    get_write = requests.get(live_server.action_url("package_create"), timeout=10)
    assert get_write.status_code == 400  # CKAN answers a bare string here, not an envelope
    assert get_write.json() == "Bad request - JSON Error: Invalid request. Please use POST method for your request"
    invalid = live_server.call("package_create", {"name": "A"})
    assert invalid.status_code == 409
    assert invalid.json()["error"]["__type"] == "Validation Error"
    assert "name" in invalid.json()["error"] and "owner_org" in invalid.json()["error"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"a string"', b"null"])
def test_malformed_json_is_a_400(live_server, raw):
    response = requests.post(live_server.action_url("package_create"), data=raw, timeout=10,
                             headers={"Authorization": live_server.token, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json().startswith("Bad request - JSON Error")  # a bare string, as CKAN


def test_non_utf8_body_is_a_400(live_server):
    response = requests.post(live_server.action_url("package_create"), data=b'{"name": "caf\xe9\xff"}',
                             headers={"Authorization": live_server.token, "Content-Type": "application/json"},
                             timeout=10)
    assert response.status_code == 400
    assert response.json().startswith("Bad request - JSON Error")


def test_non_utf8_form_is_never_a_500(live_server, organization):
    name = unique("latin")
    response = requests.post(live_server.action_url("package_create"),
                             data=f"name={name}&owner_org={organization['id']}&title=caf".encode() + b"\xe9",
                             headers={"Authorization": live_server.token,
                                      "Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert response.status_code < 500, response.text
    body = response.json()
    assert body["success"] is True if response.status_code == 200 else (isinstance(body, str) or not body["success"])


def test_huge_body_is_a_413(live_server):
    padding = "x" * (11 * 1024 * 1024)  # the default limit is 10 MiB
    body = json.dumps({"name": "huge", "notes": padding}).encode()
    try:
        response = requests.post(live_server.action_url("package_create"), data=body, timeout=60,
                                 headers={"Authorization": live_server.token, "Content-Type": "application/json"})
    except requests.ConnectionError as error:  # pragma: no cover - a server closing early must still answer first
        pytest.fail(f"the server dropped the connection instead of answering 413: {error}")
    assert response.status_code == 413
    assert response.json()["success"] is False
    assert live_server.call("package_show", {"id": "huge"}, method="GET").status_code == 404


def test_sql_looking_strings_are_plain_data(live_server, organization):
    for value in ("' OR 1=1 --", "x'; DROP TABLE package; --", "%", "_"):
        response = live_server.call("package_show", {"id": value}, method="GET")
        assert response.status_code == 404, response.text
    name = unique("sql")
    created = result_of(live_server.call("package_create", {
        "name": name, "owner_org": organization["id"], "title": "'; DROP TABLE package; --",
        "tags": [{"name": "or 1 -- drop"}]}))
    assert created["title"] == "'; DROP TABLE package; --"
    assert result_of(live_server.call("package_show", {"id": name}, method="GET"))["title"] == created["title"]


def test_nul_characters_are_refused_on_every_database(live_server, organization):
    # PostgreSQL text cannot hold U+0000; both databases must answer the same 409 rather than a 500.
    shown = live_server.call("package_show", {"id": "abc\x00def"}, method="GET")
    assert shown.status_code == 409, shown.text
    name = unique("nul")
    created = live_server.call("package_create", {"name": name, "owner_org": organization["id"],
                                                  "title": "a\x00b", "extras": [{"key": "k\x00", "value": "v"}]})
    assert created.status_code == 409, created.text
    assert set(created.json()["error"]) == {"__type", "title", "extras"}
    assert live_server.call("package_show", {"id": name}).status_code == 404


# -- authentication -------------------------------------------------------------------------------------------

def test_token_in_authorization_and_x_ckan_api_key(live_server, organization):
    private = new_dataset(live_server, organization["id"], private=True)
    url = live_server.action_url("package_show")
    for header in ("Authorization", "X-CKAN-API-Key"):
        response = requests.get(url, params={"id": private["id"]}, headers={header: live_server.token}, timeout=10)
        assert response.status_code == 200, (header, response.text)
        assert response.json()["result"]["id"] == private["id"]
    anonymous = requests.get(url, params={"id": private["id"]}, timeout=10)
    assert anonymous.status_code == 403


def test_unknown_token_acts_as_anonymous(live_server, organization):
    private = new_dataset(live_server, organization["id"], private=True)
    bogus = "moisson_" + uuid.uuid4().hex
    shown = live_server.call("package_show", {"id": private["id"]}, token=bogus, method="GET")
    assert shown.status_code == 403
    public = new_dataset(live_server, organization["id"])
    assert result_of(live_server.call("package_show", {"id": public["id"]}, token=bogus))["id"] == public["id"]
    created = live_server.call("package_create", {"name": unique("anon"), "owner_org": organization["id"]},
                               token=bogus)
    assert created.status_code == 403
    assert created.json()["error"]["__type"] == "Authorization Error"


def test_token_made_by_the_cli_authenticates_a_new_user(live_server, organization):
    name = unique("cli-user")
    live_server.cli("user", "add", name, "--email", f"{name}@example.org", "--password", "correct-horse")
    token = live_server.create_token(name, "label")
    me = result_of(live_server.call("user_show", {"id": name}, token=token))
    assert me["name"] == name and me["sysadmin"] is False
    # Not a sysadmin: may not create an organization (MOISSON_USER_CREATE_ORGANIZATIONS is off by default),
    # may write in one whose editor it is, and nowhere else.
    refused = live_server.call("organization_create", {"name": unique("by-user")}, token=token)
    assert refused.status_code == 403 and refused.json()["error"]["__type"] == "Authorization Error"
    own = result_of(live_server.call("organization_create", {"name": unique("for-user")}))
    result_of(live_server.call("organization_member_create", {"id": own["id"], "username": name, "role": "editor"}))
    assert result_of(live_server.call("package_create", {"name": unique("own"), "owner_org": own["id"]},
                                      token=token))["owner_org"] == own["id"]
    refused = live_server.call("package_create", {"name": unique("theirs"), "owner_org": organization["id"]},
                               token=token)
    assert refused.status_code == 403, refused.text


# -- integrity ------------------------------------------------------------------------------------------------

def test_rejected_update_leaves_the_database_unchanged(live_server, organization):
    dataset = new_dataset(live_server, organization["id"])
    before = result_of(live_server.call("package_show", {"id": dataset["id"]}))
    activities_before = result_of(live_server.call("package_activity_list", {"id": dataset["id"]}))
    rejected_bodies = [
        # A valid title change next to an invalid extra: the whole write must be refused.
        {**before, "title": "changed", "extras": [{"key": "id", "value": "collides with a core field"}]},
        # Valid new resources next to a bad tag.
        {**before, "resources": [{"url": "http://example.org/new.csv"}], "tags": [{"name": "x" * 200}]},
        # A rename to an invalid name.
        {**before, "name": "Not A Valid Name!"},
    ]
    for body in rejected_bodies:
        response = live_server.call("package_update", body)
        assert response.status_code == 409, response.text
    assert result_of(live_server.call("package_show", {"id": dataset["id"]})) == before
    assert result_of(live_server.call("package_activity_list", {"id": dataset["id"]})) == activities_before


def test_concurrent_updates_of_one_dataset_never_corrupt_it(live_server, organization):
    dataset = new_dataset(live_server, organization["id"])
    rounds = 6

    def writer(thread: int) -> list[tuple[int, dict[str, Any], dict[str, Any] | None]]:
        outcomes = []
        for round_ in range(rounds):
            mark = f"t{thread}r{round_}"
            body = {
                "id": dataset["id"], "name": dataset["name"], "owner_org": organization["id"],
                "title": f"title {mark}", "notes": f"notes {mark}",
                "tags": [{"name": f"tag-{mark}-{i}"} for i in range(3)],
                "extras": [{"key": "mark", "value": mark}],
                "resources": [{"url": f"http://example.org/{mark}/{i}.csv", "name": f"{mark}-{i}"} for i in range(3)],
            }
            response = live_server.call("package_update", body)
            result = response.json().get("result") if response.status_code == 200 else None
            outcomes.append((response.status_code, body, result))
        return outcomes

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = [item for chunk in pool.map(writer, range(8)) for item in chunk]

    statuses = [status for status, _, _ in outcomes]
    assert all(status < 500 for status in statuses), (statuses, live_server.log_text()[-3000:])
    successes = [(body, result) for status, body, result in outcomes if status == 200]
    assert len(successes) >= len(outcomes) // 2, statuses  # conflicts may be refused, not all of them
    for body, result in successes:
        assert_written_as_one(result, body["extras"][0]["value"])
    final = result_of(live_server.call("package_show", {"id": dataset["id"]}))
    final_mark = final["extras"][0]["value"]
    assert final_mark in {body["extras"][0]["value"] for body, _ in successes}
    assert_written_as_one(final, final_mark)
    resource_ids = [r["id"] for r in final["resources"]]
    for resource_id in resource_ids:
        assert result_of(live_server.call("resource_show", {"id": resource_id}))["package_id"] == dataset["id"]


def assert_written_as_one(package: dict[str, Any], mark: str) -> None:
    """Every field of the dict comes from the one write tagged `mark`: no interleaving, no duplicates."""
    assert package["title"] == f"title {mark}" and package["notes"] == f"notes {mark}"
    assert package["extras"] == [{"key": "mark", "value": mark}]
    assert sorted(t["name"] for t in package["tags"]) == [f"tag-{mark}-{i}" for i in range(3)]
    assert package["num_tags"] == 3
    assert [(r["url"], r["position"]) for r in package["resources"]] == [
        (f"http://example.org/{mark}/{i}.csv", i) for i in range(3)]
    assert package["num_resources"] == 3


# -- schema refusal -------------------------------------------------------------------------------------------

@pytest.mark.skipif("postgresql" not in SELECTED, reason="PostgreSQL not selected")
def test_serve_refuses_an_out_of_date_postgresql_schema():
    server = ServerProcess("postgresql", upgrade=False, create_admin=False)
    try:
        process = server.launch()
        try:
            returncode = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("moisson serve started on an empty PostgreSQL database instead of refusing")
        log = server.log_text()
        assert returncode != 0, log
        assert "moisson db upgrade" in log, log
        assert "Traceback" not in log, log
    finally:
        server.stop()


def test_a_fresh_server_answers_concurrent_first_requests():
    # Each worker's first requests race to import the action modules: none may see a half-filled registry.
    with ServerProcess(SELECTED[0], workers=2, threads=8, create_admin=False) as server:
        def first(_: int) -> int:
            return requests.get(server.action_url("package_list"), timeout=60).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(first, range(64)))
    assert statuses == [200] * 64, statuses
