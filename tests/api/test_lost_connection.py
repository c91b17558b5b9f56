"""A database connection lost during a request is a 503 CKAN envelope, never a 500 (PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.cut_off import CutOff


@pytest.fixture(autouse=True)
def _postgresql_only(services):
    if services.db.is_sqlite:
        pytest.skip("SQLite has no server to drop connections")


def test_a_write_cut_off_is_a_503_envelope(services, client, sysadmin_token, org):
    with CutOff(services, "INSERT INTO package "):
        response = client.post("/api/3/action/package_create", headers={"Authorization": sysadmin_token},
                               json={"name": "cut", "owner_org": org["id"]})
    assert response.status_code == 503
    body = response.get_json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Service Unavailable"
    assert "read the object back" in body["error"]["message"]
    assert client.get("/api/3/action/package_show?id=cut").status_code == 404


def test_the_token_lookup_is_retried_once_then_a_503(services, client, sysadmin_token, org):
    """Finding the caller from the token is database work before the dispatcher: same retry, same 503."""
    headers = {"Authorization": sysadmin_token}
    with CutOff(services, "SELECT api_token", times=1) as cut:
        retried = client.post("/api/3/action/package_create", headers=headers, json={"name": "kept", "owner_org": org["id"]})
    assert cut.left == 0
    assert retried.status_code == 200, retried.get_data(as_text=True)
    with CutOff(services, "SELECT api_token", times=2):
        lost = client.post("/api/3/action/package_create", headers=headers, json={"name": "lost", "owner_org": org["id"]})
    assert lost.status_code == 503
    assert lost.get_json()["error"] == {"__type": "Service Unavailable",
                                        "message": "The connection to the database was lost; retry in a moment."}


def test_the_servers_shutdown_message_counts_as_a_lost_connection(services):
    """psycopg can raise PostgreSQL's FATAL 57P01 (pg_terminate_backend) before it marks the connection broken,
    and then SQLAlchemy does not flag it invalidated: the SQLSTATE alone must make it a lost connection (a 503),
    not an unexpected error (a 500; seen once in a full run of test_dropped_connections)."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from catalog.db import connection_was_lost

    shutdown = OperationalError("INSERT INTO package ...", {}, psycopg.errors.AdminShutdown(
        "terminating connection due to administrator command"))
    assert not shutdown.connection_invalidated
    assert connection_was_lost(shutdown)
    assert not connection_was_lost(OperationalError("SELECT 1", {}, psycopg.errors.QueryCanceled("timeout")))
