"""Profile of one package_create and one package_update (issue 14), in process, printing JSON (--text: tables).

The dataset has write_bench's shape (3 resources, 5 tags, 4 extras); the caller is a sysadmin, as in the bench.
After a warm-up (imports, caches, the first statements compiled), each action runs --repeat times (default
20, on new datasets for creates and on one dataset for updates) in two passes, and every figure is per call:

- under cProfile: the top entries by cumulative and by internal time, summed and divided by the calls (cProfile
  slows Python code about twofold, so its times are for ranking, not for the wall clock);
- without it, with SQLAlchemy's cursor events on: each SQL statement text's count and time in the driver, and
  the write transaction's span from BEGIN to the end of COMMIT (on SQLite, from BEGIN IMMEDIATE returning to
  COMMIT returning: the time the call held the database's single write lock), next to the call's wall time
  (medians). One call of a busy machine is mostly scheduler noise; --repeat 1 gives exactly one.

    python3 -m bench.profile_write --text                        # a fresh temp SQLite file
    python3 -m bench.profile_write --database postgresql --text  # a fresh PostgreSQL database, dropped after
    python3 -m bench.profile_write --database-url postgresql://... # an existing database (migrated first)
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.api_bench import dataset_body
from catalog.context import SYSTEM, Actor
from catalog.migrate import upgrade
from catalog.registry import call_action
from catalog.services import Services, build_services
from catalog.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
TOP = 25


@dataclass
class Transaction:
    began: float
    locked: float | None = None  # SQLite: when BEGIN [IMMEDIATE] returned, i.e. the lock is ours
    commit_started: float | None = None
    committed: float | None = None
    statements: int = 0


@dataclass
class SqlRecorder:
    """Statements and transactions of one engine while `recording`; one thread, so no locking."""

    recording: bool = False
    statements: dict[str, list[float]] = field(default_factory=dict)  # text -> durations
    transactions: list[Transaction] = field(default_factory=list)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "begin", self._begin, insert=True)  # before db.py emits BEGIN
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)
        # The engine has no after-commit event; the session's fires once the connection's COMMIT returned.
        event.listen(Session, "after_commit", self._session_committed)

    @contextmanager
    def record(self) -> Iterator[SqlRecorder]:
        self.statements, self.transactions, self.recording = {}, [], True
        try:
            yield self
        finally:
            self.recording = False

    def _begin(self, _conn: Any) -> None:
        if self.recording:
            self.transactions.append(Transaction(began=time.perf_counter()))

    def _before(self, _conn: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        # On the statement's execution context, not a stack: a statement that raises gets no after event.
        context.profile_write_started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        now = time.perf_counter()
        if not self.recording:
            return
        started = context.profile_write_started
        text = re.sub(r"\s+", " ", statement).strip()
        self.statements.setdefault(text, []).append(now - started)
        open_ = self._open()
        if open_ is not None:
            open_.statements += 1
            if open_.locked is None and text.upper().startswith("BEGIN"):
                open_.locked = now

    def _commit(self, _conn: Any) -> None:
        open_ = self._open()
        if open_ is not None:
            open_.commit_started = time.perf_counter()

    def _session_committed(self, _session: Session) -> None:
        now = time.perf_counter()
        for tx in self.transactions:
            if tx.commit_started is not None and tx.committed is None:
                tx.committed = now

    def _open(self) -> Transaction | None:
        if self.recording and self.transactions and self.transactions[-1].commit_started is None:
            return self.transactions[-1]
        return None


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def where(filename: str, line: int, function: str) -> str:
    """A short name for a profiled function: the path below the repository or site-packages."""
    for marker in (str(REPO_ROOT) + "/", "site-packages/", "/lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({function})" if line else function


def top_functions(profile: cProfile.Profile, sort: str, calls_of_action: int) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile)
    stats.sort_stats(sort)
    rows = []
    for key in stats.fcn_list[:TOP]:  # type: ignore[attr-defined]  (set by sort_stats)
        _primitive, calls, internal, cumulative, _callers = stats.stats[key]  # type: ignore[attr-defined]
        rows.append({"function": where(*key), "calls": round(calls / calls_of_action, 2),
                     "tottime_ms": ms(internal / calls_of_action), "cumtime_ms": ms(cumulative / calls_of_action)})
    return rows


def sql_summary(statements: dict[str, list[float]], calls: int) -> dict[str, Any]:
    per_text = sorted(statements.items(), key=lambda item: -sum(item[1]))
    return {
        "statements": round(sum(len(d) for d in statements.values()) / calls, 2),
        "distinct": len(statements),
        "total_ms": ms(sum(sum(d) for d in statements.values()) / calls),
        "by_text": [{"count": round(len(d) / calls, 2), "total_ms": ms(sum(d) / calls), "statement": text[:300]}
                    for text, d in per_text],
    }


def transaction_summary(recorder: SqlRecorder) -> list[dict[str, Any]]:
    out = []
    for tx in recorder.transactions:
        if tx.committed is None:  # a read that ended in a rollback, not a write
            continue
        locked = tx.locked if tx.locked is not None else tx.began
        out.append({"statements": tx.statements, "begin_to_commit_end_ms": ms(tx.committed - tx.began),
                    "lock_or_transaction_held_ms": ms(tx.committed - locked),
                    "commit_ms": ms(tx.committed - (tx.commit_started or tx.committed))})
    return out


def measure(services: Services, recorder: SqlRecorder, actor: Actor, name: str, make_body: Any,
            repeat: int) -> tuple[dict[str, Any], Any]:
    """The action `repeat` times under cProfile, then `repeat` times with SQL timing; figures are per call
    (cProfile's summed over the calls and divided, SQL counts and times averaged, wall and lock times medians)."""
    profile = cProfile.Profile()
    for number in range(repeat):
        body = make_body(f"profiled-{number}")
        profile.enable()
        call_action(services, name, body, actor=actor)
        profile.disable()
    walls: list[float] = []
    helds: list[float] = []
    statements: dict[str, list[float]] = {}
    result: Any = None
    for number in range(repeat):
        body = make_body(f"timed-{number}")
        with recorder.record():
            started = time.perf_counter()
            result = call_action(services, name, body, actor=actor)
            walls.append(time.perf_counter() - started)
        transactions = transaction_summary(recorder)
        helds.append(sum(tx["lock_or_transaction_held_ms"] for tx in transactions))
        for text, durations in recorder.statements.items():
            statements.setdefault(text, []).extend(durations)
    wall = ms(statistics.median(walls))
    held = round(statistics.median(helds), 3)
    return {
        "calls": repeat,
        "wall_ms_median": wall,
        "write_lock_held_ms_median" if services.db.is_sqlite else "write_transaction_ms_median": held,
        "share_of_wall_in_transaction": round(held / wall, 3) if wall else None,
        "last_call_transactions": transactions,
        "sql_per_call": sql_summary(statements, repeat),
        "top_cumulative": top_functions(profile, "cumulative", repeat),
        "top_internal": top_functions(profile, "tottime", repeat),
    }, result


def profile(services: Services, warmup: int, repeat: int) -> dict[str, Any]:
    recorder = SqlRecorder()
    recorder.attach(services.db.engine)
    user = call_action(services, "user_create", {"name": "profiler", "email": "profiler@example.org",
                                                 "password": "correct-horse-battery", "sysadmin": True}, actor=SYSTEM)
    admin = Actor(user_id=user["id"], name=user["name"], is_sysadmin=True)
    org = call_action(services, "organization_create", {"name": "profile-org", "title": "Organisation"}, actor=admin)
    counter = iter(range(1_000_000))

    def new_dataset(tag: str) -> dict[str, Any]:
        return dataset_body(next(counter), org["id"], f"profile-{tag}")

    for _ in range(warmup):  # imports, caches, compiled statements, the search index's first pages
        created = call_action(services, "package_create", new_dataset("warm"), actor=admin)
        call_action(services, "package_update", {**created, "title": "Titre mis à jour"}, actor=admin)
    create, created = measure(services, recorder, admin, "package_create", new_dataset, repeat)
    # The full dict of an existing dataset sent back with a new title, as write_bench's updates.
    update, _ = measure(services, recorder, admin, "package_update",
                        lambda tag: {**created, "title": f"Titre mis à jour ({tag})"}, repeat)
    return {"package_create": create, "package_update": update}


def as_text(report: dict[str, Any]) -> str:
    lines = [f"database: {report['database']}  warm-up: {report['warmup']} creates and updates  "
             f"figures per call over {report['repeat']} call(s) of each action"]
    for name in ("package_create", "package_update"):
        figures = report[name]
        held_key = next(key for key in figures if key.startswith("write_"))
        sql = figures["sql_per_call"]
        lines += ["", f"== {name}: wall {figures['wall_ms_median']} ms, {held_key} {figures[held_key]} "
                      f"({figures['share_of_wall_in_transaction']:.0%} of wall), {sql['statements']} statements "
                      f"({sql['distinct']} distinct texts), {sql['total_ms']} ms in the driver"]
        for tx in figures["last_call_transactions"]:
            lines.append(f"   last call's transaction: {tx['statements']} statements, held "
                         f"{tx['lock_or_transaction_held_ms']} ms (commit {tx['commit_ms']} ms)")
        lines += ["", "   count  total ms  statement"]
        lines += [f"   {row['count']:>5} {row['total_ms']:>9.3f}  {row['statement'][:150]}" for row in sql["by_text"]]
        for key, title in (("top_cumulative", "by cumulative time"), ("top_internal", "by internal time")):
            lines += ["", f"   cProfile, {title}:", "      calls  tottime ms  cumtime ms  function"]
            lines += [f"   {row['calls']:>8} {row['tottime_ms']:>11.2f} {row['cumtime_ms']:>11.2f}  {row['function']}"
                      for row in figures[key]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="a fresh temp SQLite file, or a fresh PostgreSQL database dropped at the end")
    parser.add_argument("--database-url", help="profile on this database instead (migrated first)")
    parser.add_argument("--warmup", type=int, default=10, help="creates and updates run before the profiled ones")
    parser.add_argument("--repeat", type=int, default=20, help="calls of each action profiled, and timed")
    parser.add_argument("--text", action="store_true", help="readable tables instead of JSON")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="moisson-profile-")))
        url = args.database_url
        if url is None and args.database == "sqlite":
            url = f"sqlite:///{workdir / f'profile-{uuid.uuid4().hex[:6]}.db'}"
        elif url is None:
            from tests.conftest import create_pg_database, drop_pg_database

            url = create_pg_database("moisson_profile")
            stack.callback(drop_pg_database, url)
        services = build_services(Settings(database_url=url, site_url="http://profile.local", secret_key="x",
                                           storage_path=str(workdir / "storage"), datastore_load_urls=False))
        stack.callback(services.db.dispose)
        upgrade(services.db)
        report = {"database": services.db.engine.dialect.name, "warmup": args.warmup, "repeat": args.repeat,
                  **profile(services, args.warmup, args.repeat)}
    if args.text:
        print(as_text(report))
    else:
        json.dump(report, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
