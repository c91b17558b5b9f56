"""`moisson export dcat`: the whole public catalog as N-Triples or Turtle, streamed with flat memory."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from catalog.cli_support import cli_services
from catalog.dcat.profiles import PROFILES, profile_named
from catalog.dcat.stream import DUMP_BATCH, STREAMABLE_FORMATS, CatalogFilter, count_public, dump


@click.group()
def export() -> None:
    """Export the catalog."""


@export.command("dcat")
@click.option("--format", "fmt", type=click.Choice(sorted(STREAMABLE_FORMATS)), default="nt", show_default=True)
@click.option("--profile", default="dcat_ap_3", show_default=True,
              type=click.Choice(sorted(PROFILES)), help="DCAT-AP 3 or 2.1.1.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
@click.option("--modified-since", type=click.DateTime(), default=None,
              help="Only datasets modified at or after this UTC date-time.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=DUMP_BATCH, show_default=True)
def export_dcat(fmt: str, profile: str, output: str, modified_since: datetime | None, batch_size: int) -> None:
    """Write every public dataset as DCAT-AP (private and draft datasets are never exported).

    A progress bar goes to standard error when it is a terminal, so it never mixes with the RDF."""
    from tqdm import tqdm

    services = cli_services()
    chosen = profile_named(profile)
    assert chosen is not None  # click.Choice already checked the name
    where = CatalogFilter(modified_since=modified_since)
    with tqdm(total=count_public(services, where), unit="dataset", desc="DCAT export", file=sys.stderr,
              disable=None) as bar:
        options: dict[str, Any] = {"fmt": fmt, "profile": chosen, "where": where, "batch_size": batch_size,
                                   "progress": bar.update}
        if output == "-":
            count = dump(services, sys.stdout.buffer, **options)
            sys.stdout.buffer.flush()
        else:
            with open(output, "wb") as out:
                count = dump(services, out, **options)
    click.echo(f"Exported {count} datasets as DCAT ({chosen.name}, {fmt}).", err=True)
