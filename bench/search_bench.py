"""package_search benchmark on SQLite (FTS5), PostgreSQL (tsvector) and Tantivy, printing JSON.

Generates a realistic catalog (French and English text with Zipf word frequencies, tags, organizations,
groups, formats, licences, extras; 5 % private, 1 % draft) straight into the index tables (bulk inserts:
package_create would take hours at a million), then times package_search through the real dispatcher
(anonymous caller) and, in the same run, the database's own query for the same matches (the floor):
the hand-written full-text/filter/facet/offset SQL without our compiler, visibility, dispatch or JSON.

`--backends database,tantivy` also builds a Tantivy index from the same generated documents during the load
(bench/tantivy_index.py: its build rate is timed apart) and times the Tantivy backend on the same catalog, the
backends and the floor taking turns query by query; every query variant's count, facets and (sorted cases) page
ids are compared between the backends. `--backends tantivy` loads the database as a Tantivy deployment has it
(no full-text part), so there is no floor. `harvester_walk` times successive sort=id asc pages from the start and
from deep in the catalog.

    python3 -m bench.search_bench --sizes 10000,100000
    python3 -m bench.search_bench --sizes 10000,100000 --backends database,tantivy --repeat 30
    python3 -m bench.search_bench --sizes 1000000 --databases postgresql --backends tantivy --repeat 20
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.search_report import growth, markdown, ratio, summary
from bench.tantivy_index import NODE, IndexBuild, rebuild_rate, tantivy_services
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


def open_services(database: str, workdir: Path, tantivy_root: Path | None = None
                  ) -> tuple[Services, Callable[[], None]]:
    """A fresh migrated database; with `tantivy_root`, Services whose search backend is Tantivy (its bulk_insert
    writes the index rows without their full-text part, and the outbox)."""
    if database == "sqlite":
        url = f"sqlite:///{workdir / f'search-{uuid.uuid4().hex[:6]}.db'}"
        cleanup: Callable[[], None] = lambda: None  # noqa: E731
    else:
        url = create_pg_database("moisson_bench")
        cleanup = lambda: drop_pg_database(url)  # noqa: E731
    search = {"search_backend": "tantivy", "search_index_path": str(tantivy_root), "search_node": NODE} \
        if tantivy_root is not None else {}
    services = build_services(Settings(database_url=url, site_url="http://bench.local", secret_key="x",
                                       storage_path=str(workdir), **search))  # type: ignore[arg-type]
    upgrade(services.db)
    return services, cleanup


def generate_batch(bounds: tuple[int, int]) -> list[Document]:
    """One batch of index documents; its own seed, so batches can be made in parallel and in any order."""
    start, stop = bounds
    gen = Generator()
    gen.rng = random.Random(start)
    return [build_document(gen.package(n)) for n in range(start, stop)]


def load(services: Services, size: int, batch: int = 2000, workers: int = 2,
         also: IndexBuild | None = None) -> float:
    """Fill the index tables; `also`: a Tantivy generation given the same Documents (its time counted apart)."""
    started = time.perf_counter()
    bounds = [(offset, min(size, offset + batch)) for offset in range(0, size, batch)]
    # Documents are built in worker processes (the Python side is most of the time) while this process inserts.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for (_, stop), docs in zip(bounds, pool.imap(generate_batch, bounds), strict=True):
            with services.db.unit_of_work(write=True) as session:
                services.search.bulk_insert(session, docs)
            if also is not None:
                also.add(docs)
            print(f"  loaded {stop}/{size} in {time.perf_counter() - started:.0f} s", file=sys.stderr, end="\r")
    with services.db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if services.db.is_sqlite:
            conn.execute(text("INSERT INTO search_fts(search_fts) VALUES('optimize')"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("VACUUM ANALYZE search_package"))
            conn.execute(text("VACUUM ANALYZE search_value"))
    return time.perf_counter() - started - (also.add_seconds if also is not None else 0.0)


def timed(fns: list[Callable[[int], Any]], repeat: int) -> list[list[float]]:
    """Alternate the backends and the floor, each given the same query of the round, so all see the same machine
    load and the same work."""
    out: list[list[float]] = [[] for _ in fns]
    for fn in fns:
        fn(0)  # warm
    for i in range(repeat):
        for fn, samples in zip(fns, out, strict=True):
            started = time.perf_counter()
            fn(i)
            samples.append(time.perf_counter() - started)
    return out


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


Search = Callable[..., dict[str, Any]]


@dataclass
class Case:
    """One kind of query: its package_search parameters and its floor for round i; `variants`: how many
    distinct queries the rounds cycle through (all are checked for agreement between backends); `ordered`: the
    page's order is fully determined (no relevance score), so the backends must return the same ids."""

    params: Callable[[int], dict[str, Any]]
    floor: Callable[[int], None]
    variants: int = 1
    ordered: bool = True


def searcher(services: Services) -> Search:
    return lambda **params: call_action(services, "package_search", params, actor=ANONYMOUS)


def bound(search: Search, case: Case) -> Callable[[int], Any]:
    return lambda i: search(**case.params(i))


def agreement(searches: dict[str, Search], case: Case) -> dict[str, Any]:
    """Every variant of a case asked of every backend: the counts (of the first variant), and whether counts,
    facets and (ordered cases) the page's ids agree for all of them."""
    counts: dict[str, list[int]] = {name: [] for name in searches}
    same = {"counts": True, "facets": True, "ids": True if case.ordered else None}
    for i in range(case.variants):
        answers = {name: search(**case.params(i)) for name, search in searches.items()}
        first = next(iter(answers.values()))
        for name, answer in answers.items():
            counts[name].append(answer["count"])
            same["counts"] &= answer["count"] == first["count"]
            same["facets"] &= answer["facets"] == first["facets"]
            if case.ordered:
                same["ids"] &= [r["id"] for r in answer["results"]] == [r["id"] for r in first["results"]]
    return {"counts": {name: values[0] for name, values in counts.items()},
            "agree": {key: value for key, value in same.items() if value is not None}}


def measure(services: Services, backends: dict[str, Services], size: int, repeat: int, *,
            with_floor: bool = True) -> dict[str, Any]:
    """Each case timed on every backend and the floor, alternating, on the catalog `services` holds (no floor
    when its full-text part was not written: a Tantivy-only load)."""
    floors = Floors(services)
    gen = Generator()
    searches = {name: searcher(backend) for name, backend in backends.items()}
    any_search = next(iter(searches.values()))
    words = [gen.words[i] for i in (0, 2, 5, 10, 20, 40, 80, 120)]  # frequent to rare

    def word(i: int) -> str:
        return words[i % len(words)]

    def org(i: int) -> str:
        return f"org-{i % 20:03d}"

    visible = any_search(rows=0)["count"]
    deep = min(100_000, int(size * 0.9))  # inside the visible set (5 % private, 1 % drafts)
    final = visible - 100  # the last page of a 100-row walk over everything
    facets = json.dumps(FACETS)
    cases: dict[str, Case] = {
        "free_text": Case(lambda i: {"q": word(i)}, lambda i: floors.free_text(word(i)), len(words), False),
        "faceted_free_text": Case(lambda i: {"q": word(i), "facet.field": facets},
                                  lambda i: floors.faceted(word(i)), len(words), False),
        "fielded_fq": Case(lambda i: {"fq": f"organization:{org(i)} AND res_format:CSV"},
                           lambda i: floors.fielded(org(i), "CSV"), 20),
        "page_first_modified_desc": Case(lambda i: {"sort": "metadata_modified desc", "start": 0},
                                         lambda i: floors.paging("metadata_modified DESC", 0)),
        "page_deep_modified_desc": Case(lambda i: {"sort": "metadata_modified desc", "start": deep},
                                        lambda i: floors.paging("metadata_modified DESC", deep)),
        "page_first_id_asc_rows_100": Case(lambda i: {"sort": "id asc", "start": 0, "rows": 100},
                                           lambda i: floors.paging("package_id", 0)),
        "page_deep_id_asc_rows_100": Case(lambda i: {"sort": "id asc", "start": deep, "rows": 100},
                                          lambda i: floors.paging("package_id", deep)),
        "page_final_id_asc_rows_100": Case(lambda i: {"sort": "id asc", "start": final, "rows": 100},
                                           lambda i: floors.paging("package_id", final)),
        # A harvester's walk: the previous page was served, so this one seeks instead of skipping.
        "walk_deep_id_asc_rows_100": Case(lambda i: {"q": "", "sort": "id asc", "start": deep, "rows": 100},
                                          lambda i: floors.paging("package_id", deep)),
        "walk_final_id_asc_rows_100": Case(lambda i: {"q": "", "sort": "id asc", "start": final, "rows": 100},
                                           lambda i: floors.paging("package_id", final)),
    }
    starts = {name: case.params(0)["start"] for name, case in cases.items() if case.params(0).get("start")}
    for search in searches.values():
        for start in (deep, final):
            search(q="", sort="id asc", start=start - 100, rows=100)  # the walk's previous page
    out: dict[str, Any] = {}
    for name, case in cases.items():
        fns = [bound(search, case) for search in searches.values()]
        samples = timed([*fns, case.floor] if with_floor else fns, repeat)
        figures = {backend: summary(times) for backend, times in zip(searches, samples, strict=False)}
        result: dict[str, Any] = {**figures, **({"start": starts[name]} if name in starts else {})}
        if with_floor:
            floor = result["floor"] = summary(samples[-1])
            for backend in figures:
                result[f"{backend}_p95_over_floor"] = ratio(figures[backend]["p95_ms"], floor["p95_ms"])
        if "database" in figures and "tantivy" in figures:
            result["tantivy_p95_over_database"] = ratio(figures["tantivy"]["p95_ms"], figures["database"]["p95_ms"])
        result.update(agreement(searches, case))
        out[name] = result
        print(f"  {name}: {result}", file=sys.stderr)
    out["harvester_walk"] = walk(searches, max(100, min(deep, visible - 2000)))
    print(f"  harvester_walk: {out['harvester_walk']}", file=sys.stderr)
    out["counts"] = {"all_visible": {name: search(rows=0)["count"] for name, search in searches.items()}}
    return out


def walk(searches: dict[str, Search], deep: int, pages: int = 20, rows: int = 100) -> dict[str, Any]:
    """A harvester's walk (sort=id asc, start += rows): `pages` successive pages from the start, then `pages`
    from `deep` on (reached by one untimed page before it, as a walk would have); the backends take turns page by
    page. The deep pages should cost what the first ones do."""
    times: dict[str, dict[str, list[float]]] = {name: {"first": [], "deep": []} for name in searches}
    same_ids = True
    for search in searches.values():
        search(q="", sort="id asc", start=deep - rows, rows=rows)
    for stage, origin in (("first", 0), ("deep", deep)):
        for page in range(pages):
            ids = []
            for name, search in searches.items():
                started = time.perf_counter()
                answer = search(q="", sort="id asc", start=origin + page * rows, rows=rows)
                times[name][stage].append(time.perf_counter() - started)
                ids.append([r["id"] for r in answer["results"]])
            same_ids &= all(page_ids == ids[0] for page_ids in ids)
    out: dict[str, Any] = {"pages": pages, "rows": rows, "deep_start": deep, "ids_agree": same_ids}
    for name, stages in times.items():
        first, later = summary(stages["first"]), summary(stages["deep"])
        out[name] = {"first_pages": first, "deep_pages": later, "deep_over_first_p50": ratio(later["p50_ms"],
                                                                                            first["p50_ms"])}
    return out


def bench_size(size: int, databases: list[str], backends: list[str], tmp: Path, args: argparse.Namespace,
               report: dict[str, Any]) -> None:
    root = tmp / f"tantivy-{size}"
    built: dict[str, Any] | None = None
    for database in databases:
        print(f"{database} {size}", file=sys.stderr)
        # Tantivy alone: the database gets no full text (as with MOISSON_SEARCH_BACKEND=tantivy), a faster load.
        alone = backends == ["tantivy"]
        services, cleanup = open_services(database, tmp, root if alone else None)
        opened: list[Services] = [services]
        try:
            build = IndexBuild(root) if "tantivy" in backends and built is None else None
            load_seconds = load(services, size, also=build)
            if build is not None:
                built = build.finish()  # the same generated catalog: one index serves every database's run
                print(f"  tantivy build: {built}", file=sys.stderr)
            chosen: dict[str, Services] = {"database": services} if "database" in backends else {}
            if "tantivy" in backends:
                chosen["tantivy"] = tantivy_services(services, root)
                opened.append(chosen["tantivy"])
            result: dict[str, Any] = {"load_seconds": round(load_seconds, 1),
                                      **({"tantivy_build": built} if built else {}),
                                      **measure(services, chosen, size, args.repeat, with_floor=not alone)}
            if args.rebuild_rate and "tantivy" in chosen:
                result["tantivy_rebuild_from_database"] = rebuild_rate(chosen["tantivy"], tmp / f"rebuild-{size}")
                shutil.rmtree(tmp / f"rebuild-{size}", ignore_errors=True)
            report["sizes"].setdefault(str(size), {})[database] = result
            print(json.dumps({str(size): {database: result}}), file=sys.stderr)  # kept if a later size fails
        finally:
            for opened_services in opened:
                opened_services.db.dispose()
            cleanup()
    shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--backends", default="database",
                        help="database,tantivy: the search backends timed on each database's catalog (the Tantivy "
                             "index is built once per size from the same generated datasets)")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--rebuild-rate", action="store_true",
                        help="also time a Tantivy rebuild from the database (indexer.build_generation)")
    parser.add_argument("--workdir", default=None, help="where SQLite files and indexes go (default: a temp dir)")
    parser.add_argument("--table", nargs="+", metavar="REPORT.json",
                        help="print saved reports as a Markdown table instead of running")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown([json.loads(Path(name).read_text()) for name in args.table]))
        return 0
    backends = [b for b in args.backends.split(",") if b]
    if not set(backends) <= {"database", "tantivy"}:
        parser.error("--backends takes database and/or tantivy")
    report: dict[str, Any] = {
        "sizes": {}, "backends": backends,
        "notes": "times in ms; floor = the database's own SQL for the same matches; <backend>_p95_over_floor and "
                 "tantivy_p95_over_database compare p95s of the same run; counts are of the first query variant, "
                 "agree = counts, facets and (sorted cases) ids equal between backends for every variant"}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            bench_size(size, args.databases.split(","), backends, Path(tmp), args, report)
    if len(report["sizes"]) > 1:
        sizes = sorted(report["sizes"], key=int)
        report[f"growth_{sizes[0]}_to_{sizes[-1]}"] = growth(report)
    print(markdown([report]), file=sys.stderr)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
