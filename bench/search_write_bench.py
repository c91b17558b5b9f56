"""Writes under each search backend (issue 15): package_create throughput and write-to-searchable latency against
real `moisson serve` processes, printing JSON.

One server per configuration and database (`--workers 2 --threads 4`, a fresh database each), all running for
the whole run, only one under load at a time, rounds alternating between them:
- `database`: MOISSON_SEARCH_BACKEND=database, the write indexes in its own transaction (the baseline);
- `tantivy`: MOISSON_SEARCH_BACKEND=tantivy, `moisson serve` runs the node's indexer; a write waits after its
  commit until its change is searchable (search_visible_timeout_seconds, 2 s by default);
- `tantivy_nowait` (optional): the same with MOISSON_SEARCH_VISIBLE_TIMEOUT_SECONDS=0, so the write returns at
  its commit and the latency below is the indexer's own lag.

Each round and configuration: a throughput phase (`--clients` threads sending package_create for `--seconds`),
then a latency phase (each client: package_create, then anonymous package_search `fq=name:<its name>` until it
counts the dataset, every 10 ms, at most 10 s). Latency = from sending the create to the answer that finds it;
`found_by_first_search` = the share found by the first search after the create answered (read-your-writes).

    python3 -m bench.search_write_bench                                   # PostgreSQL, database vs tantivy
    python3 -m bench.search_write_bench --databases postgresql,sqlite --configs database,tantivy,tantivy_nowait
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from typing import Any

import requests

from bench.api_bench import dataset_body, percentiles
from bench.write_bench import SourceServer, run_phase
from tests.servers import REPO_ROOT

CONFIGS: dict[str, dict[str, str]] = {
    "database": {"MOISSON_SEARCH_BACKEND": "database"},
    "tantivy": {"MOISSON_SEARCH_BACKEND": "tantivy"},
    "tantivy_nowait": {"MOISSON_SEARCH_BACKEND": "tantivy", "MOISSON_SEARCH_VISIBLE_TIMEOUT_SECONDS": "0"},
}
POLL_SECONDS = 0.01
TRACEBACK = "Traceback (most recent call last)"
GIVE_UP_SECONDS = 10.0


class Target:
    """One configuration's running server and the organizations its datasets go to."""

    def __init__(self, kind: str, config: str, args: argparse.Namespace) -> None:
        self.config = config
        self.server = SourceServer(kind, REPO_ROOT, workers=args.workers, threads=args.threads,
                                   datastore_loads=False)
        self.server.env.update({**CONFIGS[config],
                                "MOISSON_SEARCH_INDEX_PATH": str(self.server.workdir / "search-index")})
        self.org_ids: list[str] = []
        self.startup_log = 0  # log characters written before the rounds (the index's first build included)

    def start(self, orgs: int) -> None:
        self.server.start()
        self.wait_searchable_index()
        headers = {"Authorization": self.server.token}
        for n in range(orgs):
            answer = requests.post(self.server.action_url("organization_create"), headers=headers, timeout=60,
                                   json={"name": f"swb-org-{n}", "title": f"Organisation {n}"}).json()
            self.org_ids.append(answer["result"]["id"])
        self.startup_log = len(self.server.log_text())

    def wait_searchable_index(self, timeout: float = 120.0) -> None:
        """The Tantivy indexer builds the first generation when it starts: searches fail until then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.server.action_url("package_search"), params={"rows": 0},
                                timeout=10).json().get("success"):
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"[{self.config}] package_search never answered:\n{self.server.log_text()[-3000:]}")

    def create(self, session: requests.Session, tag: str, i: int) -> requests.Response:
        return session.post(self.server.action_url("package_create"), headers={"Authorization": self.server.token},
                            json=dataset_body(i, self.org_ids[i % len(self.org_ids)], tag), timeout=120)

    def throughput(self, tag: str, clients: int, seconds: float) -> dict[str, Any]:
        return run_phase(clients, lambda s, i: self.create(s, tag, i), seconds=seconds, count=0)

    def latency(self, tag: str, clients: int, seconds: float) -> dict[str, Any]:
        samples: list[tuple[float, float, int]] = []  # (create, searchable, searches needed)
        lock = threading.Lock()

        def create_then_find(session: requests.Session, i: int) -> requests.Response:
            started = time.perf_counter()
            created = self.create(session, tag, i)
            create_seconds = time.perf_counter() - started
            if created.status_code != 200:
                return created
            name = created.json()["result"]["name"]
            searches = 0
            while True:
                searches += 1
                found = session.get(self.server.action_url("package_search"),
                                    params={"fq": f"name:{name}", "rows": 0}, timeout=60)
                if found.json()["result"]["count"] == 1:
                    break
                if time.perf_counter() - started > GIVE_UP_SECONDS:
                    raise ValueError(f"{name} not searchable {GIVE_UP_SECONDS} s after its create")  # an error
                time.sleep(POLL_SECONDS)
            with lock:
                samples.append((create_seconds, time.perf_counter() - started, searches))
            return found

        phase = run_phase(clients, create_then_find, seconds=seconds, count=0)
        creates = [s[0] for s in samples]
        visible = [s[1] for s in samples]
        first = sum(1 for s in samples if s[2] == 1)
        return {"writes": len(samples), "create": percentiles(creates), "write_to_searchable": percentiles(visible),
                "found_by_first_search": round(first / len(samples), 3) if samples else None,
                "errors": phase["errors"], **({"first_errors": phase["first_errors"]} if phase["errors"] else {})}


def bench_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    configs = [c for c in args.configs.split(",") if c]
    out: dict[str, Any] = {}
    with ExitStack() as stack:
        targets = []
        for config in configs:
            print(f"[{kind}/{config}] starting moisson serve", file=sys.stderr)
            target = Target(kind, config, args)
            stack.callback(target.server.stop)
            target.start(args.orgs)
            target.throughput("warm", args.clients, args.warmup)
            targets.append(target)
        rounds: dict[str, list[dict[str, Any]]] = {config: [] for config in configs}
        for number in range(1, args.rounds + 1):
            for target in targets:  # A B A B ...: a machine that drifts during the run drifts for all
                figures = {"package_create": target.throughput(f"t{number}", args.clients, args.seconds),
                           "create_then_search": target.latency(f"l{number}", args.clients, args.seconds)}
                rounds[target.config].append(figures)
                latency = figures["create_then_search"]
                print(f"  round {number} {target.config:<15} package_create "
                      f"{figures['package_create']['ops_per_s']}/s, write-to-searchable p50 "
                      f"{latency['write_to_searchable']['p50_ms']} ms p95 {latency['write_to_searchable']['p95_ms']}"
                      f" ms, first search finds {latency['found_by_first_search']}", file=sys.stderr)
        for target in targets:
            mine = rounds[target.config]
            out[target.config] = {
                "package_create_ops_per_s_median": round(statistics.median(
                    r["package_create"]["ops_per_s"] for r in mine), 1),
                "write_to_searchable_p50_ms_median": round(statistics.median(
                    r["create_then_search"]["write_to_searchable"]["p50_ms"] for r in mine), 1),
                "write_to_searchable_p95_ms_median": round(statistics.median(
                    r["create_then_search"]["write_to_searchable"]["p95_ms"] for r in mine), 1),
                "write_to_searchable_p95_ms_max": max(
                    r["create_then_search"]["write_to_searchable"]["p95_ms"] for r in mine),
                "errors": sum(r["package_create"]["errors"] + r["create_then_search"]["errors"] for r in mine),
                # Before the rounds: searches while the indexer builds the first generation (IndexNotReady).
                "server_tracebacks_at_startup": target.server.log_text()[:target.startup_log].count(TRACEBACK),
                "server_tracebacks": target.server.log_text()[target.startup_log:].count(TRACEBACK),
                "rounds": mine,
            }
    if "database" in out:
        base = out["database"]["package_create_ops_per_s_median"]
        out["package_create_over_database"] = {
            config: round(figures["package_create_ops_per_s_median"] / base, 2)
            for config, figures in out.items() if isinstance(figures, dict) and "rounds" in figures}
        out["median_of_round_ratios"] = {
            config: round(statistics.median(
                r["package_create"]["ops_per_s"] / max(b["package_create"]["ops_per_s"], 0.1)
                for r, b in zip(rounds[config], rounds["database"], strict=True)), 2)
            for config in configs if config != "database"}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="postgresql")
    parser.add_argument("--configs", default="database,tantivy", help=f"of {', '.join(CONFIGS)}")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each phase of a round")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--orgs", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args(argv)
    unknown = set(args.configs.split(",")) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configurations {sorted(unknown)}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # servers stopped, databases dropped
    started = time.perf_counter()
    load_before = os.getloadavg()
    databases = {kind: bench_database(kind, args) for kind in args.databases.split(",") if kind}
    report = {"workload": {"clients": args.clients, "server": f"--workers {args.workers} --threads {args.threads}",
                           "rounds": args.rounds, "per_phase_seconds": args.seconds,
                           "dataset": "3 resources, 5 tags, 4 extras (bench.api_bench.dataset_body)"},
              "machine": {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                          "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
              "databases": databases, "seconds": round(time.perf_counter() - started, 1)}
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
