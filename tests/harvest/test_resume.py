"""A harvest process killed mid-job is resumed by the next run without duplicates; abort stops a job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from sqlalchemy import func, select

from catalog.context import SYSTEM
from catalog.dataset.models import Package
from harvest.models import HarvestJob
from tests.harvest.remote import FakeCkan, Reply, ckan_package

SEARCH = "/ckan/api/3/action/package_search"


def block_page(remote: Any, start: str) -> threading.Event:
    """The page at `start` hangs until the returned event is set."""
    release = threading.Event()
    normal = remote.routes[SEARCH]

    def route(query: dict[str, list[str]]) -> Reply:
        if query.get("start") == [start]:
            release.wait(60)
        return normal(query)

    remote.routes[SEARCH] = route
    return release


def job_row(services: Any, source_id: str) -> HarvestJob | None:
    with services.db.unit_of_work(write=False) as session:
        return session.scalars(select(HarvestJob).where(HarvestJob.source_id == source_id)).first()


def wait_for(predicate: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_killed_harvest_process_is_resumed_without_duplicates(
    fake_ckan: FakeCkan, remote: Any, make_source: Any, run: Any, services: Any, call: Any
) -> None:
    for number in range(300):
        fake_ckan.put(ckan_package(number))
    source = make_source(fake_ckan.url, rows=50, stale_after_seconds=0,
                         http={"read_timeout": 120, "retries": 0})
    release = block_page(remote, "150")
    env = {**os.environ, "MOISSON_DATABASE_URL": services.settings.database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "catalog.cli", "harvest", "run", source["name"], "--batch-size", "25"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        wait_for(lambda: process.poll() is not None or (
            (job := job_row(services, source["id"])) is not None and job.stats.get("added", 0) >= 150))
        assert process.poll() is None, process.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
    finally:
        os.kill(process.pid, signal.SIGKILL)  # mid-job: page 4 is being fetched
        process.wait(timeout=10)
        release.set()
    interrupted = job_row(services, source["id"])
    assert interrupted.status == "running" and interrupted.cursor == {"mode": "search", "start": 150}

    resumed = run(source)
    assert resumed["id"] == interrupted.id and resumed["status"] == "finished"
    assert resumed["stats"]["added"] == 300 and resumed["stats"]["gathered"] == 300
    assert resumed["stats"]["deleted"] == 0
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Package)) == 300
    logs = [line["content"] for line in call("harvest_log_list", SYSTEM, source_id=source["id"])]
    assert any(line.startswith("Resuming job interrupted") for line in logs)


def test_a_page_half_imported_when_killed_is_not_duplicated(
    fake_ckan: FakeCkan, make_source: Any, run: Any, services: Any
) -> None:
    """The cursor of a half-done page points at that page again: its first records must be skipped."""
    from harvest.runner import create_job

    for number in range(40):
        fake_ckan.put(ckan_package(number))
    source = make_source(fake_ckan.url, rows=40, stale_after_seconds=0)
    first = run(source)
    assert first["stats"]["added"] == 40
    for number in range(40, 60):
        fake_ckan.put(ckan_package(number))
    # Simulate a crash after the first batch of a page: a running job whose cursor is that page.
    with services.db.unit_of_work(write=True) as session:
        from harvest.models import HarvestSource

        job = create_job(session, session.get(HarvestSource, source["id"]), force_all=True)
        job_id = job.id
    from harvest.runner import RunOptions, run_job

    run_job(services, job_id, RunOptions(batch_size=10))
    with services.db.unit_of_work(write=True) as session:
        job = session.get(HarvestJob, job_id)
        job.status, job.cursor = "running", {"mode": "search", "start": 0}
        job.gather_complete, job.finished = False, None
    again = run(source)
    assert again["id"] == job_id and again["stats"]["added"] == 20  # not 40, not 80
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Package)) == 60


def test_abort_stops_a_running_job_without_deleting(
    fake_ckan: FakeCkan, remote: Any, make_source: Any, run: Any, services: Any, call: Any, sysadmin: Any
) -> None:
    for number in range(100):
        fake_ckan.put(ckan_package(number))
    source = make_source(fake_ckan.url, rows=20, http={"read_timeout": 120, "retries": 0})
    run(source)
    for number in range(50, 100):
        fake_ckan.remove(ckan_package(number)["id"])
    release = block_page(remote, "20")
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.update(run(source, force_all=True, allow_mass_deletion=True)))
    worker.start()
    wait_for(lambda: (job := job_row_latest(services, source["id"])) is not None and job.status == "running")
    aborted = call("harvest_job_abort", sysadmin, source_id=source["id"])
    assert aborted["status"] == "aborted"
    release.set()
    worker.join(30)
    assert outcome["status"] == "aborted" and outcome["stats"]["deleted"] == 0
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Package).where(Package.state == "active")) == 100


def job_row_latest(services: Any, source_id: str) -> HarvestJob | None:
    with services.db.unit_of_work(write=False) as session:
        return session.scalars(select(HarvestJob).where(HarvestJob.source_id == source_id)
                               .order_by(HarvestJob.created.desc())).first()
