"""Harvest benchmark, printing JSON: N datasets from a local CKAN-API source (the fixture server of the
tests, serving package_search pages of recorded-shape package dicts) into a fresh database per kind.

Phases, in one run against the same source: first harvest; unchanged re-run (full listing, hashes skip
every record); a run with 1 % of the datasets changed upstream. The floor, measured in the same run: fetching
the same pages alone (same rows per page, same HTTP client, JSON parsed) plus bulk-inserting, page by page
with executemany into a second fresh database of the same kind, the rows the harvest writes for each
dataset: package, extras (with the provenance ones), tags and their links, resource, the search index rows
(built by the same analyser), the activity and the harvest object.

The remote runs in a child process (as a remote would), so the harvesting process's memory is its own:
peak RSS sampled every 20 ms during each phase (absolute, and growth over the phase's start).
DataStore loads of harvested CSV URLs are background jobs outside the harvest: they are off unless
--datastore-loads (in-process loader threads would otherwise fetch the example URLs during the phases).
Targets (issue 5): first run within 3x of the floor; unchanged re-run >= 10x faster than the first;
memory flat between 10,000 and 100,000 datasets (compare two runs' peak_rss_mb).

    python3 -m bench.harvest_bench --n 10000 --repeat 3
    python3 -m bench.harvest_bench --n 2000 --databases sqlite
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from catalog.activity.models import Activity
from catalog.clock import iso, utcnow
from catalog.context import SYSTEM
from catalog.dataset.models import Package, PackageExtra, PackageTag, Resource, Tag
from catalog.ids import new_id
from catalog.migrate import upgrade
from catalog.outbound import AddressPolicy, Outbound
from catalog.registry import call_action
from catalog.search.index import build_document
from catalog.services import Services, build_services
from catalog.settings import Settings
from harvest.fetch import Fetcher
from harvest.models import HarvestJob, HarvestObject
from harvest.runner import RunOptions, harvest_source
from tests.conftest import LOOPBACK_ALLOW as LOOPBACK  # the fixture remote listens on loopback
from tests.conftest import create_pg_database, drop_pg_database
from tests.harvest.remote import FakeCkan, RemoteServer, ckan_package

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


@contextmanager
def measured(result: dict[str, Any]) -> Iterator[None]:
    """Wall time and peak RSS (sampled) of the block, stored in result."""
    start_rss, peak = rss_bytes(), [rss_bytes()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        result["seconds"] = round(time.perf_counter() - started, 3)
        stop.set()
        sampler.join()
        peak[0] = max(peak[0], rss_bytes())
        result["peak_rss_mb"] = round(peak[0] / 2**20, 1)
        result["rss_growth_mb"] = round((peak[0] - start_rss) / 2**20, 1)


def fresh_services(kind: str, workdir: Path, label: str, datastore_loads: bool) -> tuple[Services, Callable[[], None]]:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'{label}-{new_id()}.db'}"
        cleanup: Callable[[], None] = lambda: None  # noqa: E731
    else:
        url = create_pg_database(f"moisson_bench_{label}")
        cleanup = lambda: drop_pg_database(url)  # noqa: E731
    services = build_services(Settings(database_url=url, site_url="http://bench.invalid", secret_key="bench",
                                       storage_path=str(workdir / "storage"),
                                       datastore_load_urls=datastore_loads, outbound_allow=LOOPBACK))
    upgrade(services.db)

    def close() -> None:
        services.db.dispose()
        cleanup()

    return services, close


def serve_remote(n: int, conn: Any) -> None:
    """Child process: a FakeCkan with N datasets; answers "url", "change" (1 %) and "stop"."""
    server = RemoteServer()
    ckan = FakeCkan(server, "/ckan")
    for number in range(n):
        ckan.put(ckan_package(number))
    while True:
        command = conn.recv()
        if command == "url":
            conn.send(ckan.url)
        elif command == "change":
            for number in range(0, n, 100):
                ckan.put(ckan_package(number, title=f"Changed {number}", modified="2026-12-01T00:00:00.000000"))
            conn.send("changed")
        else:
            server.close()
            conn.send("stopped")
            return


def floor_pages(url: str, rows: int) -> Iterator[list[dict[str, Any]]]:
    fetcher, start = Fetcher(outbound=Outbound(AddressPolicy.parse(LOOPBACK))), 0
    while True:
        body = fetcher.get(f"{url}/api/3/action/package_search",
                           params={"rows": rows, "start": start, "sort": "id asc"}).json()
        results = body["result"]["results"]
        if not results:
            return
        yield results
        start += len(results)


class FloorWriter:
    """The rows a harvest writes for new datasets, bulk-inserted with executemany, one transaction a page."""

    def __init__(self, services: Services, source: dict[str, Any], job_id: str, org: dict[str, Any]) -> None:
        self.services, self.source, self.job_id, self.org = services, source, job_id, org
        self.tag_ids: dict[str, str] = {}

    def insert_page(self, remotes: list[dict[str, Any]]) -> None:
        now = utcnow()
        pkg_rows, extra_rows, tag_rows, link_rows, res_rows, activity_rows, object_rows = [], [], [], [], [], [], []
        docs = []
        for remote in remotes:
            package_id, object_id = new_id(), new_id()
            extras = [*remote["extras"], {"key": "harvest_object_id", "value": object_id},
                      {"key": "harvest_source_id", "value": self.source["id"]},
                      {"key": "harvest_source_title", "value": self.source["title"]},
                      {"key": "guid", "value": remote["id"]},
                      {"key": "remote_url", "value": f"{self.source['url']}/dataset/{remote['name']}"}]
            pkg_rows.append({"id": package_id, "name": remote["name"], "title": remote["title"],
                             "notes": remote["notes"], "license_id": remote["license_id"], "state": "active",
                             "type": "dataset", "private": False, "owner_org": self.org["id"],
                             "metadata_created": now, "metadata_modified": now})
            extra_rows += [{"package_id": package_id, "key": e["key"], "value": e["value"]} for e in extras]
            tags = []
            for tag in remote["tags"]:
                if tag["name"] not in self.tag_ids:
                    self.tag_ids[tag["name"]] = new_id()
                    tag_rows.append({"id": self.tag_ids[tag["name"]], "name": tag["name"]})
                link_rows.append({"package_id": package_id, "tag_id": self.tag_ids[tag["name"]], "state": "active"})
                tags.append({"id": self.tag_ids[tag["name"]], "name": tag["name"]})
            resources = []
            for position, resource in enumerate(remote["resources"]):
                row = {"id": new_id(), "package_id": package_id, "url": resource["url"], "format": resource["format"],
                       "name": resource["name"], "description": resource["description"], "position": position,
                       "state": "active", "extras": {}, "created": now, "metadata_modified": now}
                res_rows.append(row)
                resources.append({**{k: v for k, v in row.items() if k != "extras"},
                                  "created": iso(now), "metadata_modified": iso(now)})
            # The stored dict (search index, activity): the remote's shape with the local ids.
            local = {**remote, "id": package_id, "owner_org": self.org["id"], "organization": self.org,
                     "extras": extras, "tags": tags, "resources": resources}
            docs.append(build_document(local))
            activity_rows.append({"id": new_id(), "timestamp": now, "object_id": package_id,
                                  "activity_type": "new package", "owner_org": self.org["id"],
                                  "is_restricted": False, "data": {"package": local, "actor": "bench"}})
            object_rows.append({"id": object_id, "source_id": self.source["id"], "job_id": self.job_id,
                                "guid": remote["id"], "content_hash": "0" * 64, "content": remote, "status": "added",
                                "current": True, "package_id": package_id, "last_seen_job_id": self.job_id,
                                "errors": [], "created": now})
        with self.services.db.unit_of_work(write=True) as session:
            for model, rows in ((Package, pkg_rows), (PackageExtra, extra_rows), (Tag, tag_rows),
                                (PackageTag, link_rows), (Resource, res_rows), (Activity, activity_rows),
                                (HarvestObject, object_rows)):
                if rows:
                    session.execute(insert(model), rows)
            self.services.search.bulk_insert(session, docs)


def measure_floor(floor_services: Services, url: str, rows: int) -> dict[str, Any]:
    org = call_action(floor_services, "organization_create", {"name": "bench-org"}, actor=SYSTEM)
    source = call_action(floor_services, "harvest_source_create", {
        "name": "bench", "url": url, "source_type": "ckan", "owner_org": org["id"], "config": {"rows": rows},
    }, actor=SYSTEM)
    with floor_services.db.unit_of_work(write=True) as session:
        job = HarvestJob(source_id=source["id"], status="running", created=utcnow(), stats={}, gather_errors=[])
        session.add(job)
        session.flush()
        job_id = job.id
    writer = FloorWriter(floor_services, {**source, "title": source.get("title") or source["name"]}, job_id, org)
    fetch_seconds = insert_seconds = 0.0
    phase: dict[str, Any] = {}
    with measured(phase):
        pages = floor_pages(url, rows)
        while True:
            started = time.perf_counter()
            page = next(pages, None)
            fetch_seconds += time.perf_counter() - started
            if page is None:
                break
            started = time.perf_counter()
            writer.insert_page(page)
            insert_seconds += time.perf_counter() - started
    return {**phase, "fetch_seconds": round(fetch_seconds, 3), "bulk_insert_seconds": round(insert_seconds, 3)}


def bench_kind(kind: str, n: int, rows: int, workdir: Path, datastore_loads: bool) -> dict[str, Any]:
    parent, child = multiprocessing.Pipe()
    remote = multiprocessing.get_context("fork").Process(target=serve_remote, args=(n, child), daemon=True)
    remote.start()
    parent.send("url")
    url = parent.recv()
    services, close = fresh_services(kind, workdir, "harvest", datastore_loads)
    floor_services, close_floor = fresh_services(kind, workdir, "floor", datastore_loads)
    report: dict[str, Any] = {"database": kind, "datasets": n, "rows_per_page": rows,
                              "datastore_loads": datastore_loads,
                              "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        org = call_action(services, "organization_create", {"name": "bench-org"}, actor=SYSTEM)
        source = call_action(services, "harvest_source_create", {
            "name": "bench", "url": url, "source_type": "ckan", "owner_org": org["id"],
            "config": {"rows": rows},
        }, actor=SYSTEM)
        report["floor"] = measure_floor(floor_services, url, rows)
        floor_seconds = report["floor"]["seconds"]

        def harvest(label: str) -> dict[str, Any]:
            phase: dict[str, Any] = {}
            with measured(phase):
                job = harvest_source(services, source["id"], RunOptions(), force_all=True)
            phase["stats"] = {k: v for k, v in job["stats"].items() if v}
            phase["datasets_per_second"] = round(n / phase["seconds"], 1)
            report[label] = phase
            return phase

        first = harvest("first_run")
        unchanged = harvest("unchanged_rerun")
        parent.send("change")
        parent.recv()
        harvest("one_percent_changed")
        report["ratios"] = {
            "first_run_over_floor": round(first["seconds"] / floor_seconds, 2),
            "first_over_unchanged_rerun": round(first["seconds"] / unchanged["seconds"], 1),
        }
        report["targets_met"] = {
            "first_run_within_3x_floor": report["ratios"]["first_run_over_floor"] <= 3,
            "unchanged_rerun_10x_faster": report["ratios"]["first_over_unchanged_rerun"] >= 10,
        }
    finally:
        parent.send("stop")
        parent.recv()
        remote.join(10)
        close()
        close_floor()
    return report


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median seconds of each phase and median ratios over repeated runs of one database kind."""
    phases = ("floor", "first_run", "unchanged_rerun", "one_percent_changed")
    summary: dict[str, Any] = {p: statistics.median(r[p]["seconds"] for r in runs) for p in phases}
    summary["peak_rss_mb"] = max(r[p]["peak_rss_mb"] for r in runs for p in phases[1:])
    for ratio in runs[0]["ratios"]:
        summary[ratio] = statistics.median(r["ratios"][ratio] for r in runs)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="datasets on the remote")
    parser.add_argument("--rows", type=int, default=1000, help="package_search rows per page")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=1, help="runs per database (medians reported)")
    parser.add_argument("--datastore-loads", action="store_true", help="schedule DataStore loads of CSV URLs")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="moisson-harvest-bench-") as workdir:
        for kind in [k for k in args.databases.split(",") if k]:
            runs = [bench_kind(kind, args.n, args.rows, Path(workdir), args.datastore_loads)
                    for _ in range(args.repeat)]
            results.append({"database": kind, "medians": medians(runs), "runs": runs})
    machine = {"cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps({"benchmark": "harvest", "machine": machine, "results": results}, indent=2))


if __name__ == "__main__":
    main()
