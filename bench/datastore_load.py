"""Benchmark: DataStore loading of a generated 1,000,000-row CSV vs the database's own bulk load.

    python3 bench/datastore_load.py [--rows N] [--db sqlite|postgresql|both]

Baselines, measured in the same run on the same rows:
- PostgreSQL: COPY of the clean CSV file into a table created with the right types beforehand;
- SQLite: csv.reader + executemany into such a table, in one transaction.
Ours: type inference over the whole file + load into a new table + swap (+ the _id primary key), for
the clean file and for a French-style copy of the same rows (';', Windows-1252, decimal commas,
DD/MM/YYYY dates, masked "<5" counts). Prints one JSON document; ratios are ours / baseline (median of runs).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


HEADER = ["Communes", "Codes_Insee", "NB_allocataires", "taux", "montant", "DTREF"]
TYPES_PG = ["text", "text", "bigint", "numeric", "numeric", "date"]
TYPES_SQLITE = ["text", "text", "int", "numeric", "numeric", "date"]


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
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_sqlite(clean: Path, french: Path, directory: Path, runs: int) -> dict:
    from catalog.datastore.sqlite import SqliteDatastore

    def baseline() -> None:
        path = directory / f"base-{uuid.uuid4().hex}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN")
        cols = ", ".join(f'"{h}" {t}' for h, t in zip(HEADER, TYPES_SQLITE, strict=True))
        conn.execute(f"CREATE TABLE t ({cols})")
        with clean.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(HEADER))})", reader)
        conn.execute("COMMIT")
        conn.close()

    store = SqliteDatastore(directory / "datastore.db")

    def ours(path: Path) -> None:
        store.bulk_load(str(uuid.uuid4()), path, lambda n: None)

    return _measure(baseline, lambda: ours(clean), lambda: ours(french), runs)


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

        return _measure(baseline, lambda: ours(clean), lambda: ours(french), runs)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _measure(baseline, clean, french, runs: int) -> dict:  # noqa: ANN001
    times: dict[str, list[float]] = {"baseline": [], "ours_clean": [], "ours_french": []}
    for _ in range(runs):  # interleaved so drift hits all three alike
        times["baseline"].append(timed(baseline))
        times["ours_clean"].append(timed(clean))
        times["ours_french"].append(timed(french))
    medians = {k: round(statistics.median(v), 3) for k, v in times.items()}
    return {
        "seconds_median": medians,
        "seconds_all": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "ratio_clean": round(medians["ours_clean"] / medians["baseline"], 2),
        "ratio_french": round(medians["ours_french"] / medians["baseline"], 2),
    }


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
