"""The restricted role of datastore_search_sql (PostgreSQL): `moisson db upgrade` creates it and repairs whatever
would let a session of it become more powerful, whatever else runs at the same time on the cluster."""

from __future__ import annotations

import os
import threading
from typing import Any

import psycopg
import pytest

from catalog.datastore.postgres import PostgresDatastore
from catalog.datastore.sql_role import ensure_read_role
from catalog.errors import ServiceUnavailable
from catalog.settings import Settings
from tests.conftest import TEST_DB_PREFIX, TEST_READ_ROLE


@pytest.fixture
def pg_url(services: Any) -> str:
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL role")
    return services.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def role_state(conn: psycopg.Connection[Any]) -> tuple[Any, ...]:
    return conn.execute(
        "SELECT r.rolcanlogin, r.rolinherit, r.rolsuper, "
        "(SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid), "
        "(SELECT setconfig FROM pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0) "
        "FROM pg_roles r WHERE r.rolname = %s",
        (TEST_READ_ROLE,),
    ).fetchone()


def test_upgrade_repairs_what_would_let_the_role_escalate(pg_url):
    powerful = f"{TEST_DB_PREFIX}_powerful_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {powerful} NOLOGIN")
        try:
            # what a DBA might have done by hand: a membership, inheritance, no read-only default
            conn.execute(f"GRANT {powerful} TO {TEST_READ_ROLE}")
            conn.execute(f"ALTER ROLE {TEST_READ_ROLE} INHERIT")
            conn.execute(f"ALTER ROLE {TEST_READ_ROLE} RESET default_transaction_read_only")
            assert ensure_read_role(conn, TEST_READ_ROLE) is True
            assert role_state(conn) == (True, False, False, 0, ["default_transaction_read_only=on"])
            # and again: nothing left to do, nothing fails
            assert ensure_read_role(conn, TEST_READ_ROLE) is True
            assert role_state(conn) == (True, False, False, 0, ["default_transaction_read_only=on"])
        finally:
            conn.execute(f"DROP ROLE IF EXISTS {powerful}")


def test_concurrent_upgrades_all_succeed(pg_url):
    """Roles are shared by the cluster and several processes upgrade at once (other test runs, app instances)."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def upgrade() -> None:
        try:
            with psycopg.connect(pg_url) as conn:
                barrier.wait()
                assert ensure_read_role(conn, TEST_READ_ROLE) is True
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=upgrade) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_role_that_cannot_log_in_is_a_503(services, pg_url, resource):
    database = pg_url.rsplit("/", 1)[1]
    backend = PostgresDatastore(services.db.engine, f"postgresql://moisson_no_such_role@127.0.0.1:5432/{database}")
    with pytest.raises(ServiceUnavailable) as error:
        backend.search_sql(f'SELECT * FROM "{resource["id"]}"', {resource["id"]}, 5000, 10, 10_000)
    assert "moisson db upgrade" in error.value.message and error.value.status == 503


def test_a_login_that_may_not_grant_warns_and_goes_on(pg_url, caplog):
    """When Moisson does not own the cluster (no CREATEROLE, not the schema's owner), the upgrade still succeeds
    and says what the DBA must do, instead of failing half-way."""
    plain = f"{TEST_DB_PREFIX}_plain_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {plain} LOGIN")
        try:
            with psycopg.connect(pg_url.replace("postgres@", f"{plain}@", 1)) as conn:
                assert ensure_read_role(conn, TEST_READ_ROLE) is False
            assert "see SECURITY.md" in caplog.text and "datastore schema" in caplog.text
        finally:
            admin.execute(f"DROP OWNED BY {plain}")
            admin.execute(f"DROP ROLE {plain}")


def test_the_role_is_a_setting_for_shared_servers(services, pg_url, resource):
    """Two Moissons on one server must not share (and repair each other's) role: the name comes from
    `datastore_read_role` (MOISSON_DATASTORE_READ_ROLE), and queries log in as that one."""
    role = f"{TEST_DB_PREFIX}_alt_ro_{os.getpid()}"
    assert Settings.from_env({"MOISSON_DATASTORE_READ_ROLE": role}).datastore_read_role == role
    with psycopg.connect(pg_url, autocommit=True) as admin:
        try:
            assert ensure_read_role(admin, role) is True
            backend = PostgresDatastore(services.db.engine, "", role)
            _, rows, _ = backend.search_sql(f'SELECT current_user, session_user FROM "{resource["id"]}" LIMIT 1',
                                            {resource["id"]}, 5000, 10, 10_000)
            assert rows == [(role, role)]
            backend._sql_engine.dispose()  # its sessions, before the role goes
        finally:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_a_role_name_that_is_not_a_plain_identifier_is_refused(services, pg_url):
    with pytest.raises(ValueError, match="datastore_read_role"):
        PostgresDatastore(services.db.engine, "", 'x" SUPERUSER; --')
