"""The Tantivy search (catalog/search/tantivy_query.py, tantivy_search.py) answers exactly what the database
backend answers: the same documents go into both, the same SearchRequests run through both, and count, ids in
order and facets must be identical."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import tantivy

from catalog.authz import VisibilityRule, rule_clause
from catalog.clock import utcnow
from catalog.errors import SearchError
from catalog.search import tantivy_search
from catalog.search.index import Document, build_document
from catalog.search.query import parse
from catalog.search.sql import SearchRequest, index_visibility, parse_sort
from catalog.search.tantivy_schema import build_schema, sort_digits, tantivy_document
from catalog.search.tantivy_search import WALKS, run_search

CNAF, INSEE = str(uuid.UUID(int=0xC0AF)), str(uuid.UUID(int=0x1A5E))
ALICE, BOB = "user-alice", "user-bob"
TAGS = ["famille", "logement", "prestations", "démographie", "statistics", "Économie", "santé", "emploi"]
TITLES = ["Allocataires des CAF par commune {i}", "Aides au logement {i}", "Population census {i}",
          "Naissances en France {i}", "Économie sociale et solidaire {i}", "Allocataires : prestations {i}", ""]
NOTES = ["Nombre d'allocataires et de prestations familiales versées.",
         "Les Logements et les aides personnelles au logement (APL) en Île-de-France.",
         "Housing and population statistics by region.", "État civil : naissances et décès.", ""]
COUNT = 160
NOW = utcnow()


def package(i: int, rng: random.Random) -> dict[str, Any]:
    org = [CNAF, INSEE, None][i % 3]
    state = "draft" if i % 17 == 5 else "deleted" if i % 19 == 7 else "active"
    title = rng.choice(TITLES).format(i=i)
    formats = rng.sample(["CSV", "JSON", "XLSX", "csv"], k=rng.randint(0, 2))
    extras = [{"key": "frequency", "value": rng.choice(["annuelle", "mensuelle", "Annuelle"])}]
    if i % 4:
        extras.append({"key": "couverture.geo", "value": rng.choice(["France", "Île-de-France", "Bretagne\nOuest"])})
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        # Names and titles share their first 8 bytes in groups: ties of the sort keys, resolved exactly.
        "name": rng.choice(["allocataires-caf-", "aides-logement-", "jeu-", "x"]) + f"{i:03d}",
        "title": title, "state": state, "type": "dataset" if i % 11 else "harvest",
        "private": i % 5 == 1, "owner_org": org,
        "organization": {"name": {CNAF: "cnaf", INSEE: "insee"}[org], "title": "Org"} if org else None,
        "license_id": rng.choice(["lov2", "cc-by", "odc-odbl"]), "license_title": "Licence Ouverte",
        "creator_user_id": [ALICE, BOB, "user-carol"][i % 3 if i % 7 else 0],
        "url": "" if i % 13 == 4 else f"http://example.org/{i}", "version": None if i % 2 else f"1.{i % 4}",
        "author": rng.choice(["Dupont", "Martin", ""]), "maintainer": None,
        "notes": rng.choice(NOTES),
        "metadata_created": (NOW - timedelta(days=400 - i, hours=3)).isoformat(),
        # Few distinct values: ties of metadata_modified, broken by package_id.
        "metadata_modified": (NOW - timedelta(days=(i % 9) * 45, hours=5)).isoformat(),
        "tags": [{"name": t} for t in rng.sample(TAGS, k=rng.randint(0, 3))],
        "groups": [{"name": "social", "title": "Social"}] if i % 6 == 0 else [],
        "resources": [{"url": f"http://example.org/{i}/{n}.{f.lower()}", "format": f, "name": f"Fichier {f} {i}",
                       "description": "Données brutes" if n else "Census data"} for n, f in enumerate(formats)],
        "extras": extras,
    }


PACKAGES = [package(i, random.Random(1500 + i)) for i in range(COUNT)]
ID_OF = {p["id"]: p for p in PACKAGES}


def indexed(path: Path, packages: list[dict[str, Any]], segment: int) -> tantivy.Searcher:
    """A Tantivy index of these datasets, committed every `segment` datasets: several segments, which facets and
    sorts merge."""
    index = tantivy.Index(build_schema(), path=str(path))
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for n, pkg in enumerate(packages):
        writer.add_document(tantivy_document(build_document(pkg)))
        if n % segment == segment - 1:
            writer.commit()
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index.searcher()


@pytest.fixture
def searcher(tmp_path: Path) -> tantivy.Searcher:
    return indexed(tmp_path, PACKAGES, 50)


@pytest.fixture
def filled(services: Any) -> Any:
    with services.db.unit_of_work(write=True) as session:
        services.search.bulk_insert(session, [build_document(pkg) for pkg in PACKAGES])
    return services


ANONYMOUS = VisibilityRule(include_private=False)
SYSADMIN = VisibilityRule(everything=True)
MEMBER = VisibilityRule(user_id=BOB, member_orgs=(CNAF,))
EDITOR = VisibilityRule(user_id=ALICE, member_orgs=(INSEE,), editor_orgs=(INSEE,))
COLLABORATOR = VisibilityRule(user_id="user-carol", collaborations=(PACKAGES[5]["id"], PACKAGES[7]["id"],
                                                                    PACKAGES[1]["id"]),
                              edit_collaborations=(PACKAGES[26]["id"],))


def request(q: str | None = None, fq: str = "", fq_list: tuple[str, ...] = (), sort: str | None = None,
            rows: int = 1000, start: int = 0, facets: tuple[str, ...] = (), limit: int = 50, mincount: int = 1,
            rule: VisibilityRule = ANONYMOUS, include_private: bool = False, drafts: bool = False,
            deleted: bool = False, walk_key: Any = None) -> SearchRequest:
    """As catalog.search.actions.build_request makes it."""
    states = ("active",) + (("draft",) if drafts else ()) + (("deleted",) if deleted else ())
    if "+state" in fq:
        states = ("active", "draft", "deleted")
    if rule.user_id:
        rule = replace(rule, include_private=include_private)  # visibility_rule's flag
    return SearchRequest(
        q=parse(q), filters=[parse(fq)] + [parse(f) for f in fq_list], sort=parse_sort(sort), rows=rows,
        start=start, states=states, include_private=include_private,
        visibility=index_visibility(rule_clause(rule)), rule=rule, facet_fields=list(facets),
        facet_limit=limit, facet_mincount=mincount, walk_key=walk_key)


@pytest.fixture
def check(filled: Any, searcher: tantivy.Searcher) -> Iterator[Any]:
    schema = build_schema()

    def run(**kwargs: Any) -> tuple[int, list[str], dict[str, list[tuple[str, int]]]]:
        req = request(**kwargs)
        with filled.db.unit_of_work(write=False) as session:
            expected = filled.search.search(session, req)
        found = run_search(searcher, schema, request(**kwargs))
        want = (expected.count, [r["id"] for r in expected.results], expected.facets)
        got = (found.count, found.package_ids, found.facets)
        assert got == want, f"{kwargs}: {[ID_OF[i]['name'] for i in got[1]]} != {[ID_OF[i]['name'] for i in want[1]]}"
        return want

    yield run


TEXT_QUERIES = [
    "allocataires", "Allocataire", "logements", "LOGEMENT", "île-de-france", "ile de france", "APL", "données",
    '"aides au logement"', '"logement aides"', "logem*", "alloc*", "aides\\ au\\ log*", "naiss*", "censu*",
    "title:logement", 'notes:"prestations familiales"', "extras_frequency:annuelle", "res_name:csv",
    "res_description:brutes", "author:dupont", "title:alloc*", "economie", "économie sociale", "famille",
    "démographie", "statistic", "housing region", "zzzz", "famille AND logement", "famille OR statistics",
    "NOT famille", "-tags:famille", "allocataires -tags:famille", "(logement OR population) AND organization:cnaf",
]
EXACT_QUERIES = [
    "tags:famille", "tags:démographie", "tags:Économie", "res_format:CSV", "res_format:csv", "organization:cnaf",
    "license_id:lov2", f"name:{PACKAGES[3]['name']}", f"id:{PACKAGES[8]['id']}", "frequency:annuelle",
    "groups:social", "type:harvest", "dataset_type:dataset", f"owner_org:{INSEE}", "license:\"Licence Ouverte\"",
    "name:jeu-0*", "res_url:*/1?/*", "tags:fam?lle", "title_string:Allocataires*", "url:http*", "tags:Fam*",
    "couverture.geo:Bretagne*", "couverture.geo:*Ouest", "frequency:*", "version:*", "owner_org:*",
    "-owner_org:*", "title_string:*", "capacity:public", "capacity:private", "private:true", "private:false",
    "capacity:other", "entity_type:package", "site_id:*", "entity_type:dataset", "unknown_field:x",
    'url:""', "url:[* TO a]", "-url:*", "url:?*", "name:[jeu-010 TO jeu-080]", "name:{aides-logement-010 TO jeu-050}", "license_id:[a TO m}", "tags:[a TO g]",
    "version:[1.1 TO *]", "frequency:[* TO annuelle]",
    "metadata_modified:[NOW-100DAYS TO NOW]", "metadata_modified:[* TO NOW-1YEAR]",
    "metadata_created:{NOW-200DAYS TO *]", "metadata_modified:[NOW/DAY-90DAYS TO *]",
    "metadata_created:[2000-01-01T00:00:00Z TO NOW-300DAYS}",
    f'metadata_modified:"{PACKAGES[9]["metadata_modified"]}Z"',
]


def test_queries_match_the_same_datasets_in_the_same_order(check: Any) -> None:
    # One test for all queries: filling both indexes costs more than the searches.
    for q in TEXT_QUERIES + EXACT_QUERIES:
        check(q=q, sort="metadata_modified desc")
        check(q="*:*", fq=q, sort="id asc", rule=SYSADMIN, include_private=True, drafts=True, deleted=True)
    check(q="allocataires", fq_list=("tags:famille OR tags:logement", "-res_format:JSON"), sort="name desc")


SORTS = ["id asc", "id desc", "name asc", "name desc", "title_string asc", "title_string desc",
         "metadata_created asc", "metadata_modified desc", "metadata_modified asc", None, "score desc",
         "license_id asc, name desc", "license_id desc, metadata_modified asc, title_string asc",
         "dataset_type asc, metadata_modified desc", "metadata_modified desc, score desc, name asc"]


def test_sorts_and_pages(check: Any) -> None:
    for sort in SORTS:
        _sorts_and_pages(check, sort)


def _sorts_and_pages(check: Any, sort: str | None) -> None:
    everything = check(sort=sort, rule=SYSADMIN, include_private=True, drafts=True, deleted=True)[1]
    assert len(everything) == COUNT
    for rows, start in [(1, 0), (7, 3), (10, 40), (25, 100), (3, COUNT - 2), (10, COUNT), (5, COUNT + 40)]:
        page = check(sort=sort, rows=rows, start=start, rule=SYSADMIN, include_private=True, drafts=True,
                     deleted=True)[1]
        assert page == everything[start:start + rows]
    check(fq="allocataires -tags:santé", sort=sort, rows=4, start=2)  # text in fq: no score
    check(fq="organization:*", sort=sort + ", organization asc" if sort else None, rows=9, start=5)


def test_score_sort_where_the_order_is_unambiguous(check: Any) -> None:
    # One title holds the word (boost 4) where the other datasets have it in their notes only.
    best = next(p for p in PACKAGES if p["title"].startswith("Naissances") and p["state"] == "active"
                and not p["private"])
    fq = f'name:{best["name"]} OR (notes:naissances AND -title_string:Naissances*)'
    count, ids, _ = check(q="naissances", fq=fq, rows=1)
    assert count > 1 and ids == [best["id"]]


def test_rows_zero_counts_and_facets(check: Any) -> None:
    count, ids, facets = check(rows=0, facets=("tags", "res_format", "capacity"), include_private=True,
                               rule=MEMBER)
    assert count > 0 and ids == [] and facets["tags"]


FACETS = ("tags", "res_format", "organization", "license_id", "capacity", "groups", "couverture.geo",
          "frequency", "type", "name", "nonexistent", "private", "url")


@pytest.mark.parametrize("by_terms", [False, True])
def test_facets_cut_at_the_limit_with_ties(check: Any, monkeypatch: Any, by_terms: bool) -> None:
    if by_terms:
        # Every facet with more values per segment than this goes through the term dictionary instead.
        monkeypatch.setattr(tantivy_search, "SEGMENT_SIZE", 1)
        monkeypatch.setattr(tantivy_search, "MAX_BUCKETS", 2)
    for limit, mincount in [(50, 1), (3, 1), (2, 2), (1, 1), (0, 1), (-1, 1), (-1, 30), (4, 25)]:
        _facets(check, limit, mincount)


def _facets(check: Any, limit: int, mincount: int) -> None:
    check(facets=FACETS, limit=limit, mincount=mincount, rows=0)
    check(q="allocataires OR logement", facets=FACETS, limit=limit, mincount=mincount, rows=5, sort="name asc",
          rule=SYSADMIN, include_private=True, drafts=True)
    check(fq="res_format:CSV", facets=FACETS, limit=limit, mincount=mincount, rows=0, rule=EDITOR,
          include_private=True, deleted=True)


def test_visibility_rules(check: Any) -> None:
    for rule in [ANONYMOUS, SYSADMIN, MEMBER, EDITOR, COLLABORATOR]:
        for include_private, drafts, deleted in [(False, False, False), (True, False, False), (True, True, False),
                                                 (False, True, True), (True, True, True)]:
            options = {"rule": rule, "include_private": include_private, "drafts": drafts, "deleted": deleted}
            check(sort="id asc", facets=("capacity", "organization"), **options)
            check(q="allocataires", fq="+state:(active OR draft OR deleted)", sort="name asc", **options)


def test_walks_give_offset_paging_rows(check: Any) -> None:
    for sort in ["id asc", "metadata_modified desc", "name asc", "title_string desc", "license_id asc, id desc"]:
        for rows in [3, 20, 50]:
            _walk(check, sort, rows)


def _walk(check: Any, sort: str, rows: int) -> None:
    options = {"sort": sort, "rule": SYSADMIN, "include_private": True, "drafts": True, "deleted": True}
    everything = check(**options)[1]
    key = ("walk", uuid.uuid4().hex)
    seen: list[str] = []
    for start in range(0, COUNT + rows, rows):
        seen += check(rows=rows, start=start, walk_key=key, **options)[1]
    assert seen == everything
    assert WALKS.get((key, COUNT, rows)) is not None  # the second page sought from the first one's end


def test_a_stale_walk_cursor_never_widens_the_results(searcher: tantivy.Searcher) -> None:
    schema = build_schema()
    visible = set(run_search(searcher, schema, request(sort="id asc")).package_ids)
    count = len(visible)
    key = ("stale", uuid.uuid4().hex)
    for cursor in [(0, 0), (2**63, 3), (1, 10**6), (2**40, 0)]:
        WALKS.put((key, count, 10), cursor)
        page = run_search(searcher, schema, request(sort="id asc", rows=10, start=10, walk_key=key)).package_ids
        assert set(page) <= visible and len(page) == 10
    # A cursor claiming that 10 datasets precede the 20th is believed: positions shift, nothing else.
    everything = run_search(searcher, schema, request(sort="id asc")).package_ids
    WALKS.put((key, count, 10), (sort_digits("id", everything[20])[0], 10))
    page = run_search(searcher, schema, request(sort="id asc", rows=10, start=10, walk_key=key)).package_ids
    assert page == everything[20:30]


LONG = "Données relatives à la qualité de l'air "  # more than 31 bytes: values past the sort digits
PREFIXES = ["Données ", "Données relatives ", "Données relatives à la ", "Données relatives à la qua",
            LONG, "Résultat "]


def prefixed(i: int, rng: random.Random) -> dict[str, Any]:
    """Hundreds of titles and names sharing their first 8, 16, 24, 31 bytes; identical titles; '' and 'Données'."""
    pkg = package(i, rng)
    kind = i % 8
    word = rng.choice(["eau", "air", "sol", "bruit", ""])
    title = "Base de données" if kind == 6 else rng.choice(["", "Données", "a", LONG]) if kind == 7 else \
        PREFIXES[kind] + word + (str(rng.randint(0, 40)) if kind % 2 else "")
    name = ["donnees-", "donnees-relatives-a-la-qual-", "resultat-"][i % 3] + f"{word}-{i:04d}"
    pkg.update(title=title, name=name, url=f"http://example.org/datasets/donnees/{i % 5}",
               metadata_modified=(NOW - timedelta(days=(i % 3) * 45)).isoformat())
    return pkg


PREFIXED = [prefixed(i, random.Random(7000 + i)) for i in range(480)]
ID_OF_PREFIXED = {p["id"]: p for p in PREFIXED}
DEEP_SORTS = ["title_string asc", "title_string desc", "name asc", "name desc", "id asc", "id desc", "url asc",
              "title_string asc, name desc", "license_id asc, title_string desc", "metadata_modified desc",
              "url desc, metadata_modified asc", "license_id desc, metadata_created asc"]


@pytest.fixture
def check_prefixed(services: Any, tmp_path: Path) -> Any:
    with services.db.unit_of_work(write=True) as session:
        services.search.bulk_insert(session, [build_document(pkg) for pkg in PREFIXED])
    schema = build_schema()
    searcher = indexed(tmp_path, PREFIXED, 150)

    def run(**kwargs: Any) -> list[str]:
        with services.db.unit_of_work(write=False) as session:
            expected = [r["id"] for r in services.search.search(session, request(**kwargs)).results]
        assert run_search(searcher, schema, request(**kwargs)).package_ids == expected, kwargs
        return expected

    run.searcher = searcher  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize(("window", "read"), [(80, 2_000), (20_000, 30)])
def test_pages_inside_long_shared_prefixes(check_prefixed: Any, monkeypatch: Any, window: int, read: int) -> None:
    # Groups tied on a sort digit are larger than the window: pages descend into the next digits.
    monkeypatch.setattr(tantivy_search, "MAX_WINDOW", window)  # 75 titles start with LONG
    monkeypatch.setattr(tantivy_search, "READ_WINDOW", read)
    everyone = {"rule": SYSADMIN, "include_private": True, "drafts": True, "deleted": True}
    for sort in DEEP_SORTS:
        everything = check_prefixed(sort=sort, **everyone)
        assert len(everything) == len(PREFIXED)
        for rows, start in [(1, 0), (7, 3), (10, 45), (25, 100), (40, 170), (1, 239), (33, 301), (100, 377),
                            (3, 478), (10, 480)]:
            assert check_prefixed(sort=sort, rows=rows, start=start, **everyone) == everything[start:start + rows]
        check_prefixed(q="données", fq="-tags:santé", sort=sort, rows=13, start=17)
        key = ("walk", uuid.uuid4().hex)
        seen: list[str] = []
        for start in range(0, len(PREFIXED), 60):
            seen += check_prefixed(sort=sort, rows=60, start=start, walk_key=key, **everyone)
        assert seen == everything


def test_a_page_inside_too_large_a_tie_is_refused(check_prefixed: Any, monkeypatch: Any) -> None:
    # Ties before a score key cannot descend (the score is no fast field): read whole, or refused.
    monkeypatch.setattr(tantivy_search, "MAX_WINDOW", 40)
    assert check_prefixed(sort="license_id asc", rows=10, start=30)  # ties of license_id descend into id
    titles = [ID_OF_PREFIXED[i]["title"] for i in check_prefixed(sort="title_string asc", rows=480)]
    assert check_prefixed(sort="title_string asc", rows=10, start=titles.index(LONG))  # 75 long titles
    with pytest.raises(SearchError, match="add a filter"):
        run_search(check_prefixed.searcher, build_schema(),
                   request(q="données", sort="license_id asc, score desc", rows=10, start=30))


def test_a_phrase_prefix_of_too_many_words_is_refused(tmp_path: Path) -> None:
    # Tantivy expands a phrase's last prefix to at most 16,384 words; beyond, a 409 rather than a 500.
    schema = build_schema()
    index = tantivy.Index(schema, path=str(tmp_path))
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for i in range(16_500):
        row = {"package_id": str(uuid.UUID(int=i + 1)), "name": f"aide-m{i}", "state": "active", "private": False}
        writer.add_document(tantivy_document(Document(row=row, data_dict="{}", values=[], hi=["aid", f"m{i}"])))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    assert run_search(searcher, schema, request(q="aide\\ m1*", sort="id asc", rows=1)).count == 1 + 10 + 100 + 1000 + 6500
    with pytest.raises(SearchError, match="give more of its letters"):
        run_search(searcher, schema, request(q="aide\\ m*", sort="id asc", rows=1))
