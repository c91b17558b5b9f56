"""CKAN API benchmark: a `moisson serve` per database, driven only over HTTP, printing JSON.

Workload per database: organization_create; package_create of datasets with 3 resources, 5 tags and 4
extras; package_show; package_update — each with 1 and 8 client threads (one keep-alive session per thread);
and, in the same run against the same server, GET /api/3 ({"version": 3}, no database) as the baseline.
Targets (issue 2): package_show >= 50 % of the baseline's requests/s; 10,000 creates with 8 clients on
PostgreSQL without a single error.

    python3 -m bench.api_bench                       # both databases, 10,000 creates on PostgreSQL
    python3 -m bench.api_bench --databases sqlite --creates 2000
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.servers import ServerProcess

Request = Callable[[requests.Session, int], requests.Response]


def percentiles(latencies: list[float]) -> dict[str, float]:
    if len(latencies) < 2:
        value = latencies[0] * 1000 if latencies else 0.0
        return {"p50_ms": value, "p95_ms": value, "p99_ms": value}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 2), "p95_ms": round(cuts[94] * 1000, 2),
            "p99_ms": round(cuts[98] * 1000, 2)}


def drive(clients: int, make_request: Request, next_index: Callable[[], int | None], *,
          keep: list[Any] | None = None) -> tuple[list[float], list[str], float]:
    """`clients` threads, each with its own HTTP session, sending requests while `next_index` gives one: the
    latencies, the first bytes of each failed answer, and the wall time. Successful results go to `keep`."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        with requests.Session() as session:
            while (index := next_index()) is not None:
                started = time.perf_counter()
                try:
                    response = make_request(session, index)
                    elapsed = time.perf_counter() - started
                    body = response.json()
                    ok = response.status_code == 200 and (not isinstance(body, dict) or body.get("success", True))
                except (requests.RequestException, ValueError) as error:
                    elapsed, ok, body = time.perf_counter() - started, False, repr(error)
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(json.dumps(body)[:300])
                    elif keep is not None and isinstance(body, dict):
                        keep.append(body["result"])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return latencies, errors, time.perf_counter() - started


def run_phase(label: str, clients: int, count: int, make_request: Request, *,
              keep: list[Any] | None = None) -> dict[str, Any]:
    """`count` requests spread over `clients` threads; returns ops/s, percentiles and errors."""
    lock = threading.Lock()
    counter = iter(range(count))

    def next_index() -> int | None:
        with lock:
            return next(counter, None)

    latencies, errors, wall = drive(clients, make_request, next_index, keep=keep)
    result = {"clients": clients, "ops": count, "seconds": round(wall, 3), "ops_per_s": round(count / wall, 1),
              **percentiles(latencies), "errors": len(errors)}
    if errors:
        result["first_errors"] = errors[:3]
    print(f"  {label:<20} {clients} client(s): {result['ops_per_s']:>8} ops/s  p50 {result['p50_ms']} ms  "
          f"p99 {result['p99_ms']} ms  errors {len(errors)}", file=sys.stderr)
    return result


def dataset_body(index: int, org_id: str, tag: str) -> dict[str, Any]:
    return {
        "name": f"bench-{tag}-{index:06d}", "title": f"Allocataires des prestations familiales n° {index}",
        "owner_org": org_id, "license_id": "lov2",
        "notes": "Nombre d'allocataires par commune et par type de prestation. " * 4,
        "tags": [{"name": t} for t in ("allocations", "famille", "commune", f"lot-{index % 50}", "caf")],
        "extras": [{"key": "frequency", "value": "annual"}, {"key": "temporal_start", "value": "2016-01-01"},
                   {"key": "temporal_end", "value": "2023-12-31"}, {"key": "geographic_level", "value": "commune"}],
        "resources": [{"url": f"http://example.org/data/{index}/{i}.csv", "name": f"Millésime {2021 + i}",
                       "format": "CSV", "description": "Fichier séparé par des points-virgules."} for i in range(3)],
    }


def bench_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"[{kind}] starting moisson serve --workers {args.workers} --threads {args.threads}", file=sys.stderr)
    with ServerProcess(kind, workers=args.workers, threads=args.threads) as server:
        headers = {"Authorization": server.token}
        action = server.action_url
        out: dict[str, Any] = {"server": {"workers": args.workers, "threads": args.threads}}

        def baseline(session: requests.Session, _: int) -> requests.Response:
            return session.get(f"{server.url}/api/3", timeout=60)

        orgs: list[dict[str, Any]] = []
        out["organization_create"] = run_phase("organization_create", 1, args.orgs, lambda s, i: s.post(
            action("organization_create"), json={"name": f"bench-org-{i:03d}", "title": f"Organisation {i}"},
            headers=headers, timeout=60), keep=orgs)
        org_ids = [org["id"] for org in orgs] or ["missing"]

        def creator(tag: str) -> Request:
            return lambda s, i: s.post(action("package_create"), json=dataset_body(i, org_ids[i % len(org_ids)], tag),
                                       headers=headers, timeout=120)

        created: list[dict[str, Any]] = []
        out["package_create"] = {
            "1": run_phase("package_create", 1, args.creates_single, creator("single"), keep=created),
            "8": run_phase("package_create", 8, args.creates[kind], creator("multi"), keep=created),
        }
        ids = [package["id"] for package in created] or ["missing"]
        listed = requests.get(action("package_list"), timeout=300).json()["result"]
        out["package_create"]["datasets_listed_after"] = len(listed)

        def show(s: requests.Session, i: int) -> requests.Response:
            return s.get(action("package_show"), params={"id": ids[random.randrange(len(ids))]}, timeout=60)

        updates = random.sample(created, min(len(created), args.updates * 2))

        def update(s: requests.Session, i: int) -> requests.Response:
            body = {**updates[i % len(updates)], "title": f"Titre mis à jour {i}"}
            return s.post(action("package_update"), json=body, headers=headers, timeout=120)

        for clients in (1, 8):
            key = str(clients)
            out.setdefault("baseline_api_3", {})[key] = run_phase("GET /api/3", clients, args.requests, baseline)
            out.setdefault("package_show", {})[key] = run_phase("package_show", clients, args.requests, show)
            out.setdefault("package_update", {})[key] = run_phase("package_update", clients, args.updates, update)
            out.setdefault("package_show_vs_baseline", {})[key] = round(
                out["package_show"][key]["ops_per_s"] / out["baseline_api_3"][key]["ops_per_s"], 3)
        server_errors = server.log_text().count("Traceback (most recent call last)")
        out["server_tracebacks"] = server_errors
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--orgs", type=int, default=10)
    parser.add_argument("--creates-single", type=int, default=200, help="datasets created by one client")
    parser.add_argument("--creates", type=int, default=None, help="datasets created by 8 clients (every database)")
    parser.add_argument("--pg-creates", type=int, default=10_000)
    parser.add_argument("--sqlite-creates", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=3_000, help="baseline and package_show requests per run")
    parser.add_argument("--updates", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so each server is stopped and its PostgreSQL database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    random.seed(args.seed)
    args.creates = {"postgresql": args.creates or args.pg_creates, "sqlite": args.creates or args.sqlite_creates}
    report = {kind: bench_database(kind, args) for kind in args.databases.split(",") if kind}
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
