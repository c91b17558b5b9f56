"""The DataStore as the rest of the catalog sees it (`services.datastore`): its table backend, and the loads a
resource write schedules. Dataset code reaches the DataStore only through this object, never by import."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from catalog.db import Database
from catalog.settings import Settings

if TYPE_CHECKING:
    from catalog.context import ActionContext
    from catalog.datastore.backend import DatastoreBackend


def _sqlite(settings: Settings, db: Database) -> DatastoreBackend:
    from catalog.datastore.sqlite import SqliteDatastore

    return SqliteDatastore.for_catalog(settings)


def _postgres(settings: Settings, db: Database) -> DatastoreBackend:
    from catalog.datastore.postgres import PostgresDatastore

    return PostgresDatastore(db.engine, settings.datastore_sql_url, settings.datastore_read_role)


# By the catalog database's dialect: the DataStore lives beside the catalog (another file, another schema).
DATASTORE_BACKENDS: Mapping[str, Callable[[Settings, Database], DatastoreBackend]] = {
    "sqlite": _sqlite, "postgresql": _postgres,
}


class DatastoreService:
    def __init__(self, make_backend: Callable[[Settings, Database], DatastoreBackend], settings: Settings,
                 db: Database) -> None:
        self._make = make_backend
        self._settings = settings
        self._db = db
        self._backend: DatastoreBackend | None = None
        self._building = threading.Lock()

    @property
    def backend(self) -> DatastoreBackend:
        """Built on first use (most requests never touch the DataStore), once per process."""
        if self._backend is None:
            with self._building:
                if self._backend is None:
                    self._backend = self._make(self._settings, self._db)
        return self._backend

    def schedule_load(self, ctx: ActionContext, resource_id: str, *, force: bool = False) -> bool:
        """Queue a load of the resource's file once the transaction commits (see datastore.jobs)."""
        from catalog.datastore.jobs import schedule_load

        return schedule_load(ctx, resource_id, force=force)

    def forget_resource(self, ctx: ActionContext, resource_id: str) -> None:
        """The resource's table and load status go once its deletion commits."""
        from catalog.datastore.jobs import forget_resource

        forget_resource(ctx, resource_id)
