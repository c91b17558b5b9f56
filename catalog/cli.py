"""The `moisson` command: each command builds services from the environment and calls actions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from catalog.cli_support import cli_services, run_action
from catalog.context import SYSTEM
from catalog.migrate import upgrade
from catalog.services import Services, build_services
from catalog.settings import Settings


@click.group()
def main() -> None:
    """Moisson: an open-data catalog that speaks the CKAN API and DCAT. Configure with MOISSON_* variables."""


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the latest schema (safe to run again)."""
    services = build_services(Settings.from_env())
    upgrade(services.db, services.settings.datastore_read_role)
    click.echo("Database schema is up to date.")


@main.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.argument("name")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--sysadmin", is_flag=True, help="Give the user every right on the site.")
def user_add(name: str, email: str, password: str, sysadmin: bool) -> None:
    """Create a user account."""
    result = run_action(cli_services(), "user_create",
                        {"name": name, "email": email, "password": password, "sysadmin": sysadmin})
    click.echo(f"Created user {result['name']} ({result['id']}){' as sysadmin' if sysadmin else ''}.")


@main.group()
def organization() -> None:
    """Organizations and their members (what the organization pages and the API do, from the shell)."""


@organization.command("add")
@click.argument("name")
@click.option("--title", default="", help="The name shown on pages (default: NAME).")
@click.option("--description", default="")
@click.option("--review-required/--no-review-required", default=None,
              help="Hold editors' datasets for review before publication (default: MOISSON_REVIEW_REQUIRED_DEFAULT).")
def organization_add(name: str, title: str, description: str, review_required: bool | None) -> None:
    """Create organization NAME (lower-case letters, digits, - and _), as the site."""
    data: dict[str, object] = {"name": name, "title": title or name, "description": description}
    if review_required is not None:
        data["review_required"] = review_required
    result = run_action(cli_services(), "organization_create", data)
    review = " (datasets reviewed before publication)" if result.get("review_required") else ""
    click.echo(f"Created organization {result['name']} ({result['id']}){review}.")


@organization.command("member")
@click.argument("organization_name")
@click.argument("user_name")
@click.option("--role", type=click.Choice(["admin", "reviewer", "editor", "member"]), default="editor",
              show_default=True, help="reviewer: an editor who also reviews datasets before publication.")
def organization_member(organization_name: str, user_name: str, role: str) -> None:
    """Make USER_NAME a member of ORGANIZATION_NAME with ROLE (or change their role)."""
    run_action(cli_services(), "organization_member_create",
               {"id": organization_name, "username": user_name, "role": role})
    click.echo(f"{user_name} is now {role} of {organization_name}.")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--token-name", default="cli", show_default=True, help="A label to recognise the token by.")
def token_create(name: str, token_name: str) -> None:
    """Create an API token for user NAME; the token is printed alone on the last line."""
    result = run_action(cli_services(), "api_token_create", {"user": name, "name": token_name})
    click.echo(f"API token for {name} ({token_name}); send it in the Authorization header:")
    click.echo(result["token"])


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per worker.")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the catalog with gunicorn (a production WSGI server)."""
    from catalog.server import run_gunicorn

    services = cli_services()
    services.db.dispose()  # creates/migrates the embedded default once, before workers fork
    click.echo(f"Moisson is serving on http://{host}:{port}/ (CKAN API at /api/3/action/)", err=True)
    stop_indexer = None
    if services.settings.search_backend == "tantivy":
        from catalog.search.supervisor import start_supervised_indexer, wait_for_index

        click.echo(f"Search: Tantivy index at {services.settings.search_index_path}, indexer started", err=True)
        stop_indexer = start_supervised_indexer()
        wait_for_index(Path(services.settings.search_index_path), lambda: services.search.index_status()["ready"],
                       lambda text: click.echo(text, err=True))
        services.db.dispose()  # no pooled connection may be inherited by the forked workers
    try:
        run_gunicorn(host=host, port=port, workers=workers, threads=threads)
    finally:
        if stop_indexer is not None:
            stop_indexer()


@main.group()
def demo() -> None:
    """The demonstration catalog."""


@demo.command("load")
def demo_load() -> None:
    """Load the demo catalog modelled on the family-benefits agency's portal (idempotent)."""
    from tqdm import tqdm

    from catalog.demo.loader import demo_catalog, load_demo
    from catalog.demo.review import load_review_demo, review_demo_lines

    services = cli_services()
    with tqdm(total=len(demo_catalog()["datasets"]), desc="datasets", unit="dataset") as bar:
        counts = load_demo(services, SYSTEM, progress=bar.update)
    click.echo("Demo catalog loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for line in review_demo_lines(load_review_demo(services, SYSTEM)):
        click.echo(line)
    wait_for_datastore_loads(services)


def wait_for_datastore_loads(services: Services) -> None:
    """Show the DataStore loads started by this command until they end (they run in this process)."""
    from tqdm import tqdm

    from catalog.datastore.jobs import pending_loads, wait_for_loads

    total = pending_loads(services)
    if not total:
        return
    with tqdm(total=total, desc="previews (DataStore loads)", unit="file") as bar:

        def show(left: int) -> None:
            bar.n = total - left
            bar.refresh()

        left = wait_for_loads(services, timeout=3600, on_progress=show)
        show(left)


# Commands of the other domains (search, DCAT, harvest, datastore) register below, one line each.
from catalog.dcat.cli import export as dcat_export  # noqa: E402

main.add_command(dcat_export)
from harvest.cli import harvest_group, worker  # noqa: E402

main.add_command(harvest_group)
main.add_command(worker)
from catalog.search.cli import search_index, search_indexer  # noqa: E402

main.add_command(search_index)
main.add_command(search_indexer)


def entry() -> None:
    main(prog_name="moisson")


if __name__ == "__main__":
    sys.exit(entry())
