"""Two `moisson worker` processes share one RQ queue (Redis on 127.0.0.1:6379) and one database: a CKAN job
fans out into page tasks, both workers import pages, exactly one finishes (and deletes) the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import func, select

from catalog.dataset.models import Package
from harvest.enqueue import enqueue_job, get_queue
from harvest.models import HarvestJob, HarvestSource
from harvest.runner import create_job
from tests.harvest.remote import FakeCkan, ckan_package

REDIS_URL = "redis://127.0.0.1:6379/0"
SEARCH = "/ckan/api/3/action/package_search"


@pytest.fixture
def redis_available() -> None:
    try:
        Redis.from_url(REDIS_URL).ping()
    except Exception:  # noqa: BLE001 - any failure means no Redis here
        pytest.skip("Redis is not running on 127.0.0.1:6379")


@pytest.fixture
def workers(services: Any, tmp_path: Path, redis_available: None) -> Any:
    if services.db.is_sqlite:
        pytest.skip("distributed workers are a PostgreSQL deployment")
    queue_name = f"test-harvest-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "MOISSON_DATABASE_URL": services.settings.database_url, "MOISSON_REDIS_URL": REDIS_URL}
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    processes = []
    for log in logs:
        with log.open("wb") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "catalog.cli", "worker", "--queue", queue_name],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            ))
    yield queue_name, logs
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    get_queue(REDIS_URL, queue_name).delete(delete_jobs=True)


def queue_run(services: Any, source_id: str, queue_name: str, *, force_all: bool = False) -> HarvestJob:
    with services.db.unit_of_work(write=True) as session:
        job_id = create_job(session, session.get(HarvestSource, source_id), force_all=force_all).id
    enqueue_job(REDIS_URL, job_id, queue_name)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with services.db.unit_of_work(write=False) as session:
            job = session.get(HarvestJob, job_id)
            if job.status not in ("new", "running"):
                return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def test_two_workers_share_the_pages_of_one_job(
    workers: Any, fake_ckan: FakeCkan, remote: Any, make_source: Any, services: Any
) -> None:
    queue_name, logs = workers
    for number in range(200):
        fake_ckan.put(ckan_package(number))
    normal = remote.routes[SEARCH]

    def slow(query: dict[str, list[str]]) -> Any:
        time.sleep(0.2)  # long enough that one worker cannot drain the queue alone
        return normal(query)

    remote.routes[SEARCH] = slow
    source = make_source(fake_ckan.url, rows=20)
    job = queue_run(services, source["id"], queue_name)
    assert job.status == "finished" and job.pages_total == 10 and job.pages_done == 10
    assert job.stats["added"] == 200 and job.stats["gathered"] == 200 and job.gather_complete
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Package)) == 200
        assert session.scalar(select(func.count(func.distinct(Package.name)))) == 200
    pages_per_worker = [log.read_text().count("Successfully completed harvest.queue.page_task(") for log in logs]
    assert sum(pages_per_worker) == 10 and all(pages_per_worker), pages_per_worker

    for number in range(196, 200):  # 2 %: under the guard's threshold
        fake_ckan.remove(ckan_package(number)["id"])
    fake_ckan.put(ckan_package(3, title="changed", modified="2026-09-01T00:00:00.000000"))
    again = queue_run(services, source["id"], queue_name, force_all=True)
    assert again.status == "finished"
    assert (again.stats["unchanged"], again.stats["updated"], again.stats["deleted"]) == (195, 1, 4)
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Package).where(Package.state == "active")) == 196


def test_a_job_left_running_by_a_dead_worker_is_resumed_by_a_worker(
    workers: Any, fake_ckan: FakeCkan, make_source: Any, services: Any
) -> None:
    queue_name, _logs = workers
    for number in range(40):
        fake_ckan.put(ckan_package(number))
    source = make_source(fake_ckan.url, rows=10, stale_after_seconds=0)
    with services.db.unit_of_work(write=True) as session:
        # What a worker killed after 2 of 4 pages leaves: running, pages half done, heartbeat stale.
        job = create_job(session, session.get(HarvestSource, source["id"]))
        job.status, job.pages_total, job.pages_done = "running", 4, 2
        job.started = job.heartbeat = job.created
        job_id = job.id
    with services.db.unit_of_work(write=True) as session:
        assert create_job(session, session.get(HarvestSource, source["id"])).id == job_id  # stale: resumed
    enqueue_job(REDIS_URL, job_id, queue_name)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with services.db.unit_of_work(write=False) as session:
            job = session.get(HarvestJob, job_id)
            if job.status == "finished":
                break
        time.sleep(0.2)
    assert job.status == "finished" and job.stats["added"] == 40 and job.gather_complete
