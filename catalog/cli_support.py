"""What every `moisson` command needs, whichever package defines it (catalog/cli.py, dcat, search, harvest):
services built from the environment, and actions called as the site with errors shown as click errors. A
module of its own so that those packages' commands never import catalog/cli.py, which imports them."""

from __future__ import annotations

from typing import Any

import click

from catalog.context import SYSTEM
from catalog.errors import ActionError
from catalog.migrate import SchemaOutOfDateError, ensure_schema
from catalog.registry import call_action
from catalog.services import Services, build_services
from catalog.settings import Settings


def cli_services() -> Services:
    """Services for a command; the embedded SQLite default is created and migrated on first use."""
    settings = Settings.from_env()
    services = build_services(settings)
    try:
        ensure_schema(services.db, create_if_embedded=settings.is_embedded_default)
    except SchemaOutOfDateError as error:
        raise click.ClickException(str(error)) from error
    return services


def run_action(services: Services, name: str, data: dict[str, Any]) -> Any:
    try:
        return call_action(services, name, data, actor=SYSTEM)
    except ActionError as error:
        raise click.ClickException(f"{name} failed: {error.error_body()}") from error
