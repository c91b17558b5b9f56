"""A harvest job has a wall-clock deadline of its own (issue 12 item 14): a remote that accepts the connection and
then sends nothing, or trickles bytes, ends the job in error within the source's `job_timeout_seconds`, naming the
URL, keeping what was imported before and withdrawing nothing. In-process runs and queued (RQ) runs alike."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from rq import Queue
from sqlalchemy import func, select

from catalog.dataset.models import Package
from catalog.errors import ValidationError
from harvest.job_deadline import JobDeadline
from tests.harvest.queue_worker import open_queue, queue_run
from tests.harvest.remote import FakeCkan, Reply

SEARCH = "/ckan/api/3/action/package_search"
JOB_SECONDS = 2
# Per-request limits far above the job's deadline: only the job's deadline can end these jobs quickly.
PATIENT_HTTP = {"read_timeout": 60, "connect_timeout": 5, "retries": 1}


def with_settings(services: Any, monkeypatch: pytest.MonkeyPatch, **values: Any) -> None:
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, **values))


def active_count(services: Any) -> int:
    with services.db.unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).select_from(Package).where(Package.state == "active"))


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown, so a stalled answer's server thread ends with the test."""
    event = threading.Event()
    yield event
    event.set()


def stalled(release: threading.Event) -> Reply:
    """Status line and headers, then nothing (until the test is over)."""

    def body() -> Iterator[bytes]:
        release.wait(60)
        yield b"{}"

    return Reply(200, body())


def trickling(release: threading.Event) -> Reply:
    """Headers, then one byte every 0.2 s: each read succeeds well within the read timeout."""

    def body() -> Iterator[bytes]:
        yield b'{"success": true, "result": {"count": 30, "results": ['
        while not release.wait(0.2):
            yield b" "

    return Reply(200, body())


ANSWERS = {"stalls after the headers": stalled, "trickles bytes": trickling}


def second_page_answers(remote: Any, answer: Reply) -> None:
    normal = remote.routes[SEARCH]
    remote.routes[SEARCH] = lambda q: answer if q.get("start") == ["10"] else normal(q)


@pytest.fixture
def harvested(filled_ckan: FakeCkan, make_source: Any, run: Any) -> dict[str, Any]:
    source = make_source(filled_ckan.url, rows=10, job_timeout_seconds=JOB_SECONDS, http=PATIENT_HTTP)
    assert run(source)["stats"]["added"] == 30
    for number in range(25, 30):  # upstream really lost 5 datasets, but a job cut short cannot prove it
        filled_ckan.remove(f"00000000-0000-4000-8000-{number:012d}")
    return source


def assert_ended_at_the_deadline(job: dict[str, Any], remote: Any, services: Any, elapsed: float) -> None:
    assert elapsed < JOB_SECONDS + 8, f"the job took {elapsed:.1f} s"
    assert job["status"] == "finished" and not job["gather_complete"]
    assert len(job["gather_errors"]) == 1, job["gather_errors"]
    message = job["gather_errors"][0]["detail"]
    assert message.startswith(f"Job deadline of {JOB_SECONDS} s reached while fetching {remote.url(SEARCH)}?")
    assert "start=10" in message
    assert job["stats"]["unchanged"] == 10 and job["stats"]["deleted"] == 0
    assert active_count(services) == 30  # the 5 removed upstream are kept: the listing was not complete


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_a_stalled_remote_ends_the_job_in_error_within_its_deadline(
    answer: str, harvested: dict[str, Any], remote: Any, run: Any, services: Any, release: threading.Event,
) -> None:
    second_page_answers(remote, ANSWERS[answer](release))
    began = time.monotonic()
    job = run(harvested, force_all=True)
    assert_ended_at_the_deadline(job, remote, services, time.monotonic() - began)


def test_the_deadline_is_checked_before_each_request(harvested: dict[str, Any], remote: Any, run: Any,
                                                     services: Any) -> None:
    def slow_progress(done: int, total: int | None) -> None:
        time.sleep(JOB_SECONDS + 0.2)  # the job's time runs out between two pages

    remote.requests.clear()
    job = run(harvested, force_all=True, progress=slow_progress)
    assert job["gather_errors"][0]["detail"].startswith(
        f"Job deadline of {JOB_SECONDS} s reached before fetching {remote.url(SEARCH)}?")
    assert [query["start"] for _path, query in remote.requests] == [["0"]]  # page 2 was never asked for
    assert job["stats"]["deleted"] == 0 and active_count(services) == 30


def test_a_retry_the_job_has_no_time_left_to_wait_for_ends_the_job(harvested: dict[str, Any], remote: Any,
                                                                   run: Any, services: Any) -> None:
    """A 429 asking for a minute's pause, with two seconds left: the job stops now, and says it was its deadline."""
    second_page_answers(remote, Reply(429, b"slow down", headers={"Retry-After": "60"}))
    began = time.monotonic()
    job = run(harvested, force_all=True)
    assert time.monotonic() - began < JOB_SECONDS
    assert job["gather_errors"][0]["detail"].startswith(
        f"Job deadline of {JOB_SECONDS} s reached while fetching {remote.url(SEARCH)}?")
    assert job["stats"]["deleted"] == 0 and active_count(services) == 30


def test_the_deadline_is_checked_between_records_read_without_a_request(remote: Any, make_source: Any, run: Any,
                                                                       services: Any) -> None:
    """data.json is one document served in pages from memory: only the check before each batch can stop it."""
    remote.add_file("/data.json", "catalog.json", "application/json")
    source = make_source(remote.url("/data.json"), source_type="dcat_json", rows=1, job_timeout_seconds=JOB_SECONDS)

    def slow_progress(done: int, total: int | None) -> None:
        time.sleep(JOB_SECONDS + 0.2)

    job = run(source, progress=slow_progress)
    assert job["status"] == "finished" and not job["gather_complete"]
    assert [error["detail"].split(":")[0] for error in job["gather_errors"]] == [
        f"Job deadline of {JOB_SECONDS} s reached while importing a page's records (0 of 1 done)"]
    assert job["stats"]["added"] == 1 and remote.hits["/data.json"] == 1


def test_job_timeout_above_the_site_maximum_is_refused(call: Any, sysadmin: Any, org: dict[str, Any],
                                                       services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with_settings(services, monkeypatch, harvest_max_job_seconds=3600)
    fields = {"url": "http://example.org/", "source_type": "ckan", "owner_org": org["id"]}
    with pytest.raises(ValidationError) as refused:
        call("harvest_source_create", sysadmin, name="too-long", config={"job_timeout_seconds": 3601}, **fields)
    assert refused.value.errors["config"] == [
        "job_timeout_seconds: 3601 is above this site's maximum of 3600 seconds (MOISSON_HARVEST_MAX_JOB_SECONDS); "
        "use at most that"]
    with pytest.raises(ValidationError) as refused:
        call("harvest_source_create", sysadmin, name="no-time", config={"job_timeout_seconds": 0}, **fields)
    assert refused.value.errors["config"][0].startswith("job_timeout_seconds: 0 is less than or equal to")
    source = call("harvest_source_create", sysadmin, name="at-the-limit", config={"job_timeout_seconds": 3600},
                  **fields)
    with pytest.raises(ValidationError):
        call("harvest_source_update", sysadmin, id=source["id"], config={"job_timeout_seconds": 7200})


def test_the_site_maximum_bounds_sources_saved_before_it_was_lowered(services: Any) -> None:
    settings = replace(services.settings, harvest_max_job_seconds=60)
    now = datetime(2026, 1, 1)
    assert JobDeadline.for_job(settings, {"job_timeout_seconds": 7200}, now).seconds == 60
    assert JobDeadline.for_job(settings, {"job_timeout_seconds": 30}, now).seconds == 30
    assert JobDeadline.for_job(settings, {}, now).seconds == 60
    assert JobDeadline.for_job(services.settings, {}, now).seconds == 6 * 3600


# -- queued jobs: the page tasks of one job, run here by an RQ worker on the real Redis -----------------------
@pytest.fixture
def rq_queue(services: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Queue]:
    yield from open_queue(services, monkeypatch)


def test_a_queued_job_whose_page_stalls_ends_in_error_within_its_deadline(
    harvested: dict[str, Any], remote: Any, services: Any, rq_queue: Queue, release: threading.Event,
) -> None:
    second_page_answers(remote, stalled(release))
    remote.requests.clear()
    began = time.monotonic()
    job = queue_run(services, harvested["id"], rq_queue, force_all=True)
    assert job["pages_total"] == 3  # it really ran as page tasks
    # The third page's task found the job finished and did nothing: one gather error, not one per page.
    assert_ended_at_the_deadline(job, remote, services, time.monotonic() - began)
    assert ["20"] not in [query.get("start") for _path, query in remote.requests]
