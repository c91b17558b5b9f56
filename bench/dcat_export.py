"""Benchmark: full DCAT dump (`moisson export dcat`) and catalog pages, against rdflib alone (the floor).

    python3 -m bench.dcat_export [--sizes 10000,100000] [--format nt|ttl] [--databases sqlite,postgresql]
    python3 -m bench.dcat_export --sizes 1000,1000000 --tasks pages      # page cost against catalog size

For each database and size, real rows (1 organization; per dataset 4 extras, 3 tags, 2 resources; 1 in 50
private) are bulk-inserted into a new database migrated with Alembic, and the search index is built (it holds
the package_show dicts the export reads); then, each in a fresh child process:
- dump: stream.dump() of the whole catalog to a byte-counting sink: datasets/s and peak RSS (getrusage);
- floor: the dump's steps timed batch by batch (fetch+dictize, map, serialize), each batch then written again
  by rdflib alone: serialize-only (the graph already built: the strict floor) and a plain rdflib Graph()
  built from the ready-made triples + serialize. Both run on the same batch right after the pipeline, so
  the ratios hold even on a loaded machine (target <= 2);
- pages: GET /catalog.ttl for page 1, a middle page reached by its `after` next link, and the same page by
  number (OFFSET), interleaved round by round (median of 9), beside rdflib alone building and serializing the
  triples of page 1 (`*_per_floor`), so that sizes measured at different times compare. totalItems is a count
  cached for 30 s; `page_1_count_expired` is page 1 right after that cache expired.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 200
TASKS = ("dump", "floor", "pages")
PAGE_ROUNDS = 9


class CountingSink(io.RawIOBase):
    """A binary stream that only counts what it is given."""

    def __init__(self) -> None:
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.bytes += len(data)
        return len(data)


def populate(database_url: str, size: int) -> None:
    from sqlalchemy import insert

    from catalog.dataset.models import Package, PackageExtra, PackageTag, Resource, Tag
    from catalog.migrate import upgrade
    from catalog.organization.models import Group
    from catalog.services import build_services
    from catalog.settings import Settings

    services = build_services(Settings(database_url=database_url, site_url="https://bench.example"))
    upgrade(services.db)
    start = datetime(2020, 1, 1)
    with services.db.engine.begin() as conn:
        conn.execute(insert(Group), [{"id": "org-cnaf", "name": "cnaf", "title": "Caisse nationale des allocations "
                                      "familiales", "type": "organization", "is_organization": True}])
        tags = [{"id": f"tag-{i}", "name": f"theme-{i}"} for i in range(50)]
        conn.execute(insert(Tag), tags)
        for first in range(0, size, 5000):
            chunk = range(first, min(size, first + 5000))
            ids = {i: f"{i:08d}-0000-4000-8000-000000000000" for i in chunk}
            conn.execute(insert(Package), [{
                "id": ids[i], "name": f"dataset-{i}", "title": f"Allocataires par commune {i}",
                "notes": "Nombre d'allocataires par commune au 31 décembre.", "license_id": "lov2",
                "owner_org": "org-cnaf", "author": "Cnaf", "url": f"https://data.caf.fr/dataset/{i}",
                "metadata_created": start + timedelta(minutes=i), "metadata_modified": start + timedelta(minutes=i),
                "private": i % 50 == 0, "state": "active", "type": "dataset"} for i in chunk])
            conn.execute(insert(PackageExtra), [
                {"package_id": ids[i], "key": key, "value": value} for i in chunk for key, value in (
                    ("frequency", "annual"), ("temporal_start", "2013-12-31"), ("spatial_text", "France"),
                    ("geographic_level", "commune"),
                    # Harvested: an upstream URI, shared by pairs of copies one time in ten, so each page
                    # asks uri_owners who publishes under it (a probe of the partial index per URI).
                    ("uri", f"https://data.caf.fr/dataset/{i - i % 2 if i % 10 < 2 else i}"))])
            conn.execute(insert(PackageTag), [{"package_id": ids[i], "tag_id": f"tag-{(i + k) % 50}"}
                                              for i in chunk for k in range(3)])
            conn.execute(insert(Resource), [{
                "id": f"{i:08d}-0000-4000-8000-00000000000{r}", "package_id": ids[i], "position": r,
                "url": f"https://data.caf.fr/files/{i}/data{r}.csv", "format": "CSV", "name": f"data{r}.csv",
                "mimetype": "text/csv", "size": 1000 + i, "created": start, "extras": {}}
                for i in chunk for r in range(2)])
    # As in a real catalog, package_show's stored dicts exist (pages and the dump read them).
    from catalog.search.cli import rebuild

    rebuild(services, progress=False)
    if services.db.engine.dialect.name == "postgresql":
        with services.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # as autovacuum would have done on a catalog this size
    services.db.dispose()


def peak_rss_mb() -> float:
    """This process's peak resident memory since its exec (VmHWM). getrusage's ru_maxrss is not that: Linux
    carries it over from the forking parent, which had just populated the catalog."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024, 1)


def child(database_url: str, task: str, fmt: str) -> dict[str, Any]:
    from catalog.services import build_services
    from catalog.settings import Settings

    services = build_services(Settings(database_url=database_url, site_url="https://bench.example"))
    result: dict[str, Any] = {}
    if task == "dump":
        from catalog.dcat.stream import dump

        sink = CountingSink()
        started = time.perf_counter()
        count = dump(services, sink, fmt=fmt, batch_size=BATCH)
        elapsed = time.perf_counter() - started
        result = {"datasets": count, "seconds": round(elapsed, 2), "datasets_per_s": round(count / elapsed),
                  "bytes": sink.bytes}
    elif task == "floor":
        result = floor(services, fmt)
    elif task == "pages":
        result = pages(services)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def floor(services: Any, fmt: str) -> dict[str, Any]:
    """The dump's pipeline timed step by step, batch by batch, with the floors measured on the same batch
    right after (so machine load hits both alike): serialize-only, and rebuild-from-ready-triples + serialize."""
    from rdflib import Graph

    from catalog.context import ANONYMOUS
    from catalog.dcat.graphs import new_graph
    from catalog.dcat.stream import STREAMABLE_FORMATS, iter_public_packages
    from catalog.dcat.to_rdf import dataset_to_rdf
    from catalog.registry import unit

    rdf_format = STREAMABLE_FORMATS[fmt]
    site = services.settings.site_url
    seconds = {"fetch_dictize": 0.0, "map": 0.0, "serialize": 0.0, "build_and_serialize": 0.0}
    triples = count = 0
    sink = CountingSink()
    with unit(services, ANONYMOUS, write=False) as ctx:
        fetch_started = time.perf_counter()
        for batch in iter_public_packages(ctx, _no_filter(), BATCH):
            fetched = time.perf_counter()
            seconds["fetch_dictize"] += fetched - fetch_started
            graph = new_graph(write_once=fmt == "nt")
            for pkg in batch:
                dataset_to_rdf(graph, pkg, site_url=site)
            mapped = time.perf_counter()
            seconds["map"] += mapped - fetched
            graph.serialize(destination=sink, format=rdf_format, encoding="utf-8")
            seconds["serialize"] += time.perf_counter() - mapped
            # rdflib alone from ready-made triples: a plain rdflib Graph, add them all, serialize.
            ready = list(graph)
            started = time.perf_counter()
            rebuilt = Graph()
            for triple in ready:
                rebuilt.add(triple)
            rebuilt.serialize(destination=sink, format=rdf_format, encoding="utf-8")
            seconds["build_and_serialize"] += time.perf_counter() - started
            triples += len(graph)
            count += len(batch)
            fetch_started = time.perf_counter()
    pipeline = seconds["fetch_dictize"] + seconds["map"] + seconds["serialize"]
    return {"datasets": count, "triples": triples, **{f"{k}_seconds": round(v, 2) for k, v in seconds.items()},
            "pipeline_seconds": round(pipeline, 2),
            "ratio_to_serialize_only": round(pipeline / seconds["serialize"], 2),
            "ratio_to_build_and_serialize": round(pipeline / seconds["build_and_serialize"], 2)}


def _no_filter() -> Any:
    from catalog.dcat.stream import CatalogFilter

    return CatalogFilter()


def pages(services: Any) -> dict[str, Any]:
    """Page timings, interleaved round by round so that machine noise hits each alike, beside the floor: rdflib
    alone building and serializing the triples of page 1 (so sizes measured at different times compare)."""
    from rdflib import Graph

    from catalog.app import create_app
    from catalog.dataset.models import Package

    app = create_app(services.settings, check_schema=False)
    app.extensions["moisson"] = services
    client = app.test_client()
    with services.db.unit_of_work(write=False) as session:
        total = session.query(Package).filter(Package.private.is_(False)).count()
        middle_page = total // 100 // 2
        after = session.query(Package.id).filter(Package.private.is_(False)).order_by(Package.id) \
            .offset(middle_page * 100 - 1).limit(1).scalar()
    counts = app.extensions["dcat_counts"]
    urls = {"page_1": "/catalog.ttl",
            "middle_page_by_next_link": f"/catalog.ttl?page={middle_page + 1}&after={after}",
            "middle_page_by_number": f"/catalog.ttl?page={middle_page + 1}"}
    triples = list(Graph().parse(data=client.get(urls["page_1"]).get_data(), format="turtle"))
    runs: dict[str, list[float]] = {name: [] for name in [*urls, "page_1_count_expired", "floor"]}
    for _ in range(PAGE_ROUNDS):
        for name, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            runs[name].append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)
        counts._entries.clear()  # the cached totalItems expires
        started = time.perf_counter()
        client.get(urls["page_1"])
        runs["page_1_count_expired"].append(time.perf_counter() - started)
        started = time.perf_counter()
        graph = Graph()
        for triple in triples:
            graph.add(triple)
        graph.serialize(format="turtle", encoding="utf-8")
        runs["floor"].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in runs.items()}
    timings: dict[str, Any] = {f"{name}_ms": round(value * 1000, 1) for name, value in medians.items()}
    timings.update({f"{name}_per_floor": round(value / medians["floor"], 2)
                    for name, value in medians.items() if name != "floor"})
    return timings


def run_child(database_url: str, task: str, fmt: str) -> dict[str, Any]:
    output = subprocess.run([sys.executable, __file__, "--child", task, "--db", database_url, "--format", fmt],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--format", default="nt", choices=["nt", "ttl"])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--tasks", default="dump,floor,pages", help="any of dump, floor, pages")
    parser.add_argument("--child", choices=TASKS)
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.db, args.child, args.format)))
        return
    tasks = [task for task in TASKS if task in args.tasks.split(",")]
    report: dict[str, Any] = {"format": args.format, "batch": BATCH, "runs": []}
    for database in args.databases.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            with new_database(database) as url:
                started = time.perf_counter()
                populate(url, size)
                run: dict[str, Any] = {"database": database, "size": size,
                                       "populate_seconds": round(time.perf_counter() - started, 1)}
                for task in tasks:
                    run[task] = run_child(url, task, args.format)
                report["runs"].append(run)
                print(json.dumps(run), file=sys.stderr, flush=True)
        rss = [r["dump"]["peak_rss_mb"] for r in report["runs"] if r["database"] == database and "dump" in r]
        if len(rss) > 1:
            report[f"{database}_dump_peak_rss_growth"] = round(rss[-1] / rss[0], 2)
    print(json.dumps(report, indent=2))


@contextmanager
def new_database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    from tests.conftest import create_pg_database, drop_pg_database

    url = create_pg_database("moisson_bench_dcat")
    try:
        yield url
    finally:
        drop_pg_database(url)


if __name__ == "__main__":
    os.environ.setdefault("MOISSON_SITE_URL", "https://bench.example")
    main()
