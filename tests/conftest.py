"""Shared fixtures: every catalog test runs on SQLite and on PostgreSQL (MOISSON_TEST_DATABASES narrows).

A pytest session gets its own SQLite file and its own PostgreSQL database (created from the server at
MOISSON_TEST_PG_URL, dropped at the end), migrated once with Alembic; tables are emptied after each test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from catalog.app import create_app
from catalog.context import ANONYMOUS, Actor
from catalog.datastore.jobs import wait_for_in_process_loads
from catalog.db import Base
from catalog.migrate import upgrade
from catalog.registry import call_action
from catalog.services import Services, build_services
from catalog.settings import Settings

PG_SERVER_URL = os.environ.get("MOISSON_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# On a PostgreSQL server shared with others: the prefix of every database (and test role) the tests create, and
# the datastore_search_sql role (roles belong to the whole server; the server processes the tests start inherit it).
TEST_DB_PREFIX = os.environ.get("MOISSON_TEST_DB_PREFIX", "moisson")
TEST_READ_ROLE = os.environ.get("MOISSON_DATASTORE_READ_ROLE", Settings.datastore_read_role)
ALL_DATABASES = ("sqlite", "postgresql")
SELECTED = [d for d in os.environ.get("MOISSON_TEST_DATABASES", ",".join(ALL_DATABASES)).split(",") if d]
# Tables outside Base.metadata (search index, datastore) that must be emptied between tests.
EXTRA_TABLES_TO_CLEAR: list[str] = ["search_value", "search_doc", "search_package", "search_outbox",
                                     "search_index_node"]
# The search backends the tests marked `each_search_backend` run on (MOISSON_TEST_SEARCH_BACKENDS narrows).
SEARCH_BACKENDS = [b for b in os.environ.get("MOISSON_TEST_SEARCH_BACKENDS", "database,tantivy").split(",") if b]


def _pg_admin_url() -> str:
    return PG_SERVER_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def create_pg_database(kind: str = "test") -> str:
    """A fresh PostgreSQL database named after TEST_DB_PREFIX and `kind`; returns its URL. The caller drops it
    with drop_pg_database."""
    name = f"{TEST_DB_PREFIX}_{kind}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", params=SELECTED)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'moisson.db'}"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture(scope="session")
def _migrated_services(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    settings = Settings(
        database_url=database_url,
        site_url="http://test.moisson.local",
        secret_key="test-secret",
        storage_path=str(tmp_path_factory.mktemp("storage")),
        datastore_load_urls=False,  # tests never fetch remote URLs; DataStore tests turn it on explicitly
        datastore_read_role=TEST_READ_ROLE,
    )
    services = build_services(settings)
    upgrade(services.db, TEST_READ_ROLE)
    yield services
    services.db.dispose()


def clear_tables(services: Services) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)] + EXTRA_TABLES_TO_CLEAR
    with services.db.engine.begin() as conn:
        if services.db.is_sqlite:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            quoted = ", ".join(f'"{name}"' for name in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture
def services(_migrated_services: Services) -> Iterator[Services]:
    """The process's Services. It is frozen (production code never changes it); a test that needs other
    settings sets them in the instance's own dict, `monkeypatch.setitem(vars(services), "settings", ...)`, so the
    app under test, which holds this same object, sees them, and the change is undone after the test."""
    yield _migrated_services
    # A DataStore load still running in a thread would hold locks the TRUNCATE needs (deadlock on PostgreSQL).
    wait_for_in_process_loads()
    clear_tables(_migrated_services)


@pytest.fixture(params=SEARCH_BACKENDS)
def each_search_backend(request: pytest.FixtureRequest, services: Services, monkeypatch: pytest.MonkeyPatch,
                        tmp_path: Path) -> Iterator[str]:
    """The test runs once on the database's own search backend and once on Tantivy: an index in tmp_path fed by a
    real indexer (the same loop `moisson search-indexer` runs) in a thread of the test process."""
    if request.param == "database":
        yield "database"
        return
    from catalog.search.indexer import run_in_thread
    from catalog.search.tantivy_backend import TantivyBackend

    settings = replace(services.settings, search_backend="tantivy", search_index_path=str(tmp_path / "search-index"),
                       search_node="test-node")
    monkeypatch.setitem(vars(services), "settings", settings)
    monkeypatch.setitem(vars(services), "search", TantivyBackend(services.db, settings))
    thread, stop = run_in_thread(services)
    try:
        yield "tantivy"
    finally:
        stop.set()
        thread.join(30)


def wait_until_searchable(services: Services) -> None:
    """For test fixtures that fill the index tables directly, not through a write action (which waits itself)."""
    if services.settings.search_backend == "tantivy":
        from catalog.search.tantivy_check import caught_up

        assert caught_up(services, timeout=60), "the search indexer did not catch up within 60 s"


@pytest.fixture
def app(services: Services) -> Any:
    flask_app = create_app(services.settings, check_schema=False)
    # Share the session-scoped services so tests and requests see one engine.
    flask_app.extensions["moisson"] = services
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def users_create_groups(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ordinary users may create organizations and groups (off by default), for tests about what a creator
    gets rather than about who may create."""
    from dataclasses import replace

    monkeypatch.setitem(vars(services), "settings", replace(services.settings, user_create_organizations=True,
                                                      user_create_groups=True))


# MOISSON_OUTBOUND_ALLOW for tests whose fixture servers listen on loopback, which outbound fetches refuse.
LOOPBACK_ALLOW = "127.0.0.0/8"


@pytest.fixture
def outbound_allow_loopback(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Harvests and DataStore URL loads may reach 127.0.0.0/8 (as MOISSON_OUTBOUND_ALLOW=127.0.0.0/8), for
    tests that fetch from local fixture servers rather than about the address policy."""
    from dataclasses import replace

    monkeypatch.setitem(vars(services), "settings", replace(services.settings, outbound_allow=LOOPBACK_ALLOW))


class Caller:
    """Calls actions through the real dispatcher, auth on: `call("package_show", actor, id=...)`."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def __call__(self, action_name: str, actor: Actor = ANONYMOUS, /, **data: Any) -> Any:
        # Positional-only, so that data may carry its own `name` (user_create, organization_create).
        return call_action(self.services, action_name, data, actor=actor)


@pytest.fixture
def call(services: Services) -> Caller:
    return Caller(services)


@pytest.fixture
def sysadmin(call: Caller) -> Actor:
    from catalog.context import SYSTEM

    user = call("user_create", SYSTEM, name="admin", email="admin@example.org", password="correct-horse",
                sysadmin=True)
    return Actor(user_id=user["id"], name=user["name"], is_sysadmin=True)


def make_user(call: Caller, name: str) -> Actor:
    from catalog.context import SYSTEM

    user = call("user_create", SYSTEM, name=name, email=f"{name}@example.org", password="correct-horse")
    return Actor(user_id=user["id"], name=user["name"], is_sysadmin=False)


@pytest.fixture
def sysadmin_token(call: Caller, sysadmin: Actor) -> str:
    return call("api_token_create", sysadmin, user=sysadmin.name, name="tests")["token"]


@pytest.fixture
def org(call: Caller, sysadmin: Actor) -> dict[str, Any]:
    return call("organization_create", sysadmin, name="cnaf", title="Caisse nationale des allocations familiales")


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
