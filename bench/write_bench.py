"""Write-path benchmark (issue 14): the CKAN-API write workload against `moisson serve`, A/B, printing JSON.

Workload, as in the issue's comparison with CKAN: datasets with 3 resources, 5 tags and 4 extras; 8 concurrent
clients (threads, one keep-alive requests.Session each); a real `moisson serve --workers 2 --threads 4` per
database, on a fresh SQLite file and on a fresh PostgreSQL database (created and dropped here). Measured, in
this order each round: organization_create, package_create, package_update (the full dict of an existing
dataset sent back with a new title), package_show (anonymous). Writes use a sysadmin's token, as the issue's
CKAN figures did. DataStore loads of the resources' URLs are off (MOISSON_DATASTORE_LOAD_URLS=false; CKAN ran
without XLoader) unless --datastore-loads.

A/B: `--baseline REV` serves that revision from a `git worktree` (under /tmp, removed at the end; the server
runs with PYTHONPATH set to it) next to the current checkout (or `--current REV`, also a worktree), rounds
alternating A B A B..., and reports each side's median requests/s and the ratio current/baseline per action
and database, with the median of the per-round ratios (less sensitive to a machine that gets busier or quieter
during the run). Both servers of a database run during its rounds; only one is under load at a time.

    python3 -m bench.write_bench                                  # current checkout, both databases
    python3 -m bench.write_bench --baseline 3e2ac87 --current HEAD
    python3 -m bench.write_bench --databases sqlite --rounds 5 --seconds 8
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.api_bench import dataset_body, drive, percentiles
from tests.servers import REPO_ROOT, ServerProcess

ACTIONS = ("organization_create", "package_create", "package_update", "package_show")
# `python -m catalog.cli` for both sides: the installed `moisson` script would import the checkout it was
# installed from, whatever PYTHONPATH says if the install is not an editable one.
LAUNCHER = [sys.executable, "-m", "catalog.cli"]

Request = Callable[[requests.Session, int], requests.Response]


class SourceServer(ServerProcess):
    """A ServerProcess whose CLI and server import the catalog from `root` (a worktree or this checkout)."""

    command = LAUNCHER  # never an installed `moisson`: it would serve the installed checkout, not `root`

    def __init__(self, kind: str, root: Path, *, workers: int, threads: int, datastore_loads: bool) -> None:
        super().__init__(kind, workers=workers, threads=threads, extra_env={
            "PYTHONPATH": str(root), "MOISSON_DATASTORE_LOAD_URLS": "true" if datastore_loads else "false"})
        self.root = root

    def launch(self) -> subprocess.Popen[bytes]:
        # A wrong PYTHONPATH would silently benchmark the same code twice: check where catalog comes from.
        where = subprocess.run([sys.executable, "-c", "import catalog; print(catalog.__file__)"], env=self.env,
                               cwd=self.workdir, capture_output=True, text=True, check=True).stdout.strip()
        if not Path(where).resolve().is_relative_to(self.root.resolve()):
            raise RuntimeError(f"the server would import catalog from {where}, not from {self.root}")
        return super().launch()


@dataclass
class Side:
    """One side of the comparison: the code it serves and, per database, its running server and figures."""

    label: str
    root: Path
    rev: str
    server: SourceServer | None = None
    org_ids: list[str] = field(default_factory=list)
    pool: list[dict[str, Any]] = field(default_factory=list)  # datasets that updates and shows use
    rounds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached `git worktree` of `rev` under /tmp, removed (and pruned) when the block ends."""
    parent = Path(tempfile.mkdtemp(prefix="moisson-write-bench-"))
    path = parent / "src"
    git("worktree", "add", "--detach", "--quiet", str(path), rev)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(path)],
                       capture_output=True, check=False)
        shutil.rmtree(parent, ignore_errors=True)
        subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "prune"], capture_output=True, check=False)


def describe(rev: str | None) -> str:
    """The commit a side serves, with `+changes` for a checkout with uncommitted changes."""
    if rev is not None:
        return git("rev-parse", "--short", rev)
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "catalog", "schemas", "migrations")
    return git("rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")


def run_phase(clients: int, make_request: Request, *, seconds: float, count: int,
              keep: list[Any] | None = None) -> dict[str, Any]:
    """Requests from `clients` threads until `seconds` have passed (or `count` are done, when count > 0)."""
    lock = threading.Lock()
    issued = 0
    deadline = time.perf_counter() + seconds

    def next_index() -> int | None:
        nonlocal issued
        with lock:
            if (count and issued >= count) or (not count and time.perf_counter() >= deadline):
                return None
            issued += 1
            return issued - 1

    latencies, errors, wall = drive(clients, make_request, next_index, keep=keep)
    done = len(latencies) - len(errors)
    result = {"ops": done, "seconds": round(wall, 3), "ops_per_s": round(done / wall, 1), **percentiles(latencies),
              "errors": len(errors)}
    if errors:
        result["first_errors"] = errors[:3]
    return result


def requests_for(side: Side, round_tag: str) -> dict[str, Request]:
    """The four actions' requests against one side's server; names carry the round so they never collide."""
    server = side.server
    assert server is not None
    headers = {"Authorization": server.token}
    org_ids, pool = side.org_ids, side.pool

    def organization_create(s: requests.Session, i: int) -> requests.Response:
        return s.post(server.action_url("organization_create"), headers=headers, timeout=120,
                      json={"name": f"wb-org-{round_tag}-{i:06d}", "title": f"Organisation {round_tag} {i}"})

    def package_create(s: requests.Session, i: int) -> requests.Response:
        return s.post(server.action_url("package_create"), headers=headers, timeout=120,
                      json=dataset_body(i, org_ids[i % len(org_ids)], f"wb-{round_tag}"))

    def package_update(s: requests.Session, i: int) -> requests.Response:
        # Consecutive indexes go to different datasets, so 8 clients rarely update the same one at once.
        body = {**pool[i % len(pool)], "title": f"Titre mis à jour {round_tag} {i}"}
        return s.post(server.action_url("package_update"), headers=headers, json=body, timeout=120)

    def package_show(s: requests.Session, i: int) -> requests.Response:
        return s.get(server.action_url("package_show"), params={"id": pool[(i * 7919) % len(pool)]["id"]},
                     timeout=60)

    return {"organization_create": organization_create, "package_create": package_create,
            "package_update": package_update, "package_show": package_show}


def prepare(side: Side, kind: str, args: argparse.Namespace) -> None:
    """Start the side's server, make the organizations and the dataset pool, then warm every worker up."""
    print(f"[{kind}/{side.label}] moisson serve --workers {args.workers} --threads {args.threads} "
          f"from {side.rev}", file=sys.stderr)
    side.server = SourceServer(kind, side.root, workers=args.workers, threads=args.threads,
                               datastore_loads=args.datastore_loads).start()
    orgs: list[dict[str, Any]] = []
    made = requests_for(side, "seed")
    run_phase(args.clients, made["organization_create"], seconds=0, count=args.orgs, keep=orgs)
    side.org_ids = [org["id"] for org in orgs]
    if not side.org_ids:
        raise RuntimeError(f"[{kind}/{side.label}] organization_create failed:\n{side.server.log_text()[-3000:]}")
    seeded = run_phase(args.clients, requests_for(side, "seed")["package_create"], seconds=0, count=args.pool,
                       keep=side.pool)
    if not side.pool:
        raise RuntimeError(f"[{kind}/{side.label}] package_create failed: {seeded.get('first_errors')}")
    warm = requests_for(side, "warm")
    for name in ACTIONS:
        run_phase(args.clients, warm[name], seconds=args.warmup, count=0)


def run_round(side: Side, round_number: int, args: argparse.Namespace) -> dict[str, Any]:
    made = requests_for(side, f"r{round_number}")
    figures = {name: run_phase(args.clients, made[name], seconds=args.seconds, count=args.count)
               for name in ACTIONS}
    print(f"  round {round_number} {side.label:<8} " + "  ".join(
        f"{name} {figures[name]['ops_per_s']:>6}/s" + (f" ({figures[name]['errors']} errors)"
                                                       if figures[name]["errors"] else "")
        for name in ACTIONS), file=sys.stderr)
    return figures


def median_of(rounds: list[dict[str, Any]], name: str) -> float:
    return round(statistics.median(r[name]["ops_per_s"] for r in rounds), 1)


def bench_database(kind: str, sides: list[Side], args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with ExitStack() as stack:
        for side in sides:
            prepare(side, kind, args)
            assert side.server is not None
            stack.callback(side.server.stop)
        per_side: dict[str, list[dict[str, Any]]] = {side.label: [] for side in sides}
        for number in range(1, args.rounds + 1):
            for side in sides:  # A B A B ...: a machine that drifts during the run drifts for both sides
                per_side[side.label].append(run_round(side, number, args))
        for side in sides:
            assert side.server is not None
            rounds = per_side[side.label]
            out[side.label] = {
                "rev": side.rev,
                "median_ops_per_s": {name: median_of(rounds, name) for name in ACTIONS},
                "errors": {name: sum(r[name]["errors"] for r in rounds) for name in ACTIONS},
                "server_tracebacks": side.server.log_text().count("Traceback (most recent call last)"),
                "rounds": rounds,
            }
    if len(sides) == 2:
        current, baseline = per_side["current"], per_side["baseline"]
        out["ratio_current_over_baseline"] = {
            name: round(median_of(current, name) / max(median_of(baseline, name), 0.1), 2) for name in ACTIONS}
        out["median_of_round_ratios"] = {name: round(statistics.median(
            c[name]["ops_per_s"] / max(b[name]["ops_per_s"], 0.1) for c, b in zip(current, baseline, strict=True)),
            2) for name in ACTIONS}
    return out


def summary(report: dict[str, Any]) -> str:
    """The figures as a Markdown table, for notes and issues."""
    sides = report["sides"]
    head = "| database | action | " + " | ".join(f"{label} ({rev}) req/s" for label, rev in sides.items())
    lines = [head + (" | current/baseline | median of round ratios |" if len(sides) == 2 else " |")]
    lines.append("|" + "---|" * (head.count("|") + (2 if len(sides) == 2 else 0)))
    for kind, figures in report["databases"].items():
        for name in ACTIONS:
            cells = [str(figures[label]["median_ops_per_s"][name]) for label in sides]
            if len(sides) == 2:
                cells += [f"{figures['ratio_current_over_baseline'][name]}×",
                          f"{figures['median_of_round_ratios'][name]}×"]
            lines.append(f"| {kind} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare with (served from a worktree)")
    parser.add_argument("--current", metavar="REV", help="serve this revision from a worktree instead of the "
                        "checkout (which other people may be editing during the run)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each action's phase in a round")
    parser.add_argument("--count", type=int, default=0, help="requests per phase instead of --seconds")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--orgs", type=int, default=8, help="organizations the datasets are spread over")
    parser.add_argument("--pool", type=int, default=64, help="datasets made first, which updates and shows use")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of each action before the rounds")
    parser.add_argument("--datastore-loads", action="store_true",
                        help="let the server fetch and load the resources' CSV URLs (off: CKAN ran without XLoader)")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so servers stop, PostgreSQL databases are dropped and worktrees removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    load_before = os.getloadavg()
    with ExitStack() as stack:
        current_root = stack.enter_context(worktree(args.current)) if args.current else REPO_ROOT
        labels = [("current", current_root, describe(args.current))]
        if args.baseline:
            labels.insert(0, ("baseline", stack.enter_context(worktree(args.baseline)), describe(args.baseline)))
        databases: dict[str, Any] = {}
        for kind in [k for k in args.databases.split(",") if k]:
            databases[kind] = bench_database(kind, [Side(label, root, rev) for label, root, rev in labels], args)
    report = {
        "workload": {"clients": args.clients, "server": f"--workers {args.workers} --threads {args.threads}",
                     "dataset": "3 resources, 5 tags, 4 extras", "rounds": args.rounds,
                     "per_phase": f"{args.count} requests" if args.count else f"{args.seconds} s",
                     "datastore_loads": args.datastore_loads},
        "machine": {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "sides": {label: rev for label, _, rev in labels},
        "databases": databases,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(summary(report), file=sys.stderr)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
