"""A job runs once: its runner claims it (new, or running with a stale heartbeat) in one UPDATE, and a second runner
of the same job ("Run now"'s thread while `moisson harvest run` has it, a job handed out twice) goes away. A job
left running by a dead process no longer blocks "Run now" (harvest_job_create) for ever: it is resumed. A job that
broke (`failed`) tells organization admins one sentence; the exception's text is for sysadmins."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from catalog.clock import utcnow
from catalog.errors import ValidationError
from harvest.models import HarvestJob, HarvestLog
from harvest.runner import run_job
from tests.harvest.remote import FakeCkan, Reply, ckan_package

SEARCH = "/ckan/api/3/action/package_search"


def first_page_held(remote: Any) -> tuple[threading.Event, threading.Event]:
    """The first page's request sets `fetching`, then waits for `release` before it is answered."""
    fetching, release = threading.Event(), threading.Event()
    normal = remote.routes[SEARCH]

    def route(query: dict[str, list[str]]) -> Reply:
        if is_first_page(query):
            fetching.set()
            release.wait(60)
        return normal(query)

    remote.routes[SEARCH] = route
    return fetching, release


def is_first_page(query: dict[str, list[str]]) -> bool:
    """The listing's first page (not a count, rows=0, nor the identifiers' listing, fl=id)."""
    return query.get("start", ["0"]) == ["0"] and query.get("rows") != ["0"] and "fl" not in query


def first_pages(remote: Any) -> int:
    return sum(1 for path, query in remote.requests if path == SEARCH and is_first_page(query))


def test_a_second_runner_of_a_job_does_not_run_it(fake_ckan: FakeCkan, remote: Any, make_source: Any, call: Any,
                                                  sysadmin: Any, services: Any) -> None:
    for number in range(3):
        fake_ckan.put(ckan_package(number))
    source = make_source(fake_ckan.url, rows=10)
    job = call("harvest_job_create", sysadmin, source_id=source["id"])  # what "Run now" does
    fetching, release = first_page_held(remote)
    first = threading.Thread(target=run_job, args=(services, job["id"]))
    first.start()
    try:
        assert fetching.wait(30), "the first runner never fetched"
        # The first runner holds the job (running, fresh heartbeat) and waits on the source: a second one leaves.
        second = run_job(services, job["id"])
        assert second["status"] == "running"
        assert first_pages(remote) == 1
    finally:
        release.set()
        first.join()
    assert call("harvest_job_show", sysadmin, id=job["id"])["status"] == "finished"
    assert first_pages(remote) == 1
    assert call("package_search", sysadmin, rows=0)["count"] == 3


def test_a_job_claimed_by_a_live_runner_is_not_run_again(fake_ckan: FakeCkan, remote: Any, make_source: Any,
                                                         call: Any, sysadmin: Any, services: Any) -> None:
    fake_ckan.put(ckan_package(1))
    source = make_source(fake_ckan.url, rows=10)
    job = call("harvest_job_create", sysadmin, source_id=source["id"])
    with services.db.unit_of_work(write=True) as session:  # another process started it a moment ago
        row = session.get(HarvestJob, job["id"])
        row.status, row.started, row.heartbeat = "running", utcnow(), utcnow()
    assert run_job(services, job["id"])["status"] == "running"
    assert remote.requests == []
    with services.db.unit_of_work(write=False) as session:
        assert session.scalars(select(HarvestLog).where(HarvestLog.job_id == job["id"])).all() == []


def die(services: Any, job_id: str, ago: timedelta) -> None:
    """The job's runner died `ago`, mid-job: the job stays running with its last heartbeat."""
    with services.db.unit_of_work(write=True) as session:
        row = session.get(HarvestJob, job_id)
        row.status, row.started, row.heartbeat = "running", utcnow() - ago, utcnow() - ago


def test_run_now_resumes_a_job_whose_runner_died(fake_ckan: FakeCkan, make_source: Any, call: Any, sysadmin: Any,
                                                 services: Any) -> None:
    for number in range(2):
        fake_ckan.put(ckan_package(number))
    source = make_source(fake_ckan.url, rows=10, stale_after_seconds=600)
    job = call("harvest_job_create", sysadmin, source_id=source["id"])
    with pytest.raises(ValidationError, match="unrun job"):  # one waiting: refused, as CKAN
        call("harvest_job_create", sysadmin, source_id=source["id"])
    die(services, job["id"], timedelta(minutes=1))
    with pytest.raises(ValidationError, match="unrun job"):  # its runner may still be alive
        call("harvest_job_create", sysadmin, source_id=source["id"])
    die(services, job["id"], timedelta(minutes=20))  # past stale_after_seconds, within the job's time
    again = call("harvest_job_create", sysadmin, source_id=source["id"])
    assert again["id"] == job["id"] and again["status"] == "running"
    assert run_job(services, again["id"])["status"] == "finished"
    assert call("package_search", sysadmin, rows=0)["count"] == 2
    assert len(call("harvest_job_list", sysadmin, source_id=source["id"])) == 1


def test_a_failed_jobs_exception_is_for_sysadmins_only(fake_ckan: FakeCkan, make_source: Any, call: Any,
                                                       sysadmin: Any, org: dict[str, Any], services: Any,
                                                       client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import make_user
    from tests.web.conftest import log_in

    fake_ckan.put(ckan_package(1))
    source = make_source(fake_ckan.url, rows=10)
    admin = make_user(call, "chef")
    call("organization_member_create", sysadmin, id=org["id"], username="chef", role="admin")

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("SELECT password_hash FROM users WHERE name = 'root'")

    monkeypatch.setattr("harvest.runner.import_batch", broken)
    job = call("harvest_job_create", sysadmin, source_id=source["id"])
    with pytest.raises(RuntimeError):
        run_job(services, job["id"])
    shown = call("harvest_job_show", admin, id=job["id"])
    assert shown["status"] == "failed" and shown["error"].startswith("Unexpected failure")
    assert "password_hash" not in repr(shown) and "detail" not in shown
    assert "password_hash" not in repr(call("harvest_log_list", admin, source_id=source["id"]))
    assert "password_hash" in call("harvest_job_show", sysadmin, id=job["id"])["detail"]
    path = f"/harvest/{source['name']}/job/{job['id']}"
    log_in(client, admin)
    for page in (path, f"/harvest/{source['name']}"):
        html = client.get(page, headers={"Accept-Language": "fr"}).get_data(as_text=True)
        assert "erreur inattendue de ce site" in html and "password_hash" not in html, page
    log_in(client, sysadmin)
    assert "password_hash" in client.get(path).get_data(as_text=True)


def test_a_job_handed_out_twice_to_queue_workers_is_fanned_out_once(fake_ckan: FakeCkan, make_source: Any,
                                                                   call: Any, sysadmin: Any, services: Any) -> None:
    """On the queue, a CKAN job is planned by job_task, which fans its pages out as tasks: two workers that both read
    the job as new (handed out twice) must not both enqueue its pages. The second one's claim fails."""
    from harvest.queue import _start

    source = make_source(fake_ckan.url, rows=10)
    job = call("harvest_job_create", sysadmin, source_id=source["id"])
    now = utcnow()
    assert _start(services, job["id"], now, pages=2) is True
    assert _start(services, job["id"], now, pages=2) is False
    with services.db.unit_of_work(write=False) as session:
        messages = session.scalars(select(HarvestLog.message).where(HarvestLog.job_id == job["id"])).all()
        assert session.get(HarvestJob, job["id"]).status == "running"
    assert sum("Job started on the queue" in message for message in messages) == 1
