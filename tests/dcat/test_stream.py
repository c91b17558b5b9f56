"""The streaming dump (`moisson export dcat`) and schema.org JSON-LD, on a real database."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import DCAT, RDF

from catalog.dcat.from_rdf import datasets_from_graph
from catalog.dcat.profiles import DCAT_AP_2
from catalog.dcat.schemaorg import dataset_to_schemaorg
from catalog.dcat.stream import CatalogFilter, count_public, dump
from tests.dcat import shacl
from tests.dcat.samples import SITE, package
from tests.dcat.test_views import make_dataset


@pytest.mark.parametrize("fmt,parser", [("nt", "nt"), ("ttl", "turtle")])
def test_dump_writes_every_public_dataset_in_batches(services, call, sysadmin, org, fmt, parser):
    names = [make_dataset(call, sysadmin, org["id"], f"ds-{i}")["name"] for i in range(5)]
    make_dataset(call, sysadmin, org["id"], "hidden", private=True)
    make_dataset(call, sysadmin, org["id"], "unfinished", state="draft")
    out, steps = io.BytesIO(), []
    assert count_public(services, CatalogFilter()) == 5
    assert dump(services, out, fmt=fmt, batch_size=2, progress=steps.append) == 5
    assert steps == [2, 2, 1]
    graph = Graph().parse(data=out.getvalue(), format=parser)
    assert sorted(pkg["name"] for _, pkg in datasets_from_graph(graph)) == names
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(list(graph.objects(catalog, DCAT.dataset))) == 5


def test_dump_writes_each_batch_before_reading_the_next(services, call, sysadmin, org, monkeypatch):
    """Streaming, so memory stays flat: nothing of the catalog is held beyond the batch being written."""
    from catalog.dcat import stream

    for i in range(7):
        make_dataset(call, sysadmin, org["id"], f"m-{i}")
    out, written_before_each_batch = io.BytesIO(), []
    real = stream.dictize_batch

    def watched(session, ids, settings):
        written_before_each_batch.append(out.tell())
        return real(session, ids, settings)

    monkeypatch.setattr(stream, "dictize_batch", watched)
    assert dump(services, out, fmt="nt", batch_size=2) == 7
    sizes = [*written_before_each_batch, out.tell()]
    assert len(sizes) == 5 and sizes == sorted(set(sizes)), sizes


def test_dump_conforms_to_dcat_ap_2(services, call, sysadmin, org):
    make_dataset(call, sysadmin, org["id"], "rsa", version="1.0",
                 resources=[{"url": "http://example.org/a.csv", "format": "csv", "size": 10}])
    out = io.BytesIO()
    dump(services, out, fmt="ttl", profile=DCAT_AP_2)
    conforms, report = shacl.validate(Graph().parse(data=out.getvalue(), format="turtle"), "2.1.1")
    assert conforms, report


def test_export_dcat_command(services, call, sysadmin, org, tmp_path, monkeypatch):
    from catalog.cli import main

    make_dataset(call, sysadmin, org["id"], "from-cli")
    monkeypatch.setenv("MOISSON_DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("MOISSON_SITE_URL", SITE)
    target = tmp_path / "catalog.nt"
    result = CliRunner().invoke(main, ["export", "dcat", "--format", "nt", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Exported 1 datasets" in result.output
    graph = Graph().parse(target, format="nt")
    assert [pkg["name"] for _, pkg in datasets_from_graph(graph)] == ["from-cli"]
    result = CliRunner().invoke(main, ["export", "dcat", "--format", "xml"])
    assert result.exit_code == 2 and "nt" in result.output


def test_schemaorg_dataset_from_the_same_mapping():
    doc = dataset_to_schemaorg(package(), site_url=SITE, catalog_title="Moisson")
    assert doc["@type"] == "Dataset" and doc["name"].startswith("Foyers allocataires")
    assert doc["license"] == "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
    assert doc["temporalCoverage"] == "2009-12-31/2023-12-31"
    assert doc["publisher"]["name"] == "Caisse nationale des allocations familiales"
    assert doc["inLanguage"] == ["fr"]
    assert doc["distribution"][0] == {
        "@type": "DataDownload", "contentUrl": "https://data.caf.fr/files/RSACom2010.csv",
        "name": "RSACom2010.csv", "description": "Fichier CSV, séparateur point-virgule",
        "encodingFormat": "text/csv", "contentSize": "123456 B"}


def test_pages_and_newest_change_walk_an_index_instead_of_sorting_the_catalog(services):
    """Migration 0006: with only (state, private), SQLite sorted every public row for each DCAT page and for the
    catalog's dct:modified (19 and 31 ms at 100,000 datasets, growing with the catalog)."""
    if not services.db.is_sqlite:
        pytest.skip("PostgreSQL plans by its statistics; bench/dcat_export.py measures it at 100,000 datasets")
    from catalog.context import ANONYMOUS
    from catalog.dcat.stream import last_modified, page_of_ids
    from catalog.registry import unit
    from tests.plans import sqlite_plans, walks_an_index

    def run() -> None:
        with unit(services, ANONYMOUS, write=False) as ctx:
            page_of_ids(ctx, CatalogFilter(), page=2, per_page=100, after="x")
            last_modified(ctx)

    plans = sqlite_plans(services, run)
    assert len(plans) == 2
    for statement, details in plans:
        assert walks_an_index(details, "ix_package_state_private_"), (statement, details)


def test_batches_use_package_shows_stored_dicts_and_dictize_the_rest(services, call, sysadmin, org):
    """A batch reads the dicts package_show serves; a dataset without a current one is dictized, same dict."""
    from sqlalchemy import delete, select, update

    from catalog.context import ANONYMOUS
    from catalog.dataset.models import Package
    from catalog.dcat import stream
    from catalog.registry import call_action
    from catalog.search.index import search_doc, search_package

    created = [make_dataset(call, sysadmin, org["id"], f"s-{i}") for i in range(3)]
    shown = {c["id"]: call_action(services, "package_show", {"id": c["id"]}, actor=ANONYMOUS) for c in created}

    def batch() -> tuple[list[dict], int]:
        with services.db.unit_of_work(write=False) as session:
            ids = list(session.scalars(select(Package.id).order_by(Package.id)))
            stored = len(stream.current_stored_dicts(session, ids))
            return stream.dictize_batch(session, ids, services.settings), stored

    dicts, stored = batch()
    assert stored == 3 and dicts == [shown[key] for key in sorted(shown)]
    missing, stale, current = sorted(shown)

    def doc_of(package_id):
        return select(search_package.c.doc_id).where(search_package.c.package_id == package_id).scalar_subquery()

    with services.db.unit_of_work(write=True) as session:
        session.execute(delete(search_doc).where(search_doc.c.doc_id == doc_of(missing)))
        session.execute(update(search_package).where(search_package.c.package_id == stale)
                        .values(metadata_modified=datetime(2000, 1, 1)))
        session.execute(update(search_doc).where(search_doc.c.doc_id == doc_of(stale))
                        .values(data_dict='{"stale": true}'))
        session.execute(update(search_doc).where(search_doc.c.doc_id == doc_of(current))
                        .values(data_dict=json.dumps({**shown[current], "served_from": "stored dict"})))
    dicts, stored = batch()
    assert stored == 1
    assert dicts == [shown[missing], shown[stale], {**shown[current], "served_from": "stored dict"}]
