"""Harvest benchmark, printing JSON: N datasets from a local CKAN-API source (the fixture server of the
tests, serving package_search pages of recorded-shape package dicts) into a fresh database per kind.

Phases, in one run against the same source: first harvest; unchanged re-run (full listing, hashes skip
every record); a run with 1 % of the datasets changed upstream. The floor, measured in the same run: fetching
the same pages alone (same rows, same HTTP client, JSON parsed) plus bulk-inserting the same package,
extra, tag and resource rows with executemany into a second fresh database of the same kind.
Peak memory: the process's resident set sampled every 20 ms during each phase (absolute, and growth over
the phase's start). Targets (issue 5): first run within 3x of the floor; unchanged re-run >= 10x faster
than the first.

    python3 -m bench.harvest_bench --n 10000
    python3 -m bench.harvest_bench --n 2000 --databases sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from catalog.app import Services, build_services
from catalog.context import SYSTEM
from catalog.dataset.models import Package, PackageExtra, PackageTag, Resource, Tag
from catalog.ids import new_id
from catalog.migrate import upgrade
from catalog.registry import call_action
from catalog.settings import Settings
from harvest.fetch import Fetcher
from harvest.runner import RunOptions, harvest_source
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


def fresh_services(kind: str, workdir: Path, label: str) -> tuple[Services, Callable[[], None]]:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'{label}.db'}"
        cleanup: Callable[[], None] = lambda: None  # noqa: E731
    else:
        url = create_pg_database(f"moisson_bench_{label}")
        cleanup = lambda: drop_pg_database(url)  # noqa: E731
    services = build_services(Settings(database_url=url, site_url="http://bench.invalid", secret_key="bench",
                                       storage_path=str(workdir / "storage")))
    upgrade(services.db)

    def close() -> None:
        services.db.dispose()
        cleanup()

    return services, close


def floor_fetch(ckan: FakeCkan, rows: int) -> list[dict[str, Any]]:
    fetcher, start, packages = Fetcher(), 0, []
    while True:
        body = fetcher.get(f"{ckan.url}/api/3/action/package_search",
                           params={"rows": rows, "start": start, "sort": "id asc"}).json()
        results = body["result"]["results"]
        if not results:
            return packages
        packages.extend(results)
        start += len(results)


def floor_insert(services: Services, packages: list[dict[str, Any]]) -> None:
    """The same rows the harvest writes (package, extras, tags, resources), bulk-inserted, 1,000 a batch."""
    tag_ids: dict[str, str] = {}
    for start in range(0, len(packages), 1000):
        chunk = packages[start : start + 1000]
        pkg_rows, extra_rows, tag_rows, link_rows, res_rows = [], [], [], [], []
        for remote in chunk:
            package_id = new_id()
            pkg_rows.append({"id": package_id, "name": remote["name"], "title": remote["title"],
                             "notes": remote["notes"], "license_id": remote["license_id"], "state": "active",
                             "type": "dataset", "private": False})
            for extra in remote["extras"]:
                extra_rows.append({"package_id": package_id, "key": extra["key"], "value": extra["value"]})
            for tag in remote["tags"]:
                if tag["name"] not in tag_ids:
                    tag_ids[tag["name"]] = new_id()
                    tag_rows.append({"id": tag_ids[tag["name"]], "name": tag["name"]})
                link_rows.append({"package_id": package_id, "tag_id": tag_ids[tag["name"]], "state": "active"})
            for position, resource in enumerate(remote["resources"]):
                res_rows.append({"id": new_id(), "package_id": package_id, "url": resource["url"],
                                 "format": resource["format"], "name": resource["name"], "position": position,
                                 "state": "active", "extras": {}})
        with services.db.unit_of_work(write=True) as session:
            for model, rows in ((Package, pkg_rows), (PackageExtra, extra_rows), (Tag, tag_rows),
                                (PackageTag, link_rows), (Resource, res_rows)):
                if rows:
                    session.execute(insert(model), rows)


def bench_kind(kind: str, n: int, rows: int, workdir: Path) -> dict[str, Any]:
    server = RemoteServer()
    ckan = FakeCkan(server, "/ckan")
    for number in range(n):
        ckan.put(ckan_package(number))
    services, close = fresh_services(kind, workdir, "harvest")
    floor_services, close_floor = fresh_services(kind, workdir, "floor")
    report: dict[str, Any] = {"database": kind, "datasets": n, "rows_per_page": rows,
                              "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        org = call_action(services, "organization_create", {"name": "bench-org"}, actor=SYSTEM)
        source = call_action(services, "harvest_source_create", {
            "name": "bench", "url": ckan.url, "source_type": "ckan", "owner_org": org["id"],
            "config": {"rows": rows},
        }, actor=SYSTEM)

        fetch_phase: dict[str, Any] = {}
        with measured(fetch_phase):
            packages = floor_fetch(ckan, rows)
        insert_phase: dict[str, Any] = {}
        with measured(insert_phase):
            floor_insert(floor_services, packages)
        del packages
        floor_seconds = fetch_phase["seconds"] + insert_phase["seconds"]
        report["floor"] = {"fetch": fetch_phase, "bulk_insert": insert_phase, "seconds": round(floor_seconds, 3)}

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
        for number in range(0, n, 100):  # 1 %
            ckan.put(ckan_package(number, title=f"Changed {number}", modified="2026-12-01T00:00:00.000000"))
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
        server.close()
        close()
        close_floor()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="datasets on the remote")
    parser.add_argument("--rows", type=int, default=1000, help="package_search rows per page")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="moisson-harvest-bench-") as workdir:
        for kind in [k for k in args.databases.split(",") if k]:
            results.append(bench_kind(kind, args.n, args.rows, Path(workdir)))
    machine = {"cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps({"benchmark": "harvest", "machine": machine, "results": results}, indent=2))


if __name__ == "__main__":
    main()
