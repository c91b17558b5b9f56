"""The dispatcher's transaction handling around the database connection."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text

from catalog.context import ANONYMOUS
from catalog.errors import NotFound, ServiceUnavailable
from tests.cut_off import CutOff


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


def test_a_write_cut_off_midway_is_a_503_and_leaves_nothing(services, call, sysadmin, org):
    """After its ping a write is not retried (it may have done things outside the database); the connection
    lost under it is a 503 Service Unavailable, and its transaction left nothing behind."""
    if services.db.is_sqlite:
        pytest.skip("SQLite has no server to drop connections")
    with CutOff(services, "INSERT INTO package ") as cut, pytest.raises(ServiceUnavailable) as raised:
        call("package_create", sysadmin, name="cut", owner_org=org["id"], resources=[{"url": "http://a.org/x"}])
    assert cut.left == 0
    assert (raised.value.status, raised.value.ckan_type) == (503, "Service Unavailable")
    assert "before sending it again" in raised.value.message
    with pytest.raises(NotFound):
        call("package_show", ANONYMOUS, id="cut")
    assert call("package_create", sysadmin, name="cut", owner_org=org["id"])["name"] == "cut"


def test_a_read_that_loses_its_connection_twice_is_a_503(services, call, sysadmin, org):
    """A read is retried once on a fresh connection; losing that one too is a 503, not a 500."""
    if services.db.is_sqlite:
        pytest.skip("SQLite has no server to drop connections")
    call("package_create", sysadmin, name="kept", owner_org=org["id"])
    with CutOff(services, "SELECT", times=2), pytest.raises(ServiceUnavailable) as raised:
        call("package_show", ANONYMOUS, id="kept")
    assert raised.value.message == "The connection to the database was lost; retry in a moment."
    with CutOff(services, "SELECT", times=1):
        assert call("package_show", ANONYMOUS, id="kept")["name"] == "kept"


def test_a_write_kept_waiting_past_sqlites_busy_timeout_is_a_503_and_leaves_nothing(services, call, sysadmin, org):
    """Another process holding SQLite's write lock past the busy timeout ("database is locked") is CKAN's 503
    with what to do next, not a 500, and the write left nothing behind."""
    if not services.db.is_sqlite:
        pytest.skip("PostgreSQL writers queue on row locks, not on a file lock")
    from sqlalchemy import event

    def short_wait(dbapi_connection, _record, _proxy) -> None:  # 30 s in production; 50 ms is enough here
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    event.listen(services.db.engine, "checkout", short_wait)
    holder = sqlite3.connect(services.db.engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(ServiceUnavailable) as raised:
            call("package_create", sysadmin, name="waited", owner_org=org["id"])
        assert (raised.value.status, raised.value.ckan_type) == (503, "Service Unavailable")
        assert "busy" in raised.value.message and "retry" in raised.value.message
    finally:
        holder.rollback()
        holder.close()
        event.remove(services.db.engine, "checkout", short_wait)
        services.db.engine.dispose()  # pooled connections keep the short wait; new ones get 30 s again
    with pytest.raises(NotFound):
        call("package_show", ANONYMOUS, id="waited")
    assert call("package_create", sysadmin, name="waited", owner_org=org["id"])["name"] == "waited"


def test_an_after_commit_error_is_not_taken_for_a_failed_transaction(services, call, sysadmin, monkeypatch):
    """After-commit callbacks run once the transaction is committed and the retries are over: an error in one is
    that error (a 500 over HTTP), not the 503 'nothing was saved: retry' that a busy database during the
    transaction gives, and the write stays."""
    from sqlalchemy.exc import OperationalError

    from catalog.registry import ACTIONS, ActionSpec

    def locked() -> None:
        raise OperationalError("DROP TABLE x", {}, sqlite3.OperationalError("database is locked"))

    def write_then_fail_after_commit(ctx, data):
        ctx.as_system().call("organization_create", {"name": "kept-org"})
        ctx.after_commit(locked)

    monkeypatch.setitem(ACTIONS, "write_then_fail_after_commit",
                        ActionSpec("write_then_fail_after_commit", write_then_fail_after_commit, None, True, False))
    with pytest.raises(OperationalError):
        call("write_then_fail_after_commit", sysadmin)
    assert call("organization_show", ANONYMOUS, id="kept-org")["name"] == "kept-org"
