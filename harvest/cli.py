"""`moisson harvest ...` and `moisson worker`. Management goes through the harvest actions as the site
(SYSTEM) actor; runs happen in this process unless a worker queue is used."""

from __future__ import annotations

import json
from typing import Any

import click

from catalog.cli_support import cli_services, run_action
from catalog.errors import ActionError
from catalog.ids import is_uuid
from catalog.services import Services


@click.group("harvest")
def harvest_group() -> None:
    """Harvest other catalogs (CKAN API, DCAT RDF, data.json)."""


@harvest_group.group("source")
def source_group() -> None:
    """Harvest sources."""


def _echo(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@source_group.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--type", "source_type", default="ckan", show_default=True,
              type=click.Choice(["ckan", "dcat_rdf", "dcat_json"]))
@click.option("--title")
@click.option("--org", "owner_org", help="Organization (id or name) that owns the harvested datasets.")
@click.option("--frequency", default="MANUAL", show_default=True,
              type=click.Choice(["MANUAL", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY"]))
@click.option("--config", default="{}", help="JSON object, checked against the backend's schema.")
def source_add(name: str, url: str, source_type: str, title: str | None, owner_org: str | None,
               frequency: str, config: str) -> None:
    """Add a source NAME harvesting URL (created by the site, so already validated)."""
    data = {"name": name, "url": url, "source_type": source_type, "title": title or name,
            "owner_org": owner_org, "frequency": frequency, "config": config}
    result = run_action(cli_services(), "harvest_source_create", data)
    click.echo(f"Created harvest source {result['name']} ({result['id']}).")


@source_group.command("list")
def source_list() -> None:
    """List the sources."""
    for source in run_action(cli_services(), "harvest_source_list", {}):
        state = "active" if source["active"] else "inactive"
        click.echo(f"{source['name']}\t{source['source_type']}\t{source['frequency']}\t{state}\t"
                   f"{source['validation']['state']}\t{source['url']}")


@source_group.command("show")
@click.argument("source")
def source_show(source: str) -> None:
    """Show a source with its status."""
    _echo(run_action(cli_services(), "harvest_source_show", {"id": source}))


@source_group.command("update")
@click.argument("source")
@click.option("--url")
@click.option("--title")
@click.option("--config", help="JSON object replacing the config.")
@click.option("--frequency", type=click.Choice(["MANUAL", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY"]))
@click.option("--active/--inactive", default=None)
def source_update(source: str, **changes: Any) -> None:
    """Change a source; omitted options are kept."""
    data = {"id": source, **{k: v for k, v in changes.items() if v is not None}}
    result = run_action(cli_services(), "harvest_source_update", data)
    click.echo(f"Updated harvest source {result['name']}.")


@source_group.command("validate")
@click.argument("source")
@click.option("--refuse", is_flag=True, help="Refuse instead of accepting.")
@click.option("--comment")
def source_validate(source: str, refuse: bool, comment: str | None) -> None:
    """Accept (or refuse) a source created by an organization admin."""
    data = {"id": source, "state": "refused" if refuse else "accepted", "comment": comment}
    result = run_action(cli_services(), "harvest_source_validate", data)
    click.echo(f"Harvest source {result['name']} is {result['validation']['state']}.")


@source_group.command("delete")
@click.argument("source")
@click.option("--clear", is_flag=True, help="Also withdraw its datasets and remove its history.")
def source_delete(source: str, clear: bool) -> None:
    """Deactivate a source."""
    run_action(cli_services(), "harvest_source_delete", {"id": source, "clear": clear})
    click.echo(f"Harvest source {source} deactivated{' and cleared' if clear else ''}.")


@harvest_group.command("run")
@click.argument("source")
@click.option("--dry-run", is_flag=True, help="Map and validate the first records; write nothing.")
@click.option("--limit", default=20, show_default=True, help="Records examined by --dry-run.")
@click.option("--force-all", is_flag=True, help="A full listing instead of the incremental window.")
@click.option("--allow-mass-deletion", is_flag=True, help="Delete even when the deletion guard would stop.")
@click.option("--batch-size", default=100, show_default=True)
def run(source: str, dry_run: bool, limit: int, force_all: bool, allow_mass_deletion: bool,
        batch_size: int) -> None:
    """Harvest SOURCE now, in this process (resuming its interrupted job if there is one)."""
    from tqdm import tqdm

    from harvest.dry_run import dry_run as preview
    from harvest.runner import JobAlreadyRunning, RunOptions, harvest_source

    services = cli_services()
    source_id = run_action(services, "harvest_source_show", {"id": source})["id"]
    if dry_run:
        report = preview(services, source_id, limit)
        _echo(report)
        if report["gather_errors"]:
            _fail(report["gather_errors"][0]["message"])
        return
    bar = tqdm(unit="record", desc=source, disable=None)

    def progress(done: int, total: int | None) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    options = RunOptions(batch_size=batch_size, allow_mass_deletion=allow_mass_deletion, progress=progress)
    try:
        job = harvest_source(services, source_id, options, force_all=force_all)
    except JobAlreadyRunning as error:
        raise click.ClickException(str(error)) from error
    except ActionError as error:
        raise click.ClickException(str(error.error_body())) from error
    finally:
        bar.close()
    _echo(job)
    _exit_if_failed(job)


def _exit_if_failed(job: dict[str, Any]) -> None:
    """A job whose gathering failed, or that broke, ends the command with status 1 and its reason on stderr."""
    if job.get("gather_failed") or job.get("status") == "failed":
        _fail(job.get("error") or job.get("message") or "the job failed")


def _fail(reason: str) -> None:
    click.echo(f"Harvest failed: {reason}", err=True)
    raise SystemExit(1)


def _status(job: dict[str, Any]) -> str:
    return f"{job['status']} (gather failed)" if job.get("gather_failed") else job["status"]


@harvest_group.command("jobs")
@click.argument("source")
@click.option("--limit", default=20, show_default=True)
def jobs(source: str, limit: int) -> None:
    """List the jobs of SOURCE, newest first."""
    for job in run_action(cli_services(), "harvest_job_list", {"source_id": source, "limit": limit}):
        stats = " ".join(f"{k}={v}" for k, v in job["stats"].items() if v)
        click.echo(f"{job['id']}\t{_status(job)}\t{job['created']}\t{stats}\t{job['error'] or job['message'] or ''}")


def _job_id(services: Services, source_or_job: str) -> str:
    if is_uuid(source_or_job):
        try:
            return run_action(services, "harvest_job_show", {"id": source_or_job})["id"]
        except click.ClickException:
            pass
    found = run_action(services, "harvest_job_list", {"source_id": source_or_job, "limit": 1})
    if not found:
        raise click.ClickException(f"No job for {source_or_job}")
    return found[0]["id"]


@harvest_group.command("job")
@click.argument("source_or_job_id")
def job(source_or_job_id: str) -> None:
    """Show a job (by id) or the latest job of a source, with its record errors."""
    services = cli_services()
    _echo(run_action(services, "harvest_job_show", {"id": _job_id(services, source_or_job_id)}))


@harvest_group.command("abort")
@click.argument("source_or_job_id")
def abort(source_or_job_id: str) -> None:
    """Abort a job (by id) or the latest job of a source; it stops after its current batch."""
    services = cli_services()
    result = run_action(services, "harvest_job_abort", {"id": _job_id(services, source_or_job_id)})
    click.echo(f"Job {result['id']} is {result['status']}.")


@harvest_group.command("clear")
@click.argument("source")
def clear(source: str) -> None:
    """Withdraw every dataset of SOURCE and remove its jobs (the source stays)."""
    result = run_action(cli_services(), "harvest_source_clear", {"id": source})
    click.echo(f"Withdrew {result['withdrawn']} dataset(s); history cleared.")


@harvest_group.command("schedule")
@click.option("--run-here", is_flag=True, help="Run due jobs in this process instead of queueing them.")
def schedule(run_here: bool) -> None:
    """Create jobs for sources due by frequency (run it from cron); queued when MOISSON_REDIS_URL is set."""
    from harvest.queue import schedule_due
    from harvest.runner import run_job

    services = cli_services()
    queued = bool(services.settings.redis_url) and not run_here
    job_ids = schedule_due(services, enqueue=queued)
    click.echo(f"{len(job_ids)} job(s) {'queued' if queued else 'created'}.")
    if not queued:
        jobs = [run_job(services, job_id) for job_id in job_ids]
        for job in jobs:
            _echo(job)
        for job in jobs:
            _exit_if_failed(job)


@click.command("worker")
@click.option("--queue", "queue_names", multiple=True, help="Queue to consume (repeatable); default: the harvest "
              "queue and the DataStore load queue.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(queue_names: tuple[str, ...], burst: bool) -> None:
    """Consume harvest jobs and pages and DataStore loads from Redis (MOISSON_REDIS_URL); run several,
    on several machines."""
    from catalog.datastore.jobs import QUEUE as DATASTORE_QUEUE
    from harvest.enqueue import QUEUE_NAME
    from harvest.queue import work

    services = cli_services()
    if not services.settings.redis_url:
        raise click.ClickException("Set MOISSON_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a worker.")
    work(services.settings.redis_url, list(queue_names) or [QUEUE_NAME, DATASTORE_QUEUE], burst=burst)
