"""Benchmark: full DCAT dump (`moisson export dcat`) and catalog pages, against rdflib alone (the floor).

    python3 bench/dcat_export.py [--sizes 10000,100000] [--format nt|ttl]

For each size, real rows (1 organization; per dataset 4 extras, 3 tags, 2 resources) are bulk-inserted into
a temporary SQLite database migrated with Alembic; then, each in a fresh child process:
- dump: stream.dump() of the whole catalog to a byte-counting sink: datasets/s and peak RSS (getrusage);
- floor: the dump's steps timed batch by batch (fetch+dictize, map, serialize), each batch then written again
  by rdflib alone: serialize-only (the graph already built: the strict floor) and a plain rdflib Graph()
  built from the ready-made triples + serialize. Both run on the same batch right after the pipeline, so
  the ratios hold even on a loaded machine (target <= 2);
- pages: GET /catalog.ttl for page 1, a middle page reached by its `after` next link, and the same page by
  number (OFFSET), median of 5, to show the per-page cost does not depend on the catalog size.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 200


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

    from catalog.app import build_services
    from catalog.dataset.models import Package, PackageExtra, PackageTag, Resource, Tag
    from catalog.migrate import upgrade
    from catalog.organization.models import Group
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
                    ("geographic_level", "commune"))])
            conn.execute(insert(PackageTag), [{"package_id": ids[i], "tag_id": f"tag-{(i + k) % 50}"}
                                              for i in chunk for k in range(3)])
            conn.execute(insert(Resource), [{
                "id": f"{i:08d}-0000-4000-8000-00000000000{r}", "package_id": ids[i], "position": r,
                "url": f"https://data.caf.fr/files/{i}/data{r}.csv", "format": "CSV", "name": f"data{r}.csv",
                "mimetype": "text/csv", "size": 1000 + i, "created": start, "extras": {}}
                for i in chunk for r in range(2)])
    services.db.dispose()


def child(database_url: str, task: str, fmt: str) -> dict[str, Any]:
    from catalog.app import build_services
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
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def floor(services: Any, fmt: str) -> dict[str, Any]:
    """The dump's pipeline timed step by step, batch by batch, with the floors measured on the same batch
    right after (so machine load hits both alike): serialize-only, and rebuild-from-ready-triples + serialize."""
    from rdflib import Graph

    from catalog.dcat.graphs import new_graph
    from catalog.dcat.stream import STREAMABLE_FORMATS, iter_public_packages
    from catalog.dcat.to_rdf import dataset_to_rdf

    rdf_format = STREAMABLE_FORMATS[fmt]
    site = services.settings.site_url
    seconds = {"fetch_dictize": 0.0, "map": 0.0, "serialize": 0.0, "build_and_serialize": 0.0}
    triples = count = 0
    sink = CountingSink()
    with services.db.unit_of_work(write=False) as session:
        fetch_started = time.perf_counter()
        for batch in iter_public_packages(session, services, _no_filter(), BATCH):
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
    timings = {}
    for label, url in (("page_1", "/catalog.ttl"),
                       ("middle_page_by_next_link", f"/catalog.ttl?page={middle_page + 1}&after={after}"),
                       ("middle_page_by_number", f"/catalog.ttl?page={middle_page + 1}")):
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)
        timings[f"{label}_ms"] = round(statistics.median(runs) * 1000, 1)
    return timings


def run_child(database_url: str, task: str, fmt: str) -> dict[str, Any]:
    output = subprocess.run([sys.executable, __file__, "--child", task, "--db", database_url, "--format", fmt],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--format", default="nt", choices=["nt", "ttl"])
    parser.add_argument("--child", choices=["dump", "floor", "pages"])
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.db, args.child, args.format)))
        return
    report: dict[str, Any] = {"format": args.format, "batch": BATCH, "database": "sqlite", "runs": []}
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            started = time.perf_counter()
            populate(url, size)
            run: dict[str, Any] = {"size": size, "populate_seconds": round(time.perf_counter() - started, 1)}
            run["dump"] = run_child(url, "dump", args.format)
            run["floor"] = run_child(url, "floor", args.format)
            run["pages"] = run_child(url, "pages", args.format)
            report["runs"].append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
    rss = [r["dump"]["peak_rss_mb"] for r in report["runs"]]
    report["peak_rss_growth"] = round(rss[-1] / rss[0], 2) if rss else None
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("MOISSON_SITE_URL", "https://bench.example")
    main()
