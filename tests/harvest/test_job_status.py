"""A job whose gathering failed says so, everywhere, in one human sentence with the technical detail behind it:
harvest_job_show (API), harvest_job_list, the CLI (exit status 1), and nothing local is withdrawn. Against a
real HTTP server (tests/harvest/remote.py) answering 500, garbage, or a port nobody listens on."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from click.testing import CliRunner

from catalog.cli import main
from tests.harvest.conftest import FAST_HTTP
from tests.harvest.remote import FakeCkan, Reply
from tests.harvest.test_faults import SEARCH, active_count


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_job(client: Any, token: str, job_id: str) -> dict[str, Any]:
    response = client.post("/api/3/action/harvest_job_show", json={"id": job_id}, headers={"Authorization": token})
    assert response.status_code == 200
    return response.get_json()["result"]


def test_http_500_on_page_3_is_a_failed_gather_in_one_sentence(
    filled_ckan: FakeCkan, remote: Any, make_source: Any, run: Any, services: Any, client: Any,
    sysadmin_token: str, call: Any, sysadmin: Any,
) -> None:
    source = make_source(filled_ckan.url, rows=10)
    assert run(source)["stats"]["added"] == 30
    normal = remote.routes[SEARCH]
    remote.routes[SEARCH] = lambda q: Reply(500, b"<h1>Oops</h1>", "text/html") if q.get("start") == ["20"] \
        else normal(q)
    for number in range(5):  # really gone upstream, but an interrupted listing cannot prove it
        filled_ckan.remove(f"00000000-0000-4000-8000-{number:012d}")
    job = run(source, force_all=True)
    assert job["status"] == "finished"  # ckanext-harvest's status for a job whose gather stage failed
    assert job["gather_failed"] is True
    assert job["error"] == "The source answered HTTP 500 on page 3."
    [error] = job["gather_errors"]
    assert error["message"] == job["error"]
    assert error["code"] == "http_status" and error["status"] == 500 and error["page"] == 3
    assert "HTTP 500" in error["detail"] and "start=20" in error["detail"]
    assert job["stats"]["deleted"] == 0 and active_count(services) == 30
    # The informational line (why nothing was withdrawn) is not an error.
    assert job["info"] == [job["message"]] and "nothing was deleted" in job["message"]
    shown = api_job(client, sysadmin_token, job["id"])
    assert shown["gather_failed"] and shown["error"] == job["error"] and shown["gather_errors"][0]["detail"]
    listed = call("harvest_job_list", sysadmin, source_id=source["id"])
    assert [j["gather_failed"] for j in listed] == [True, False]
    log = call("harvest_log_list", sysadmin, source_id=source["id"], level="ERROR")
    assert log[0]["content"].startswith("Gather error: The source answered HTTP 500 on page 3. (HTTP 500: ")


@pytest.mark.parametrize(("reply", "code", "sentence"), [
    (Reply(200, b"\x00\xff garbage, not JSON", "text/plain"), "unreadable",
     "The source's answer on page 2 could not be read."),
    (Reply(200, b'{"success": false, "error": {"message": "boom"}}'), "remote_error",
     "The source's API reported an error on page 2."),
])
def test_an_unreadable_answer_is_a_failed_gather(reply: Reply, code: str, sentence: str, filled_ckan: FakeCkan,
                                                 remote: Any, make_source: Any, run: Any) -> None:
    normal = remote.routes[SEARCH]  # (a first page that fails sends a CKAN source to package_list instead)
    remote.routes[SEARCH] = lambda q: reply if q.get("start") == ["10"] else normal(q)
    job = run(make_source(filled_ckan.url, rows=10))
    assert job["gather_failed"] and job["error"] == sentence
    assert job["gather_errors"][0]["code"] == code and remote.url(SEARCH) in job["gather_errors"][0]["detail"]


def test_connection_refused_is_a_failed_gather(make_source: Any, run: Any) -> None:
    job = run(make_source(f"http://127.0.0.1:{closed_port()}/"))
    assert job["status"] == "finished" and job["gather_failed"]
    assert job["error"] == "The source could not be reached on page 1."
    assert "Request failed after retries" in job["gather_errors"][0]["detail"]


def test_the_deletion_guard_note_is_information_not_an_error(filled_ckan: FakeCkan, make_source: Any, run: Any,
                                                              services: Any) -> None:
    source = make_source(filled_ckan.url, rows=10)
    assert run(source)["error"] is None
    for number in range(20):
        filled_ckan.remove(f"00000000-0000-4000-8000-{number:012d}")
    job = run(source, force_all=True)
    assert job["gather_errors"] == [] and job["gather_failed"] is False and job["error"] is None
    assert len(job["info"]) == 1 and "deletion guard" in job["info"][0]
    assert active_count(services) == 30


def test_gather_errors_saved_as_bare_strings_still_read(call: Any, sysadmin: Any, make_source: Any,
                                                        services: Any) -> None:
    from harvest.models import HarvestJob

    source = make_source("http://example.org/")
    with services.db.unit_of_work(write=True) as session:
        session.add(HarvestJob(id="00000000-0000-4000-8000-00000000abcd", source_id=source["id"], status="finished",
                               stats={}, gather_errors=["HTTP 502: http://example.org/api"]))
    job = call("harvest_job_show", sysadmin, id="00000000-0000-4000-8000-00000000abcd")
    assert job["gather_failed"] and job["error"] == "HTTP 502: http://example.org/api"
    assert job["gather_errors"][0] == {"code": None, "detail": None, "message": "HTTP 502: http://example.org/api"}


def test_dry_run_describes_the_failure(make_source: Any, services: Any) -> None:
    from harvest.dry_run import dry_run

    report = dry_run(services, make_source(f"http://127.0.0.1:{closed_port()}/")["id"])
    assert report["gather_errors"][0]["message"] == "The source could not be reached on page 1."
    assert report["complete"] is False and report["would_withdraw"] == []


def test_dry_run_lists_what_a_run_would_withdraw(filled_ckan: FakeCkan, make_source: Any, run: Any,
                                                 services: Any) -> None:
    from harvest.dry_run import dry_run

    source = make_source(filled_ckan.url, rows=10)
    run(source)
    filled_ckan.remove("00000000-0000-4000-8000-000000000007")
    report = dry_run(services, source["id"], limit=100)
    assert report["complete"] and report["stats"]["unchanged"] == 29
    assert [d["guid"] for d in report["would_withdraw"]] == ["00000000-0000-4000-8000-000000000007"]
    short = dry_run(services, source["id"], limit=5)
    assert not short["complete"] and short["would_withdraw"] == []  # a partial read proves nothing
    assert active_count(services) == 30


@pytest.fixture
def cli(services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MOISSON_DATABASE_URL", services.settings.database_url)
    monkeypatch.delenv("MOISSON_REDIS_URL", raising=False)
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_run_exits_non_zero_when_gathering_failed(cli: Any, filled_ckan: FakeCkan, org: dict[str, Any]) -> None:
    config = json.dumps({"rows": 10, "http": FAST_HTTP})
    dead = f"http://127.0.0.1:{closed_port()}/"
    assert cli("harvest", "source", "add", "mort", dead, "--org", org["name"], "--config", config).exit_code == 0
    assert cli("harvest", "source", "add", "vivant", filled_ckan.url, "--org", org["name"],
               "--config", config).exit_code == 0
    failed = cli("harvest", "run", "mort")
    assert failed.exit_code == 1
    assert "Harvest failed: The source could not be reached on page 1." in failed.stderr
    assert json.loads(failed.stdout[failed.stdout.index("{"):])["gather_failed"] is True
    assert "finished (gather failed)" in cli("harvest", "jobs", "mort").stdout
    preview = cli("harvest", "run", "mort", "--dry-run")
    assert preview.exit_code == 1 and "could not be reached" in preview.stderr
    good = cli("harvest", "run", "vivant")
    assert good.exit_code == 0 and "Harvest failed" not in good.stderr
