"""`moisson search-index rebuild`: re-create the search index from the datasets, with a progress bar."""

from __future__ import annotations

import click
from sqlalchemy import func, select
from tqdm import tqdm

from catalog.cli_support import cli_services
from catalog.dataset.dictize import package_dictize
from catalog.dataset.models import Package
from catalog.search.index import build_document, vocabulary_ids
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


@click.group("search-index")
def search_index() -> None:
    """Maintain the dataset search index."""


@search_index.command("rebuild")
@click.option("--batch-size", default=500, show_default=True, type=int, help="Datasets per insert batch.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def rebuild_command(batch_size: int, quiet: bool) -> None:
    """Rebuild the whole index from the datasets (all states) in the database."""
    services = cli_services()
    count = rebuild(services, batch_size=batch_size, progress=not quiet)
    click.echo(f"Indexed {count} datasets.")
