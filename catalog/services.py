"""The composition root: what an action may reach besides its session, built in one place from the settings.

The web app, the CLI, RQ workers and background DataStore loads all call `build_services`, so a process has one
way of choosing its backends: by name, from the small tables below (house style, "backends"). Building it also
registers every action once (catalog.action_modules), so lookups never import anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from catalog.db import Database
from catalog.settings import Settings

if TYPE_CHECKING:
    from flask import Flask

    from catalog.datastore.service import DatastoreService
    from catalog.search.backend import SearchBackend
    from catalog.storage.service import UploadStorage

T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    """Built once per process and never changed. (Tests that need other settings put them in the instance's own
    dict for the test's duration: tests/conftest.py, `services`.)"""

    settings: Settings
    db: Database
    search: SearchBackend
    storage: UploadStorage
    datastore: DatastoreService


def _fts5(db: Database) -> SearchBackend:
    from catalog.search.fts5 import Fts5Backend

    return Fts5Backend()


def _postgres_search(db: Database) -> SearchBackend:
    from catalog.search.postgres import PostgresBackend

    return PostgresBackend()


def _tantivy(db: Database, settings: Settings) -> SearchBackend:
    from catalog.search.tantivy_backend import TantivyBackend

    return TantivyBackend(db, settings)


# Each kind of backend by name. The database search backends and the DataStore live in the catalog's own
# database, so their name is the database's dialect; MOISSON_SEARCH_BACKEND=tantivy picks the embedded index
# instead. Files are stored on the local disk.
DATABASE_SEARCH_BACKENDS: Mapping[str, Callable[[Database], SearchBackend]] = {
    "sqlite": _fts5, "postgresql": _postgres_search,
}
SEARCH_BACKENDS: Mapping[str, Callable[[Database, Settings], SearchBackend]] = {
    "database": lambda db, settings: _chosen(DATABASE_SEARCH_BACKENDS, db.engine.dialect.name,
                                             "database search backend")(db),
    "tantivy": _tantivy,
}
STORAGE_BACKENDS = ("local",)


def _make_search(db: Database, settings: Settings) -> SearchBackend:
    return _chosen(SEARCH_BACKENDS, settings.search_backend, "search backend")(db, settings)


def _make_storage(settings: Settings) -> UploadStorage:
    from catalog.storage.local import LocalFileStorage
    from catalog.storage.service import UploadStorage

    return UploadStorage(LocalFileStorage(settings.storage_path))


def _make_datastore(settings: Settings, db: Database) -> DatastoreService:
    from catalog.datastore.service import DATASTORE_BACKENDS, DatastoreService

    return DatastoreService(_chosen(DATASTORE_BACKENDS, db.engine.dialect.name, "DataStore backend"), settings, db)


def _chosen(table: Mapping[str, T], name: str, kind: str) -> T:
    if name not in table:
        raise RuntimeError(f"No {kind} named {name!r}; known: {', '.join(sorted(table))}.")
    return table[name]


EXTENSION = "moisson"  # the key of a Flask app's Services in app.extensions


def services_of(app: Flask) -> Services:
    return app.extensions[EXTENSION]  # type: ignore[no-any-return]


def current_services() -> Services:
    """The Services of the app handling the current request."""
    from flask import current_app

    return services_of(current_app)


def build_services(settings: Settings) -> Services:
    import catalog.action_modules  # noqa: F401  (every action registered once, at start-up)

    db = Database(settings.database_url)
    return Services(settings=settings, db=db, search=_make_search(db, settings), storage=_make_storage(settings),
                    datastore=_make_datastore(settings, db))
