"""`moisson search-index rebuild|check` and `moisson search-indexer`: maintain the search index, with progress.

With the database backends, rebuild re-creates the index tables from the datasets in one transaction. With the
Tantivy backend it builds a new index generation from the stored dicts while the current one keeps answering,
then has the node's indexer catch it up and switch to it atomically (no downtime)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from sqlalchemy import func, select
from tqdm import tqdm

from catalog.cli_support import cli_services
from catalog.dataset.dictize import package_dictize
from catalog.dataset.models import Package
from catalog.search.index import build_document, vocabulary_ids
from catalog.search.indexer import Indexer, build_generation
from catalog.search.tantivy_store import current_generation, indexer_lock, node_name, request_switch
from catalog.services import Services
from catalog.vocab.queries import vocabulary_names


def rebuild(services: Services, *, batch_size: int = 500, progress: bool = True) -> int:
    """Clear and refill the index in one transaction: searches keep seeing the old index until it commits."""
    backend = services.search
    with services.db.unit_of_work(write=True) as session:
        total = session.scalar(select(func.count()).select_from(Package)) or 0
        backend.clear(session)
        ids = list(session.scalars(select(Package.id).order_by(Package.id)))
        with tqdm(total=total, unit="dataset", disable=not progress, desc="search-index") as bar:
            for offset in range(0, len(ids), batch_size):
                chunk = ids[offset:offset + batch_size]
                packages = session.scalars(select(Package).where(Package.id.in_(chunk)).order_by(Package.id))
                dicts = [package_dictize(session, p, services.settings) for p in packages]
                names = vocabulary_names(session, {v for d in dicts for v in vocabulary_ids(d)})
                docs = [build_document(d, names) for d in dicts]
                backend.bulk_insert(session, docs)
                session.expunge_all()
                bar.update(len(docs))
    return total


def rebuild_tantivy(services: Services, *, progress: bool = True, switch_timeout: float = 600.0) -> int:
    """Build a new Tantivy generation and make it current: here if no indexer runs on this node, else by the
    running indexer (which owns the only writer), waiting for its switch."""
    root = Path(services.settings.search_index_path)
    with tqdm(unit="dataset", disable=not progress, desc="search-index") as bar:
        def show(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        generation, position, count = build_generation(services, root, node_name(root, services.settings.search_node),
                                                       progress=show)
    with indexer_lock(root) as held:
        if held:
            indexer = Indexer(services, root=root)
            indexer.switch_to(generation, position)
            indexer.close()
            return count
    request_switch(root, generation, position)
    click.echo(f"Built {count} datasets into {generation.name}; waiting for the search indexer to switch to it...",
               err=True)
    deadline = time.monotonic() + switch_timeout
    while current_generation(root) != generation:
        if time.monotonic() > deadline:
            raise click.ClickException(f"the search indexer did not switch to {generation.name} within "
                                       f"{switch_timeout:.0f} s: is it running (`moisson search-indexer`)?")
        time.sleep(0.2)
    return count


@click.group("search-index")
def search_index() -> None:
    """Maintain the dataset search index."""


@search_index.command("rebuild")
@click.option("--batch-size", default=500, show_default=True, type=int, help="Datasets per insert batch.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--redictize", is_flag=True,
              help="Tantivy: first rebuild the stored dicts in the database too (after an upgrade that changes them).")
def rebuild_command(batch_size: int, quiet: bool, redictize: bool) -> None:
    """Rebuild the whole index from the datasets (all states) in the database."""
    services = cli_services()
    if services.settings.search_backend != "tantivy":
        count = rebuild(services, batch_size=batch_size, progress=not quiet)
    else:
        if redictize:
            rebuild(services, batch_size=batch_size, progress=not quiet)
        count = rebuild_tantivy(services, progress=not quiet)
    click.echo(f"Indexed {count} datasets.")


@search_index.command("check")
@click.option("--repair", is_flag=True, help="Queue the drifting datasets for the indexer to index again.")
def check_command(repair: bool) -> None:
    """Compare the Tantivy index with the database (ids and metadata_modified); exit 1 on drift."""
    from catalog.search.tantivy_check import check

    services = cli_services()
    if services.settings.search_backend != "tantivy":
        raise click.ClickException("the database search backends index in the write's own transaction; "
                                   "`check` is for MOISSON_SEARCH_BACKEND=tantivy")
    drift = check(services, repair=repair)
    click.echo(f"Checked {drift.checked} datasets: {len(drift.missing)} missing, {len(drift.stale)} stale, "
               f"{len(drift.extra)} extra, {len(drift.duplicated)} duplicated.")
    for name in ("missing", "stale", "extra", "duplicated"):
        for package_id in getattr(drift, name)[:20]:
            click.echo(f"  {name}: {package_id}")
    if drift.ids:
        if repair:
            click.echo(f"Queued {len(drift.ids)} datasets for the search indexer.")
        raise SystemExit(1)


@search_index.command("forget-node")
@click.argument("node")
def forget_node_command(node: str) -> None:
    """Stop keeping outbox rows for NODE, a node retired for good (a node silent for 7 days is not waited for)."""
    from catalog.search.outbox import forget_holds, forget_node

    services = cli_services()
    with services.db.unit_of_work(write=True) as session:
        forget_node(session.connection(), node)
        forget_holds(session.connection(), node)
    click.echo(f"Forgot search node {node}.")


@click.command("search-indexer")
def search_indexer() -> None:
    """Run this node's search indexer (MOISSON_SEARCH_BACKEND=tantivy) until stopped; `moisson serve` starts one
    itself. One per node: a second one refuses to start."""
    from catalog.search.indexer_main import main as run_indexer

    run_indexer()
