"""Benchmark: DataStore loading of a generated 1,000,000-row CSV vs the database's own bulk load.

    python3 bench/datastore_load.py [--rows N] [--db sqlite|postgresql|both]

Baselines (the database's own bulk load of the same rows, already in their final form), measured in the
same run, interleaved with ours:
- PostgreSQL: COPY of the clean CSV file into a table created with the right types beforehand;
- SQLite: the sqlite3 shell's `.import --csv` (C, one transaction) into such a table, with the pragmas our
  connections use (WAL, synchronous=NORMAL); also `baseline_executemany`, csv.reader + executemany in one
  transaction (the floor before 2026-11-28, slower than .import, kept for comparison).
Ours: `bulk_load` as the load job calls it: encoding and delimiter detection, type inference over the whole
file, load into a new table, the _id primary key, swap; for the clean file and for a French-style copy of
the same rows (';', Windows-1252, decimal commas, DD/MM/YYYY dates, masked "<5" counts). Prints one JSON
document; ratios are ours / baseline (medians of the runs).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


HEADER = ["Communes", "Codes_Insee", "NB_allocataires", "taux", "montant", "DTREF"]
TYPES_PG = ["text", "text", "bigint", "numeric", "numeric", "date"]
TYPES_SQLITE = ["text", "text", "int", "numeric", "numeric", "date"]
SQLITE3 = shutil.which("sqlite3")  # the shell, for its .import


def generate(directory: Path, rows: int) -> tuple[Path, Path]:
    rng = random.Random(42)
    clean, french = directory / "clean.csv", directory / "french.csv"
    with clean.open("w", newline="", encoding="utf-8") as c, french.open("w", newline="", encoding="cp1252") as f:
        cw, fw = csv.writer(c), csv.writer(f, delimiter=";")
        cw.writerow(HEADER)
        fw.writerow(HEADER)
        for i in range(rows):
            commune = f"Saint-Étienne-{i % 5000}"
            code = f"{rng.randint(1000, 95999):05d}"
            count = rng.randint(0, 20000)
            rate = f"{rng.randint(0, 1000) / 10:.1f}"
            amount = f"{rng.randint(0, 10**7) / 100:.2f}"
            day = f"{2010 + i % 12}-12-31"
            cw.writerow([commune, code, count if count >= 5 else "", rate, amount, day])
            fw.writerow([commune, code, count if count >= 5 else "<5", rate.replace(".", ","),
                         amount.replace(".", ","), f"31/12/{2010 + i % 12}"])
    return clean, french


def timed(fn) -> float:  # noqa: ANN001
    """Seconds fn took; if fn returns a callable, it is called afterwards, untimed (to clean up)."""
    start = time.perf_counter()
    cleanup = fn()
    elapsed = time.perf_counter() - start
    if callable(cleanup):
        cleanup()
    return elapsed


def bench_sqlite(clean: Path, french: Path, directory: Path, runs: int) -> dict:
    from catalog.datastore.sqlite import SqliteDatastore

    cols = ", ".join(f'"{h}" {t}' for h, t in zip(HEADER, TYPES_SQLITE, strict=True))

    def dot_import() -> None:
        path = directory / f"base-{uuid.uuid4().hex}.db"
        script = (f"PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\nCREATE TABLE t ({cols});\n"
                  f".import --csv --skip 1 '{clean}' t\n")
        subprocess.run([SQLITE3, str(path)], input=script, text=True, check=True, capture_output=True)
        _remove_sqlite(path)

    def executemany() -> None:
        path = directory / f"base-{uuid.uuid4().hex}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN")
        conn.execute(f"CREATE TABLE t ({cols})")
        with clean.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(HEADER))})", reader)
        conn.execute("COMMIT")
        conn.close()
        _remove_sqlite(path)

    def ours(path: Path):  # noqa: ANN202
        # Into a new, empty DataStore file each time, as the baselines load into a new database each time
        # (one file collecting every run's table made the later runs slower: WAL checkpoints of a growing file).
        store = SqliteDatastore(directory / f"datastore-{uuid.uuid4().hex}.db")
        store.bulk_load(str(uuid.uuid4()), path, lambda n: None)

        def remove() -> None:
            store.engine.dispose()
            _remove_sqlite(store.path)

        return remove

    floors = {"baseline": dot_import, "baseline_executemany": executemany} if SQLITE3 else {"baseline": executemany}
    return _measure(floors, {"ours_clean": lambda: ours(clean), "ours_french": lambda: ours(french)}, runs)


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def bench_postgres(clean: Path, french: Path, runs: int) -> dict:
    from sqlalchemy import create_engine, text

    from catalog.datastore.postgres import PostgresDatastore
    from catalog.db import make_engine

    server = os.environ.get("MOISSON_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"moisson_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(server.rsplit("/", 1)[0] + f"/{name}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA datastore"))
        store = PostgresDatastore(engine)

        def baseline() -> None:
            pooled = engine.raw_connection()
            conn = pooled.driver_connection
            table = f"base_{uuid.uuid4().hex[:8]}"
            cols = ", ".join(f'"{h}" {t}' for h, t in zip(HEADER, TYPES_PG, strict=True))
            with conn.cursor() as cur:
                cur.execute(f"CREATE TABLE {table} ({cols})")
                with cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                        clean.open("rb") as handle:
                    while block := handle.read(1 << 20):
                        copy.write(block)
            conn.commit()
            pooled.close()

        def ours(path: Path) -> None:
            store.bulk_load(str(uuid.uuid4()), path, lambda n: None)

        return _measure({"baseline": baseline}, {"ours_clean": lambda: ours(clean), "ours_french": lambda: ours(french)},
                        runs)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _measure(floors: dict, ours: dict, runs: int) -> dict:
    times: dict[str, list[float]] = {name: [] for name in [*floors, *ours]}
    for _ in range(runs):  # interleaved so drift hits all alike
        for name, fn in [*floors.items(), *ours.items()]:
            times[name].append(timed(fn))
    medians = {k: round(statistics.median(v), 3) for k, v in times.items()}
    result = {
        "seconds_median": medians,
        "seconds_all": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "ratio_clean": round(medians["ours_clean"] / medians["baseline"], 2),
        "ratio_french": round(medians["ours_french"] / medians["baseline"], 2),
    }
    for floor in floors:
        if floor != "baseline":
            for name in ours:
                result[f"ratio_{name.removeprefix('ours_')}_vs_{floor.removeprefix('baseline_')}"] = round(
                    medians[name] / medians[floor], 2
                )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        clean, french = generate(directory, args.rows)
        result: dict = {"rows": args.rows, "runs": args.runs, "file_bytes": clean.stat().st_size,
                        "cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in os.getloadavg()]}
        if args.db in ("sqlite", "both"):
            result["sqlite"] = bench_sqlite(clean, french, directory, args.runs)
        if args.db in ("postgresql", "both"):
            result["postgresql"] = bench_postgres(clean, french, args.runs)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
