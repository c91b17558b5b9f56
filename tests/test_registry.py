"""The dispatcher's transaction handling around the database connection."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from catalog.context import ANONYMOUS


def drop_pooled_connections(services) -> None:
    """What a PostgreSQL restart or an idle-session timeout does to the pool's connections."""
    killer = create_engine(services.db.engine.url.render_as_string(hide_password=False))
    with killer.connect() as conn:
        dropped = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    killer.dispose()
    assert dropped >= 1


def test_a_read_survives_connections_the_server_dropped(services, call, sysadmin, org):
    """Pooled connections are not pinged; a read that meets a closed one is retried on a fresh one."""
    if services.db.is_sqlite:
        pytest.skip("SQLite has no server to drop connections")
    call("package_create", sysadmin, name="kept", owner_org=org["id"])
    assert call("package_show", ANONYMOUS, id="kept")["name"] == "kept"  # a pooled connection now exists
    drop_pooled_connections(services)
    assert call("package_show", ANONYMOUS, id="kept")["name"] == "kept"


def test_a_write_survives_connections_the_server_dropped(services, call, sysadmin, org):
    """A write checks its connection first, so one the server dropped costs a retry, not a 500."""
    if services.db.is_sqlite:
        pytest.skip("SQLite has no server to drop connections")
    call("package_create", sysadmin, name="first", owner_org=org["id"])  # a pooled connection now exists
    drop_pooled_connections(services)
    created = call("package_create", sysadmin, name="second", owner_org=org["id"])
    assert call("package_show", ANONYMOUS, id="second")["id"] == created["id"]
    assert call("package_list", ANONYMOUS) == ["first", "second"]
