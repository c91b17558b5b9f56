"""package_search benchmark on SQLite (FTS5) and PostgreSQL (tsvector), printing JSON.

Generates a realistic catalog (French and English text with Zipf word frequencies, tags, organizations,
groups, formats, licences, extras; 5 % private, 1 % draft) straight into the index tables (bulk inserts:
package_create would take hours at a million), then times package_search through the real dispatcher
(anonymous caller) and, in the same run, the database's own query for the same matches (the floor):
the hand-written full-text/filter/facet/offset SQL without our compiler, visibility, dispatch or JSON.

    python3 -m bench.search_bench --sizes 10000,100000
    python3 -m bench.search_bench --sizes 1000000 --databases postgresql --repeat 20
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from catalog.context import ANONYMOUS
from catalog.migrate import upgrade
from catalog.registry import call_action
from catalog.search.analysis import tokens
from catalog.search.index import Document, build_document
from catalog.services import Services, build_services
from catalog.settings import Settings
from tests.conftest import create_pg_database, drop_pg_database

FR = ("allocataire prestation famille logement aide sociale commune département région population naissance "
      "enfant revenu solidarité active emploi chômage santé hôpital école élève collège lycée transport route "
      "eau qualité air pollution énergie électricité budget dépense recette impôt taxe foncier bâtiment "
      "équipement sport culture musée bibliothèque tourisme agriculture exploitation forêt parcelle cadastre "
      "adresse carte géographique limite administrative élection résultat bureau vote candidat entreprise "
      "établissement emploi salarié commerce marché public subvention association bénévole handicap personne "
      "âgée retraite pension accueil crèche petite enfance jeunesse quartier politique ville urbanisme permis "
      "construire déchet collecte tri recyclage vélo stationnement circulation accident sécurité police "
      "justice tribunal décision statistique enquête recensement indicateur annuel mensuel trimestriel").split()
EN = ("housing benefit family population birth child income employment unemployment health hospital school "
      "pupil transport road water quality air pollution energy electricity budget expenditure revenue tax "
      "building facility sport culture museum library tourism agriculture farm forest parcel address map "
      "boundary election result polling candidate company business employee trade procurement grant charity "
      "disability elderly pension childcare youth neighbourhood planning permit waste collection recycling "
      "cycling parking traffic accident safety police justice court decision statistics survey census "
      "indicator annual monthly quarterly open data dataset report register").split()
WORDS = FR + EN
FORMATS = (("CSV", 40), ("JSON", 15), ("XLSX", 12), ("PDF", 10), ("ZIP", 6), ("GeoJSON", 5), ("XML", 4),
           ("SHP", 3), ("API", 3), ("HTML", 2))
LICENSES = ("lov2", "cc-by", "odc-odbl", "cc-zero", "notspecified", "cc-by-sa", "other-open", "fr-lo")
FACETS = ["organization", "tags", "res_format", "license_id"]


def zipf_choice(rng: random.Random, items: list[Any], s: float = 1.1) -> Any:
    weights = [1 / (rank + 1) ** s for rank in range(len(items))]
    return rng.choices(items, weights)[0]


class Generator:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        self.words = WORDS[:]
        rng.shuffle(self.words)
        self.weights = [1 / (rank + 1) ** 1.05 for rank in range(len(self.words))]
        self.orgs = [{"id": str(uuid.UUID(int=rng.getrandbits(128))), "name": f"org-{n:03d}",
                      "title": f"Organisation {n} {' '.join(rng.sample(FR, 2))}"} for n in range(300)]
        self.groups = [{"id": str(uuid.UUID(int=rng.getrandbits(128))), "name": f"groupe-{n:02d}",
                        "title": f"Groupe {rng.choice(FR)}"} for n in range(20)]
        self.tags = [f"{a}-{b}" if i % 3 == 0 else a for i, (a, b) in
                     enumerate(zip(rng.sample(WORDS, len(WORDS)), rng.sample(WORDS, len(WORDS)), strict=True))]
        self.formats, self.format_weights = zip(*FORMATS, strict=True)
        self.start = datetime(2015, 1, 1)

    def text(self, count: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=count))

    def package(self, n: int) -> dict[str, Any]:
        rng = self.rng
        org = zipf_choice(rng, self.orgs, 0.8)
        created = self.start + timedelta(seconds=rng.randrange(10 * 365 * 86400))
        modified = created + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        title = self.text(rng.randint(3, 7)).capitalize()
        package_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        resources = [{"id": str(uuid.UUID(int=rng.getrandbits(128))), "name": self.text(3), "state": "active",
                      "description": self.text(rng.randint(0, 12)),
                      "format": rng.choices(self.formats, self.format_weights)[0],
                      "url": f"https://data.example.org/{package_id}/{r}.dat", "resource_type": None}
                     for r in range(rng.randint(1, 4))]
        license_id = rng.choice(LICENSES)
        return {
            "id": package_id, "name": f"jeu-{n:07d}", "title": title, "notes": self.text(rng.randint(15, 80)),
            "state": "draft" if rng.random() < 0.01 else "active", "private": rng.random() < 0.05,
            "type": "dataset", "owner_org": org["id"], "creator_user_id": None,
            "organization": {**org, "type": "organization", "is_organization": True, "state": "active"},
            "license_id": license_id, "license_title": license_id.upper(), "author": None, "maintainer": None,
            "metadata_created": created.isoformat(), "metadata_modified": modified.isoformat(),
            "tags": [{"name": t, "display_name": t} for t in {zipf_choice(rng, self.tags) for _ in range(rng.randint(1, 5))}],
            "groups": rng.sample(self.groups, rng.choice((0, 0, 1, 2))),
            "extras": [{"key": "frequency", "value": rng.choice(("annuelle", "mensuelle", "ponctuelle"))},
                       {"key": "spatial", "value": rng.choice(("France", "Île-de-France", "Occitanie"))}],
            "resources": resources, "num_resources": len(resources), "url": None, "version": None,
        }


def open_services(database: str, workdir: Path) -> tuple[Services, Callable[[], None]]:
    if database == "sqlite":
        url = f"sqlite:///{workdir / f'search-{uuid.uuid4().hex[:6]}.db'}"
        cleanup: Callable[[], None] = lambda: None  # noqa: E731
    else:
        url = create_pg_database("moisson_bench")
        cleanup = lambda: drop_pg_database(url)  # noqa: E731
    services = build_services(Settings(database_url=url, site_url="http://bench.local", secret_key="x",
                                       storage_path=str(workdir)))
    upgrade(services.db)
    return services, cleanup


def generate_batch(bounds: tuple[int, int]) -> list[Document]:
    """One batch of index documents; its own seed, so batches can be made in parallel and in any order."""
    start, stop = bounds
    gen = Generator()
    gen.rng = random.Random(start)
    return [build_document(gen.package(n)) for n in range(start, stop)]


def load(services: Services, size: int, batch: int = 2000, workers: int = 2) -> float:
    started = time.perf_counter()
    bounds = [(offset, min(size, offset + batch)) for offset in range(0, size, batch)]
    # Documents are built in worker processes (the Python side is most of the time) while this process inserts.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for (_, stop), docs in zip(bounds, pool.imap(generate_batch, bounds), strict=True):
            with services.db.unit_of_work(write=True) as session:
                services.search.bulk_insert(session, docs)
            print(f"  loaded {stop}/{size} in {time.perf_counter() - started:.0f} s", file=sys.stderr, end="\r")
    with services.db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if services.db.is_sqlite:
            conn.execute(text("INSERT INTO search_fts(search_fts) VALUES('optimize')"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("VACUUM ANALYZE search_package"))
            conn.execute(text("VACUUM ANALYZE search_value"))
    return time.perf_counter() - started


def timed(fns: tuple[Callable[[], Any], Callable[[], Any]], repeat: int) -> tuple[list[float], list[float]]:
    """Alternate ours and the floor so both see the same machine load."""
    out: tuple[list[float], list[float]] = ([], [])
    for fn in fns:
        fn()  # warm
    for _ in range(repeat):
        for fn, samples in zip(fns, out, strict=True):
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
    return out


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def summary(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return {"p50_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": round(cuts[18] * 1000, 2)}


class Floors:
    """The database's own queries for the same matches (no visibility, no dispatcher, no dict decoding)."""

    def __init__(self, services: Services) -> None:
        self.db = services.db
        self.sqlite = services.db.is_sqlite

    def run(self, *statements: tuple[str, dict[str, Any]]) -> None:
        with self.db.engine.connect() as conn:
            for sql, params in statements:
                conn.execute(text(sql), params).all()

    def match(self, word: str) -> tuple[str, str, dict[str, Any]]:
        """(matching doc_id subquery, page query, params) for a free-text word."""
        stem = tokens(word)[0]
        if self.sqlite:
            m = {"m": f'{{hi mid low}} : "{stem}"'}
            return ("SELECT rowid FROM search_fts WHERE search_fts MATCH :m",
                    "SELECT rowid FROM search_fts WHERE search_fts MATCH :m "
                    "ORDER BY bm25(search_fts, 4.0, 2.0, 1.0, 1.0) LIMIT 10", m)
        m = {"m": f"'{stem}'"}
        return ("SELECT doc_id FROM search_package WHERE tsv @@ CAST(:m AS tsquery)",
                "SELECT doc_id FROM search_package WHERE tsv @@ CAST(:m AS tsquery) "
                "ORDER BY ts_rank(tsv, CAST(:m AS tsquery)) DESC LIMIT 10", m)

    def free_text(self, word: str) -> None:
        matches, page, m = self.match(word)
        self.run((f"SELECT count(*) FROM ({matches}) s", m), (page, m))

    def faceted(self, word: str) -> None:
        matches, page, m = self.match(word)
        statements = [(f"SELECT count(*) FROM ({matches}) s", m), (page, m)]
        for name in FACETS:
            if name in ("organization", "license_id"):
                sql = (f"SELECT {name}, count(*) AS n FROM search_package WHERE doc_id IN ({matches}) "
                       f"GROUP BY {name} ORDER BY n DESC LIMIT 50")
            else:
                sql = (f"SELECT value, count(*) AS n FROM search_value WHERE field = '{name}' AND doc_id IN "
                       f"({matches}) GROUP BY value ORDER BY n DESC LIMIT 50")
            statements.append((sql, m))
        self.run(*statements)

    def fielded(self, org: str, fmt: str) -> None:
        where = ("organization = :o AND doc_id IN (SELECT doc_id FROM search_value "
                 "WHERE field = 'res_format' AND value = :f)")
        params = {"o": org, "f": fmt}
        self.run((f"SELECT count(*) FROM search_package WHERE {where}", params),
                 (f"SELECT doc_id FROM search_package WHERE {where} ORDER BY metadata_modified DESC LIMIT 10",
                  params))

    def paging(self, order: str, start: int) -> None:
        self.run(("SELECT count(*) FROM search_package", {}),
                 (f"SELECT doc_id FROM search_package ORDER BY {order} LIMIT 10 OFFSET :s", {"s": start}))


def measure(services: Services, size: int, repeat: int) -> dict[str, Any]:
    rng = random.Random(3)
    floors = Floors(services)
    gen = Generator()

    def search(**params: Any) -> dict[str, Any]:
        return call_action(services, "package_search", params, actor=ANONYMOUS)

    words = [gen.words[i] for i in (0, 2, 5, 10, 20, 40, 80, 120)]  # frequent to rare
    cycle = {"i": 0}

    def next_word() -> str:
        cycle["i"] += 1
        return words[cycle["i"] % len(words)]

    visible = search(rows=0)["count"]
    deep = min(100_000, int(size * 0.9))  # inside the visible set (5 % private, 1 % drafts)
    final = visible - 100  # the last page of a 100-row walk over everything
    starts = {"page_deep_modified_desc": deep, "page_deep_id_asc_rows_100": deep, "walk_deep_id_asc_rows_100": deep,
              "page_final_id_asc_rows_100": final, "walk_final_id_asc_rows_100": final}
    cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "free_text": (lambda: search(q=next_word()), lambda: floors.free_text(next_word())),
        "faceted_free_text": (lambda: search(q=next_word(), **{"facet.field": json.dumps(FACETS)}),
                              lambda: floors.faceted(next_word())),
        "fielded_fq": (lambda: search(fq=f"organization:org-{rng.randrange(20):03d} AND res_format:CSV"),
                       lambda: floors.fielded(f"org-{rng.randrange(20):03d}", "CSV")),
        "page_first_modified_desc": (lambda: search(sort="metadata_modified desc", start=0),
                                     lambda: floors.paging("metadata_modified DESC", 0)),
        "page_deep_modified_desc": (lambda: search(sort="metadata_modified desc", start=deep),
                                    lambda: floors.paging("metadata_modified DESC", deep)),
        "page_first_id_asc_rows_100": (lambda: search(sort="id asc", start=0, rows=100),
                                       lambda: floors.paging("package_id", 0)),
        "page_deep_id_asc_rows_100": (lambda: search(sort="id asc", start=deep, rows=100),
                                      lambda: floors.paging("package_id", deep)),
        "page_final_id_asc_rows_100": (lambda: search(sort="id asc", start=final, rows=100),
                                       lambda: floors.paging("package_id", final)),
        # A harvester's walk: the previous page was served, so this one seeks instead of skipping.
        "walk_deep_id_asc_rows_100": (lambda: search(q="", sort="id asc", start=deep, rows=100),
                                      lambda: floors.paging("package_id", deep)),
        "walk_final_id_asc_rows_100": (lambda: search(q="", sort="id asc", start=final, rows=100),
                                       lambda: floors.paging("package_id", final)),
    }
    for start in (deep, final):
        search(q="", sort="id asc", start=start - 100, rows=100)  # the walk's previous page
    out: dict[str, Any] = {}
    for name, (ours, floor) in cases.items():
        ours_samples, floor_samples = timed((ours, floor), repeat)
        mine, base = summary(ours_samples), summary(floor_samples)
        out[name] = {"package_search": mine, "floor": base, **({"start": starts[name]} if name in starts else {}),
                     "p95_ratio": ratio(mine["p95_ms"], base["p95_ms"])}
        print(f"  {name}: {out[name]}", file=sys.stderr)
    out["counts"] = {"all_visible": visible, "free_text_first_word": search(q=words[0], rows=0)["count"]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--workdir", default=None, help="where SQLite files go (default: a temp dir)")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"sizes": {}, "notes": "times in ms; floor = the database's own SQL for the "
                              "same matches; p95_ratio = package_search p95 / floor p95"}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            for database in args.databases.split(","):
                print(f"{database} {size}", file=sys.stderr)
                services, cleanup = open_services(database, Path(tmp))
                try:
                    load_seconds = load(services, size)
                    result = {"load_seconds": round(load_seconds, 1), **measure(services, size, args.repeat)}
                    report["sizes"].setdefault(str(size), {})[database] = result
                    print(json.dumps({str(size): {database: result}}), file=sys.stderr)  # kept if a later size fails
                finally:
                    services.db.dispose()
                    cleanup()
    sizes = sorted(report["sizes"], key=int)
    if len(sizes) > 1:
        small, large = report["sizes"][sizes[0]], report["sizes"][sizes[-1]]
        growth: dict[str, Any] = {}
        for database in large:
            if database in small:
                growth[database] = {
                    case: {"package_search_p50": ratio(large[database][case]["package_search"]["p50_ms"],
                                                       small[database][case]["package_search"]["p50_ms"]),
                           "package_search_p95": ratio(large[database][case]["package_search"]["p95_ms"],
                                                       small[database][case]["package_search"]["p95_ms"]),
                           "floor_p50": ratio(large[database][case]["floor"]["p50_ms"],
                                              small[database][case]["floor"]["p50_ms"])}
                    for case in large[database] if case in small[database] and isinstance(large[database][case], dict)
                    and "floor" in large[database][case]}
        report[f"growth_{sizes[0]}_to_{sizes[-1]}"] = growth
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
