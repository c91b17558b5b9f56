"""The RQ entry point of DataStore loads (`rq worker moisson-datastore`): a worker process builds its own
services, as every entry point does (catalog/services.py)."""

from __future__ import annotations

from catalog.datastore.jobs import run_load
from catalog.services import build_services
from catalog.settings import Settings


def rq_load(resource_id: str, job_id: str, database_url: str, storage_path: str) -> None:
    """Load one resource's file (other settings from MOISSON_*)."""
    services = build_services(Settings.from_env(database_url=database_url, storage_path=storage_path))
    try:
        run_load(services, resource_id, job_id)
    finally:
        services.db.dispose()
